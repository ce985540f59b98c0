// PRIM scenario discovery: which ranges of the uncertain parameters lead to an outcome.
//
// The Patient Rule Induction Method of Friedman & Fisher 1999 ("Bump hunting in
// high-dimensional data", Statistics and Computing 9), used for scenario discovery as in
// Bryant & Lempert 2010 and the EMA Workbench's `prim` module. Starting from a box holding
// every run, each peeling step removes the slice of the box, at the low or the high end of
// one parameter, holding a fraction `peel_alpha` of the box's runs, choosing the slice
// whose removal raises the box's density (share of runs with the outcome) the most per run
// removed. Peeling stops when no slice raises the density or the box would hold less than
// `mass_min` of all runs. Optional pasting then grows the box back a little at a time while
// that raises the density. Each box on the way is reported with
//   coverage = outcome runs inside / all outcome runs,
//   density  = outcome runs inside / runs inside,
//   mass     = runs inside / all runs,
// so the caller can trade interpretability (few restricted parameters, high coverage)
// against purity (high density), as the EMA Workbench's trade-off plot does.
//
// Everything is deterministic: ties between candidate slices go to the one that leaves
// fewer parameters restricted, then to the lower parameter index, then to the low end.
#pragma once

#include <Eigen/Dense>

#include <array>
#include <vector>

namespace geosim::sensitivity {

struct PrimConfig {
  double peel_alpha = 0.05;   // fraction of the box's runs removed by one peel, in (0, 0.5)
  double paste_alpha = 0.05;  // fraction of the box's runs added by one paste, in (0, 1]
  double mass_min = 0.05;     // smallest box allowed, as a fraction of all runs, in [0, 1]
  bool paste = false;         // grow the last peeled box back where that raises the density
  // The chosen box is the last box on the trajectory with at least this density; when none
  // reaches it, the box of highest density (the earliest of equals).
  double density_threshold = 0.8;
  // The parameter ranges [lo, hi], one per column of X: the initial box, against which a
  // parameter counts as restricted. Empty: the smallest box holding every run.
  std::vector<std::array<double, 2>> bounds;
};

// One box of the peeling (and pasting) trajectory. A run x is inside when
// limits[j][0] <= x_j <= limits[j][1] for every parameter j.
struct PrimBox {
  std::vector<std::array<double, 2>> limits;
  double coverage = 0.0;
  double density = 0.0;
  double mass = 0.0;
  int n_runs = 0;         // runs inside
  int n_restricted = 0;   // parameters whose limits are narrower than the initial box
  bool pasted = false;    // made by a pasting step
};

// A restricted parameter of a box: the box needs lo <= x_dim <= hi.
struct PrimRestriction {
  int dim = 0;
  double lo = 0.0, hi = 0.0;
};

struct PrimResult {
  std::vector<std::array<double, 2>> initial;  // the initial box
  std::vector<PrimBox> trajectory;             // trajectory[0] is the initial box
  int chosen = 0;                              // index into trajectory
  std::vector<PrimRestriction> restricted;     // of the chosen box, by parameter index
};

// X: one row per run, one column per parameter. y: one entry per run, 1 where the outcome
// of interest happened and 0 where it did not (the caller thresholds probabilities); values
// in between count as fractional cases. With no case at all the trajectory is the initial
// box alone, with coverage and density 0.
PrimResult prim(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const PrimConfig& config = {});

// The restricted parameters of trajectory[box], by parameter index.
std::vector<PrimRestriction> prim_restrictions(const PrimResult& result, int box);

}  // namespace geosim::sensitivity
