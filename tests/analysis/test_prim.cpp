// PRIM scenario discovery: recovering a planted box, the bookkeeping of every box on the
// trajectory, pasting, and the choice of the reported box.
#include <catch2/catch.hpp>

#include <cmath>

#include "analysis/sensitivity/prim.h"
#include "engine/core/rng.h"

using namespace geosim::sensitivity;

namespace {

// n runs of d parameters uniform on [0, 1), addressed by (seed, run, parameter).
Eigen::MatrixXd uniform_runs(int n, int d, uint64_t seed) {
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i) {
    const geosim::RunRng rng(seed, static_cast<uint64_t>(i));
    for (int j = 0; j < d; ++j) X(i, j) = rng.uniform(geosim::stream_id("test.prim.x"), static_cast<uint32_t>(j));
  }
  return X;
}

// The planted scenario: the outcome happens iff x0 > 0.7 and x1 < 0.4.
Eigen::VectorXd planted(const Eigen::MatrixXd& X) {
  Eigen::VectorXd y(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) y[i] = (X(i, 0) > 0.7 && X(i, 1) < 0.4) ? 1.0 : 0.0;
  return y;
}

// Coverage, density and mass recounted from the box limits alone.
void recount(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const PrimBox& box, double& coverage,
             double& density, double& mass) {
  double in = 0, cases_in = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    bool inside = true;
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      inside = inside && box.limits[j][0] <= X(i, j) && X(i, j) <= box.limits[j][1];
    if (inside) {
      ++in;
      cases_in += y[i];
    }
  }
  coverage = cases_in / y.sum();
  density = in > 0 ? cases_in / in : 0.0;
  mass = in / X.rows();
}

}  // namespace

TEST_CASE("PRIM finds the planted box x0 > 0.7, x1 < 0.4", "[prim]") {
  const Eigen::MatrixXd X = uniform_runs(5000, 4, 2718);
  const Eigen::VectorXd y = planted(X);
  PrimConfig config;
  config.bounds.assign(4, {0.0, 1.0});
  const PrimResult r = prim(X, y, config);
  const PrimBox& box = r.trajectory[r.chosen];

  REQUIRE(r.restricted.size() == 2);
  CHECK(r.restricted[0].dim == 0);
  CHECK(r.restricted[1].dim == 1);
  CHECK(r.restricted[0].hi == 1.0);  // the open sides keep the parameter bounds
  CHECK(r.restricted[1].lo == 0.0);
  // A peel removes a share alpha of the box's runs, which near the answer moves a limit by
  // alpha times the planted box's width in that parameter (0.3 for x0, 0.4 for x1). The
  // last peel may overshoot by one such step; two are allowed.
  const double alpha = config.peel_alpha;
  const double tol0 = 2 * alpha * 0.3, tol1 = 2 * alpha * 0.4;
  INFO("x0 >= " << r.restricted[0].lo << ", x1 <= " << r.restricted[1].hi << ", density " << box.density
                << ", coverage " << box.coverage << ", mass " << box.mass);
  CHECK(std::fabs(r.restricted[0].lo - 0.7) <= tol0);
  CHECK(std::fabs(r.restricted[1].hi - 0.4) <= tol1);
  // Peeling stops only when no peel raises the density. While a non-case is left it lies
  // at the low end of x0 or the high end of x1 and peeling there raises the density, and
  // the planted box (mass 0.12) is larger than mass_min, so the box ends pure.
  CHECK(box.density == 1.0);
  // What the overshoot may cost: the lost slices are at most tol0/0.3 and tol1/0.4 of the
  // planted box.
  CHECK(box.coverage >= 1.0 - tol0 / 0.3 - tol1 / 0.4);
  double coverage, density, mass;
  recount(X, y, box, coverage, density, mass);
  CHECK(box.coverage == coverage);
  CHECK(box.density == density);
  CHECK(box.mass == mass);
}

TEST_CASE("PRIM trajectory: every box is reported correctly and each peel removes about alpha",
          "[prim]") {
  const Eigen::MatrixXd X = uniform_runs(3000, 3, 5);
  const Eigen::VectorXd y = planted(X);
  PrimConfig config;
  config.peel_alpha = 0.1;
  const PrimResult r = prim(X, y, config);
  REQUIRE(r.trajectory.size() >= 3);
  const PrimBox& first = r.trajectory[0];
  CHECK(first.coverage == 1.0);
  CHECK(first.mass == 1.0);
  CHECK(first.n_restricted == 0);
  for (size_t b = 0; b < r.trajectory.size(); ++b) {
    const PrimBox& box = r.trajectory[b];
    double coverage, density, mass;
    recount(X, y, box, coverage, density, mass);
    CHECK(box.coverage == coverage);
    CHECK(box.density == Approx(density).epsilon(1e-14));
    CHECK(box.mass == mass);
    CHECK(box.mass >= config.mass_min);
    CHECK(box.n_restricted == static_cast<int>(prim_restrictions(r, static_cast<int>(b)).size()));
    if (b == 0) continue;
    const PrimBox& prev = r.trajectory[b - 1];
    CHECK(box.density > prev.density);
    CHECK(box.coverage <= prev.coverage);
    // With distinct values a peel removes floor((n - 1) alpha) + 1 runs of the n in the box.
    const int removed = prev.n_runs - box.n_runs;
    CHECK(removed == static_cast<int>(std::floor((prev.n_runs - 1) * config.peel_alpha)) + 1);
  }
}

