// Evaluating a scenario at the points of a sensitivity design.
//
// The estimators in analysis/sensitivity work on points of the unit cube; this glue turns
// each coordinate into a parameter value (through the parameter's quantile function, or a
// uniform range given on the command line) and measures every outcome probability there
// with R Monte Carlo runs. Every point uses the same seed and run indices 0..R-1 (common
// random numbers): the parameters under analysis are fixed, the other uncertain parameters
// and the model's own chance draw the same values at every point, so the difference
// between two points is due to the analysed parameters and not to fresh noise.
//
// A point is computed by one thread from start to end, and writes only its own row of Y, so
// Y is byte-identical for any number of threads. Memory: the points handed in and Y, plus
// one RunState per thread; nothing grows with the number of runs. `geosim sensitivity`
// hands the design over in chunks of a few thousand points, so its memory does not grow
// with the number of samples either.
#pragma once

#include <Eigen/Dense>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/model/model.h"

namespace geosim::gsa {

// A parameter under analysis and how a coordinate u in [0, 1) becomes its value.
struct Factor {
  ParamId id = kNoParam;
  std::string path;
  bool ranged = false;     // true: uniform on [lo, hi] (from --range), replacing the distribution
  double lo = 0, hi = 0;   // in the parameter's own units
  const Distribution* dist = nullptr;  // the scenario's distribution when not ranged

  double value(double u) const;
  std::string describe() const;  // "uniform(0.2, 0.6)" or "range 0.1:0.9"
};

// --range PATH=LO:HI: analyse PATH over a uniform range, even if the scenario fixes it.
struct FactorRange {
  std::string path;
  double lo = 0, hi = 0;
};
// Parses "PATH=LO:HI"; throws UsageError naming the expected form.
FactorRange parse_range(const std::string& text);

// The factors for `paths` (empty: every uncertain parameter, in scenario order, plus any
// path given a range). Unknown paths, duplicates, constant parameters without a range, and
// ranges outside a parameter's allowed interval are UsageErrors that name the parameter.
std::vector<Factor> choose_factors(const Scenario& sc, const std::vector<std::string>& paths,
                                   const std::vector<FactorRange>& ranges);

// The smallest and largest coordinate handed to a quantile function: the designs give
// points in [0, 1] with 53-bit resolution, and an exact 0 or 1 would send an unbounded
// distribution (normal, lognormal) to infinity. One step of 2^-53 inward changes no value
// a bounded distribution takes by more than rounding and keeps the unbounded ones finite.
inline constexpr double kUnitMin = 1.0 / 9007199254740992.0;
inline constexpr double kUnitMax = 1.0 - kUnitMin;

// A Morris grid coordinate x in {0, 1/(p-1), ..., 1} as a quantile level: the midpoint of
// the matching one of p equally likely slices of the distribution, (x (p - 1) + 0.5) / p.
// The map is affine, so every Morris step stays the same size (Δ (p - 1) / p in quantile
// units) and each level is an equally likely value of the parameter; clipping only the end
// levels (or nudging them to 1e-9) would instead give unequal steps or extreme tail values.
double morris_level_to_unit(double x, int levels);

struct EvalOptions {
  uint64_t seed = 1;          // Monte Carlo seed shared by every point
  int runs_per_point = 100;   // R
  // Called now and then from one thread with (runs done, runs in total). A caller that
  // evaluates a design in chunks says where this chunk starts and how many runs the whole
  // design holds, so that the counts cover the whole design (0 = this call alone).
  std::function<void(uint64_t, uint64_t)> progress;
  uint64_t progress_base = 0, progress_total = 0;
  const std::atomic<bool>* stop = nullptr;  // set to abandon the evaluation
  // Called from the first thread after every kPollRuns runs of a point, with the runs of that
  // point done so far, for a caller that must react while one long point runs (Python's
  // Ctrl-C): `progress` comes only between points, and a point of 10^6 runs takes seconds.
  // It may set *stop. None: not called, and nothing else changes.
  std::function<void(uint64_t)> poll;
  // G >= 2: also measure each outcome over the runs outside each of G groups of a point's
  // runs (run r of a point is in group r mod G), for a jackknife of the runs' own error
  // (pipeline.cpp). 0: only the shares over all runs.
  int groups = 0;
};

// The runs of a point in group g of G (r mod G == g, r < R).
inline uint64_t runs_in_group(uint64_t R, int G, int g) {
  return R / static_cast<uint64_t>(G) + (static_cast<uint64_t>(g) < R % static_cast<uint64_t>(G) ? 1 : 0);
}

// Runs of a point between two calls of EvalOptions::poll (as many as a block of the run loop).
inline constexpr uint64_t kPollRuns = 256;

// U: one row per design point, one column per factor, coordinates in [0, 1] (already mapped
// for Morris). Returns Y with one row per point and one column per scenario outcome: the
// share of the R runs that ended in that outcome. With options.groups = G >= 2, G blocks
// of as many columns follow: block g holds the shares over the runs outside group g.
Eigen::MatrixXd evaluate_points(const Model& model, const std::vector<Factor>& factors, const Eigen::MatrixXd& U,
                                const EvalOptions& options);

}  // namespace geosim::gsa
