// The lint (geosim validate --lint): what can change no outcome is named, with its place;
// what can is not.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "../cli.h"
#include "../engine/helpers.h"
#include "analysis/lint/lint.h"

using namespace geosim;

namespace {

// Two actors, a cohort and a defection outcome; `extra` adds levers, events, mechanisms.
std::string scenario(const std::string& extra) {
  return R"(geosim: 2
id: t
start: 2020-01-06
horizon: 30 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: army, kind: security_force, stance: 0.5}
  - {id: us, kind: state, stance: -0.8}
cohorts:
  - {id: officers, actor: army, units: 20, weight: 1, threshold: {dist: normal, mean: 0.5, sd: 0.2}}
outcomes:
  - {id: status_quo, default: true}
  - {id: defection_collapse, when: "defected_share >= 0.5"}
)" + extra;
}

std::vector<std::string> messages(const std::vector<LintWarning>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(w.str());
  return out;
}

}  // namespace

TEST_CASE("a lever whose channels nothing reads is named, reading them clears it", "[lint]") {
  const std::string lever = R"(levers:
  - {id: talks_offer, kind: mediation, by: us, target: gov, stance_push: 0,
     credibility: {dist: uniform, min: 0.2, max: 0.6}}
)";
  const auto ws = messages(lint_structure(test::from_text(scenario(lever))));
  REQUIRE(ws.size() == 2);
  CHECK(ws[0] ==
        "test.yaml:16:5: warning: lever 'talks_offer' can reach no outcome: its channels (mediation) and its pull on "
        "gov's stance feed no mechanism, event or condition that decides one; give an event a driver or a `when:` on "
        "what it changes, or remove the lever");
  CHECK(ws[1].rfind("test.yaml:17:", 0) == 0);
  CHECK_THAT(ws[1], Catch::Contains("uncertain parameter 'levers.talks_offer.credibility' can change no outcome"));
  // A hazard that ends the rule and reads mediation: now the lever matters.
  const std::string yaml = scenario(lever + R"(events:
  - {id: deal, hazard: {annual: 0.1, drivers: {mediation: 2}}, outcome: defection_collapse}
)");
  CHECK(lint_structure(test::from_text(yaml)).empty());
}

TEST_CASE("a mechanism coefficient of 0 cuts the path it carries", "[lint]") {
  const std::string aid = R"(levers:
  - {id: aid, kind: humanitarian_aid, by: us, target: army, stance_push: 0}
)";
  CHECK(lint_structure(test::from_text(scenario(aid))).empty());  // humanitarian -> defection
  const auto ws = messages(lint_structure(test::from_text(scenario(aid + "mechanisms: {defection: {humanitarian: 0}}\n"))));
  REQUIRE(ws.size() == 1);
  CHECK_THAT(ws[0], Catch::Contains("lever 'aid' can reach no outcome: its channels (humanitarian)"));
}

TEST_CASE("events that change nothing that matters, or can never end a rule, are named", "[lint]") {
  const auto ws = messages(lint_structure(test::from_text(scenario(R"(events:
  - {id: summit, at: 2020-02-03, effects: {talks: open}}
  - {id: never, hazard: {annual: 0}, outcome: defection_collapse}
  - {id: driven, hazard: {annual: 0, drivers: {defected_share: 5}}, outcome: defection_collapse}
  - {id: failing, hazard: {annual: 0.5}, success: 0, outcome: defection_collapse}
)"))));
  REQUIRE(ws.size() == 4);
  CHECK(ws[0] == "test.yaml:16:5: warning: event 'summit' can change no outcome: what it does feeds no mechanism, "
                 "event or condition that decides one; give it effects that matter, or let an outcome or a hazard read "
                 "fired.summit");
  CHECK(ws[1] ==
        "test.yaml:17:5: warning: event 'never' can never end a rule: its hazard is 0 in every run; give it a "
        "hazard above 0 (drivers scale a hazard, they cannot start one), or remove it");
  // Drivers cannot start a hazard of 0 (Model::event_base).
  CHECK(ws[2] ==
        "test.yaml:18:5: warning: event 'driven' can never end a rule: its hazard is 0 in every run; give it "
        "a hazard above 0 (drivers scale a hazard, they cannot start one), or remove it");
  CHECK(ws[3] ==
        "test.yaml:19:5: warning: event 'failing' can never end a rule: its success is 0 in every run; give "
        "it a chance of success above 0, or remove it");
}

TEST_CASE("the pilot names a lever that changed no run", "[lint]") {
  const Scenario sc = test::from_text(scenario(R"(levers:
  - {id: idle, kind: defection_incentive, by: us, target: army, intensity: 0}
  - {id: busy, kind: defection_incentive, by: us, target: army, intensity: 0.9}
)"));
  CHECK(lint_structure(sc).empty());  // both could reach an outcome
  Model model(sc);
  const auto ws = messages(lint_pilot(model, 500, 1));
  REQUIRE(ws.size() == 1);
  CHECK_THAT(ws[0], Catch::StartsWith("test.yaml:16:5: warning: lever 'idle' changed the outcome of none of 500 paired runs"));
}

TEST_CASE("the teaching scenarios are lint clean", "[lint][scenarios]") {
  for (const char* f : {"scenarios/teaching.yaml", "scenarios/teaching-react.yaml", "scenarios/teaching-leader.yaml"}) {
    INFO(f);
    LoadOptions lo;
    CHECK(messages(lint_structure(load_scenario(test::source_path(f), lo))).empty());
  }
}

TEST_CASE("a format 1 lever that starts after the run's last day is named, once", "[lint]") {
  std::string text = scenario(R"(levers:
  - {id: late, kind: defection_incentive, by: us, target: army, intensity: 0.9, from: 2020-08-03}
  - {id: last_day, kind: defection_incentive, by: us, target: army, intensity: 0.9, from: 2020-08-02}
)");
  text.replace(text.find("geosim: 2"), 9, "geosim: 1");
  text.replace(text.find("horizon: 30 weeks"), 17, "horizon: 30");
  const Scenario sc = test::from_text(text);
  const auto ws = messages(lint_structure(sc));
  REQUIRE(ws.size() == 1);
  CHECK(ws[0] ==
        "test.yaml:16:5: warning: lever 'late' starts after the run's last day (2020-08-02): it never acts; "
        "move `from` into the scenario's dates, or remove the lever");
  // validate --lint: the pilot, which finds it inert too, does not say it again.
  const std::string file = test::temp_path("late-lever.yaml");
  std::ofstream(file) << text;
  const test::CliResult r = test::cli_run("validate --lint " + file);
  CHECK(r.code == 0);
  size_t said = 0;
  for (size_t at = r.err.find("lever 'late'"); at != std::string::npos; at = r.err.find("lever 'late'", at + 1)) ++said;
  CHECK(said == 1);
  std::remove(file.c_str());
}
