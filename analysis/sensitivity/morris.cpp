#include "analysis/sensitivity/morris.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/core/rng.h"

namespace geosim::sensitivity {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint32_t kStartStream = stream_id("sensitivity.morris.start");
constexpr uint32_t kOrderStream = stream_id("sensitivity.morris.order");
constexpr uint32_t kBootstrapStream = stream_id("sensitivity.morris.bootstrap");

}  // namespace

MorrisDesign morris_design(int trajectories, int d, int levels, uint64_t seed) {
  GEOSIM_CHECK(trajectories >= 1, "morris_design needs at least one trajectory");
  GEOSIM_CHECK(d >= 1, "morris_design needs at least one parameter");
  // An odd p makes Δ fall between grid levels; Morris and SALib use even p.
  GEOSIM_CHECK(levels >= 2 && levels % 2 == 0, "morris_design needs an even number of levels >= 2");
  GEOSIM_CHECK(static_cast<int64_t>(trajectories) * (d + 1) <= std::numeric_limits<int>::max(),
               "morris_design: too many rows");

  MorrisDesign out;
  out.trajectories = trajectories;
  out.d = d;
  out.levels = levels;
  const int step = levels / 2;  // Δ in grid levels
  const double spacing = 1.0 / (levels - 1);
  out.delta = step * spacing;
  out.points.resize(static_cast<Eigen::Index>(trajectories) * (d + 1), d);
  out.changed.resize(static_cast<size_t>(trajectories) * d);

  std::vector<int> level(d), sign(d), order(d);
  for (int t = 0; t < trajectories; ++t) {
    const RunRng rng(seed, static_cast<uint64_t>(t));
    // Morris's B* = (J x* + Δ/2 [(2B - J) D* + J]) P*: a start x* on the levels from which
    // +Δ stays in [0, 1], a random direction D*_i per parameter (a parameter that moves
    // down starts at x*_i + Δ) and a random order P*.
    for (int i = 0; i < d; ++i) {
      double u[2];
      rng.uniform2(kStartStream, static_cast<uint32_t>(i), u);
      const int start = std::min(step - 1, static_cast<int>(u[0] * step));  // levels - step choices
      sign[i] = u[1] < 0.5 ? 1 : -1;
      level[i] = start + (sign[i] < 0 ? step : 0);
    }
    std::iota(order.begin(), order.end(), 0);
    for (int s = d - 1; s > 0; --s) {  // Fisher-Yates
      const int j = std::min(s, static_cast<int>(rng.uniform(kOrderStream, static_cast<uint32_t>(s)) * (s + 1)));
      std::swap(order[s], order[j]);
    }
    const Eigen::Index base = static_cast<Eigen::Index>(t) * (d + 1);
    // Coordinates are level * spacing, recomputed from integer levels, so every point lies
    // exactly on the grid whatever the path to it.
    for (int i = 0; i < d; ++i) out.points(base, i) = level[i] * spacing;
    for (int s = 0; s < d; ++s) {
      const int i = order[s];
      level[i] += sign[i] * step;
      out.changed[static_cast<size_t>(t) * d + s] = i;
      for (int c = 0; c < d; ++c) out.points(base + s + 1, c) = level[c] * spacing;
    }
  }
  return out;
}

