// Effects with two sides (format 2): each new term of docs/model.md checked by hand on one
// step of a run with everything else switched off, the coup hazard's reading of the
// insiders' stances against its closed form, and structural ensembles from the command line.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "../cli.h"
#include "../engine/helpers.h"
#include "engine/model/model.h"
#include "engine/runner/run_loop.h"

using namespace geosim;

namespace {

// A quiet world: stances hold (stubbornness 1, no noise), one cohort of units with the same
// threshold, every built-in weight 0 unless `mech` sets it; `levers` and `mech` are YAML.
std::string world(const std::string& levers, const std::string& mech, double threshold = 0.5) {
  return R"(geosim: 2
id: w
start: 2020-01-06
horizon: 10 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.8, stubbornness: 1}
  - {id: army, kind: security_force, stance: 0.2, stubbornness: 1}
  - {id: us, kind: state, stance: -0.8, stubbornness: 1}
cohorts:
  - {id: units, actor: army, units: 10, weight: 1, threshold: )" +
         std::to_string(threshold) + R"(}
mechanisms:
  defection: {peer: 0, incentive: 0, patronage: 0, repression: 0, support: 0, recognition: 0, humanitarian: 0, stance: 0, noise: 0, threat: 0}
  stance: {rally: 0}
  repression: {from_sanctions: 0, backfire: 0}
  exit: {prosecution_pressure: 0}
  coup: {stance: 0}
)" + mech +
         "levers:\n" + levers + R"(outcomes:
  - {id: status_quo, default: true}
)";
}

// The state after `steps` steps of run 0.
RunState after(const Scenario& sc, int steps) {
  Model model(sc);
  RunState st;
  model.prepare(st);
  model.init_run(st, 1, 0);
  const RunRng rng(1, 0);
  for (int t = 0; t < steps; ++t) model.step(st, rng, t);
  return st;
}

double var(const Scenario& sc, const RunState& st, const std::string& name) {
  for (size_t i = 0; i < sc.vars.size(); ++i)
    if (sc.vars[i].name == name) return st.vars[i];
  FAIL("no variable " << name);
  return 0;
}

}  // namespace

TEST_CASE("sanctions rally the actors at home toward the incumbent", "[two-sided]") {
  // revenue_pressure 0.5 and rally 2 a year: the army drifts toward the incumbent at 1 a year
  // while it relaxes back to its start at adjust_per_year 52, stepped exactly
  // (docs/model.md, "Levers and channels"); the foreign actor does not move.
  std::string text =
      world("  - {id: s, kind: sanctions_sectoral, by: us, target: gov, intensity: 0.5, stance_push: 0}\n", "", 0.9);
  text.replace(text.find("stance: {rally: 0}"), 18, "stance: {rally: 2}");
  const Scenario sc = test::from_text(text);
  const RunState st = after(sc, 1);
  const double dt = 7 / 365.25;
  const double fixed = (52 * 0.2 + 1 * 0.8) / 53;
  CHECK(st.x[1] == Approx(fixed + (0.2 - fixed) * std::exp(-53 * dt)).epsilon(1e-12));
  CHECK(st.x[2] == -0.8);
  CHECK(st.x[0] == 0.8);
}

TEST_CASE("sanctions add repression, joined by noisy-OR", "[two-sided]") {
  std::string text = world(
      "  - {id: s, kind: sanctions_sectoral, by: us, target: gov, intensity: 0.5}\n"
      "  - {id: r, kind: repression, by: gov, target: us, intensity: 0.4}\n",
      "");
  text.replace(text.find("repression: {from_sanctions: 0"), 30, "repression: {from_sanctions: 0.6");
  const Scenario sc = test::from_text(text);
  const RunState st = after(sc, 1);
  // The repression lever's own channel: 0.4 (target us is not on the regime's side, so check).
  const double own = 1 - (1 - 0.4);
  CHECK(var(sc, st, "repression") == Approx(1 - (1 - own) * (1 - 0.6 * 0.5)).epsilon(1e-12));
}

TEST_CASE("repression beyond its level backfires on the incentive to defect", "[two-sided]") {
  // Repression 0.9 with backfire 0.5 above 0.5: z = 0.5 x 0.4 = 0.2; units with a threshold
  // of 0.19 defect, units with 0.21 do not.
  for (const double threshold : {0.19, 0.21}) {
    std::string text = world("  - {id: r, kind: repression, by: gov, target: us, intensity: 0.9}\n", "", threshold);
    text.replace(text.find("from_sanctions: 0, backfire: 0"), 30, "from_sanctions: 0, backfire: 0.5");
    const Scenario sc = test::from_text(text);
    CHECK(var(sc, after(sc, 1), "defected_share") == (threshold < 0.2 ? 1.0 : 0.0));
  }
}

