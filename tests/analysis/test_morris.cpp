// Morris screening: the trajectory design, exact effects of linear and inert inputs, and a
// bootstrap interval that covers a known μ*.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "analysis/sensitivity/morris.h"
#include "analysis/sensitivity/test_functions.h"
#include "engine/core/parallel.h"

using namespace geosim::sensitivity;

namespace {

template <class F>
Eigen::MatrixXd evaluate(const MorrisDesign& design, F f) {
  Eigen::MatrixXd Y(design.points.rows(), 1);
  std::vector<double> x(design.d);
  for (Eigen::Index row = 0; row < design.points.rows(); ++row) {
    for (int i = 0; i < design.d; ++i) x[i] = design.points(row, i);
    Y(row, 0) = f(x.data());
  }
  return Y;
}

}  // namespace

TEST_CASE("morris trajectories move one parameter at a time by delta on the grid", "[morris]") {
  const int r = 40, d = 6, p = 4;
  const MorrisDesign design = morris_design(r, d, p, 8);
  REQUIRE(design.points.rows() == r * (d + 1));
  REQUIRE(design.delta == Approx(2.0 / 3.0).epsilon(1e-15));
  for (Eigen::Index row = 0; row < design.points.rows(); ++row)
    for (int c = 0; c < d; ++c) {
      const double v = design.points(row, c) * (p - 1);
      REQUIRE(v == std::round(v));  // on the grid {0, 1/3, 2/3, 1}
      REQUIRE(v >= 0.0);
      REQUIRE(v <= p - 1.0);
    }
  int ups = 0;
  for (int t = 0; t < r; ++t) {
    std::vector<int> seen(d, 0);
    for (int s = 0; s < d; ++s) {
      const int i = design.changed[t * d + s];
      ++seen[i];
      const Eigen::RowVectorXd step = design.points.row(t * (d + 1) + s + 1) - design.points.row(t * (d + 1) + s);
      for (int c = 0; c < d; ++c) {
        if (c == i) {
          REQUIRE(std::fabs(step(c)) == Approx(design.delta).epsilon(1e-12));
          ups += step(c) > 0;
        } else {
          REQUIRE(step(c) == 0.0);
        }
      }
    }
    REQUIRE(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; }));
  }
  // Directions are fair coins: r d = 240 steps, so up-steps lie within 4 sd (sqrt(240)/2).
  CHECK(std::fabs(ups - r * d / 2.0) < 4 * std::sqrt(r * d) / 2);
  const MorrisDesign again = morris_design(r, d, p, 8);
  REQUIRE(std::memcmp(again.points.data(), design.points.data(), sizeof(double) * design.points.size()) == 0);
  REQUIRE(again.changed == design.changed);
}

TEST_CASE("morris: a linear function's effects are its coefficients and rank by |coefficient|",
          "[morris]") {
  const std::vector<double> c = {3.0, -2.0, 0.0, 0.5, -1.0};
  const MorrisDesign design = morris_design(20, 5, 4, 3);
  // Input 2 is left out of the sum, so its effects are exact zeros.
  const Eigen::MatrixXd Y = evaluate(design, [&](const double* x) {
    return c[0] * x[0] + c[1] * x[1] + c[3] * x[3] + c[4] * x[4];
  });
  const MorrisIndices m = morris_analyze(design, Y, 200, 1)[0];
  REQUIRE(m.mu_star[2] == 0.0);
  REQUIRE(m.mu[2] == 0.0);
  REQUIRE(m.sigma[2] == 0.0);
  REQUIRE(m.mu_star_ci95[2][0] == 0.0);
  REQUIRE(m.mu_star_ci95[2][1] == 0.0);
  // Every effect equals the coefficient up to the rounding of x and of the difference.
  for (int i = 0; i < 5; ++i) {
    CHECK(m.mu[i] == Approx(c[i]).margin(1e-13));
    CHECK(m.mu_star[i] == Approx(std::fabs(c[i])).margin(1e-13));
    CHECK(m.sigma[i] < 1e-13);
  }
  std::vector<int> by_mu_star(5);
  std::iota(by_mu_star.begin(), by_mu_star.end(), 0);
  std::stable_sort(by_mu_star.begin(), by_mu_star.end(),
                   [&](int a, int b) { return m.mu_star[a] > m.mu_star[b]; });
  REQUIRE(by_mu_star == std::vector<int>{0, 1, 4, 3, 2});
}

