// Calibration checks: each hazard of the Venezuela scenarios that rests on a published base
// rate reproduces that rate when everything else is switched off.
//
// "Everything else" means: every lever disabled, the drivers of the hazard under test
// removed (so only its base rate acts), every other event that can end a run silenced,
// and the cohorts' thresholds moved out of reach, so no other outcome competes. With
// success forced to 1 the share of runs that end in the hazard's outcome within 52 weeks
// is then exactly the annual probability (in expectation over its distribution), and the
// test accepts a 99.9% binomial interval around the cited figure.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/runner/monte_carlo.h"
#include "engine/runner/summary.h"
#include "engine/scenario/loader.h"

using namespace geosim;

namespace {

std::string path_of(const std::string& rel) { return std::string(GEOSIM_SOURCE_DIR) + "/" + rel; }

// Loads `file` with only event `keep` able to end a run, over a 52-week horizon.
// `force_once` makes the event fire at the first step (to measure its success rate).
Scenario isolate(const std::string& file, const std::string& keep, bool force_once,
                 const std::vector<std::string>& extra = {}) {
  YNode root = load_scenario_tree(file);
  std::vector<std::string> sets = {"horizon=52"};
  if (const YNode* levers = root.find("levers"))
    for (const auto& l : levers->seq) sets.push_back("levers." + l.find("id")->scalar + ".enabled=false");
  if (const YNode* cohorts = root.find("cohorts"))
    for (const auto& c : cohorts->seq) sets.push_back("cohorts." + c.find("id")->scalar + ".threshold_shift=10");
  for (const auto& e : root.find("events")->seq) {
    std::string id = e.find("id")->scalar;
    const YNode* hz = e.find("hazard");
    if (id == keep) {
      sets.push_back("events." + id + ".hazard.drivers={}");
      if (force_once) {
        sets.push_back("events." + id + ".hazard.annual=1");
        sets.push_back("events." + id + ".max_fires=1");
      } else {
        sets.push_back("events." + id + ".success=1");
      }
    } else if (hz && e.find("outcome")) {
      sets.push_back(std::string("events.") + id + ".hazard." + (hz->find("per_step") ? "per_step" : "annual") + "=0");
    }
  }
  sets.insert(sets.end(), extra.begin(), extra.end());
  for (const auto& s : sets) apply_set(root, s);
  return build_scenario(root, file);
}

// Share of `runs` runs that end in `outcome`.
uint64_t count_outcome(const Scenario& sc, const std::string& outcome, uint64_t runs) {
  Model model(sc);
  RunOptions o;
  o.runs = runs;
  o.seed = 2024;
  Summary s = summarize(sc, run_monte_carlo(model, o), o.seed);
  for (const auto& os : s.outcomes)
    if (os.id == outcome) return os.count;
  FAIL("no outcome " << outcome);
  return 0;
}

// The observed count lies within z standard errors of n * p.
void check_rate(uint64_t k, uint64_t n, double p, const std::string& what) {
  const double z = 3.29;  // 99.9% two-sided
  double se = std::sqrt(p * (1 - p) / static_cast<double>(n));
  double observed = static_cast<double>(k) / static_cast<double>(n);
  INFO(what << ": observed " << observed << " (" << k << " of " << n << "), expected " << p << " +- " << z * se);
  CHECK(std::fabs(observed - p) <= z * se);
}

double mean_of(const Scenario& sc, const std::string& path) {
  ParamId id = sc.find_param(path);
  REQUIRE(id != kNoParam);
  return sc.params[static_cast<size_t>(id)].dist.mean();
}

// Powell & Thyne 2011 (data v2020): share of country-years with a coup attempt, and the
// share of attempts that succeed.
constexpr double kCoupRate2000 = 0.0122, kCoupRate1950 = 0.0362;
constexpr double kCoupSuccessLatAm = 0.182, kCoupSuccess2000 = 0.453;

}  // namespace

TEST_CASE("coup attempts reproduce the Powell and Thyne annual rate in both Venezuela scenarios",
          "[scenarios][calibration]") {
  for (const char* rel : {"scenarios/venezuela-2019.yaml", "scenarios/venezuela-2025.yaml"}) {
    Scenario sc = isolate(path_of(rel), "coup_attempt", false);
    // The scenario's rate is the range between the modern and the long-run world rate.
    double expected = mean_of(sc, "events.coup_attempt.hazard.annual");
    CHECK(expected == Approx((kCoupRate2000 + kCoupRate1950) / 2));
    const uint64_t n = 40000;
    check_rate(count_outcome(sc, "coup", n), n, expected, std::string(rel) + " coup attempts per year");
  }
}

TEST_CASE("coup success reproduces the Powell and Thyne success rates", "[scenarios][calibration]") {
  for (const char* rel : {"scenarios/venezuela-2019.yaml", "scenarios/venezuela-2025.yaml"}) {
    Scenario sc = isolate(path_of(rel), "coup_attempt", true);
    ParamId id = sc.find_param("events.coup_attempt.success");
    REQUIRE(id != kNoParam);
    const Distribution& d = sc.params[static_cast<size_t>(id)].dist;
    // Triangular from 0 (Venezuela: 13 attempts, none succeeded) through the Latin American
    // rate to the world rate of 2000-2020.
    CHECK(d.min() == Approx(0.0));
    CHECK(d.max() == Approx(kCoupSuccess2000));
    CHECK(d.mean() == Approx((0.0 + kCoupSuccessLatAm + kCoupSuccess2000) / 3));
    const uint64_t n = 20000;
    check_rate(count_outcome(sc, "coup", n), n, d.mean(), std::string(rel) + " coup success");
  }
}

TEST_CASE("US intervention in 2019 reproduces Svolik's foreign-intervention rate", "[scenarios][calibration]") {
  Scenario sc = isolate(path_of("scenarios/venezuela-2019.yaml"), "us_intervention", false);
  // Svolik 2009: 5% of 303 unconstitutional exits (about 15) over about 5,000
  // dictatorship-years.
  double cited = 0.05 * 303 / 5000;
  CHECK(mean_of(sc, "events.us_intervention.hazard.annual") == Approx(cited).epsilon(0.05));
  const uint64_t n = 100000;
  check_rate(count_outcome(sc, "foreign_intervention", n), n, mean_of(sc, "events.us_intervention.hazard.annual"),
             "2019 foreign interventions per year");
}

TEST_CASE("a CIA operation in 2025 succeeds at O'Rourke's covert regime-change rate", "[scenarios][calibration]") {
  Scenario sc = isolate(path_of("scenarios/venezuela-2025.yaml"), "cia_covert_operation", true);
  double cited = 25.0 / 64.0;  // O'Rourke 2018: 39 of 64 attempts failed
  double mean = mean_of(sc, "events.cia_covert_operation.success");
  CHECK(mean == Approx(cited).epsilon(0.01));
  const uint64_t n = 20000;
  check_rate(count_outcome(sc, "foreign_intervention", n), n, mean, "2025 covert operation success");
}

TEST_CASE("isolating a hazard leaves no other way for a run to end", "[scenarios][calibration]") {
  // With the kept hazard's own rate also at zero every run must reach the horizon: this
  // shows that isolate() really switches the competing outcomes off, so the rates above
  // are not mixed with other ways of ending.
  for (const char* rel : {"scenarios/venezuela-2019.yaml", "scenarios/venezuela-2025.yaml"}) {
    Scenario sc = isolate(path_of(rel), "coup_attempt", false, {"events.coup_attempt.hazard.annual=0"});
    const uint64_t n = 2000;
    CHECK(count_outcome(sc, "status_quo", n) == n);
  }
}
