// Forecasts from a calibration: runs whose parameters are drawn from DIR/posterior.csv
// instead of the prior, conditioned on the observations up to a date
// (`geosim run SCENARIO --posterior DIR --from DATE`, docs/calibration.md).
//
// The posterior is already conditioned on the observations it was calibrated on: P(θ | obs)
// ∝ prior(θ) P(obs | θ). Rejecting whole runs (parameters and path) that disagree with those
// observations again would weight each θ by P(obs | θ) twice. So with a posterior, those
// observations condition only the run's path given its parameters: the path is simulated
// again with fresh addressed randomness, the parameters kept, until it agrees (at most
// kMaxPathAttempts tries), which draws the path from P(path | θ, obs) and leaves θ's weight
// alone. Observations up to the date that the posterior was not calibrated on are new
// evidence: runs whose (accepted) path disagrees with them are dropped, which reweights θ by
// them once. Without a posterior every observation up to the date is applied by rejection.
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
//
// With `calibrated` (the scenario the posterior was made from), a column whose parameter the
// target gives another value or prior (a variant's what-if) is left to the target: its runs
// take the variant's own value or draw, as a sweep's point keeps the values it sets.
class PosteriorDraw : public RunValues {
 public:
  PosteriorDraw(const PosteriorSample& sample, const Scenario& target, const Scenario* calibrated = nullptr);
  // The paths of the columns left to the target (in column order).
  const std::vector<std::string>& own() const { return own_; }
  void fill(uint64_t seed, uint64_t r, ParamValues& out) const override;
  // The particle run r takes.
  size_t particle(uint64_t seed, uint64_t r) const;

 private:
  const PosteriorSample& s_;
  std::vector<double> cum_;
  std::vector<std::pair<size_t, ParamId>> cols_;  // posterior column -> the target's parameter
  std::vector<std::string> own_;
};

// What a calibration folder says about the evidence its posterior holds.
struct PosteriorEvidence {
  // Indices into sc.observations of the observations the posterior was calibrated on: those
  // DIR/summary.json lists (by id) that the scenario has, or every observation of the
  // scenario when there is no summary.json or it lists none (`geosim calibrate` conditions
  // on all of them).
  std::vector<int> observations;
  bool listed = false;  // read from summary.json
  // The calibration's final tolerance (summary.json's last generation); NaN when unknown.
  // Above 1 the posterior was conditioned on "distance at most this", not on agreement.
  double tolerance = 0;
};

// Reads DIR/summary.json (InputError with the file when it is there but not what geosim writes).
PosteriorEvidence posterior_evidence(const Scenario& sc, const std::string& dir);

// With a posterior, a run's path is simulated at most this many times (its parameters kept)
// to find one that agrees with the posterior's observations; a run that finds none is left out.
constexpr uint64_t kMaxPathAttempts = 10000;

// The run address of try k (0, 1, ...) of run r: r + k * 2^40. Runs are fewer than 2^40
// (engine/output/run_limits.h) and tries fewer than 2^24, so no two (r, k) share an address,
// and try 0 is run r itself.
// The runs tried first with a posterior and path observations (ConditionedOptions::pilot_runs).
constexpr uint64_t kPathPilotRuns = 16;

constexpr uint64_t kPathAttemptStride = uint64_t{1} << 40;
constexpr uint64_t path_attempt_address(uint64_t r, uint64_t k) { return r + k * kPathAttemptStride; }

struct ConditionedOptions {
  uint64_t runs = 10000, seed = 1;
  const PosteriorSample* posterior = nullptr;  // null: the prior
  // Runs must agree with these, or are dropped (indices into sc.observations).
  std::vector<int> observations;
  // Only with a posterior (ignored without one): the observations it was calibrated on; each
  // run's path is tried again, its parameters kept, until it agrees with them.
  std::vector<int> path_observations;
  uint64_t max_attempts = kMaxPathAttempts;
  // Only with path_observations: runs [0, pilot_runs) are run first, and when none of them
  // finds an agreeing path the others are not run (ConditionedResult::stopped_after_pilot):
  // observations no path can meet would otherwise cost every run max_attempts paths. The
  // counts are integers, so running the range in two parts changes no number.
  uint64_t pilot_runs = kPathPilotRuns;
  std::function<void(uint64_t, uint64_t)> progress;
  const std::atomic<bool>* stop = nullptr;
};

struct ConditionedResult {
  Accumulator acc;       // the runs that agreed
  uint64_t simulated = 0;  // runs
  // With path_observations (and a posterior): the paths simulated to find agreeing ones (one
  // or more per run), the runs that needed more than one, the runs that found none within
  // max_attempts (left out), and the runs whose agreeing path `observations` then rejected.
  uint64_t path_attempts = 0;
  uint64_t runs_retried = 0;
  uint64_t runs_without_path = 0;
  uint64_t runs_rejected = 0;
  // None of the pilot runs found an agreeing path, so the runs after them were not run.
  bool stopped_after_pilot = false;
};

// Runs [0, runs): run r takes particle j with probability weight_j (chosen by an addressed
// uniform of run r); with path_observations its path is tried at the addresses
// path_attempt_address(r, 0, 1, ...) until one agrees with them, and that path is the run's.
// Results are the same bytes for any number of threads.
ConditionedResult run_conditioned(const Model& model, const ConditionedOptions& options);

}  // namespace geosim
