#include "analysis/calibrate/observe.h"

#include <algorithm>
#include <cmath>

namespace geosim {

Probe::Probe(const Model& model, std::vector<int> which) : model_(model), which_(std::move(which)) {
  const Scenario& sc = model.scenario();
  model.prepare(st_);
  const VarNames names(sc.var_names());
  for (int o : which_) {
    const Observation& ob = sc.observations[static_cast<size_t>(o)];
    exprs_.emplace_back(ob.kind == Observation::Kind::Outcome ? std::string("0") : ob.expr, names, st_.vars.data());
    last_steps_ = std::max(last_steps_, ob.steps);
  }
  order_.resize(which_.size());
  for (size_t k = 0; k < order_.size(); ++k) order_[k] = static_cast<int>(k);
  std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) {
    return sc.observations[static_cast<size_t>(which_[static_cast<size_t>(a)])].steps <
           sc.observations[static_cast<size_t>(which_[static_cast<size_t>(b)])].steps;
  });
}

double Probe::distance(size_t k) const {
  const Scenario& sc = model_.scenario();
  const Observation& ob = sc.observations[static_cast<size_t>(which_[k])];
  switch (ob.kind) {
    case Observation::Kind::Holds:
      return exprs_[k].holds() ? 0.0 : kMissedFact;
    case Observation::Kind::Outcome: {
      // The run's outcome once it is reached, the default outcome (the status quo) before.
      // With a leader (format 2) it is reached when he leaves, though the run goes on under
      // the regime: the outcome is his (docs/scenario-format.md, The leader and the regime).
      int now = st_.outcome >= 0 ? st_.outcome : sc.default_outcome;
      return now == ob.outcome ? 0.0 : kMissedFact;
    }
    case Observation::Kind::Measure: {
      double v = exprs_[k].eval();
      double d = std::fabs(v - ob.value) / ob.tolerance;
      return std::isfinite(d) ? d : 1e300;
    }
  }
  return 1e300;
}

void Probe::run(uint64_t seed, uint64_t run, const ParamValues* fixed, double* dist, Accumulator* acc) {
  const Scenario& sc = model_.scenario();
  model_.init_run(st_, seed, run, fixed);
  RunRng rng(seed, run);
  const int H = sc.horizon;
  size_t next = 0;  // next observation (in date order) to read
  auto read_due = [&](int steps_done, bool ended) {
    while (next < order_.size()) {
      size_t k = static_cast<size_t>(order_[next]);
      if (!ended && sc.observations[static_cast<size_t>(which_[k])].steps > steps_done) break;
      dist[k] = distance(k);
      ++next;
    }
  };
  int next_point = 0;
  int next_step = acc ? acc->layout().step_of(0, H) : 0;
  for (int t = 0; t < H; ++t) {
    read_due(t, false);
    if (!acc && next == order_.size()) return;
    bool ended = model_.step(st_, rng, t);
    if (ended) {
      read_due(t + 1, true);
      if (acc) {
        const FanLayout& L = acc->layout();
        if (next_point < L.points) acc->add_ended_fans(next_point, st_.vars.data());
        acc->add_run(st_.outcome, st_.end_step);
        if (acc->has_regime()) acc->add_regime(st_.outcome, st_.regime_fate, st_.regime_end, st_.ruler);
      }
      return;
    }
    if (acc && t == next_step) {
      const FanLayout& L = acc->layout();
      acc->add_fans(next_point, st_.vars.data());
      ++next_point;
      if (next_point < L.points) next_step = L.step_of(next_point, H);
    }
  }
  // Model::step ends every run by the horizon; this is a guard.
  read_due(H, true);
}

}  // namespace geosim
