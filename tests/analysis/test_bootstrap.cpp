// The Poisson bootstrap behind the sensitivity intervals: the weights follow Poisson(1),
// the streaming sums equal the weighted sums written out by hand for any thread count, and
// a rare output (one base row in N) gets intervals from the resamples that hold it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "analysis/sensitivity/bootstrap.h"
#include "analysis/sensitivity/sobol.h"
#include "engine/core/parallel.h"

using namespace geosim::sensitivity;

namespace {
// Two-sided normal quantile for a family of about 20 checks at an overall 0.1 % level.
constexpr double kZ = 4.4;
}  // namespace

TEST_CASE("poisson weights follow Poisson(1) and are independent across resamples", "[bootstrap]") {
  const int units = 20000, resamples = 16;
  const int64_t n = int64_t{units} * resamples;
  std::vector<int64_t> freq(14, 0);
  double sum = 0.0, lag = 0.0;
  int w[resamples];
  for (int j = 0; j < units; ++j) {
    poisson_weights(99, 7, j, 0, resamples, w);
    for (int r = 0; r < resamples; ++r) {
      ++freq[static_cast<size_t>(w[r])];
      sum += w[r];
      if (r > 0) lag += (w[r] - 1.0) * (w[r - 1] - 1.0);
    }
  }
  // Poisson(1): mean 1, variance 1, P(k) = e^-1 / k!.
  const double mean = sum / static_cast<double>(n);
  CHECK(std::fabs(mean - 1.0) <= kZ * std::sqrt(1.0 / static_cast<double>(n)));
  double fact = 1.0;
  for (int k = 0; k <= 5; ++k) {
    if (k > 0) fact *= k;
    const double p = std::exp(-1.0) / fact;
    const double observed = static_cast<double>(freq[static_cast<size_t>(k)]) / static_cast<double>(n);
    INFO("k = " << k << ": observed " << observed << " expected " << p);
    CHECK(std::fabs(observed - p) <= kZ * std::sqrt(p * (1 - p) / static_cast<double>(n)));
  }
  // Neighbouring resamples of a unit share a Philox call; their weights must not correlate.
  // The lag-1 products have variance 1 (each factor has variance 1), so the mean of m of
  // them has standard error 1/sqrt(m).
  const double pairs = static_cast<double>(units) * (resamples - 1);
  CHECK(std::fabs(lag / pairs) <= kZ / std::sqrt(pairs));
}

TEST_CASE("streaming resample sums equal the weighted sums written out by hand", "[bootstrap]") {
  // 1000 units cross several blocks; 37 resamples split unevenly over the parallel tasks.
  const int units = 1000, resamples = 37, width = 3, ranges = 2;
  const uint64_t seed = 5;
  const uint32_t stream = 11;
  auto value = [](int j, int c) { return std::sin(0.37 * j + c) * (c + 1); };
  auto run = [&](int threads) {
    geosim::set_threads(threads);
    auto acc = std::make_unique<StreamingResamples>(resamples, width, ranges, seed, stream);
    for (int j = 0; j < units; ++j) {
      double x[width], v[ranges];
      for (int c = 0; c < width; ++c) x[c] = value(j, c);
      for (int c = 0; c < ranges; ++c) v[c] = value(j, c + width);
      acc->add(x, v);
    }
    acc->finish();
    return acc;
  };
  const int default_threads = geosim::max_threads();
  const auto one = run(1);
  const auto two = run(2);
  geosim::set_threads(default_threads);
  REQUIRE(one->units() == units);
  for (int r = 0; r <= resamples; ++r) {
    int64_t weight = 0;
    double sums[width] = {0, 0, 0};
    double lo[ranges] = {INFINITY, INFINITY}, hi[ranges] = {-INFINITY, -INFINITY};
    for (int j = 0; j < units; ++j) {
      int w = 1;
      if (r > 0) {
        int four[4];
        const int first = (r - 1) / 4 * 4;
        poisson_weights(seed, stream, j, first, 4, four);
        w = four[(r - 1) - first];
      }
      if (w == 0) continue;
      weight += w;
      for (int c = 0; c < width; ++c) sums[c] += w * value(j, c);
      for (int c = 0; c < ranges; ++c) {
        lo[c] = std::min(lo[c], value(j, c + width));
        hi[c] = std::max(hi[c], value(j, c + width));
      }
    }
    INFO("resample " << r);
    REQUIRE(one->weight(r) == weight);
    REQUIRE(two->weight(r) == weight);
    for (int c = 0; c < width; ++c) {
      REQUIRE(one->sum(r, c) == sums[c]);  // same order of additions: the same bytes
      REQUIRE(two->sum(r, c) == sums[c]);
    }
    for (int c = 0; c < ranges; ++c) {
      REQUIRE(one->lo(r, c) == lo[c]);
      REQUIRE(one->hi(r, c) == hi[c]);
      REQUIRE(two->lo(r, c) == lo[c]);
      REQUIRE(two->hi(r, c) == hi[c]);
    }
  }
}

TEST_CASE("a rare output takes its intervals from the resamples that hold it", "[bootstrap][sobol]") {
  // The output is 0.1 everywhere but at one point of A: a scenario outcome seen at a single
  // design point. About e^-1 of the resamples leave that row out, and their A and B values
  // are all equal: such a resample has no variance and undefined indices, and must not enter
  // the interval (a rounding residue of the variance would turn it into an index of 0).
  const int n = 512, d = 2;
  const SobolDesign design = sobol_design(n, d, 3);
  Eigen::MatrixXd Y = Eigen::MatrixXd::Constant(design.points.rows(), 1, 0.1);
  Y(design.row(0, 100), 0) = 0.3;
  const SobolIndices s = sobol_analyze(design, Y, 400, 8)[0];
  // Exactly: the change at A_100 is undone in every AB_i row, so ST_i = 1 / (1 - 1/(2N)),
  // and resamples holding the row give 1 / (1 - w/(2W)): at most 1 + 8/N, since a weight
  // w is at most 12 and W is near N. S1_i = mean(b (f_ABi - f_A)) / V
  // with b = f_B minus the mean of the first 256 rows' outputs, -0.2 / 512: |S1_i| =
  // (0.2 / 512) 0.2 / (N V) with N V = 0.02 (1 - 1/(2N)), just over 1/256.
  for (int i = 0; i < d; ++i) {
    INFO("parameter " << i << ": ST " << s.ST[i] << " [" << s.ST_ci95[i][0] << ", " << s.ST_ci95[i][1] << "]");
    CHECK(s.ST[i] == Approx(1.0 / (1.0 - 1.0 / (2.0 * n))).epsilon(1e-12));
    CHECK(s.ST_ci95[i][0] >= 1.0);
    CHECK(s.ST_ci95[i][1] <= 1.0 + 8.0 / n);
    CHECK(std::fabs(s.S1[i]) == Approx(0.2 / 512 * 0.2 / (0.02 * (1.0 - 1.0 / (2.0 * n)))).epsilon(1e-9));
  }
}