std::vector<MorrisIndices> morris_analyze(const MorrisDesign& design, const Eigen::MatrixXd& Y,
                                          int bootstrap, uint64_t seed) {
  const int r = design.trajectories, d = design.d;
  GEOSIM_CHECK(r >= 1 && d >= 1, "morris_analyze: empty design");
  GEOSIM_CHECK(design.points.rows() == static_cast<Eigen::Index>(r) * (d + 1) &&
                   design.changed.size() == static_cast<size_t>(r) * d,
               "morris_analyze: malformed design");
  GEOSIM_CHECK(Y.rows() == design.points.rows(),
               "morris_analyze: Y needs one row per design point ((d + 1) * trajectories)");
  GEOSIM_CHECK(bootstrap >= 0, "morris_analyze: negative number of resamples");
  const int m = static_cast<int>(Y.cols());
  for (int k = 0; k < m; ++k)
    GEOSIM_CHECK(Y.col(k).allFinite(), "morris_analyze: output column " + std::to_string(k) +
                                           " holds NaN or infinity");

  // ee[(k * d + i) * r + t]: the effect of parameter i on output k in trajectory t, so the
  // r effects of one (output, parameter) are contiguous. Same size as Y, less m rows.
  std::vector<double> ee(static_cast<size_t>(m) * d * r);
  for (int t = 0; t < r; ++t) {
    const Eigen::Index base = static_cast<Eigen::Index>(t) * (d + 1);
    for (int s = 0; s < d; ++s) {
      const int i = design.changed[static_cast<size_t>(t) * d + s];
      GEOSIM_CHECK(i >= 0 && i < d, "morris_analyze: malformed design");
      // The sign of the step is read from the points, so a caller-built design works too.
      const double step = design.points(base + s + 1, i) > design.points(base + s, i) ? design.delta
                                                                                      : -design.delta;
      for (int k = 0; k < m; ++k)
        ee[(static_cast<size_t>(k) * d + i) * r + t] = (Y(base + s + 1, k) - Y(base + s, k)) / step;
    }
  }

  std::vector<MorrisIndices> out(m);
  for (int k = 0; k < m; ++k) {
    MorrisIndices& mi = out[k];
    mi.mu.resize(d);
    mi.mu_star.resize(d);
    mi.sigma.resize(d);
    mi.mu_star_ci95.assign(d, {kNaN, kNaN});
    for (int i = 0; i < d; ++i) {
      const double* e = &ee[(static_cast<size_t>(k) * d + i) * r];
      double sum = 0.0, sum_abs = 0.0;
      for (int t = 0; t < r; ++t) {
        sum += e[t];
        sum_abs += std::fabs(e[t]);
      }
      mi.mu[i] = sum / r;
      mi.mu_star[i] = sum_abs / r;
      double ss = 0.0;
      for (int t = 0; t < r; ++t) ss += (e[t] - mi.mu[i]) * (e[t] - mi.mu[i]);
      mi.sigma[i] = r > 1 ? std::sqrt(ss / (r - 1)) : kNaN;  // ddof = 1, as SALib
    }
  }
  if (bootstrap == 0 || m == 0) return out;

  // Trajectories are the independent units, so they are what a resample draws. Resample b
  // writes only stats[b * m * d ...], hence the same bytes for any thread count.
  const size_t stride = static_cast<size_t>(m) * d;
  std::vector<double> stats(static_cast<size_t>(bootstrap) * stride);
  std::vector<std::vector<int>> scratch(static_cast<size_t>(max_threads()));
  ParallelFor(bootstrap, [&](int64_t b, int thread) {
    GEOSIM_CHECK(thread < static_cast<int>(scratch.size()), "morris_analyze: thread index");
    std::vector<int>& idx = scratch[thread];
    idx.resize(r);
    bootstrap_indices(seed, kBootstrapStream, b, r, idx.data());
    for (size_t ki = 0; ki < stride; ++ki) {
      const double* e = &ee[ki * r];
      double sum_abs = 0.0;
      for (int t = 0; t < r; ++t) sum_abs += std::fabs(e[idx[t]]);
      stats[static_cast<size_t>(b) * stride + ki] = sum_abs / r;
    }
  });
  std::vector<double> column(bootstrap);
  for (size_t ki = 0; ki < stride; ++ki) {
    for (int b = 0; b < bootstrap; ++b) column[b] = stats[static_cast<size_t>(b) * stride + ki];
    out[ki / d].mu_star_ci95[ki % d] = percentile_ci95(column);
  }
  return out;
}

}  // namespace geosim::sensitivity
