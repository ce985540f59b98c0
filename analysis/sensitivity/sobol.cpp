#include "analysis/sensitivity/sobol.h"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/core/rng.h"

namespace geosim::sensitivity {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint32_t kShiftStream = stream_id("sensitivity.sobol.digital_shift");
constexpr uint32_t kBootstrapStream = stream_id("sensitivity.sobol.bootstrap");

// Top 53 bits of a 64-bit fixed-point fraction: a double in [0, 1) that keeps the digital
// net's leading bits exactly.
double to_unit(uint64_t w) { return static_cast<double>(w >> 11) * (1.0 / 9007199254740992.0); }

// Point estimates of one output on the rows selected by idx (identity when idx is null).
// y is the output's column of Y. Sums run over j in index order, so the result depends
// only on the indices, never on which thread computes it.
void estimate(const double* y, int n, int d, const int* idx, double* s1, double* st) {
  auto at = [&](int block, int j) {
    const int r = idx ? idx[j] : j;
    return y[static_cast<int64_t>(block) * n + r];
  };
  // Two passes for the variance: the outputs are probabilities whose mean can dwarf their
  // spread, where the one-pass formula loses digits.
  double sum = 0.0;
  for (int j = 0; j < n; ++j) sum += at(0, j) + at(1, j);
  const double mean = sum / (2.0 * n);
  double ss = 0.0;
  for (int j = 0; j < n; ++j) {
    const double a = at(0, j) - mean, b = at(1, j) - mean;
    ss += a * a + b * b;
  }
  const double var = ss / (2.0 * n);  // population variance, as SALib (np.var)
  for (int i = 0; i < d; ++i) {
    if (!(var > 0.0)) {
      s1[i] = st[i] = kNaN;
      continue;
    }
    double first = 0.0, total = 0.0;
    for (int j = 0; j < n; ++j) {
      const double fa = at(0, j), fb = at(1, j), fab = at(2 + i, j);
      first += fb * (fab - fa);
      total += (fa - fab) * (fa - fab);
    }
    s1[i] = first / n / var;
    st[i] = 0.5 * total / n / var;
  }
}

}  // namespace

SobolDesign sobol_design(int n_base, int d, uint64_t seed) {
  GEOSIM_CHECK(n_base >= 2, "sobol_design needs at least 2 base points");
  GEOSIM_CHECK(d >= 1 && 2 * d <= static_cast<int>(boost::random::default_sobol_table::max_dimension),
               "sobol_design supports 1 to 1833 parameters");
  GEOSIM_CHECK(static_cast<int64_t>(n_base) * (d + 2) <= std::numeric_limits<int>::max(),
               "sobol_design: too many rows");
  const int dims = 2 * d;

  std::vector<uint64_t> shift(dims);
  const RunRng rng(seed, 0);
  for (int k = 0; k < dims; ++k) {
    auto b = rng.bits(kShiftStream, static_cast<uint32_t>(k));
    shift[k] = (static_cast<uint64_t>(b[0]) << 32) | b[1];
  }

  SobolDesign out;
  out.n_base = n_base;
  out.d = d;
  out.points.resize(static_cast<Eigen::Index>(n_base) * (d + 2), d);
  boost::random::sobol gen(dims);
  std::vector<uint64_t> word(dims, 0);  // point 0 of the sequence is the origin
  for (int j = 0; j < n_base; ++j) {
    // boost starts at point 1 (it skips the origin); point 0 is needed for N = 2^k points
    // to be a full net, and after the shift the origin is an ordinary random point.
    if (j > 0)
      for (int k = 0; k < dims; ++k) word[k] = gen();
    for (int i = 0; i < d; ++i) {
      const double a = to_unit(word[i] ^ shift[i]);
      const double b = to_unit(word[d + i] ^ shift[d + i]);
      out.points(out.row(0, j), i) = a;
      out.points(out.row(1, j), i) = b;
      for (int blk = 0; blk < d; ++blk) out.points(out.row(2 + blk, j), i) = (blk == i) ? b : a;
    }
  }
  return out;
}

