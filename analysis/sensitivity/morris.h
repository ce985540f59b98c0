// Morris elementary-effects screening: which of many parameters matter at all.
//
// Follows Morris 1991 ("Factorial sampling plans for preliminary computational
// experiments", Technometrics 33) with the μ* statistic of Campolongo, Cariboni & Saltelli
// 2007 ("An effective screening design for sensitivity analysis of large models", Environ.
// Model. Softw. 22), as SALib's `morris` sampler and analyzer do. Each of r trajectories
// starts at a random point of a p-level grid on [0, 1]^d and moves one parameter at a time
// by ±Δ, Δ = p / (2 (p - 1)), in a random order, so it costs d + 1 evaluations and gives
// one elementary effect EE_i = (f(x + Δ e_i) - f(x)) / Δ per parameter. Over the r
// trajectories:
//   μ  = mean EE (signed: effects of opposite sign cancel),
//   μ* = mean |EE| (Campolongo 2007: ranks importance, no cancellation),
//   σ  = standard deviation of EE (large: non-linear or interacting).
// The 95 % interval of μ* is a Poisson bootstrap percentile interval over trajectories
// (analysis/sensitivity/bootstrap.h).
//
// Design and analysis stream, as for Sobol: morris_trajectory builds trajectory t alone (a
// pure function of the seed and t) and MorrisAnalyzer takes the outputs one trajectory at a
// time, so memory does not grow with r. morris_design / morris_analyze do the same on a
// design held in memory.
//
// Effects are in unit-cube units (per unit of the parameter's [0, 1] coordinate), as in
// SALib, so parameters with different physical ranges are comparable. The grid includes
// 0 and 1: a caller mapping coordinates through a quantile function with unbounded support
// must clip them (for example to [0.5/p, 1 - 0.5/p]).
#pragma once

#include <Eigen/Dense>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "analysis/sensitivity/sobol.h"  // kDefaultBootstrap

namespace geosim::sensitivity {

// Morris's recommendation (and SALib's default): an even number of levels, 4.
inline constexpr int kMorrisDefaultLevels = 4;

// Trajectory t of a design with d parameters on a p-level grid: points is (d + 1) x d,
// row-major, on the grid {0, 1/(p-1), ..., 1}; point s + 1 differs from point s in parameter
// changed[s] only, by +Δ or -Δ. A pure function of its arguments: the grid start, the step
// signs and the order of the parameters are drawn from the addressed generator keyed by
// (seed, t). levels even and >= 2.
void morris_trajectory(int64_t t, int d, int levels, uint64_t seed, double* points, int* changed);

// Δ = p / (2 (p - 1)), the step of a p-level design in unit-cube coordinates.
double morris_delta(int levels);

// Statistics of one output, one entry per parameter.
struct MorrisIndices {
  std::vector<double> mu, mu_star, sigma;  // sigma is NaN for a single trajectory
  std::vector<std::array<double, 2>> mu_star_ci95;
  std::vector<double> mu_star_runs_se;  // as SobolIndices::S1_runs_se
};

// Streaming estimator: add the outputs of each trajectory in trajectory order, then
// finish(). `bootstrap` = 0 skips the intervals (they are NaN). Bit-identical for any
// thread count and any batching of trajectories.
class MorrisAnalyzer {
 public:
  MorrisAnalyzer(int d, int outputs, double delta, int bootstrap = kDefaultBootstrap, uint64_t seed = 0);

  // points and changed as from morris_trajectory (the sign of each step is read from the
  // points, so a caller-built trajectory works too); y[s * outputs + k] is output k at
  // point s. Values must be finite (checked).
  void add(const double* points, const int* changed, const double* y);
  std::vector<MorrisIndices> finish();

 private:
  int d_, m_, bootstrap_;
  double delta_;
  int64_t trajectories_ = 0;
  // Per (output k, parameter i), slot k * d + i: running sums of EE and |EE|, and Welford's
  // mean and sum of squared deviations, all updated in trajectory order.
  std::vector<double> sum_, sum_abs_, mean_, m2_;
  std::vector<double> abs_;  // scratch: |EE| of one trajectory
  std::unique_ptr<StreamingResamples> acc_;
};

// The whole design in memory: trajectory after trajectory.
struct MorrisDesign {
  int trajectories = 0;  // r
  int d = 0;             // number of parameters
  int levels = 0;        // p, even
  double delta = 0.0;    // Δ = p / (2 (p - 1)), the step in unit-cube coordinates
  // ((d + 1) * r) x d points on the grid {0, 1/(p-1), ..., 1}. Trajectory t occupies rows
  // t(d+1) .. t(d+1)+d; row t(d+1)+s+1 differs from row t(d+1)+s in parameter
  // changed[t d + s] only, by +Δ or -Δ.
  Eigen::MatrixXd points;
  std::vector<int> changed;
};

// r >= 1 trajectories of morris_trajectory, stacked.
MorrisDesign morris_design(int trajectories, int d, int levels, uint64_t seed);

// Y: one row per row of design.points, one column per output. The same numbers as feeding
// MorrisAnalyzer trajectory by trajectory.
std::vector<MorrisIndices> morris_analyze(const MorrisDesign& design, const Eigen::MatrixXd& Y,
                                          int bootstrap = kDefaultBootstrap, uint64_t seed = 0);

}  // namespace geosim::sensitivity
