// The streaming sensitivity pipeline behind `geosim sensitivity` (and usable from C++):
// the Sobol or Morris design is generated chunk by chunk, each chunk of points is evaluated
// (a scenario's outcome shares, or a test function), and the rows are fed to the
// estimator in design order. Memory holds one chunk of points and outputs, never the whole
// design; the chunk size never changes a result.
#pragma once

#include <Eigen/Dense>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/sensitivity/evaluate.h"
#include "analysis/sensitivity/report.h"

namespace geosim::gsa {

enum class Method { Sobol, Morris };

// What fixes the design and the estimators (the numbers depend on nothing else).
struct DesignSettings {
  Method method = Method::Sobol;
  int samples = 1024;                                 // Sobol: base points N; Morris: trajectories
  int bootstrap = sensitivity::kDefaultBootstrap;     // resamples behind the 95% intervals
  int levels = sensitivity::kMorrisDefaultLevels;     // Morris grid levels
  uint64_t seed = 1;                                  // design, runs and bootstrap
};

// Evaluates a chunk of design points (one row each, unit-cube coordinates already mapped
// for Morris): one row of outputs per point. `done` and `total` count design points, for
// progress.
using ChunkEvaluator = std::function<Eigen::MatrixXd(const Eigen::MatrixXd& U, int64_t done, int64_t total)>;

// Runs the design of `s` over `eval` (d inputs, m outputs) and fills the indices, `points`
// and `output_mean` of `r`. For a scenario (runs_per_point > 0) the Sobol estimators see
// each output as its count of runs, k = share x R: the indices are ratios, so the scale does
// not matter, and whole numbers keep the sums free of rounding in the common case.
//
// groups = G >= 2 (a scenario): `eval` returns m x (1 + G) columns (evaluate_points with
// EvalOptions::groups), and the runs' own error is added to the intervals. Every point
// reuses the same R runs (common random numbers), so that error is the same at every point
// and the bootstrap over the design's rows cannot see it; the indices are computed again G
// times, each time leaving out one group of the runs, and the jackknife's standard error
// (Efron & Stein 1981; G - 1 over G times the sum of squared deviations) is added to each
// side of the bootstrap interval in quadrature.
void analyze(const DesignSettings& s, int d, int m, int runs_per_point, const ChunkEvaluator& eval,
             SensitivityReport& r, int groups = 0);

// Groups of runs for the jackknife of a scenario's analysis: min(10, R), or 0 for R = 1.
int run_groups(int runs_per_point);

// The estimators on a function with known indices: "ishigami" or "gfunction" (any other
// name is a UsageError).
SensitivityReport analyze_test_function(const DesignSettings& s, const std::string& name);

// The estimators on a scenario: each design point is evaluated with `eval.runs_per_point`
// runs (common random numbers, analysis/sensitivity/evaluate.h). Morris effects are
// reported per unit of the quantile scale. Throws std::runtime_error("interrupted") when
// `eval.stop` is set during the analysis.
SensitivityReport analyze_scenario(const DesignSettings& s, const Model& model, const std::vector<Factor>& factors,
                                   EvalOptions eval);

const char* method_name(Method m);

}  // namespace geosim::gsa