std::array<double, 2> percentile_ci95(std::vector<double>& values) {
  auto end = std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); });
  const auto n = end - values.begin();
  if (n == 0) return {kNaN, kNaN};
  std::sort(values.begin(), end);
  auto quantile = [&](double p) {
    const double h = (static_cast<double>(n) - 1.0) * p;
    const auto lo = static_cast<std::ptrdiff_t>(std::floor(h));
    const auto hi = std::min<std::ptrdiff_t>(lo + 1, n - 1);
    return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  return {quantile(0.025), quantile(0.975)};
}

void bootstrap_indices(uint64_t seed, uint32_t stream, int64_t resample, int n, int* out) {
  // One Philox call gives two 53-bit uniforms; floor(u n) is uniform on [0, n) up to a
  // bias of n / 2^53, far below anything a bootstrap can see.
  const RunRng rng(seed, static_cast<uint64_t>(resample));
  double u[2];
  for (int j = 0; j < n; j += 2) {
    rng.uniform2(stream, static_cast<uint32_t>(j / 2), u);
    out[j] = std::min(n - 1, static_cast<int>(u[0] * n));
    if (j + 1 < n) out[j + 1] = std::min(n - 1, static_cast<int>(u[1] * n));
  }
}

std::vector<SobolIndices> sobol_analyze(const SobolDesign& design, const Eigen::MatrixXd& Y,
                                        int bootstrap, uint64_t seed) {
  const int n = design.n_base, d = design.d;
  GEOSIM_CHECK(n >= 2 && d >= 1, "sobol_analyze: empty design");
  GEOSIM_CHECK(Y.rows() == static_cast<Eigen::Index>(n) * (d + 2),
               "sobol_analyze: Y needs one row per design point (n_base * (d + 2))");
  GEOSIM_CHECK(bootstrap >= 0, "sobol_analyze: negative number of resamples");
  const int m = static_cast<int>(Y.cols());
  for (int k = 0; k < m; ++k)
    GEOSIM_CHECK(Y.col(k).allFinite(), "sobol_analyze: output column " + std::to_string(k) +
                                           " holds NaN or infinity");

  std::vector<SobolIndices> out(m);
  for (int k = 0; k < m; ++k) {
    out[k].S1.resize(d);
    out[k].ST.resize(d);
    estimate(Y.col(k).data(), n, d, nullptr, out[k].S1.data(), out[k].ST.data());
    out[k].S1_ci95.assign(d, {kNaN, kNaN});
    out[k].ST_ci95.assign(d, {kNaN, kNaN});
  }
  if (bootstrap == 0 || m == 0) return out;

  // stats[(r * m + k) * 2d + (0..d-1: S1, d..2d-1: ST)]: resample r writes only its own
  // slot, so the scheduling of resamples cannot change any value.
  const int64_t stride = 2 * static_cast<int64_t>(d);
  std::vector<double> stats(static_cast<size_t>(bootstrap) * m * stride);
  std::vector<std::vector<int>> scratch(static_cast<size_t>(max_threads()));
  ParallelFor(bootstrap, [&](int64_t r, int thread) {
    GEOSIM_CHECK(thread < static_cast<int>(scratch.size()), "sobol_analyze: thread index");
    std::vector<int>& idx = scratch[thread];
    idx.resize(n);  // allocates once per thread
    bootstrap_indices(seed, kBootstrapStream, r, n, idx.data());
    for (int k = 0; k < m; ++k) {
      double* s = &stats[static_cast<size_t>((r * m + k) * stride)];
      estimate(Y.col(k).data(), n, d, idx.data(), s, s + d);
    }
  });

  std::vector<double> column(bootstrap);
  for (int k = 0; k < m; ++k) {
    for (int c = 0; c < stride; ++c) {
      for (int r = 0; r < bootstrap; ++r)
        column[r] = stats[static_cast<size_t>((int64_t{r} * m + k) * stride + c)];
      const std::array<double, 2> ci = percentile_ci95(column);
      if (c < d)
        out[k].S1_ci95[c] = ci;
      else
        out[k].ST_ci95[c - d] = ci;
    }
  }
  return out;
}

}  // namespace geosim::sensitivity
