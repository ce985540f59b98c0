#include "engine/runner/monte_carlo.h"
#include "engine/runner/run_loop.h"

#include <algorithm>
#include <memory>

namespace geosim {

namespace {

// Each thread's runs go into its own accumulator; the accumulators are integers, merged in
// thread order (any order gives the same counts).
struct SummaryVisitor {
  const Model& model;
  const RunOptions& o;
  Accumulator total;

  struct Local {
    RunState st;
    Accumulator acc;
    ParamValues values;  // this run's values, with per-run values (RunOptions::per_run)
  };

  std::unique_ptr<Local> make_local() const {
    const Scenario& sc = model.scenario();
    auto l = std::make_unique<Local>();
    model.prepare(l->st);
    l->st.defer_draws = true;  // only the summaries are read (RunState::defer_draws)
    l->acc = Accumulator(sc, sc.horizon);
    l->acc.track_ended();
    return l;
  }

  // Advances one run to its end, recording fan points; the end state is carried forward.
  void run(Local& l, uint64_t r) const {
    const Scenario& sc = model.scenario();
    RunState& st = l.st;
    Accumulator& acc = l.acc;
    const FanLayout& L = acc.layout();
    const int H = sc.horizon;
    int next_point = 0;
    int next_step = L.step_of(0, H);
    // A stop request abandons the run (it is not counted): a single run of a large scenario
    // can take seconds, and Ctrl-C must be honoured promptly.
    const ParamValues* fixed = run_values(o.fixed, o.per_run, sc.params.size(), o.seed, r, l.values);
    const int outcome = simulate_with(model, st, o.seed, r, fixed, nullptr, [] {}, [&](int t, bool ended) {
      if (o.stop && (t & 63) == 63 && o.stop->load(std::memory_order_relaxed)) return false;
      if (ended) {
        // Every remaining point sees the final state: counted once (Accumulator::add_ended).
        if (next_point < L.points) acc.add_ended_fans(next_point, st.vars.data());
        return true;
      }
      if (t == next_step) {
        acc.add_fans(next_point, st.vars.data());
        ++next_point;
        if (next_point < L.points) next_step = L.step_of(next_point, H);
      }
      return true;
    });
    if (outcome == kAbandoned) return;
    acc.add_run(st.outcome, st.end_step);
    if (acc.has_regime()) acc.add_regime(st.outcome, st.regime_fate, st.regime_end, st.ruler);
  }

  void merge(Local& l) {
    l.acc.settle();
    total.merge(l.acc);
  }
};

}  // namespace

Accumulator run_monte_carlo(const Model& model, const RunOptions& o) {
  const Scenario& sc = model.scenario();
  const uint64_t first = std::min(o.first_run, o.runs);
  const uint64_t count = std::min(o.count, o.runs - first);
  SummaryVisitor v{model, o, Accumulator(sc, sc.horizon)};
  LoopOptions lo;
  lo.block = kBlock;
  lo.stop = o.stop;
  lo.progress = o.progress;
  for_each_run({first, count}, lo, v);
  return std::move(v.total);
}

int replay_run(const Model& model, uint64_t seed, uint64_t run, Trace& trace, RunState* final_state) {
  RunState local;
  RunState& st = final_state ? *final_state : local;
  model.prepare(st);
  return simulate_with(model, st, seed, run, nullptr, &trace, [] {}, [](int, bool) {});
}

}  // namespace geosim
