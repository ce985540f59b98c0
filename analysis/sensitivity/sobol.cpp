#include "analysis/sensitivity/sobol.h"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/core/rng.h"

namespace geosim::sensitivity {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint32_t kShiftStream = stream_id("sensitivity.sobol.digital_shift");
constexpr uint32_t kBootstrapStream = stream_id("sensitivity.sobol.poisson_bootstrap");

// Top 53 bits of a 64-bit fixed-point fraction: a double in [0, 1) that keeps the digital
// net's leading bits exactly.
double to_unit(uint64_t w) { return static_cast<double>(w >> 11) * (1.0 / 9007199254740992.0); }

}  // namespace

struct SobolSampler::Gen {
  explicit Gen(int dims) : sobol(static_cast<unsigned>(dims)) {}
  boost::random::sobol sobol;
};

SobolSampler::SobolSampler(int d, uint64_t seed) : d_(d), gen_(nullptr) {
  GEOSIM_CHECK(d >= 1 && 2 * d <= static_cast<int>(boost::random::default_sobol_table::max_dimension),
               "SobolSampler supports 1 to 1833 parameters");
  const int dims = 2 * d;
  shift_.resize(static_cast<size_t>(dims));
  const RunRng rng(seed, 0);
  for (int k = 0; k < dims; ++k) {
    auto b = rng.bits(kShiftStream, static_cast<uint32_t>(k));
    shift_[static_cast<size_t>(k)] = (static_cast<uint64_t>(b[0]) << 32) | b[1];
  }
  word_.assign(static_cast<size_t>(dims), 0);  // point 0 of the sequence is the origin
  gen_ = new Gen(dims);
}

SobolSampler::~SobolSampler() { delete gen_; }

void SobolSampler::next(double* a, double* b) {
  // boost starts at point 1 (it skips the origin); point 0 is needed for N = 2^k points to
  // be a full net, and after the shift the origin is an ordinary random point.
  if (row_++ > 0)
    for (auto& w : word_) w = gen_->sobol();
  for (int i = 0; i < d_; ++i) {
    a[i] = to_unit(word_[static_cast<size_t>(i)] ^ shift_[static_cast<size_t>(i)]);
    b[i] = to_unit(word_[static_cast<size_t>(d_ + i)] ^ shift_[static_cast<size_t>(d_ + i)]);
  }
}

void sobol_row_points(const double* a, const double* b, int d, double* out) {
  const size_t D = static_cast<size_t>(d);
  std::copy(a, a + d, out);
  std::copy(b, b + d, out + D);
  for (int i = 0; i < d; ++i) {
    double* p = out + (2 + static_cast<size_t>(i)) * D;
    std::copy(a, a + d, p);
    p[i] = b[i];
  }
}

// Per output k, the row's values summed over the base rows (slot k * (2 + 2d) + ...):
//   0: a + b, 1: a^2 + b^2     (a, b: f_A and f_B minus the output's shift)
//   2 + i: b (f_ABi - f_A)     (first-order numerator)
//   2 + d + i: (f_A - f_ABi)^2 (total numerator)
// and as range values f_A and f_B themselves (slots 2k, 2k + 1), to tell a constant
// resample from one with a tiny variance.
SobolAnalyzer::SobolAnalyzer(int d, int outputs, int bootstrap, uint64_t seed)
    : d_(d), m_(outputs), bootstrap_(bootstrap), seed_(seed) {
  GEOSIM_CHECK(d >= 1 && outputs >= 0, "SobolAnalyzer: needs at least one parameter");
  GEOSIM_CHECK(bootstrap >= 0, "SobolAnalyzer: negative number of resamples");
  const int width = m_ * (2 + 2 * d_);
  acc_ = std::make_unique<StreamingResamples>(bootstrap, width, 2 * m_, seed, kBootstrapStream);
  sums_.resize(static_cast<size_t>(width));
  ranges_.resize(static_cast<size_t>(2 * m_));
}

void SobolAnalyzer::add(const double* y) {
  const size_t row = static_cast<size_t>(d_ + 2) * static_cast<size_t>(m_);
  for (size_t c = 0; c < row; ++c)
    GEOSIM_CHECK(std::isfinite(y[c]), "SobolAnalyzer: output " + std::to_string(c % static_cast<size_t>(m_)) +
                                          " holds NaN or infinity");
  ++rows_;
  if (!shift_.empty()) {
    add_centred(y);
    return;
  }
  pending_.insert(pending_.end(), y, y + row);
  if (rows_ == kShiftRows) take_shift();
}

void SobolAnalyzer::take_shift() {
  const size_t row = static_cast<size_t>(d_ + 2) * static_cast<size_t>(m_);
  // No outputs (m = 0): the rows held no values, and there is nothing to shift.
  if (row == 0) return;
  const size_t held = pending_.size() / row;
  shift_.assign(static_cast<size_t>(m_), 0.0);
  for (size_t k = 0; k < static_cast<size_t>(m_); ++k) {
    double s = 0.0;
    for (size_t j = 0; j < held; ++j) s += pending_[j * row + k] + pending_[j * row + static_cast<size_t>(m_) + k];
    shift_[k] = s / (2.0 * static_cast<double>(held));
  }
  for (size_t j = 0; j < held; ++j) add_centred(&pending_[j * row]);
  pending_.clear();
  pending_.shrink_to_fit();
}

