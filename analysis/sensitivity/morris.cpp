#include "analysis/sensitivity/morris.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "engine/core/error.h"
#include "engine/core/rng.h"

namespace geosim::sensitivity {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint32_t kStartStream = stream_id("sensitivity.morris.start");
constexpr uint32_t kOrderStream = stream_id("sensitivity.morris.order");
constexpr uint32_t kBootstrapStream = stream_id("sensitivity.morris.poisson_bootstrap");

}  // namespace

double morris_delta(int levels) { return (levels / 2) * (1.0 / (levels - 1)); }

void morris_trajectory(int64_t t, int d, int levels, uint64_t seed, double* points, int* changed) {
  GEOSIM_CHECK(d >= 1, "morris_trajectory needs at least one parameter");
  // An odd p makes Δ fall between grid levels; Morris and SALib use even p.
  GEOSIM_CHECK(levels >= 2 && levels % 2 == 0, "morris_trajectory needs an even number of levels >= 2");
  const int step = levels / 2;  // Δ in grid levels
  const double spacing = 1.0 / (levels - 1);
  const size_t D = static_cast<size_t>(d);
  std::vector<int> level(D), sign(D), order(D);
  const RunRng rng(seed, static_cast<uint64_t>(t));
  // Morris's B* = (J x* + Δ/2 [(2B - J) D* + J]) P*: a start x* on the levels from which
  // +Δ stays in [0, 1], a random direction D*_i per parameter (a parameter that moves down
  // starts at x*_i + Δ) and a random order P*.
  for (size_t i = 0; i < D; ++i) {
    double u[2];
    rng.uniform2(kStartStream, static_cast<uint32_t>(i), u);
    const int start = std::min(step - 1, static_cast<int>(u[0] * step));  // levels - step choices
    sign[i] = u[1] < 0.5 ? 1 : -1;
    level[i] = start + (sign[i] < 0 ? step : 0);
  }
  std::iota(order.begin(), order.end(), 0);
  for (int s = d - 1; s > 0; --s) {  // Fisher-Yates
    const int j = std::min(s, static_cast<int>(rng.uniform(kOrderStream, static_cast<uint32_t>(s)) * (s + 1)));
    std::swap(order[static_cast<size_t>(s)], order[static_cast<size_t>(j)]);
  }
  // Coordinates are level * spacing, recomputed from integer levels, so every point lies
  // exactly on the grid whatever the path to it.
  for (size_t i = 0; i < D; ++i) points[i] = level[i] * spacing;
  for (size_t s = 0; s < D; ++s) {
    const size_t i = static_cast<size_t>(order[s]);
    level[i] += sign[i] * step;
    changed[s] = static_cast<int>(i);
    for (size_t c = 0; c < D; ++c) points[(s + 1) * D + c] = level[c] * spacing;
  }
}

MorrisAnalyzer::MorrisAnalyzer(int d, int outputs, double delta, int bootstrap, uint64_t seed)
    : d_(d), m_(outputs), bootstrap_(bootstrap), delta_(delta) {
  GEOSIM_CHECK(d >= 1 && outputs >= 0, "MorrisAnalyzer: needs at least one parameter");
  GEOSIM_CHECK(bootstrap >= 0, "MorrisAnalyzer: negative number of resamples");
  GEOSIM_CHECK(delta > 0.0, "MorrisAnalyzer: the step must be positive");
  const size_t slots = static_cast<size_t>(d) * static_cast<size_t>(outputs);
  sum_.assign(slots, 0.0);
  sum_abs_.assign(slots, 0.0);
  mean_.assign(slots, 0.0);
  m2_.assign(slots, 0.0);
  abs_.assign(slots, 0.0);
  acc_ = std::make_unique<StreamingResamples>(bootstrap, static_cast<int>(slots), 0, seed, kBootstrapStream);
}

void MorrisAnalyzer::add(const double* points, const int* changed, const double* y) {
  const size_t D = static_cast<size_t>(d_), M = static_cast<size_t>(m_);
  for (size_t c = 0; c < (D + 1) * M; ++c)
    GEOSIM_CHECK(std::isfinite(y[c]), "MorrisAnalyzer: output " + std::to_string(c % M) + " holds NaN or infinity");
  ++trajectories_;
  const double n = static_cast<double>(trajectories_);
  for (size_t s = 0; s < D; ++s) {
    const int ci = changed[s];
    GEOSIM_CHECK(ci >= 0 && ci < d_, "MorrisAnalyzer: malformed trajectory");
    const size_t i = static_cast<size_t>(ci);
    const double step = points[(s + 1) * D + i] > points[s * D + i] ? delta_ : -delta_;
    for (size_t k = 0; k < M; ++k) {
      const double ee = (y[(s + 1) * M + k] - y[s * M + k]) / step;
      const size_t slot = k * D + i;
      sum_[slot] += ee;
      sum_abs_[slot] += std::fabs(ee);
      abs_[slot] = std::fabs(ee);
      const double dev = ee - mean_[slot];  // Welford
      mean_[slot] += dev / n;
      m2_[slot] += dev * (ee - mean_[slot]);
    }
  }
  acc_->add(abs_.data());
}