TEST_CASE("morris: an inert input of a non-linear function has mu* exactly 0", "[morris]") {
  const MorrisDesign design = morris_design(30, 5, 6, 12);
  const Eigen::MatrixXd Y = evaluate(design, [](const double* x) {
    return std::sin(6.283185307179586 * x[0]) + x[1] * x[1] * x[3] + std::exp(x[4]);
  });
  const MorrisIndices m = morris_analyze(design, Y, 100, 2)[0];
  REQUIRE(m.mu_star[2] == 0.0);
  REQUIRE(m.sigma[2] == 0.0);
  for (int i : {0, 1, 3, 4}) CHECK(m.mu_star_ci95[i][0] > 0.0);
  // Interaction x1^2 x3 gives x1 and x3 a spread of effects; x4 = exp is monotone.
  CHECK(m.sigma[1] > 0.0);
  CHECK(m.mu[4] == Approx(m.mu_star[4]).epsilon(1e-15));
}

TEST_CASE("morris: the bootstrap interval of mu* covers the exact mu* of x0^2", "[morris]") {
  // With p = 4 and Δ = 2/3 a step of x0 joins levels (0, 2/3) or (1/3, 1), each with
  // probability 1/2, so EE = x_lo + x_hi is 2/3 or 4/3: μ* = 1 and σ = 1/3 exactly.
  const int r = 400;
  const MorrisDesign design = morris_design(r, 2, 4, 31);
  const Eigen::MatrixXd Y = evaluate(design, [](const double* x) { return x[0] * x[0]; });
  const MorrisIndices m = morris_analyze(design, Y, 1000, 4)[0];
  INFO("mu* " << m.mu_star[0] << " in [" << m.mu_star_ci95[0][0] << ", " << m.mu_star_ci95[0][1] << "]");
  CHECK(m.mu_star_ci95[0][0] <= 1.0);
  CHECK(1.0 <= m.mu_star_ci95[0][1]);
  // The interval's half-width matches the normal theory value 1.96 σ / sqrt(r) within the
  // bootstrap's relative error (about 3 % for 1000 resamples; 4 sd allowed), and the
  // sample σ (relative sd 1/sqrt(2(r-1)) for a two-point law, ~3.5 %) is within 4 sd of 1/3.
  const double half = (m.mu_star_ci95[0][1] - m.mu_star_ci95[0][0]) / 2;
  const double theory = 1.959963984540054 * (1.0 / 3.0) / std::sqrt(double(r));
  CHECK(std::fabs(half / theory - 1) < 4 * std::sqrt(0.03 * 0.03 + 1.0 / (2 * (r - 1))));
  CHECK(std::fabs(m.sigma[0] * 3 - 1) < 4 / std::sqrt(2.0 * (r - 1)));
  CHECK(m.mu_star[1] == 0.0);
}

TEST_CASE("morris analysis is bit-identical for 1 and 2 threads, output by output", "[morris]") {
  const std::vector<double> a = {0.0, 1.0, 4.5, 9.0};
  const MorrisDesign design = morris_design(50, 4, 4, 5);
  Eigen::MatrixXd Y(design.points.rows(), 2);
  Y.col(0) = evaluate(design, [&](const double* x) { return g_function(x, a); }).col(0);
  Y.col(1) = evaluate(design, [](const double* x) { return x[0] * x[1] - x[2]; }).col(0);
  const int default_threads = geosim::max_threads();
  geosim::set_threads(1);
  const auto one = morris_analyze(design, Y, 500, 9);
  geosim::set_threads(2);
  const auto two = morris_analyze(design, Y, 500, 9);
  const auto again = morris_analyze(design, Y, 500, 9);
  geosim::set_threads(default_threads);
  for (int k = 0; k < 2; ++k) {
    for (const auto* other : {&two[k], &again[k]}) {
      REQUIRE(std::memcmp(one[k].mu_star.data(), other->mu_star.data(), 4 * sizeof(double)) == 0);
      REQUIRE(std::memcmp(one[k].sigma.data(), other->sigma.data(), 4 * sizeof(double)) == 0);
      REQUIRE(std::memcmp(one[k].mu_star_ci95.data(), other->mu_star_ci95.data(), 8 * sizeof(double)) == 0);
    }
    const auto alone = morris_analyze(design, Eigen::MatrixXd(Y.col(k)), 500, 9)[0];
    REQUIRE(alone.mu == one[k].mu);
    REQUIRE(alone.mu_star_ci95 == one[k].mu_star_ci95);
  }
  // g-function importance falls with a_i.
  CHECK(one[0].mu_star[0] > one[0].mu_star[1]);
  CHECK(one[0].mu_star[1] > one[0].mu_star[2]);
  CHECK(one[0].mu_star[2] > one[0].mu_star[3]);
}
