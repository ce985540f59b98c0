#include "analysis/sensitivity/prim.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/core/error.h"

namespace geosim::sensitivity {

namespace {

using Limits = std::vector<std::array<double, 2>>;

struct Problem {
  const Eigen::MatrixXd& X;
  const Eigen::VectorXd& y;
  int n, d;
  double y_total;
  Limits initial;
};

int count_restricted(const Limits& limits, const Limits& initial) {
  int k = 0;
  for (size_t j = 0; j < limits.size(); ++j)
    k += limits[j][0] > initial[j][0] || limits[j][1] < initial[j][1];
  return k;
}

PrimBox make_box(const Problem& p, const Limits& limits, const std::vector<int>& members, bool pasted) {
  double sy = 0.0;
  for (int i : members) sy += p.y[i];
  PrimBox box;
  box.limits = limits;
  box.n_runs = static_cast<int>(members.size());
  box.coverage = p.y_total > 0.0 ? sy / p.y_total : 0.0;
  box.density = box.n_runs > 0 ? sy / box.n_runs : 0.0;
  box.mass = static_cast<double>(box.n_runs) / p.n;
  box.n_restricted = count_restricted(limits, p.initial);
  box.pasted = pasted;
  return box;
}

// The peeling limit at the low end, as the EMA Workbench's get_quantile: midway between
// the order statistics around the alpha quantile, moving up past ties so that a block of
// equal values (a discrete parameter) is peeled whole or not at all. Reorders v.
double low_peel_limit(std::vector<double>& v, double alpha) {
  const size_t n = v.size();
  const double h = static_cast<double>(n - 1) * alpha;
  const auto lo = static_cast<size_t>(std::floor(h)), hi = static_cast<size_t>(std::ceil(h));
  std::nth_element(v.begin(), v.begin() + lo, v.end());
  const double a = v[lo];
  double b = hi > lo ? *std::min_element(v.begin() + lo + 1, v.end()) : a;
  if (b == a) {
    b = std::numeric_limits<double>::infinity();
    for (double x : v)
      if (x > a && x < b) b = x;
    if (std::isinf(b)) b = a;
  }
  return 0.5 * (a + b);
}

// The mirror image at the high end.
double high_peel_limit(std::vector<double>& v, double alpha) {
  // Indices mirrored from the low end's rather than computed from 1 - alpha, so that both
  // ends peel the same number of runs whatever the rounding of (n - 1)(1 - alpha).
  const size_t n = v.size();
  const double h = static_cast<double>(n - 1) * alpha;
  const size_t lo = n - 1 - static_cast<size_t>(std::ceil(h)), hi = n - 1 - static_cast<size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + hi, v.end());
  const double b = v[hi];
  double a = hi > lo ? *std::max_element(v.begin(), v.begin() + hi) : b;
  if (a == b) {
    a = -std::numeric_limits<double>::infinity();
    for (double x : v)
      if (x < b && x > a) a = x;
    if (std::isinf(a)) a = b;
  }
  return 0.5 * (a + b);
}

// A proposed move of one limit. The objective is Friedman & Fisher's: the change in
// density per run removed (peeling) or added (pasting). The EMA Workbench's default
// "lenient1" objective differs from it by a factor that is constant within a step, so both
// choose the same move.
struct Candidate {
  double objective = -std::numeric_limits<double>::infinity();
  int restricted = 0;  // restricted parameters after the move
  int dim = -1;
  int side = 0;  // 0: low limit, 1: high limit
  double limit = 0.0;
  int n_after = 0;
};

// Candidates are offered in (dim, side) order, so keeping the first of equals breaks the
// remaining ties by parameter index, low end first.
void offer(Candidate& best, const Candidate& c) {
  if (c.objective > best.objective || (c.objective == best.objective && c.restricted < best.restricted))
    best = c;
}

bool inside(const Problem& p, int i, const Limits& limits) {
  for (int j = 0; j < p.d; ++j) {
    const double x = p.X(i, j);
    if (x < limits[j][0] || x > limits[j][1]) return false;
  }
  return true;
}

// One peeling step; returns false when no allowed peel raises the density.
bool peel(const Problem& p, const PrimConfig& config, Limits& limits, std::vector<int>& members,
          std::vector<double>& scratch) {
  const int n_box = static_cast<int>(members.size());
  if (n_box < 2) return false;
  double sy = 0.0;
  for (int i : members) sy += p.y[i];
  const double mean_old = sy / n_box;
  const int restricted = count_restricted(limits, p.initial);
  Candidate best;
  for (int j = 0; j < p.d; ++j) {
    const bool was_free = limits[j][0] <= p.initial[j][0] && limits[j][1] >= p.initial[j][1];
    for (int side = 0; side < 2; ++side) {
      scratch.resize(members.size());
      for (size_t k = 0; k < members.size(); ++k) scratch[k] = p.X(members[k], j);
      const double limit = side == 0 ? low_peel_limit(scratch, config.peel_alpha)
                                     : high_peel_limit(scratch, config.peel_alpha);
      int removed = 0;
      double y_removed = 0.0;
      for (int i : members) {
        const double x = p.X(i, j);
        if (side == 0 ? x < limit : x > limit) {
          ++removed;
          y_removed += p.y[i];
        }
      }
      if (removed == 0) continue;  // a tie block covering the quantile: nothing to peel
      const int n_after = n_box - removed;
      const double mean_new = n_after > 0 ? (sy - y_removed) / n_after : 0.0;
      offer(best, Candidate{(mean_new - mean_old) / removed, restricted + (was_free ? 1 : 0), j, side,
                            limit, n_after});
    }
  }
  // As the EMA Workbench: only the best peel is considered; if it would make the box too
  // small (or does not help), peeling is over.
  if (best.dim < 0 || !(best.objective > 0.0) ||
      static_cast<double>(best.n_after) / p.n < config.mass_min)
    return false;
  limits[best.dim][best.side] = best.limit;
  std::erase_if(members, [&](int i) {
    const double x = p.X(i, best.dim);
    return best.side == 0 ? x < best.limit : x > best.limit;
  });
  return true;
}

// One pasting step; returns false when no paste raises the density.
bool paste(const Problem& p, const PrimConfig& config, Limits& limits, std::vector<int>& members,
           std::vector<double>& scratch) {
  const int n_box = static_cast<int>(members.size());
  double sy = 0.0;
  for (int i : members) sy += p.y[i];
  const double mean_old = n_box > 0 ? sy / n_box : 0.0;
  // The runs a paste along parameter j can add: outside the box in j alone.
  std::vector<int> only_out(p.n, -1);
  for (int i = 0; i < p.n; ++i) {
    int out = 0, dim = -1;
    for (int j = 0; j < p.d && out < 2; ++j) {
      const double x = p.X(i, j);
      if (x < limits[j][0] || x > limits[j][1]) {
        ++out;
        dim = j;
      }
    }
    if (out == 1) only_out[i] = dim;
  }
  const int want = std::max(1, static_cast<int>(std::ceil(config.paste_alpha * n_box)));
  Candidate best;
  for (int j = 0; j < p.d; ++j) {
    for (int side = 0; side < 2; ++side) {
      scratch.clear();
      for (int i = 0; i < p.n; ++i)
        if (only_out[i] == j && (side == 0 ? p.X(i, j) < limits[j][0] : p.X(i, j) > limits[j][1]))
          scratch.push_back(p.X(i, j));
      if (scratch.empty()) continue;
      // Nearest runs first; take `want` of them and any ties with the last one taken.
      if (side == 0)
        std::sort(scratch.begin(), scratch.end(), std::greater<double>());
      else
        std::sort(scratch.begin(), scratch.end());
      size_t k = std::min(scratch.size(), static_cast<size_t>(want));
      while (k < scratch.size() && scratch[k] == scratch[k - 1]) ++k;
      const double limit = k == scratch.size() ? p.initial[j][side] : 0.5 * (scratch[k - 1] + scratch[k]);
      Limits trial = limits;
      trial[j][side] = limit;
      int added = 0;
      double y_added = 0.0;
      for (int i = 0; i < p.n; ++i)
        if (only_out[i] == j && (side == 0 ? p.X(i, j) < limits[j][0] : p.X(i, j) > limits[j][1]) &&
            (side == 0 ? p.X(i, j) >= limit : p.X(i, j) <= limit)) {
          ++added;
          y_added += p.y[i];
        }
      if (added == 0) continue;
      const double mean_new = (sy + y_added) / (n_box + added);
      offer(best, Candidate{(mean_new - mean_old) / added, count_restricted(trial, p.initial), j, side, limit,
                            n_box + added});
    }
  }
  if (best.dim < 0 || !(best.objective > 0.0)) return false;
  limits[best.dim][best.side] = best.limit;
  members.clear();
  for (int i = 0; i < p.n; ++i)
    if (inside(p, i, limits)) members.push_back(i);
  return true;
}

}  // namespace

