// Bootstrap intervals that need no stored samples: the Poisson bootstrap.
//
// The ordinary bootstrap draws n of the n sampling units with replacement, so it must keep
// every unit's data until the end. The Poisson bootstrap (Hanley & MacGibbon 2006,
// "Creating non-parametric bootstrap samples using Poisson frequencies", Comput. Methods
// Programs Biomed. 83; Chamandy et al. 2012, "Estimating uncertainty for massive data
// streams", Google) instead gives unit j a weight w_jr ~ Poisson(1) in resample r, which is
// the limit of the multinomial counts of the ordinary bootstrap as n grows. A resample's
// statistic is then a weighted sum over the units, which can be accumulated while the units
// stream past: memory grows with the number of resamples, never with the number of units.
//
// The weights are addressed like every other random number in geosim: w_jr is a pure
// function of (seed, stream, j, r), so the intervals do not depend on the order in which
// units arrive, on threads or on ranks.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/core/rng.h"

namespace geosim::sensitivity {

// Poisson(1) weights by inversion of one 32-bit word: w = #{k : word >= kPoissonCdf[k]},
// with kPoissonCdf[k] = floor(P(X <= k) 2^32). Integer thresholds, so every machine draws
// the same weights; P(w > 12) < 2^-32 is folded into 12.
inline constexpr std::array<uint32_t, 12> kPoissonCdf = {
    1580030168u, 3160060337u, 3950075421u, 4213413783u, 4279248373u, 4292415291u,
    4294609777u, 4294923276u, 4294962463u, 4294966817u, 4294967252u, 4294967292u};

inline int poisson1_from_word(uint32_t word) {
  // Branch-free for the 98 % of words that give 0 to 3; a loop for the rare tail.
  int w = (word >= kPoissonCdf[0]) + (word >= kPoissonCdf[1]) + (word >= kPoissonCdf[2]) + (word >= kPoissonCdf[3]);
  if (w == 4) [[unlikely]]
    while (w < static_cast<int>(kPoissonCdf.size()) && word >= kPoissonCdf[static_cast<size_t>(w)]) ++w;
  return w;
}

// The weights of unit `unit` in resamples r0 .. r0 + count - 1 (r0 a multiple of 4: one
// Philox call serves four resamples).
inline void poisson_weights(uint64_t seed, uint32_t stream, int64_t unit, int r0, int count, int* out) {
  const RunRng rng(seed, static_cast<uint64_t>(unit));
  for (int r = 0; r < count; r += 4) {
    const auto b = rng.bits(stream, static_cast<uint32_t>((r0 + r) / 4));
    for (int q = 0; q < 4 && r + q < count; ++q) out[r + q] = poisson1_from_word(b[static_cast<size_t>(q)]);
  }
}

// Weighted sums over a stream of units, for the full sample and for `resamples` Poisson
// resamples at once. Each unit brings a vector of `sums` values, added with its weight to
// every resample's running sums, and a vector of `ranges` values, whose smallest and largest
// value among the units a resample holds (weight > 0) are kept: an estimator can tell an
// exactly constant resample from one whose variance is a rounding residue.
//
// Units must arrive in their order j = 0, 1, ...; they are buffered in blocks and each
// block is added in parallel over resamples, every resample's sums in unit order, so the
// results are the same bytes for any thread count, block size and way the caller cuts the
// stream. A block holds enough work (units x resamples x values) to be worth a parallel
// region, and at most kMaxBlockValues buffered values. Memory: (resamples + 1) x (sums + 2
// ranges) doubles, plus one block.
class StreamingResamples {
 public:
  static constexpr int64_t kBlockWork = int64_t{1} << 21;
  static constexpr int64_t kMaxBlockValues = int64_t{1} << 20;

  StreamingResamples(int resamples, int sums, int ranges, uint64_t seed, uint32_t stream);

  // Adds the next unit: sums[0 .. sums), ranges[0 .. ranges) (null when ranges == 0).
  void add(const double* sums, const double* ranges = nullptr);
  // Adds what is still buffered; call once after the last unit, before reading.
  void finish();

  int resamples() const { return resamples_; }
  int64_t units() const { return units_; }
  // Resample r in 0 .. resamples(): 0 is the sample itself (every weight 1), r >= 1 the
  // Poisson resamples. weight = the sum of the weights; sum(r, c) = the weighted sum of
  // value c; lo/hi = the extremes of range value c over units of non-zero weight
  // (+inf / -inf when the resample holds none).
  int64_t weight(int r) const { return weight_[static_cast<size_t>(r)]; }
  double sum(int r, int c) const { return acc_[static_cast<size_t>(r) * sums_ + static_cast<size_t>(c)]; }
  double lo(int r, int c) const { return lo_[static_cast<size_t>(r) * ranges_ + static_cast<size_t>(c)]; }
  double hi(int r, int c) const { return hi_[static_cast<size_t>(r) * ranges_ + static_cast<size_t>(c)]; }

 private:
  void flush();

  int resamples_, sums_, ranges_;
  uint64_t seed_;
  uint32_t stream_;
  int64_t block_units_ = 0; // units per block
  int64_t units_ = 0;       // units added
  int64_t flushed_ = 0;     // units already added to the sums
  std::vector<double> block_sums_, block_ranges_;
  std::vector<int64_t> weight_;
  std::vector<double> acc_, lo_, hi_;
};

// The 2.5 % and 97.5 % percentiles, linearly interpolated (numpy's default), of the finite
// values among `values` (reordered in place); NaN when none is finite.
std::array<double, 2> percentile_ci95(std::vector<double>& values);

}  // namespace geosim::sensitivity
