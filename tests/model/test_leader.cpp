// The leader and the regime (format 2): a leader's exit may leave the regime in place under a
// successor, the run goes on, and the outputs count the leader's end, the regime's fate, the
// pairs and who rules at the horizon. Checked on hand-worked cases, against the closed forms
// of the base rates (binomial bounds for the family of checks), by the accounting identities,
// and for determinism across threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../cli.h"
#include "../engine/helpers.h"
#include "engine/core/parallel.h"
#include "engine/model/model.h"
#include "engine/output/output.h"
#include "engine/output/replay_text.h"
#include "engine/runner/run_loop.h"

using namespace geosim;

namespace {

// A leader who leaves in step 4 (2020-02-03) by the scheduled event `ouster` (outcome
// `how`), then whatever `rest` adds; 20 weekly steps.
std::string scenario(const std::string& how_regime, const std::string& rest = "", int version = 2) {
  return "geosim: " + std::to_string(version) + "\nhorizon: " + (version == 2 ? "20 weeks" : "20") + R"(
id: t
start: 2020-01-06
incumbent: gov
challenger: opp
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: opp, kind: opposition, stance: -0.8}
leader:
  id: boss
  name: "The boss"
  successors:
    - {id: deputy, after: [negotiated_exit]}
    - {id: general, after: [coup], stance: 0.2}
outcomes:
  - {id: status_quo, default: true}
  - {id: negotiated_exit}
  - {id: coup, regime: )" +
         how_regime + R"(}
events:
  - {id: ouster, at: 2020-02-03, outcome: coup}
  - {id: deal, hazard: {annual: 0}, outcome: negotiated_exit}
)" + rest;
}

Summary summary_of(const Scenario& sc, uint64_t runs, uint64_t seed = 3) {
  Model model(sc);
  RunOptions o;
  o.runs = runs;
  o.seed = seed;
  return summarize(sc, run_monte_carlo(model, o), seed);
}