PrimResult prim(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const PrimConfig& config) {
  const int n = static_cast<int>(X.rows()), d = static_cast<int>(X.cols());
  GEOSIM_CHECK(n >= 1 && d >= 1, "prim needs at least one run and one parameter");
  GEOSIM_CHECK(y.size() == X.rows(), "prim: y needs one entry per row of X");
  GEOSIM_CHECK(X.allFinite(), "prim: X holds NaN or infinity");
  GEOSIM_CHECK((y.array() >= 0.0).all() && (y.array() <= 1.0).all(), "prim: y must lie in [0, 1]");
  GEOSIM_CHECK(config.peel_alpha > 0.0 && config.peel_alpha < 0.5, "prim: peel_alpha must lie in (0, 0.5)");
  GEOSIM_CHECK(config.paste_alpha > 0.0 && config.paste_alpha <= 1.0, "prim: paste_alpha must lie in (0, 1]");
  GEOSIM_CHECK(config.mass_min >= 0.0 && config.mass_min <= 1.0, "prim: mass_min must lie in [0, 1]");

  Problem p{X, y, n, d, y.sum(), {}};
  if (config.bounds.empty()) {
    for (int j = 0; j < d; ++j) p.initial.push_back({X.col(j).minCoeff(), X.col(j).maxCoeff()});
  } else {
    GEOSIM_CHECK(static_cast<int>(config.bounds.size()) == d, "prim: bounds needs one range per column of X");
    for (int j = 0; j < d; ++j)
      GEOSIM_CHECK(config.bounds[j][0] <= X.col(j).minCoeff() && X.col(j).maxCoeff() <= config.bounds[j][1],
                   "prim: the runs of parameter " + std::to_string(j) + " leave its bounds");
    p.initial = config.bounds;
  }

  PrimResult result;
  result.initial = p.initial;
  Limits limits = p.initial;
  std::vector<int> members(n);
  for (int i = 0; i < n; ++i) members[i] = i;
  std::vector<double> scratch;
  result.trajectory.push_back(make_box(p, limits, members, false));
  while (peel(p, config, limits, members, scratch)) result.trajectory.push_back(make_box(p, limits, members, false));
  if (config.paste)
    while (paste(p, config, limits, members, scratch)) result.trajectory.push_back(make_box(p, limits, members, true));

  int chosen = -1, densest = 0;
  for (int b = 0; b < static_cast<int>(result.trajectory.size()); ++b) {
    if (result.trajectory[b].density >= config.density_threshold) chosen = b;
    if (result.trajectory[b].density > result.trajectory[densest].density) densest = b;
  }
  result.chosen = chosen >= 0 ? chosen : densest;
  result.restricted = prim_restrictions(result, result.chosen);
  return result;
}

std::vector<PrimRestriction> prim_restrictions(const PrimResult& result, int box) {
  GEOSIM_CHECK(box >= 0 && box < static_cast<int>(result.trajectory.size()), "prim_restrictions: no such box");
  const Limits& limits = result.trajectory[box].limits;
  std::vector<PrimRestriction> out;
  for (size_t j = 0; j < limits.size(); ++j)
    if (limits[j][0] > result.initial[j][0] || limits[j][1] < result.initial[j][1])
      out.push_back({static_cast<int>(j), limits[j][0], limits[j][1]});
  return out;
}

}  // namespace geosim::sensitivity
