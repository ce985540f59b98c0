#include "engine/runner/monte_carlo.h"

#include <algorithm>
#include <memory>

#include "engine/core/parallel.h"

namespace geosim {

namespace {

struct ThreadSlot {
  RunState st;
  Accumulator acc;
  bool ready = false;
};

// Advances one run to its end, recording fan points; the end state is carried forward.
// A stop request abandons the run (it is not counted): a single run of a large scenario can
// take seconds, and Ctrl-C must be honoured promptly.
inline void one_run(const Model& model, RunState& st, Accumulator& acc, uint64_t seed, uint64_t run,
                    const ParamValues* fixed, const std::atomic<bool>* stop) {
  const Scenario& sc = model.scenario();
  model.init_run(st, seed, run, fixed);
  RunRng rng(seed, run);
  const FanLayout& L = acc.layout();
  const int H = sc.horizon;
  const int nf = static_cast<int>(sc.fans.size());
  int next_point = 0;
  int next_step = L.step_of(0, H);
  for (int t = 0; t < H; ++t) {
    if (stop && (t & 63) == 63 && stop->load(std::memory_order_relaxed)) return;
    bool ended = model.step(st, rng, t);
    if (ended) {
      // Every remaining point sees the final state: counted once (Accumulator::add_ended).
      if (next_point < L.points)
        for (int f = 0; f < nf; ++f)
          acc.add_ended(next_point, f, st.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])]);
      break;
    }
    if (t == next_step) {
      for (int f = 0; f < nf; ++f) acc.add_fan(next_point, f, st.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])]);
      ++next_point;
      if (next_point < L.points) next_step = L.step_of(next_point, H);
    }
  }
  acc.add_run(st.outcome, st.end_step);
}

}  // namespace

Accumulator run_monte_carlo(const Model& model, const RunOptions& o) {
  const Scenario& sc = model.scenario();
  uint64_t first = std::min(o.first_run, o.runs);
  uint64_t count = std::min(o.count, o.runs - first);
  uint64_t blocks = (count + kBlock - 1) / kBlock;
  int threads = max_threads();
  std::vector<std::unique_ptr<ThreadSlot>> slots(static_cast<size_t>(threads));
  std::atomic<uint64_t> done{0};
  ParallelFor(static_cast<int64_t>(blocks), [&](int64_t b, int thread) {
    if (o.stop && o.stop->load(std::memory_order_relaxed)) return;
    auto& slot = slots[static_cast<size_t>(thread)];
    if (!slot) {
      slot = std::make_unique<ThreadSlot>();
      model.prepare(slot->st);
      slot->acc = Accumulator(sc, sc.horizon);
      slot->acc.track_ended();
    }
    uint64_t lo = first + static_cast<uint64_t>(b) * kBlock;
    uint64_t hi = std::min(first + count, lo + kBlock);
    for (uint64_t r = lo; r < hi; ++r) {
      if (o.stop && o.stop->load(std::memory_order_relaxed)) return;
      one_run(model, slot->st, slot->acc, o.seed, r, o.fixed, o.stop);
    }
    uint64_t now = done.fetch_add(hi - lo) + (hi - lo);
    if (o.progress && thread == 0) o.progress(now, count);
  });
  Accumulator total(sc, sc.horizon);
  for (const auto& slot : slots)
    if (slot) {
      slot->acc.settle();
      total.merge(slot->acc);
    }
  return total;
}

int replay_run(const Model& model, uint64_t seed, uint64_t run, Trace& trace, RunState* final_state) {
  RunState local;
  RunState& st = final_state ? *final_state : local;
  model.prepare(st);
  model.init_run(st, seed, run);
  RunRng rng(seed, run);
  for (int t = 0; t < model.scenario().horizon; ++t)
    if (model.step(st, rng, t, &trace)) break;
  return st.outcome;
}

}  // namespace geosim
