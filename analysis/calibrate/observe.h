// Running a scenario against its observations: how far each run is from what was observed.
//
// A Probe belongs to one thread: it owns a RunState and the observations' expressions bound
// to it. It runs one run (addressed by seed and run index, parameters optionally fixed, as
// every run of geosim is) and reads each observation on its date. The distance of an
// observation is in units of its tolerance: for a `measure:` |run - value| / tolerance, for
// a fact (`holds:` or `outcome:`) 0 when it held and kMissedFact when it did not; a run
// agrees with an observation when its distance is at most 1.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/model.h"
#include "engine/runner/summary.h"

namespace geosim {

// The distance of a fact that did not hold: twice a tolerance.
constexpr double kMissedFact = 2.0;

class Probe {
 public:
  // `which`: indices into the scenario's observations that this probe reads.
  Probe(const Model& model, std::vector<int> which);
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Runs `run`; dist[k] receives the distance of observation which[k]. Stops after the last
  // observation's date, unless `acc` is given: then the run goes on to its end and its
  // outcome and fan points are recorded in `acc` (as the Monte Carlo driver records them).
  void run(uint64_t seed, uint64_t run, const ParamValues* fixed, double* dist, Accumulator* acc = nullptr);

  size_t size() const { return which_.size(); }
  const RunState& state() const { return st_; }

 private:
  double distance(size_t k) const;

  const Model& model_;
  std::vector<int> which_;
  std::vector<int> order_;  // observations in the order of their dates
  int last_steps_ = 0;
  RunState st_;
  std::vector<BoundExpr> exprs_;  // per observation (unused for outcome facts)
};

}  // namespace geosim