TEST_CASE("a threat moves the incentive to defect, either way", "[two-sided]") {
  for (const double w : {0.3, -0.3}) {
    std::string text = world("  - {id: t, kind: military_threat, by: us, target: gov, intensity: 0.5}\n", "", 0.1);
    text.replace(text.find("noise: 0, threat: 0"), 19, "noise: 0, threat: " + std::to_string(w));
    const Scenario sc = test::from_text(text);
    // z = w x 0.5: 0.15 > 0.1 defects; -0.15 does not.
    CHECK(var(sc, after(sc, 1), "defected_share") == (w > 0 ? 1.0 : 0.0));
  }
}

TEST_CASE("individual sanctions raise the cost of leaving without an amnesty", "[two-sided]") {
  std::string text = world("  - {id: b, kind: sanctions_individual, by: us, target: gov, intensity: 0.5}\n", "");
  text.replace(text.find("prosecution_pressure: 0"), 23, "prosecution_pressure: 2");
  const Scenario sc = test::from_text(text);
  const RunState st = after(sc, 1);
  // exit_gain = U_exit - U_stay with offer 0: -prosecution x (1 + 2 x 0.5) - U_stay; the
  // default prosecution cost is 1, office 1, fall cost 2.
  const double f = var(sc, st, "fall_risk");
  const double u_stay = (1 - f) * 1 - f * 2;
  CHECK(var(sc, st, "exit_gain") == Approx(-1 * (1 + 2 * 0.5) - u_stay).epsilon(1e-12));
}

TEST_CASE("a coup's hazard reads how far the insiders have turned against the incumbent", "[two-sided][statistical]") {
  // Annual hazard 0.2 from step 1, coup.stance 2; in step 0 the army's stance falls from 0.2 to
  // -0.2 on [-1, 1]: its stance against the incumbent rises from 0.4 to 0.6, so the hazard is
  // multiplied by e^(2 x 0.2) for the 9 steps left: P(coup) = 1 - 0.8^(e^0.4 x 63/365.25).
  std::string text = world("", "");
  text.replace(text.find("coup: {stance: 0}"), 17, "coup: {stance: 2}");
  // Stubbornness 0 and no relations: the army's stance stays where the purge leaves it.
  text.replace(text.find("stance: 0.2, stubbornness: 1"), 28, "stance: 0.2, stubbornness: 0");
  text.replace(text.find("outcomes:"), 9,
               "events:\n  - {id: purge, at: 2020-01-06, effects: {stance_shock: {army: -0.4}}}\n"
               "  - {id: putsch, hazard: {annual: 0.2, from: 2020-01-13}, outcome: coup}\noutcomes:\n  - {id: coup}");
  const Scenario sc = test::from_text(text);
  const uint64_t n = 40000;
  const Json j = Json::parse(test::run_json(sc, n, 5));
  uint64_t coups = 0;
  for (const auto& o : j["outcomes"])
    if (o["id"] == "coup") coups = o["count"].get<uint64_t>();
  const double p = 1 - std::pow(0.8, std::exp(2 * 0.2) * 63 / 365.25);
  // Where the insiders stand at the start leaves the base rate alone: without the purge,
  // 1 - 0.8^(63/365.25).
  std::string still = text;
  still.replace(still.find("stance_shock: {army: -0.4}"), 26, "stance_shock: {army: 0}");
  const Json k = Json::parse(test::run_json(test::from_text(still), n, 5));
  uint64_t calm = 0;
  for (const auto& o : k["outcomes"])
    if (o["id"] == "coup") calm = o["count"].get<uint64_t>();
  CHECK(test::within_binomial(coups, n, p, 2));
  CHECK(test::within_binomial(calm, n, 1 - std::pow(0.8, 63 / 365.25), 2));
}

