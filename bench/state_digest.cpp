// A digest of everything a run computes: every state variable after every step (and the
// parameters, the outcome and the end step) of runs 0..N-1, drawn and then with a third
// of the uncertain parameters fixed as a sweep would. An optimisation of the engine must
// leave the digest unchanged on every scenario (docs/performance.md, "What was done"):
// unlike the summaries of `geosim run`, which bin the fan variables, it sees every bit.
//
//   build/bench/geosim_state_digest RUNS SCENARIO [PATH=VALUE ...]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "engine/core/error.h"
#include "engine/model/model.h"
#include "engine/runner/run_loop.h"
#include "engine/scenario/loader.h"

using namespace geosim;

namespace {
uint64_t digest = 1469598103934665603ull;  // FNV-1a, 64 bits
void mix(const void* data, size_t bytes) {
  const auto* b = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    digest ^= b[i];
    digest *= 1099511628211ull;
  }
}

// Mixes every run's parameters and state after every step, in run order (the digest
// depends on the order, so the run loop goes through the runs in order).
struct DigestVisitor {
  const Model& model;
  const ParamValues* fixed;
  uint64_t steps = 0;

  struct Local {
    RunState st;
  };

  std::unique_ptr<Local> make_local() const {
    auto l = std::make_unique<Local>();
    model.prepare(l->st);
    return l;
  }

  void run(Local& l, uint64_t r) {
    RunState& st = l.st;
    simulate_with(
        model, st, 7, r, fixed, nullptr,
        [&] {
          mix(st.p.data(), st.p.size() * sizeof(double));
          mix(st.vars.data(), st.vars.size() * sizeof(double));
        },
        [&](int, bool) {
          mix(st.vars.data(), st.vars.size() * sizeof(double));
          ++steps;
        });
    mix(&st.outcome, sizeof st.outcome);
    mix(&st.end_step, sizeof st.end_step);
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: geosim_state_digest RUNS SCENARIO [PATH=VALUE ...]\n");
    return 2;
  }
  try {
    const int runs = std::atoi(argv[1]);
    LoadOptions lo;
    for (int i = 3; i < argc; ++i) lo.sets.push_back(argv[i]);
    const Scenario sc = load_scenario(argv[2], lo);
    const Model model(sc);
    ParamValues fixed(sc.params.size(), NAN);
    const auto uncertain = sc.uncertain_params();
    for (size_t i = 0; i < uncertain.size(); i += 3) {
      const auto id = static_cast<size_t>(uncertain[i]);
      fixed[id] = 0.5 * sc.params[id].dist.quantile(0.3);
    }
    uint64_t steps = 0;
    LoopOptions in_order;
    in_order.in_order = true;
    for (int pass = 0; pass < 2; ++pass) {
      DigestVisitor v{model, pass ? &fixed : nullptr};
      for_each_run({0, static_cast<uint64_t>(std::max(runs, 0))}, in_order, v);
      steps += v.steps;
    }
    std::printf("%016llx steps=%llu %s\n", static_cast<unsigned long long>(digest),
                static_cast<unsigned long long>(steps), argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 3;
  }
  return 0;
}