std::vector<MorrisIndices> MorrisAnalyzer::finish() {
  GEOSIM_CHECK(trajectories_ >= 1, "MorrisAnalyzer: needs at least one trajectory");
  acc_->finish();
  const size_t D = static_cast<size_t>(d_);
  const double r = static_cast<double>(trajectories_);
  std::vector<MorrisIndices> out(static_cast<size_t>(m_));
  std::vector<double> column(static_cast<size_t>(bootstrap_));
  for (size_t k = 0; k < out.size(); ++k) {
    MorrisIndices& mi = out[k];
    mi.mu.resize(D);
    mi.mu_star.resize(D);
    mi.sigma.resize(D);
    mi.mu_star_ci95.assign(D, {kNaN, kNaN});
    for (size_t i = 0; i < D; ++i) {
      const size_t slot = k * D + i;
      mi.mu[i] = sum_[slot] / r;
      mi.mu_star[i] = sum_abs_[slot] / r;
      mi.sigma[i] = trajectories_ > 1 ? std::sqrt(m2_[slot] / (r - 1)) : kNaN;  // ddof = 1, as SALib
      if (bootstrap_ == 0) continue;
      for (int b = 1; b <= bootstrap_; ++b) {
        const int64_t w = acc_->weight(b);
        column[static_cast<size_t>(b - 1)] = w > 0 ? acc_->sum(b, static_cast<int>(slot)) / static_cast<double>(w) : kNaN;
      }
      mi.mu_star_ci95[i] = percentile_ci95(column);
    }
  }
  return out;
}

MorrisDesign morris_design(int trajectories, int d, int levels, uint64_t seed) {
  GEOSIM_CHECK(trajectories >= 1, "morris_design needs at least one trajectory");
  GEOSIM_CHECK(static_cast<int64_t>(trajectories) * (d + 1) <= std::numeric_limits<int>::max(),
               "morris_design: too many rows");
  MorrisDesign out;
  out.trajectories = trajectories;
  out.d = d;
  out.levels = levels;
  out.delta = morris_delta(levels);
  out.points.resize(static_cast<Eigen::Index>(trajectories) * (d + 1), d);
  out.changed.resize(static_cast<size_t>(trajectories) * static_cast<size_t>(d));
  std::vector<double> pts(static_cast<size_t>(d + 1) * static_cast<size_t>(d));
  for (int t = 0; t < trajectories; ++t) {
    morris_trajectory(t, d, levels, seed, pts.data(), &out.changed[static_cast<size_t>(t) * static_cast<size_t>(d)]);
    const Eigen::Index base = static_cast<Eigen::Index>(t) * (d + 1);
    for (int s = 0; s <= d; ++s)
      for (int i = 0; i < d; ++i) out.points(base + s, i) = pts[static_cast<size_t>(s * d + i)];
  }
  return out;
}

std::vector<MorrisIndices> morris_analyze(const MorrisDesign& design, const Eigen::MatrixXd& Y, int bootstrap,
                                          uint64_t seed) {
  const int r = design.trajectories, d = design.d;
  GEOSIM_CHECK(r >= 1 && d >= 1, "morris_analyze: empty design");
  GEOSIM_CHECK(design.points.rows() == static_cast<Eigen::Index>(r) * (d + 1) &&
                   design.changed.size() == static_cast<size_t>(r) * static_cast<size_t>(d),
               "morris_analyze: malformed design");
  GEOSIM_CHECK(Y.rows() == design.points.rows(),
               "morris_analyze: Y needs one row per design point ((d + 1) * trajectories)");
  const int m = static_cast<int>(Y.cols());
  MorrisAnalyzer analyzer(d, m, design.delta, bootstrap, seed);
  std::vector<double> pts(static_cast<size_t>(d + 1) * static_cast<size_t>(d)),
      y(static_cast<size_t>(d + 1) * static_cast<size_t>(m));
  for (int t = 0; t < r; ++t) {
    const Eigen::Index base = static_cast<Eigen::Index>(t) * (d + 1);
    for (int s = 0; s <= d; ++s) {
      for (int i = 0; i < d; ++i) pts[static_cast<size_t>(s * d + i)] = design.points(base + s, i);
      for (int k = 0; k < m; ++k) y[static_cast<size_t>(s * m + k)] = Y(base + s, k);
    }
    analyzer.add(pts.data(), &design.changed[static_cast<size_t>(t) * static_cast<size_t>(d)], y.data());
  }
  return analyzer.finish();
}

}  // namespace geosim::sensitivity