const RulerSummary* ruler(const Summary& s, const std::string& id) {
  for (const auto& r : s.ruler)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("a coup that leaves the regime in place hands it to the successor named for coups", "[leader]") {
  const Scenario sc = test::from_text(scenario("{continues: 1}"));
  Model model(sc);
  RunState st;
  model.prepare(st);
  simulate(model, st, 1, 0);
  CHECK(sc.outcomes[static_cast<size_t>(st.outcome)].id == "coup");
  CHECK(st.end_step == 5);  // the leader's rule ended in step 4 (the fifth)
  CHECK(st.regime_fate == kRegimeContinues);
  CHECK(st.regime_end == 20);  // the run went on to the horizon
  CHECK(st.ruler == 2);        // slot 2: the second successor, `general`
  CHECK(st.successions == 1);
  CHECK(st.x[0] == Approx(0.2).margin(0.05));  // the general's stance replaced the boss's (0.9)
  std::ostringstream os;
  write_replay(os, sc, model, 1, 0);
  CHECK_THAT(os.str(),
             Catch::Contains("week   5  2020-02-03..02-09  RULER GOES: boss - coup (event 'ouster' succeeded); the "
                             "regime goes on under general\n"));
  CHECK_THAT(os.str(),
             Catch::Contains("END: coup - coup (the horizon was reached; general rules, the regime goes on)"));
}

TEST_CASE("a coup that ends the regime ends the run, with a transition or a collapse", "[leader]") {
  for (const char* otherwise : {"transition", "collapse"}) {
    INFO(otherwise);
    const Scenario sc = test::from_text(scenario(std::string("{continues: 0, otherwise: ") + otherwise + "}"));
    const Summary s = summary_of(sc, 50);
    REQUIRE(s.regime.size() == 3);
    const bool transition = std::string(otherwise) == "transition";
    CHECK(s.regime[kRegimeTransition].count == (transition ? 50u : 0u));
    CHECK(s.regime[kRegimeCollapse].count == (transition ? 0u : 50u));
    CHECK(s.regime[kRegimeCollapse + (transition ? -1 : 0)].median == 5);
    REQUIRE(s.ruler.size() == 1);
    CHECK(s.ruler[0].id == (transition ? "opp" : "none"));
    CHECK(s.regime_survival[4] == 1.0);
    CHECK(s.regime_survival[5] == 0.0);
  }
}

TEST_CASE("the share of exits the regime outlives reproduces its base rate", "[leader][statistics]") {
  // Every other mechanism off: the only random draw is whether the regime continues.
  const uint64_t N = 20000;
  const Scenario coup = test::from_text(scenario("{continues: 0.35, otherwise: collapse}"));
  const Summary s = summary_of(coup, N);
  CHECK(test::within_binomial(s.regime[kRegimeContinues].count, N, 0.35, 3));
  CHECK(s.regime[kRegimeContinues].count + s.regime[kRegimeCollapse].count == N);
  // The default for a negotiated exit: about half of leader exits leave the regime in place
  // (Geddes, Wright & Frantz 2014).
  std::string yaml = scenario("{continues: 0}");
  yaml.replace(yaml.find("outcome: coup}"), 14, "outcome: negotiated_exit}");
  yaml.replace(yaml.find("hazard: {annual: 0}, outcome: negotiated_exit}"), 46, "hazard: {annual: 0}, outcome: coup}");
  const Summary d = summary_of(test::from_text(yaml), N);
  CHECK(test::within_binomial(d.regime[kRegimeContinues].count, N, 0.5, 3));
  CHECK(d.regime[kRegimeTransition].count + d.regime[kRegimeContinues].count == N);
  CHECK(ruler(d, "deputy") != nullptr);
  CHECK(ruler(d, "deputy")->count == d.regime[kRegimeContinues].count);
  // A new ruler's extra risk (the coup trap): a successor from step 5 faces a coup hazard of
  // 1% a step (given per year), whose rate is doubled while his tenure is under a year.
  const std::string trap = R"(geosim: 2
id: t
start: 2020-01-06
horizon: 80 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
leader:
  id: boss
  new_ruler_risk: 2
  new_ruler_years: 1
outcomes:
  - {id: status_quo, default: true}
  - {id: negotiated_exit, regime: {continues: 1}}
  - {id: coup, regime: {continues: 0}}
events:
  - {id: handover, at: 2020-01-06, outcome: negotiated_exit}
  - {id: putsch, hazard: {annual: )" +
                           std::to_string(1 - std::pow(0.99, 365.25 / 7)) + R"(, from: 2020-01-13}, outcome: coup}
)";
  const Summary c = summary_of(test::from_text(trap), N);
  // Takeover in step 0, so the new ruler's first year is steps 1..53 (tenure (t - 1) x 7/365.25
  // < 1), then 26 steps at the base rate before the horizon.
  // A doubled rate: survival 0.99^2 a step.
  const double p_coup = 1 - std::pow(0.99, 2 * 53) * std::pow(0.99, 26);
  CHECK(test::within_binomial(c.regime[kRegimeCollapse].count, N, p_coup, 3));
}

TEST_CASE("the joint counts sum to the runs and their margins are the two lists", "[leader][accounting]") {
  const Scenario sc = test::from_text(
      scenario("{continues: 0.5}", R"(  - {id: talks_fail, hazard: {annual: 0.9}, outcome: negotiated_exit}
)"));
  const uint64_t N = 5000;
  const Summary s = summary_of(sc, N);
  uint64_t total = 0;
  std::map<std::string, uint64_t> by_leader, by_regime;
  for (const auto& p : s.joint) {
    total += p.count;
    by_leader[p.leader] += p.count;
    by_regime[p.regime] += p.count;
  }
  CHECK(total == N);
  for (const auto& o : s.outcomes) CHECK(by_leader[o.id] == o.count);
  for (const auto& r : s.regime) CHECK(by_regime[r.id] == r.count);
  uint64_t rulers = 0;
  for (const auto& r : s.ruler) rulers += r.count;
  CHECK(rulers == N);
  // Who rules follows from the fates: nobody named after a collapse.
  CHECK((ruler(s, "none") ? ruler(s, "none")->count : 0) == s.regime[kRegimeCollapse].count);
  const Json j = summary_json(sc, s);
  for (const char* key : {"leader", "regime", "joint", "ruler", "regime_survival"}) CHECK(j.contains(key));
}

TEST_CASE("a lever on the leader ends when he goes, one on the regime stays", "[leader][react]") {
  const Scenario sc = test::from_text(scenario("{continues: 1}", R"(levers:
  - {id: bounty, kind: sanctions_individual, by: opp, target: gov, on: leader}
  - {id: oil, kind: sanctions_sectoral, by: opp, target: gov}
)"));
  Model model(sc);
  std::ostringstream os;
  write_replay(os, sc, model, 1, 0);
  CHECK_THAT(os.str(),
             Catch::Contains("week   6  2020-02-10..02-16  lever off: bounty (sanctions_individual, opp -> gov): it "
                             "followed boss, who has gone\n"));
  CHECK_THAT(os.str(), !Catch::Contains("lever off: oil"));
}

TEST_CASE("leader runs give the same bytes for any number of threads", "[leader][determinism]") {
  const Scenario sc = test::from_text(
      scenario("{continues: 0.5}", R"(  - {id: talks_fail, hazard: {annual: 0.9}, outcome: negotiated_exit}
)"));
  const auto [one, two] = test::json_on_1_and_2_threads(sc, 3000, 5);
  CHECK(one == two);
}

TEST_CASE("leader mistakes are located errors", "[leader][errors]") {
  CHECK(
      test::load_error(scenario("{continues: 1}", "", 1)) ==
      "test.yaml:11:3: `leader:` is a format 2 key (the leader and the regime); write `geosim: 2` on the first line; a "
      "format 1 file means exactly what it meant before");
  std::string no_leader = scenario("{continues: 1}");
  no_leader.erase(no_leader.find("leader:"), no_leader.find("outcomes:") - no_leader.find("leader:"));
  CHECK(test::load_error(no_leader) ==
        "test.yaml:13:24: an outcome's `regime:` needs the scenario's `leader:`; name the leader "
        "(docs/scenario-format.md, "
        "\"The leader and the regime\")");
  std::string bad_after = scenario("{continues: 1}");
  bad_after.replace(bad_after.find("after: [coup]"), 13, "after: [cop]");
  CHECK(test::load_error(bad_after) == "test.yaml:15:29: unknown outcome 'cop'; did you mean 'coup'?");
  std::string custom = scenario("{continues: 1}");
  custom.replace(custom.find("  - {id: negotiated_exit}"), 25, "  - {id: exile}");
  custom.replace(custom.find("after: [negotiated_exit]"), 24, "after: [exile]");
  custom.replace(custom.find("outcome: negotiated_exit}"), 25, "outcome: exile}");
  CHECK(test::load_error(custom) ==
        "test.yaml:18:5: outcome 'exile': say what it does to the regime; add `regime: {continues: P, otherwise: "
        "transition or collapse}` (the standard ids have defaults)");
}

TEST_CASE("validate tells a format 1 file how to say the same in format 2, and runs agree", "[leader][compat]") {
  const auto v1 = test::cli_run("validate " + test::source_path("scenarios/teaching.yaml"));
  CHECK(v1.code == 0);
  CHECK_THAT(v1.out, Catch::Contains("format 1: its numbers are per step. To move it to format 2, make `geosim: 2` its "
                                     "first line and give what validate then names in format 2's units"));
  // Following the advice: the first line alone names the two lines to change; with them
  // changed the file is valid format 2.
  std::string text = test::read_text(test::source_path("scenarios/teaching.yaml"));
  text.replace(text.find("geosim: 1"), 9, "geosim: 2");
  const std::string moved = test::temp_path("teaching-v2.yaml");
  std::ofstream(moved) << text;
  const auto named = test::cli_run("validate -q " + moved);
  CHECK(named.code == 3);
  CHECK_THAT(named.err, Catch::Contains(moved + ":13:10: in format 2, `horizon:` is a duration, got '52'"));
  CHECK_THAT(named.err, Catch::Contains(moved + ":128:50: in format 2, a shock lasts `shock_for:` a duration"));
  text.replace(text.find("horizon: 52 "), 12, "horizon: 52 weeks ");
  text.replace(text.find("shock_steps: 2"), 14, "shock_for: 2 weeks");
  std::ofstream(moved) << text;
  CHECK(test::cli_run("validate -q " + moved).code == 0);
  std::remove(moved.c_str());
  const auto v2 = test::cli_run("validate " + test::source_path("scenarios/teaching-leader.yaml"));
  CHECK(v2.code == 0);
  CHECK_THAT(v2.out, !Catch::Contains("format 1:"));
}

TEST_CASE("naming a leader changes no count of how the leader's rule ends", "[leader][compat]") {
  // The first exit happens before any succession, and the regime's draws have their own
  // stream: the outcome counts of teaching.yaml and of its leader version are the same
  // (with the leader version's stance noise and shock length in format 2's units).
  const Summary plain = summary_of(test::teaching({"geosim=2", "issues.incumbent_rule.noise=0.072",
                                                   "events.mass_protest.effects.shock_for=2 weeks"}),
                                   20000, 9);
  LoadOptions lo;
  const Summary led = summary_of(load_scenario(test::source_path("scenarios/teaching-leader.yaml"), lo), 20000, 9);
  REQUIRE(plain.outcomes.size() == led.outcomes.size());
  for (size_t o = 0; o < plain.outcomes.size(); ++o) {
    INFO(plain.outcomes[o].id);
    CHECK(plain.outcomes[o].count == led.outcomes[o].count);
  }
  CHECK(plain.survival == led.survival);
  CHECK(plain.leader.empty());
  CHECK(led.leader == "president");
}

TEST_CASE("a successor brings his own salience and exit calculus", "[leader]") {
  // The general cares less and would take an exile at once: after the coup of step 4 his
  // salience and exit calculus are this run's.
  std::string yaml = scenario("{continues: 1}");
  yaml.replace(yaml.find("{id: general, after: [coup], stance: 0.2}"), 41,
               "{id: general, after: [coup], salience: 0.2, exit: {office_value: 0, exile_value: 3}}");
  const Scenario sc = test::from_text(yaml);
  Model model(sc);
  RunState st;
  model.prepare(st);
  const size_t salience = static_cast<size_t>(sc.actors[0].salience);
  double gain_before = 0;
  simulate_with(
      model, st, 1, 0, nullptr, nullptr, [] {},
      [&](int t, bool) {
        if (t == 3) gain_before = st.vars[kVarExitGain];
      });
  CHECK(st.p[salience] == 0.2);
  CHECK(st.cs[0] == Approx(st.p[static_cast<size_t>(sc.actors[0].capability)] * 0.2));
  // exit_gain = offer x exile - (1 - offer) x prosecution - ((1 - f) x office - f x fall): no
  // offer here, so -prosecution - (-f x fall) = f x fall - prosecution, office no longer counts.
  const double f = st.vars[kVarFallRisk];
  const double fall = st.p[static_cast<size_t>(sc.mech[static_cast<size_t>(find_mech_param("exit", "fall_cost"))])];
  const double prosecution =
      st.p[static_cast<size_t>(sc.mech[static_cast<size_t>(find_mech_param("exit", "prosecution_cost"))])];
  CHECK(st.vars[kVarExitGain] == Approx(std::clamp(f * fall - prosecution, -5.0, 5.0)));
  CHECK(st.vars[kVarExitGain] > gain_before);  // office lost its value to him
}

TEST_CASE("the mean stance and the stance gap read a successor's stance and salience from the step he takes over",
          "[leader]") {
  const Scenario sc = test::from_text(R"(geosim: 2
id: handover
start: 2020-01-06
step: week
horizon: 6 weeks
incumbent: gov
challenger: opp
issues:
  - {id: rule, noise: 0}
actors:
  - {id: gov, kind: regime, stance: 0.9, salience: 0.5, capability: 0.5}
  - {id: opp, kind: opposition, stance: -0.5, salience: 0.5, capability: 0.5}
leader:
  id: boss
  successors:
    - {id: deputy, after: [negotiated_exit], stance: 0.2, salience: 1}
events:
  - {id: handover, at: 2020-01-20, outcome: negotiated_exit}
mechanisms:
  stance: {rally: 0}
outcomes:
  - {id: status_quo, default: true}
  - {id: negotiated_exit, regime: {continues: 1}}
)");
  test::OneRun r(sc);
  const RunState& st = r.st;
  for (int t = 0; t <= 2; ++t) REQUIRE_FALSE(r.model.step(r.st, r.rng, t));
  REQUIRE(st.successions == 1);  // the handover in step 2
  // His stance 0.2 with weight 0.5 x 1, the opposition's with 0.5 x 0.5: from this step on.
  const double gov = st.x[0], opp = st.x[1];
  REQUIRE(gov == 0.2);
  CHECK(st.vars[kVarMeanStance] == Approx((0.5 * gov + 0.25 * opp) / 0.75).epsilon(1e-12));
  CHECK(st.vars[kVarStanceGap] == Approx(std::fabs(gov - opp)).epsilon(1e-12));
}
