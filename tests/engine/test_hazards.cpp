#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.h"

using namespace geosim;

// A constant annual base hazard, converted to weekly steps by p = 1 - (1 - p_year)^(1/52),
// must reproduce the annual rate over 52 weeks. The tolerance is the 99.9% binomial
// interval for the number of runs.
TEST_CASE("a constant annual hazard reproduces its annual rate", "[model][hazard]") {
  for (double annual : {0.0362, 0.25}) {
    std::string yaml = test::header(52) + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: shock
    hazard: {annual: )" + std::to_string(annual) + R"(}
    outcome: fall
outcomes:
  - {id: fall}
  - {id: status_quo, default: true}
)";
    Scenario sc = test::from_text(yaml);
    Model model(sc);
    RunOptions o;
    o.runs = 40000;
    o.seed = 11;
    Accumulator acc = run_monte_carlo(model, o);
    double n = static_cast<double>(o.runs);
    double p = static_cast<double>(acc.outcome_counts()[0]) / n;
    double tol = 3.29 * std::sqrt(annual * (1 - annual) / n);
    INFO("annual " << annual << " observed " << p << " tolerance " << tol);
    CHECK(std::abs(p - annual) < tol);
    // Daily steps give the same annual rate.
  }
}

TEST_CASE("scheduled events fire once on their date", "[model][events]") {
  std::string yaml = test::header(10) + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - {id: vote, at: 2020-01-20, outcome: fall}
outcomes:
  - {id: fall}
  - {id: status_quo, default: true}
)";
  Scenario sc = test::from_text(yaml);
  Model model(sc);
  RunOptions o;
  o.runs = 100;
  Summary s = summarize(sc, run_monte_carlo(model, o), 1);
  CHECK(s.outcomes[0].count == 100);
  CHECK(*s.outcomes[0].median == 3);  // 2020-01-20 lies in the third week
  CHECK(s.survival[2] == 1.0);
  CHECK(s.survival[3] == 0.0);
}

// h = 0 gives p = 1 - exp(-h dt e^(b.v)) = 0 whatever the drivers (format 2), and
// logistic(logit(0) + b.v) = 0 (format 1): drivers far beyond any plausible value (t grows
// to 2 x 730 over two years of days) must not make the event fire.
TEST_CASE("a hazard of 0 never fires, whatever its drivers", "[model][hazard]") {
  for (const char* format : {"1", "2"}) {
    for (const char* base : {"annual: 0", "per_step: 0"}) {
      if (format[0] == '2' && base[0] == 'p') continue;  // format 2 states rates per year
      INFO("format " << format << ", " << base);
      std::string yaml = std::string("geosim: ") + format + R"(
id: t
start: 2020-01-06
step: day
)" + (format[0] == '2' ? "horizon: 2 years\n" : "horizon: 731\n") +
                         R"(incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: shock
    hazard: {)" + base + R"(, drivers: {t: 2}}
    outcome: fall
    assumption: "a test"
outcomes:
  - {id: fall}
  - {id: status_quo, default: true}
)";
      CHECK(test::outcome_counts(test::from_text(yaml), 200, 5)[0] == 0);
    }
  }
}

TEST_CASE("an event with no outcome or effects is accepted when its count is read, refused when nothing reads it",
          "[model][events]") {
  const std::string head = R"(geosim: 2
id: counter
start: 2020-01-06
horizon: 8 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
events:
  - {id: protest, hazard: {annual: 0.5}}
)";
  const std::string outcomes = "outcomes:\n  - {id: status_quo, default: true}\n";
  // Its count read by a hazard, by an outcome's condition, by an observation.
  CHECK_NOTHROW(test::from_text(head +
                                "  - {id: crackdown, hazard: {annual: 0.1, drivers: {fired.protest: 1}}, "
                                "effects: {resources_shock: -0.1}}\n" +
                                outcomes));
  CHECK_NOTHROW(test::from_text(head + outcomes + "  - {id: unrest, when: \"fired.protest >= 2\"}\n"));
  CHECK_NOTHROW(test::from_text(head + outcomes +
                                "observations:\n  - {id: few, date: 2020-02-03, measure: fired.protest, value: 0, "
                                "tolerance: 1, assumption: x}\n"));
  // Read by nothing: refused, with the ways to use it. A name that only begins with its
  // count's (fired.protest_2) does not read it.
  const std::string other = "  - {id: protest_2, hazard: {annual: 0.1}, effects: {resources_shock: -0.1}}\n";
  CHECK_THROWS_WITH(test::from_text(head + other + outcomes + "  - {id: unrest, when: \"fired.protest_2 >= 2\"}\n"),
                    Catch::Contains("event 'protest' does nothing; give it an `outcome:` or `effects:`, or read its "
                                    "count (fired.protest)"));
}

TEST_CASE("the events' shock is a state variable in a scenario without cohorts", "[model][events]") {
  const Scenario sc = test::from_text(R"(geosim: 2
id: shock
start: 2020-01-06
horizon: 4 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
events:
  - {id: strike, hazard: {annual: 1}, max_fires: 1, effects: {defection_shock: 0.1, shock_for: 2 weeks}}
outcomes:
  - {id: shocked, when: "shock > 0"}
  - {id: status_quo, default: true}
)");
  // Certain in the first step, felt from it: every run ends shocked.
  CHECK(test::outcome_counts(sc, 100, 3)[0] == 100);
}