void SobolAnalyzer::add_centred(const double* y) {
  const size_t D = static_cast<size_t>(d_), M = static_cast<size_t>(m_);
  for (size_t k = 0; k < M; ++k) {
    const double fa = y[k], fb = y[M + k];
    const double a = fa - shift_[k], b = fb - shift_[k];
    double* s = &sums_[k * (2 + 2 * D)];
    s[0] = a + b;
    s[1] = a * a + b * b;
    for (size_t i = 0; i < D; ++i) {
      const double fab = y[(2 + i) * M + k];
      s[2 + i] = b * (fab - fa);
      s[2 + D + i] = (fa - fab) * (fa - fab);
    }
    ranges_[2 * k] = fa;
    ranges_[2 * k + 1] = fb;
  }
  acc_->add(sums_.data(), ranges_.data());
}

std::vector<SobolIndices> SobolAnalyzer::finish(const std::atomic<bool>* stop) {
  GEOSIM_CHECK(rows_ >= 2, "SobolAnalyzer: needs at least 2 base rows");
  const size_t D = static_cast<size_t>(d_);
  auto stopped = [&] { return stop != nullptr && stop->load(std::memory_order_relaxed); };
  if (shift_.empty()) take_shift();  // fewer than kShiftRows rows: the shift from all of them
  acc_->finish();

  // Indices of output k from resample r into s1[0..d), st[0..d); NaN when undefined.
  auto indices = [&](int r, int k, double* s1, double* st) {
    const size_t base = static_cast<size_t>(k) * (2 + 2 * D);
    const double w = static_cast<double>(acc_->weight(r));
    const bool constant = std::min(acc_->lo(r, 2 * k), acc_->lo(r, 2 * k + 1)) ==
                          std::max(acc_->hi(r, 2 * k), acc_->hi(r, 2 * k + 1));
    const double mean = acc_->sum(r, static_cast<int>(base)) / (2.0 * w);
    const double var = acc_->sum(r, static_cast<int>(base + 1)) / (2.0 * w) - mean * mean;  // population
    const bool defined = w > 0 && !constant && var > 0.0;
    for (size_t i = 0; i < D; ++i) {
      s1[i] = defined ? acc_->sum(r, static_cast<int>(base + 2 + i)) / w / var : kNaN;
      st[i] = defined ? 0.5 * acc_->sum(r, static_cast<int>(base + 2 + D + i)) / w / var : kNaN;
    }
  };

  std::vector<SobolIndices> out(static_cast<size_t>(m_));
  std::vector<double> s1(D), st(D);
  std::vector<std::vector<double>> boot_s1(D, std::vector<double>(static_cast<size_t>(bootstrap_))),
      boot_st(D, std::vector<double>(static_cast<size_t>(bootstrap_)));
  for (int k = 0; k < m_; ++k) {
    SobolIndices& o = out[static_cast<size_t>(k)];
    o.S1.resize(D);
    o.ST.resize(D);
    indices(0, k, o.S1.data(), o.ST.data());
    o.S1_ci95.assign(D, {kNaN, kNaN});
    o.ST_ci95.assign(D, {kNaN, kNaN});
    if (bootstrap_ == 0) continue;
    for (int r = 1; r <= bootstrap_; ++r) {
      if ((r & 4095) == 0 && stopped()) return {};
      indices(r, k, s1.data(), st.data());
      for (size_t i = 0; i < D; ++i) {
        boot_s1[i][static_cast<size_t>(r - 1)] = s1[i];
        boot_st[i][static_cast<size_t>(r - 1)] = st[i];
      }
    }
    for (size_t i = 0; i < D; ++i) {
      if (stopped()) return {};
      o.S1_ci95[i] = percentile_ci95(boot_s1[i]);
      o.ST_ci95[i] = percentile_ci95(boot_st[i]);
    }
  }
  return out;
}

SobolDesign sobol_design(int n_base, int d, uint64_t seed) {
  GEOSIM_CHECK(n_base >= 2, "sobol_design needs at least 2 base points");
  GEOSIM_CHECK(static_cast<int64_t>(n_base) * (d + 2) <= std::numeric_limits<int>::max(),
               "sobol_design: too many rows");
  SobolSampler sampler(d, seed);
  SobolDesign out;
  out.n_base = n_base;
  out.d = d;
  out.points.resize(static_cast<Eigen::Index>(n_base) * (d + 2), d);
  std::vector<double> a(static_cast<size_t>(d)), b(static_cast<size_t>(d)),
      pts(static_cast<size_t>(d + 2) * static_cast<size_t>(d));
  for (int j = 0; j < n_base; ++j) {
    sampler.next(a.data(), b.data());
    sobol_row_points(a.data(), b.data(), d, pts.data());
    for (int blk = 0; blk < d + 2; ++blk)
      for (int i = 0; i < d; ++i)
        out.points(out.row(blk, j), i) = pts[static_cast<size_t>(blk) * static_cast<size_t>(d) + static_cast<size_t>(i)];
  }
  return out;
}

std::vector<SobolIndices> sobol_analyze(const SobolDesign& design, const Eigen::MatrixXd& Y, int bootstrap,
                                        uint64_t seed) {
  const int n = design.n_base, d = design.d;
  GEOSIM_CHECK(n >= 2 && d >= 1, "sobol_analyze: empty design");
  GEOSIM_CHECK(Y.rows() == static_cast<Eigen::Index>(n) * (d + 2),
               "sobol_analyze: Y needs one row per design point (n_base * (d + 2))");
  const int m = static_cast<int>(Y.cols());
  SobolAnalyzer analyzer(d, m, bootstrap, seed);
  std::vector<double> y(static_cast<size_t>(d + 2) * static_cast<size_t>(m));
  for (int j = 0; j < n; ++j) {
    for (int blk = 0; blk < d + 2; ++blk)
      for (int k = 0; k < m; ++k) y[static_cast<size_t>(blk * m + k)] = Y(design.row(blk, j), k);
    analyzer.add(y.data());
  }
  return analyzer.finish();
}

}  // namespace geosim::sensitivity
