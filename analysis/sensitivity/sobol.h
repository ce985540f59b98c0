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
// with V the variance of the 2N values [f_A; f_B]. The 95 % intervals are Poisson bootstrap
// percentile intervals over the N base rows (A_j, B_j and every AB_i j share one weight;
// analysis/sensitivity/bootstrap.h).
//
// The sequence is randomised by a digital shift (each coordinate's 64 bits XORed with a
// word drawn from the seed), which keeps the net structure of the Sobol points (for a
// power-of-two N every column of A and B is stratified into N equal cells) while making
// the design a random sample, so different seeds give independent replicates.
//
// Both the design and the analysis stream: SobolSampler yields one base row (A_j, B_j) at a
// time, from which the caller builds the d + 2 points of that row, evaluates them however it
// likes (in parallel, on several ranks) and hands the outputs to SobolAnalyzer in row order.
// Memory is O(bootstrap x d x outputs) whatever N, and the result is bit-identical for any
// thread count and any way the rows are batched. sobol_design and sobol_analyze do the same
// on a design held in memory, for small problems and tests.
#pragma once

#include <Eigen/Dense>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "analysis/sensitivity/bootstrap.h"

namespace geosim::sensitivity {

// Number of bootstrap resamples used when the caller does not say (SALib's default).
inline constexpr int kDefaultBootstrap = 1000;

// The digitally shifted Sobol sequence of dimension 2d, one base row at a time: the first d
// coordinates are the row of A, the last d the row of B. Point 0 of the sequence (the
// origin before the shift) is included, so N = 2^k rows form a complete net. Same
// (d, seed) gives the same bytes. Requires 1 <= d <= 1833 (boost's table holds 3667
// dimensions).
class SobolSampler {
 public:
  SobolSampler(int d, uint64_t seed);
  ~SobolSampler();
  SobolSampler(const SobolSampler&) = delete;
  SobolSampler& operator=(const SobolSampler&) = delete;

  // Writes row j of A into a[0 .. d) and row j of B into b[0 .. d), for j = 0, 1, ... in turn.
  void next(double* a, double* b);
  int d() const { return d_; }

 private:
  struct Gen;
  int d_;
  int64_t row_ = 0;
  std::vector<uint64_t> shift_, word_;
  Gen* gen_;
};

// The d + 2 points of base row j: point 0 = A_j, 1 = B_j, 2 + i = AB_i j (A_j with
// coordinate i from B_j). out is (d + 2) x d, row-major.
void sobol_row_points(const double* a, const double* b, int d, double* out);

// Indices of one output, one entry per parameter. Intervals are [lo, hi] at 95 %.
// When the output has zero variance on the design the indices are undefined and are NaN;
// resamples with zero variance are left out of the intervals (NaN if all are).
struct SobolIndices {
  std::vector<double> S1, ST;
  std::vector<std::array<double, 2>> S1_ci95, ST_ci95;
  // A scenario's analysis: the standard error the runs' own chance adds (the jackknife over
  // groups of runs, analysis/sensitivity/pipeline.cpp), already in the intervals; empty
  // otherwise.
  std::vector<double> S1_runs_se, ST_runs_se;
};

// Streaming estimator. Construct with the number of parameters d, of outputs m, and of
// bootstrap resamples (0: no intervals, which are then NaN); add the outputs of each base
// row in row order; then finish(). The resample weights depend only on (seed, row,
// resample), so the result does not depend on threads or on how rows are batched.
class SobolAnalyzer {
 public:
  SobolAnalyzer(int d, int outputs, int bootstrap = kDefaultBootstrap, uint64_t seed = 0);

  // y[b * outputs + k]: output k at point b of the row (b as in sobol_row_points). Every
  // value must be finite (checked).
  void add(const double* y);
  // The indices of every output. Once `stop` (set by another thread: Ctrl-C in the Python
  // module) is true it returns soon, within one parameter's interval, with nothing (empty).
  std::vector<SobolIndices> finish(const std::atomic<bool>* stop = nullptr);

  int64_t rows() const { return rows_; }

  // Rows held back to take the output means about which the sums are accumulated.
  static constexpr int kShiftRows = 256;

 private:
  void take_shift();
  void add_centred(const double* y);

  int d_, m_, bootstrap_;
  uint64_t seed_;
  int64_t rows_ = 0;
  // The first rows are held until kShiftRows have arrived (or finish()), to take the
  // output means there: the sums are accumulated about them, which keeps the one-pass
  // variance accurate for outputs whose mean dwarfs their spread.
  std::vector<double> pending_, shift_;
  std::vector<double> sums_, ranges_;  // scratch for one row
  std::unique_ptr<StreamingResamples> acc_;
};

// The whole design in memory: (n_base * (d + 2)) x d points, row order the N rows of A,
// the N rows of B, then the N rows of AB_1, ..., the N rows of AB_d.
struct SobolDesign {
  int n_base = 0;  // N: rows of A (and of B and of each AB_i); a power of two is best
  int d = 0;       // number of uncertain parameters
  Eigen::MatrixXd points;

  // Row of `points` for row j of block b (0 = A, 1 = B, 2 + i = AB_i).
  int row(int block, int j) const { return block * n_base + j; }
};

// Builds the design from SobolSampler. Requires n_base >= 2.
SobolDesign sobol_design(int n_base, int d, uint64_t seed);

// Y: one row per row of design.points, one column per output. The same numbers as feeding
// SobolAnalyzer row by row.
std::vector<SobolIndices> sobol_analyze(const SobolDesign& design, const Eigen::MatrixXd& Y,
                                        int bootstrap = kDefaultBootstrap, uint64_t seed = 0);

}  // namespace geosim::sensitivity
