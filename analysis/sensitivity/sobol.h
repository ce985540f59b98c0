// Sobol global sensitivity indices: which uncertain parameters drive each outcome.
//
// Follows the scheme of Saltelli et al. 2010 ("Variance based sensitivity analysis of model
// output. Design and estimator for the total sensitivity index", Comput. Phys. Commun. 181)
// as implemented by SALib's `saltelli` sampler and `sobol` analyzer: two independent
// quasi-random matrices A and B, taken as the first and last d coordinates of a
// 2d-dimensional Sobol sequence (boost::random::sobol), and d matrices AB_i equal to A with
// column i taken from B. That costs N(d+2) model evaluations and gives
//   first order  S1_i = mean(f_B (f_ABi - f_A)) / V           (Saltelli 2010, table 2 (b))
//   total        ST_i = mean((f_A - f_ABi)^2) / (2V)           (Jansen 1999)
// with V the variance of the 2N values [f_A; f_B]. The 95 % intervals are bootstrap
// percentile intervals over the N rows (A, B and every AB_i resampled together).
//
// The sequence is randomised by a digital shift (each coordinate's 64 bits XORed with a
// word drawn from the seed), which keeps the net structure of the Sobol points (for a
// power-of-two N every column of A and B is stratified into N equal cells) while making
// the design a random sample, so different seeds give independent replicates.
//
// The design and the analysis are separate so that the caller evaluates the model on
// `points` however it likes (in parallel, streamed into the output matrix). The analysis
// only reads Y; besides Y it keeps O(bootstrap · d · m) resampled statistics and O(N)
// scratch per thread, and results are bit-identical for any thread count.
#pragma once

#include <Eigen/Dense>

#include <array>
#include <cstdint>
#include <vector>

namespace geosim::sensitivity {

// Number of bootstrap resamples used when the caller does not say (SALib's default).
inline constexpr int kDefaultBootstrap = 1000;

struct SobolDesign {
  int n_base = 0;  // N: rows of A (and of B and of each AB_i); a power of two is best
  int d = 0;       // number of uncertain parameters
  // (n_base * (d + 2)) x d points in [0, 1)^d. Row order: the N rows of A, the N rows of
  // B, then the N rows of AB_1, ..., the N rows of AB_d. The caller maps each coordinate
  // to its parameter (for example through the distribution's quantile function).
  Eigen::MatrixXd points;

  // Row of `points` for row j of block b (0 = A, 1 = B, 2 + i = AB_i).
  int row(int block, int j) const { return block * n_base + j; }
};

// Builds the design from the digitally shifted Sobol sequence (point 0 of the sequence
// included, so N = 2^k points form a complete net). Same (n_base, d, seed) gives the same
// bytes. Requires n_base >= 2 and 1 <= d <= 1833 (boost's table holds 3667 dimensions).
SobolDesign sobol_design(int n_base, int d, uint64_t seed);

// Indices of one output, one entry per parameter. Intervals are [lo, hi] at 95 %.
// When the output has zero variance on the design the indices are undefined and are NaN;
// resamples with zero variance are left out of the intervals (NaN if all are).
struct SobolIndices {
  std::vector<double> S1, ST;
  std::vector<std::array<double, 2>> S1_ci95, ST_ci95;
};

// Y: one row per row of design.points, one column per output (for geosim: every outcome
// probability). Returns one SobolIndices per column. `bootstrap` = 0 skips the intervals
// (they are NaN). The resample indices depend only on (seed, resample index), so the
// result does not depend on the number of threads.
std::vector<SobolIndices> sobol_analyze(const SobolDesign& design, const Eigen::MatrixXd& Y,
                                        int bootstrap = kDefaultBootstrap, uint64_t seed = 0);

// Shared by the analyzers: the 2.5 % and 97.5 % percentiles, linearly interpolated
// (numpy's default), of the finite values among `values` (reordered in place); NaN when
// none is finite.
std::array<double, 2> percentile_ci95(std::vector<double>& values);

// Shared by the analyzers: the bootstrap resample indices of resample `resample`: n
// indices uniform on [0, n), a pure function of (seed, stream, resample).
void bootstrap_indices(uint64_t seed, uint32_t stream, int64_t resample, int n, int* out);

}  // namespace geosim::sensitivity