TEST_CASE("run --ensemble: the spread between structures beside the Monte Carlo interval", "[two-sided][cli]") {
  const auto r = test::cli_run("run scenarios/teaching.yaml --ensemble scenarios/teaching-react.yaml -n 2000 -q");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Structural ensemble: 2 model structures, 2000 runs each, seed 1"));
  CHECK_THAT(r.out, Catch::Contains("[2] scenarios/teaching-react.yaml"));
  CHECK_THAT(r.out, Catch::Contains("The structures disagree most on"));
  // JSON: each structure's probability, and the pooled one is their mean.
  const auto j =
      test::cli_run("run scenarios/teaching.yaml --ensemble scenarios/teaching-react.yaml -n 2000 -q -f json");
  REQUIRE(j.code == 0);
  const Json doc = Json::parse(j.out);
  for (const auto& o : doc["ensemble"]["outcomes"]) {
    const double a = o["probability"][0], b = o["probability"][1];
    CHECK(o["pooled"].get<double>() == Approx((a + b) / 2));
    CHECK(o["min"].get<double>() == std::min(a, b));
  }
  CHECK(doc["command"] == "geosim run scenarios/teaching.yaml --ensemble scenarios/teaching-react.yaml -n 2000");
  // What reproduces it, as every output records: version, seed, each structure's scenario
  // hash (that of a plain run of the file), and in the table and the CSV the same lines.
  CHECK(doc["geosim_version"].is_string());
  CHECK(doc["seed"] == 1);
  const auto plain = test::cli_run("run scenarios/teaching-react.yaml -n 10 -q -f json");
  REQUIRE(plain.code == 0);
  CHECK(doc["ensemble"]["structures"][1]["scenario_hash"] == Json::parse(plain.out)["scenario_hash"]);
  CHECK_THAT(r.out, Catch::Contains("reproduce: geosim run scenarios/teaching.yaml --ensemble"));
  const auto csv =
      test::cli_run("run scenarios/teaching.yaml --ensemble scenarios/teaching-react.yaml -n 200 -q -f csv");
  REQUIRE(csv.code == 0);
  CHECK(csv.out.rfind("# geosim ", 0) == 0);
  CHECK_THAT(csv.out, Catch::Contains("\n# reproduce: geosim run scenarios/teaching.yaml --ensemble "
                                      "scenarios/teaching-react.yaml -n 200\noutcome,structure,file,probability\n"));
  // Structures must answer the same question.
  const auto bad = test::cli_run("run scenarios/teaching.yaml --ensemble scenarios/venezuela-2019.yaml -n 100 -q");
  CHECK(bad.code != 0);
  CHECK_THAT(bad.err, Catch::Contains("scenarios/venezuela-2019.yaml: has an outcome 'foreign_intervention' that "
                                      "scenarios/teaching.yaml lacks"));
}

TEST_CASE("a --set value may name a mechanism group the file leaves out, a misspelt one is refused",
          "[two-sided][set]") {
  LoadOptions lo;
  lo.sets = {"mechanisms.stance.rally=0.25"};
  const Scenario sc = load_scenario(test::source_path("scenarios/venezuela-2019.yaml"), lo);
  CHECK(sc.params[static_cast<size_t>(sc.mech[static_cast<size_t>(find_mech_param("stance", "rally"))])].dist.value() ==
        0.25);
  lo.sets = {"mechanisms.stanse.rally=0.25"};
  CHECK_THAT(test::error_of([&] { load_scenario(test::source_path("scenarios/venezuela-2019.yaml"), lo); }),
             Catch::Contains("did you mean 'stance'?"));
}

TEST_CASE("a format 2 coefficient in a format 1 file is refused with the format that has it", "[two-sided][set]") {
  LoadOptions lo;
  const std::string v1 = test::source_path("bench/venezuela-2019-v1.yaml");
  // A whole group of format 2 (coup) and one coefficient of a group format 1 has (defection).
  lo.sets = {"mechanisms.coup.stance=1"};
  CHECK_THAT(test::error_of([&] { load_scenario(v1, lo); }),
             Catch::Contains("`mechanisms.coup` is a format 2 term, which a format 1 file leaves out; write "
                             "`geosim: 2` on the first line"));
  lo.sets = {"mechanisms.defection.threat=0.1"};
  CHECK_THAT(test::error_of([&] { load_scenario(v1, lo); }),
             Catch::Contains("`mechanisms.defection.threat` is a format 2 term"));
  // A misspelling is still a misspelling, with its did-you-mean, and format 2 takes both.
  lo.sets = {"mechanisms.defection.treat=0.1"};
  CHECK_THAT(test::error_of([&] { load_scenario(v1, lo); }),
             Catch::Contains("unknown key 'treat' in mechanisms.defection; did you mean 'threat'?"));
  lo.sets = {"geosim=2", "mechanisms.coup.stance=1", "mechanisms.defection.threat=0.1"};
  const Scenario sc = load_scenario(v1, lo);
  CHECK(sc.params[sc.mech[static_cast<size_t>(find_mech_param("coup", "stance"))].index()].dist.value() == 1);
}
