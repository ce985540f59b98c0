// `observations:` in the scenario format: what they read, and the located errors of
// malformed ones. A plain run never reads them.
#include <catch2/catch.hpp>

#include "../engine/helpers.h"

using namespace geosim;

namespace {

const std::string kBody = R"(
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: protest
    hazard: {per_step: {dist: uniform, min: 0.05, max: 0.3}}
    effects: {talks: open}
outcomes:
  - {id: fall, when: "fired.protest >= 6"}
  - {id: status_quo, default: true}
)";

std::string with_obs(const std::string& obs) { return test::header(20) + kBody + "observations:\n" + obs; }

}  // namespace

TEST_CASE("observations of the three kinds load with their dates as steps", "[calibrate][observations]") {
  Scenario sc = test::from_text(with_obs(R"(
  - id: quiet_start
    date: 2020-01-20
    holds: "fired.protest <= 1"
    evidence: [{cite: "a test", note: "made up"}]
  - id: still_ruling
    date: 2020-03-02
    outcome: status_quo
    assumption: "a test"
  - id: protests_by_march
    date: 2020-03-02
    measure: fired.protest
    value: 2
    tolerance: 1.5
    evidence: [{cite: "a test", note: "made up"}]
)"));
  REQUIRE(sc.observations.size() == 3);
  CHECK(sc.observations[0].kind == Observation::Kind::Holds);
  // Read at the end of the step holding the date: day 14 after the start is the first day of
  // the third weekly step, so the state after 3 steps.
  CHECK(sc.observations[0].steps == 3);
  CHECK(sc.observations[1].kind == Observation::Kind::Outcome);
  CHECK(sc.observations[1].outcome == sc.default_outcome);
  CHECK(sc.observations[1].steps == 9);  // day 56: the first day of the ninth step
  CHECK(sc.observations[2].kind == Observation::Kind::Measure);
  CHECK(sc.observations[2].value == 2);
  CHECK(sc.observations[2].tolerance == 1.5);
}

TEST_CASE("observations do not change a plain run", "[calibrate][observations]") {
  std::string plain = test::header(20) + kBody;
  std::string observed = with_obs(R"(
  - {id: still_ruling, date: 2020-03-02, outcome: status_quo, assumption: "a test"}
)");
  CHECK(test::results_json(test::from_text(plain), 2000, 5) == test::results_json(test::from_text(observed), 2000, 5));
}

TEST_CASE("malformed observations are reported at their place", "[calibrate][observations]") {
  struct Case {
    const char* obs;
    const char* expect;
  };
  const Case cases[] = {
      {"  - {id: a, date: 2020-03-02, outcome: status_quo, evidnce: []}\n", "test.yaml:18:52: unknown key 'evidnce' in an observation; did you mean 'evidence'?"},
      {"  - {id: a, date: 2020-03-02, outcome: status_qo, assumption: x}\n", "test.yaml:18:40: unknown outcome 'status_qo'; did you mean 'status_quo'?"},
      {"  - {id: a, date: 2020-03-02, holds: \"fired.protst > 1\", assumption: x}\n", "test.yaml:18:"},
      {"  - {id: a, date: 2020-03-02, measure: fired.protest, value: 2, assumption: x}\n", "needs `tolerance:`"},
      {"  - {id: a, date: 2020-03-02, measure: fired.protest, value: 2, tolerance: 0, assumption: x}\n", "`tolerance` must be a number > 0"},
      {"  - {id: a, date: 2019-03-02, outcome: status_quo, assumption: x}\n", "test.yaml:18:19: the observation's date 2019-03-02 lies outside the scenario"},
      {"  - {id: a, date: 2020-03-02, outcome: status_quo}\n", "test.yaml:18:5: observation 'a' needs `evidence:`"},
      {"  - {id: a, date: 2020-03-02, outcome: status_quo, holds: \"talks == 1\", assumption: x}\n", "not several"},
      {"  - {id: a, date: 2020-03-02, assumption: x}\n", "observation 'a' says nothing"},
      {"  - {id: a, date: 2020-02-30, outcome: status_quo, assumption: x}\n", "`date` must be a calendar date"},
      {"  - {id: a, date: 2020-03-02, outcome: status_quo, value: 3, assumption: x}\n", "`value:` belongs to a `measure:` observation"},
  };
  for (const auto& c : cases) {
    std::string err = test::load_error(with_obs(c.obs));
    INFO(c.obs << " -> " << err);
    CHECK(err.find(c.expect) != std::string::npos);
  }
  // Two observations with the same id.
  std::string err = test::load_error(with_obs(
      "  - {id: a, date: 2020-03-02, outcome: status_quo, assumption: x}\n"
      "  - {id: a, date: 2020-03-09, outcome: status_quo, assumption: x}\n"));
  CHECK(err.find("duplicate observation id 'a'") != std::string::npos);
  // Not a list.
  err = test::load_error(test::header(20) + kBody + "observations: {a: 1}\n");
  CHECK(err.find("`observations:` must be a list") != std::string::npos);
}
