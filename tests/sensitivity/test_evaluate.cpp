// The glue between designs and the model: a design point's outcome shares are exactly
// those of a Monte Carlo run with the same fixed values (common random numbers), the Morris
// grid maps to stratum midpoints, and factor choices are validated.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "analysis/sensitivity/evaluate.h"
#include "engine/core/parallel.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

using namespace geosim;
using namespace geosim::gsa;

namespace {

Scenario teaching() { return load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml"); }

std::string usage_error(const Scenario& sc, const std::vector<std::string>& paths,
                        const std::vector<FactorRange>& ranges = {}) {
  try {
    choose_factors(sc, paths, ranges);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a design point's outcome shares equal a Monte Carlo run with the same fixed values", "[gsa]") {
  const Scenario sc = teaching();
  const Model model(sc);
  const auto factors = choose_factors(sc, {}, {});
  REQUIRE(factors.size() == 3);
  Eigen::MatrixXd U(2, 3);
  U << 0.1, 0.9, 0.5, 0.8, 0.2, 0.3;
  EvalOptions eo;
  eo.seed = 7;
  eo.runs_per_point = 300;
  const Eigen::MatrixXd Y = evaluate_points(model, factors, U, eo);
  REQUIRE(Y.rows() == 2);
  REQUIRE(Y.cols() == static_cast<Eigen::Index>(sc.outcomes.size()));
  for (Eigen::Index row = 0; row < 2; ++row) {
    ParamValues fixed(sc.params.size(), std::nan(""));
    for (size_t i = 0; i < factors.size(); ++i)
      fixed[static_cast<size_t>(factors[i].id)] = factors[i].value(U(row, static_cast<Eigen::Index>(i)));
    RunOptions ro;
    ro.runs = 300;
    ro.seed = 7;
    ro.fixed = &fixed;
    const Accumulator acc = run_monte_carlo(model, ro);
    for (size_t k = 0; k < sc.outcomes.size(); ++k)
      CHECK(Y(row, static_cast<Eigen::Index>(k)) == static_cast<double>(acc.outcome_counts()[k]) / 300.0);
    CHECK(Y.row(row).sum() == Approx(1.0));
  }
  // The army's stance is uniform(0.3, 0.7): coordinate 0.1 is the value 0.34.
  CHECK(factors[0].path == "actors.army.stance");
  CHECK(factors[0].value(0.1) == Approx(0.34));
}

TEST_CASE("evaluate_points gives the same bytes for 1 and 2 threads", "[gsa]") {
  const Scenario sc = teaching();
  const Model model(sc);
  const auto factors = choose_factors(sc, {}, {});
  Eigen::MatrixXd U(7, 3);
  for (Eigen::Index r = 0; r < 7; ++r)
    for (Eigen::Index c = 0; c < 3; ++c) U(r, c) = std::fmod(0.137 * static_cast<double>(r + 1) * static_cast<double>(c + 2), 1.0);
  EvalOptions eo;
  eo.runs_per_point = 64;
  set_threads(1);
  const Eigen::MatrixXd one = evaluate_points(model, factors, U, eo);
  set_threads(2);
  const Eigen::MatrixXd two = evaluate_points(model, factors, U, eo);
  REQUIRE(std::memcmp(one.data(), two.data(), sizeof(double) * static_cast<size_t>(one.size())) == 0);
}

TEST_CASE("Morris grid levels map to the midpoints of equally likely slices", "[gsa]") {
  CHECK(morris_level_to_unit(0.0, 4) == Approx(0.125));
  CHECK(morris_level_to_unit(1.0 / 3, 4) == Approx(0.375));
  CHECK(morris_level_to_unit(2.0 / 3, 4) == Approx(0.625));
  CHECK(morris_level_to_unit(1.0, 4) == Approx(0.875));
  // Coordinates 0 and 1 are nudged inside by 2^-53: the ends of a bounded distribution.
  const Scenario sc = teaching();
  const auto factors = choose_factors(sc, {"actors.army.stance"}, {});
  CHECK(factors[0].value(0.0) == Approx(0.3));
  CHECK(factors[0].value(1.0) == Approx(0.7));
}

TEST_CASE("choose_factors names unknown, duplicate and fixed parameters", "[gsa]") {
  const Scenario sc = teaching();
  CHECK(usage_error(sc, {"levers.sanctions.intensty"}).find("did you mean 'levers.sanctions.intensity'?") !=
        std::string::npos);
  CHECK(usage_error(sc, {"levers.sanctions.intensity", "levers.sanctions.credibility"})
            .find("levers.sanctions.intensity, levers.sanctions.credibility have a fixed value") != std::string::npos);
  CHECK(usage_error(sc, {"actors.army.stance"}, {{"levers.sanctions.intensity", 0, 1}})
            .find("which --params does not list") != std::string::npos);
  // With no --params, a ranged parameter joins the uncertain ones.
  const auto f = choose_factors(sc, {}, {{"levers.sanctions.intensity", 0.2, 0.8}});
  REQUIRE(f.size() == 4);
  CHECK(f[3].ranged);
  CHECK(f[3].value(0.5) == Approx(0.5));
  CHECK(parse_range("a.b=0.1:0.9").path == "a.b");
  CHECK(parse_range("a.b=-1:2.5").hi == 2.5);
}