TEST_CASE("PRIM pasting grows the box only while the density rises", "[prim]") {
  // A noisy outcome: likely inside the planted box, rare outside. Pasting only accepts a
  // slice denser than the box, which is rare after greedy peeling (Friedman & Fisher found
  // it changes little); this seed is one where a paste pays off.
  const int n = 4000;
  const Eigen::MatrixXd X = uniform_runs(n, 3, 2);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    const double u = geosim::RunRng(2, static_cast<uint64_t>(i)).uniform(geosim::stream_id("test.prim.y"), 0);
    y[i] = (X(i, 0) > 0.7 && X(i, 1) < 0.4) ? (u < 0.9) : (u < 0.1);
  }
  PrimConfig config;
  config.paste = true;
  const PrimResult r = prim(X, y, config);
  PrimConfig no_paste = config;
  no_paste.paste = false;
  const PrimResult peeled = prim(X, y, no_paste);
  REQUIRE(r.trajectory.size() > peeled.trajectory.size());
  for (size_t b = 0; b < peeled.trajectory.size(); ++b) {
    CHECK_FALSE(r.trajectory[b].pasted);
    CHECK(r.trajectory[b].limits == peeled.trajectory[b].limits);
  }
  for (size_t b = peeled.trajectory.size(); b < r.trajectory.size(); ++b) {
    const PrimBox &box = r.trajectory[b], &prev = r.trajectory[b - 1];
    CHECK(box.pasted);
    CHECK(box.density > prev.density);
    CHECK(box.mass > prev.mass);
    double coverage, density, mass;
    recount(X, y, box, coverage, density, mass);
    CHECK(box.coverage == Approx(coverage).epsilon(1e-14));
    CHECK(box.mass == mass);
  }
}

TEST_CASE("PRIM chooses the last box reaching the density threshold, else the densest",
          "[prim]") {
  const Eigen::MatrixXd X = uniform_runs(2000, 2, 9);
  const Eigen::VectorXd y = planted(X);
  PrimConfig config;
  config.density_threshold = 0.5;
  const PrimResult r = prim(X, y, config);
  int last = -1;
  for (int b = 0; b < static_cast<int>(r.trajectory.size()); ++b)
    if (r.trajectory[b].density >= 0.5) last = b;
  REQUIRE(last >= 0);
  CHECK(r.chosen == last);

  config.density_threshold = 2.0;  // unreachable
  const PrimResult densest = prim(X, y, config);
  for (const PrimBox& box : densest.trajectory) CHECK(box.density <= densest.trajectory[densest.chosen].density);

  // Repeated calls are identical.
  const PrimResult again = prim(X, y, config);
  REQUIRE(again.trajectory.size() == densest.trajectory.size());
  for (size_t b = 0; b < again.trajectory.size(); ++b)
    CHECK(again.trajectory[b].limits == densest.trajectory[b].limits);
}

TEST_CASE("PRIM with no case of interest reports the initial box alone", "[prim]") {
  const Eigen::MatrixXd X = uniform_runs(100, 2, 1);
  const PrimResult r = prim(X, Eigen::VectorXd::Zero(100));
  REQUIRE(r.trajectory.size() == 1);
  CHECK(r.trajectory[0].coverage == 0.0);
  CHECK(r.trajectory[0].density == 0.0);
  CHECK(r.restricted.empty());
}

TEST_CASE("PRIM peels a block of tied values whole (discrete parameters)", "[prim]") {
  // x0 takes 5 values; the outcome needs x0 = 4. A peel never splits a value.
  const int n = 1000;
  Eigen::MatrixXd X = uniform_runs(n, 2, 3);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    X(i, 0) = std::floor(X(i, 0) * 5);
    y[i] = X(i, 0) == 4.0 ? 1.0 : 0.0;
  }
  const PrimResult r = prim(X, y);
  const PrimBox& box = r.trajectory[r.chosen];
  REQUIRE(r.restricted.size() == 1);
  CHECK(r.restricted[0].dim == 0);
  CHECK(r.restricted[0].lo > 3.0);
  CHECK(r.restricted[0].lo < 4.0);
  CHECK(box.density == 1.0);
  CHECK(box.coverage == 1.0);
}
