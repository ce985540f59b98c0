#include "analysis/sensitivity/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/core/parallel.h"

namespace geosim::sensitivity {

namespace {
// Resamples per parallel task: a multiple of 4, so that a task's weights come from whole
// Philox calls.
constexpr int kResamplesPerTask = 16;
}  // namespace

StreamingResamples::StreamingResamples(int resamples, int sums, int ranges, uint64_t seed, uint32_t stream)
    : resamples_(resamples), sums_(sums), ranges_(ranges), seed_(seed), stream_(stream) {
  GEOSIM_CHECK(resamples >= 0 && sums >= 0 && ranges >= 0, "StreamingResamples: negative size");
  const size_t rows = static_cast<size_t>(resamples) + 1;
  weight_.assign(rows, 0);
  acc_.assign(rows * static_cast<size_t>(sums), 0.0);
  lo_.assign(rows * static_cast<size_t>(ranges), std::numeric_limits<double>::infinity());
  hi_.assign(rows * static_cast<size_t>(ranges), -std::numeric_limits<double>::infinity());
  const int64_t per_unit = static_cast<int64_t>(sums) + ranges + 1;
  block_units_ = std::clamp<int64_t>(kBlockWork / (per_unit * (resamples + 1)), 1, kMaxBlockValues / per_unit);
  block_sums_.reserve(static_cast<size_t>(block_units_) * static_cast<size_t>(sums));
  block_ranges_.reserve(static_cast<size_t>(block_units_) * static_cast<size_t>(ranges));
}

void StreamingResamples::add(const double* sums, const double* ranges) {
  block_sums_.insert(block_sums_.end(), sums, sums + sums_);
  if (ranges_ > 0) block_ranges_.insert(block_ranges_.end(), ranges, ranges + ranges_);
  if (++units_ - flushed_ == block_units_) flush();
}

void StreamingResamples::finish() {
  if (units_ > flushed_) flush();
}

void StreamingResamples::flush() {
  const int n = static_cast<int>(units_ - flushed_);
  const size_t S = static_cast<size_t>(sums_), Rg = static_cast<size_t>(ranges_);
  // Task 0 is the sample itself; task t >= 1 covers Poisson resamples
  // (t - 1) * kResamplesPerTask + 1 ... (each resample r >= 1 uses weight index r - 1).
  const int tasks = 1 + (resamples_ + kResamplesPerTask - 1) / kResamplesPerTask;
  auto body = [&](int64_t task) {
    int w[kResamplesPerTask];
    const int first = task == 0 ? 0 : 1 + static_cast<int>(task - 1) * kResamplesPerTask;
    const int count = task == 0 ? 1 : std::min(kResamplesPerTask, resamples_ - first + 1);
    for (int u = 0; u < n; ++u) {
      const double* x = block_sums_.data() + static_cast<size_t>(u) * S;
      const double* v = block_ranges_.data() + static_cast<size_t>(u) * Rg;
      if (task == 0) w[0] = 1;
      else poisson_weights(seed_, stream_, flushed_ + u, first - 1, count, w);
      for (int q = 0; q < count; ++q) {
        if (w[q] == 0) continue;
        const size_t r = static_cast<size_t>(first + q);
        weight_[r] += w[q];
        const double wq = w[q];
        double* a = &acc_[r * S];
        for (size_t c = 0; c < S; ++c) a[c] += wq * x[c];
        double* lo = lo_.data() + r * Rg;  // data(): no element when there are no ranges
        double* hi = hi_.data() + r * Rg;
        for (size_t c = 0; c < Rg; ++c) {
          lo[c] = std::min(lo[c], v[c]);
          hi[c] = std::max(hi[c], v[c]);
        }
      }
    }
  };
  if (tasks == 1) body(0);  // no resamples: not worth waking other threads
  else ParallelFor(tasks, body);
  flushed_ = units_;
  block_sums_.clear();
  block_ranges_.clear();
}

std::array<double, 2> percentile_ci95(std::vector<double>& values) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
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

}  // namespace geosim::sensitivity
