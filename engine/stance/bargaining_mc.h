// Monte Carlo over the inputs of expected-utility bargaining: how stable is the forecast?
//
// A single bargaining forecast hides how fragile it is: small changes to a capability or a
// salience can send the median elsewhere, and the model often cycles. This runs the model
// many times over uncertain inputs (a scenario's distributions, or a CSV's values jittered
// by truncated normals) and reports, per round, quantiles of the median and mean, a
// histogram of the final median, and how many runs end away from the unperturbed forecast.
//
// Like every geosim run, the result depends only on (seed, run index): each run draws its
// inputs from addressed streams, writes its own slot, and the slots are reduced in run
// order (sorting for quantiles, integer counts for the rest), so the bytes are the same
// for any thread count.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/stance/bargaining.h"

namespace geosim::bargaining {

// One thread's source of run inputs. The run loop asks the InputDraw for one per thread and
// uses it on that thread only, so it may keep scratch (a scenario's RunState, the run's pulls).
class RunInputs {
 public:
  virtual ~RunInputs() = default;
  // Fills run `run`'s inputs for n actors.
  virtual void draw(uint64_t run, double* capability, double* salience, double* position) = 0;
  // Whether between_rounds moves positions (e.g. a scenario's levers that pull stances).
  virtual bool moves_between_rounds() const { return false; }
  // Moves the positions of the run drawn last, before each round after round 0.
  virtual void between_rounds(double* /*position*/) {}
};

// Makes one RunInputs (per thread, for the Monte Carlo).
using InputDraw = std::function<std::unique_ptr<RunInputs>()>;

// A lever's pull on a stance: each step, position[target] += k (position[by] - position[target]).
struct Pull {
  int by = 0, target = 0;
  double k = 0;  // share of the gap closed per step
};

// `steps` steps of pulls on n positions, every target moved at once from the same
// positions each step (as Model::step does), then clamped to [lo, hi]. `push` is n doubles
// of scratch.
void apply_pulls(const std::vector<Pull>& pulls, int steps, int n, double lo, double hi, double* position,
                 double* push);

struct MonteCarloOptions {
  uint64_t runs = 1000;
  int rounds = 10;
  // A run's median counts as "changed" at a round when it differs from the reference
  // forecast's median by more than this (issue units).
  double tolerance = 0.0;
  int bins = 20;              // histogram of the final median over [lo, hi]
  double lo = 0.0, hi = 1.0;  // histogram span; values outside go to the end bins
  // Called now and then from one thread with the runs finished so far (progress line).
  std::function<void(uint64_t)> progress;
};

// p5, p25, p50, p75, p95 (linear interpolation between order statistics).
using Quantiles = std::array<double, 5>;
constexpr double kQuantileLevels[5] = {0.05, 0.25, 0.50, 0.75, 0.95};

struct RoundDistribution {
  int round = 0;
  Quantiles median{}, mean{};
  uint64_t changed = 0;  // runs whose median is beyond the tolerance from the reference
};

struct MonteCarloResult {
  uint64_t runs = 0;
  std::vector<RoundDistribution> rounds;  // round 0 (the drawn inputs) .. options.rounds
  std::vector<uint64_t> final_median_histogram;
  double lo = 0, hi = 1;
  uint64_t no_range = 0;  // runs whose drawn positions were all equal (nothing to bargain)
};

// The median and mean after each round 0..rounds for one set of inputs; `position` holds
// the initial positions and ends with the last round's. R is max − min of the initial
// positions; when it is 0 nobody moves. `between` (when set) moves the positions before
// each round after round 0 (RunInputs::between_rounds); R then grows to the current spread
// should they leave the initial span. Writes rounds + 1 values to each output; no
// allocation once `ws` holds n actors.
void trajectory(const double* capability, const double* salience, double* position, int n, int rounds,
                Workspace& ws, double* median, double* mean, RunInputs* between = nullptr);

// Runs options.runs draws on all threads, as a visitor of the run loop
// (engine/runner/run_loop.h). `reference_median` (options.rounds + 1 values) is the
// forecast the runs are compared with, usually the unperturbed one.
MonteCarloResult monte_carlo(int n, const InputDraw& draw, const std::vector<double>& reference_median,
                             const MonteCarloOptions& options);

// F^-1(u) of the normal(mean, sd) truncated to [lo, hi]; `mean` itself when sd is 0.
double truncated_normal_quantile(double mean, double sd, double lo, double hi, double u);

// Jitter for CSV inputs: capability and salience ~ normal(value, sd) truncated to [0, 1],
// position ~ normal(value, position_sd × R) truncated to [min, max] of the input
// positions (R = max − min), each
// from its own stream keyed by the actor's name and the field, so that a run's draws
// depend only on (seed, run) and adding an actor changes no other actor's draws.
InputDraw perturbation(const std::vector<Actor>& actors, double sd, double position_sd, uint64_t seed);

}  // namespace geosim::bargaining
