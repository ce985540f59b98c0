// Forecasts from a calibration: runs whose parameters are drawn from DIR/posterior.csv
// instead of the prior, and runs that contradict the observations up to a date left out
// (`geosim run SCENARIO --posterior DIR --from DATE`, docs/calibration.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/compare/paired.h"  // RunValues
#include "engine/model/model.h"
#include "engine/runner/summary.h"

namespace geosim {

struct PosteriorSample {
  std::string file;
  std::vector<ParamId> params;  // the columns after `weight`
  std::vector<std::string> paths;  // their parameter paths
  std::vector<double> weight;   // per particle
  std::vector<double> values;   // particles x params
  size_t size() const { return weight.size(); }
};

// Reads DIR/posterior.csv and matches its columns to the scenario's uncertain parameters
// (InputError with file:line:col when they differ or a number is malformed).
PosteriorSample load_posterior(const Scenario& sc, const std::string& dir);

// A posterior's particles as per-run values of a scenario (the one calibrated, or a variant
// of it: columns are matched by parameter path, and a path the scenario lacks is left out):
// run r takes particle j with probability weight_j, chosen by the addressed uniform that
// `geosim run --posterior` uses, so every arm of a comparison gets the same particle.
class PosteriorDraw : public RunValues {
 public:
  PosteriorDraw(const PosteriorSample& sample, const Scenario& target);
  void fill(uint64_t seed, uint64_t r, ParamValues& out) const override;
  // The particle run r takes.
  size_t particle(uint64_t seed, uint64_t r) const;

 private:
  const PosteriorSample& s_;
  std::vector<double> cum_;
  std::vector<std::pair<size_t, ParamId>> cols_;  // posterior column -> the target's parameter
};

struct ConditionedOptions {
  uint64_t runs = 10000, seed = 1;
  const PosteriorSample* posterior = nullptr;  // null: the prior
  std::vector<int> observations;  // runs must agree with these (indices into sc.observations)
  std::function<void(uint64_t, uint64_t)> progress;
  const std::atomic<bool>* stop = nullptr;
};

struct ConditionedResult {
  Accumulator acc;       // the runs that agreed
  uint64_t simulated = 0;
};

// Runs [0, runs): run r takes particle j with probability weight_j (chosen by an addressed
// uniform of run r), so results are the same bytes for any number of threads.
ConditionedResult run_conditioned(const Model& model, const ConditionedOptions& options);

}  // namespace geosim
