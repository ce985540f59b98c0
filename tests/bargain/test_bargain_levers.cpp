// `geosim bargain` on a scenario applies the levers active at the start (or at --at):
// their capability and salience effects (the registry rows), and their stance pulls
// between rounds. Without an acting lever the forecast is that of the unmoved inputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/scenario/loader.h"
#include "engine/stance/bargaining.h"
#include "tests/cli.h"

using geosim::test::cli_run;
using geosim::test::source_path;
using geosim::test::temp_path;
using Json = nlohmann::json;

namespace {

const std::string kTeaching = "'" + source_path("scenarios/teaching.yaml") + "'";

// Three actors at 0.6, 0 and -0.6 with equal weights: nobody bargains away from this
// (the median is the middle actor), so what moves is the lever's pull alone. The lever
// (`mediation`, which changes salience by -0.1 x strength) starts at step 4.
const char* kPullScenario = R"(geosim: 1
id: pull
title: "Three actors and one lever"
start: 2020-01-06
step: week
horizon: 52
incumbent: gov
challenger: opp
issues:
  - {id: rule, noise: 0}
actors:
  - {id: gov, kind: regime, stance: 0.6, salience: 0.8, capability: 0.5, stubbornness: 0.5, assumption: "test"}
  - {id: mid, kind: state, stance: 0.0, salience: 0.8, capability: 0.5, stubbornness: 0.5, assumption: "test"}
  - {id: opp, kind: opposition, stance: -0.6, salience: 0.8, capability: 0.5, stubbornness: 0.5, assumption: "test"}
levers:
  - {id: push, kind: mediation, by: opp, target: mid, from: 2020-02-03, intensity: 1, credibility: 1,
     stance_push: 1, assumption: "test"}
outcomes:
  - {id: status_quo, label: "nothing", default: true}
)";

std::string pull_scenario() {
  const std::string path = temp_path("pull.yaml");
  std::ofstream(path) << kPullScenario;
  return path;
}

Json bargain_json(const std::string& args) {
  auto r = cli_run("bargain " + args + " --format json");
  INFO("geosim bargain " << args << "\n" << r.err);
  REQUIRE(r.code == 0);
  return Json::parse(r.out);
}

}  // namespace

TEST_CASE("bargain with no lever acting forecasts from the unmoved inputs", "[bargain][levers]") {
  // Teaching: no lever is active at the start, so the rounds are those of the scenario's
  // central inputs, computed here with the library.
  const geosim::Scenario sc = geosim::load_scenario(source_path("scenarios/teaching.yaml"));
  std::vector<geosim::bargaining::Actor> actors;
  for (const auto& a : sc.actors) {
    auto central = [&](geosim::ParamId id) { return sc.params[static_cast<size_t>(id)].dist.quantile(0.5); };
    actors.push_back({a.id, central(a.capability), central(a.stance[0]), central(a.salience)});
  }
  const auto expected = geosim::bargaining::simulate(actors, 10);
  const Json j = bargain_json(kTeaching);
  CHECK(j["input"]["levers"]["step"] == 0);
  CHECK(j["input"]["levers"]["applied"].empty());
  CHECK(j["input"]["levers"]["not_active"] == Json({"sanctions", "amnesty_for_officers", "exit_deal"}));
  REQUIRE(j["rounds"].size() == expected.size());
  for (size_t t = 0; t < expected.size(); ++t) {
    CHECK(j["rounds"][t]["median"].get<double>() == expected[t].median);
    CHECK(j["rounds"][t]["mean"].get<double>() == expected[t].mean);
    CHECK_FALSE(j["rounds"][t].contains("pulled"));
  }
  // At step 4 only the sanctions act; switched off, the forecast is the one above again.
  const Json off = bargain_json(kTeaching + " --at 2020-02-03 --set levers.sanctions.enabled=0");
  CHECK(off["input"]["levers"]["applied"].empty());
  CHECK(off["rounds"] == j["rounds"]);
  // The table says so.
  auto table = cli_run("bargain " + kTeaching + " --rounds 1");
  // Steps are printed as the days they cover and numbered as the replay numbers them, from
  // week 1 (docs/output.md, "Dates"); --at STEP counts the steps taken before, from 0.
  CHECK(table.out.find("Levers: none acts on issue 'incumbent_rule' at week 1 (2020-01-06..01-12).") !=
        std::string::npos);
  CHECK(table.out.find("sanctions (from week 5, 2020-02-03..02-09)") != std::string::npos);
  const auto replay = cli_run("run " + kTeaching + " --replay 1");
  CHECK(replay.out.find("week   5  2020-02-03..02-09  lever on:  sanctions") != std::string::npos);
}

TEST_CASE("bargain applies the capability effect of the sanctions by their registry row", "[bargain][levers]") {
  // From 2020-02-03 the sanctions (intensity 0.7, credibility 0.9) cut the government's
  // capability by 0.3 x 0.63; its pull is switched off to see the capability alone.
  const Json on = bargain_json(kTeaching + " --at 2020-02-03 --rounds 0 --set levers.sanctions.stance_push=0");
  const Json off =
      bargain_json(kTeaching + " --at 2020-02-03 --rounds 0 --set levers.sanctions.stance_push=0 "
                               "--set levers.sanctions.intensity=0");
  const Json& applied = on["input"]["levers"]["applied"];
  REQUIRE(applied.size() == 1);
  CHECK(applied[0]["id"] == "sanctions");
  CHECK(applied[0]["strength"].get<double>() == Approx(0.63));
  CHECK(applied[0]["capability_change"].get<double>() == Approx(-0.3 * 0.63));
  const Json& gov = on["input"]["actors"][0];
  CHECK(gov["name"] == "government");
  CHECK(gov["base_capability"].get<double>() == 0.5);
  CHECK(gov["capability"].get<double>() == Approx(0.5 * (1 - 0.3 * 0.63)));
  CHECK(gov["salience"].get<double>() == gov["base_salience"].get<double>());
  // The government stands at 0.9, above the weighted mean: less weight lowers the mean.
  CHECK(on["rounds"][0]["mean"].get<double>() < off["rounds"][0]["mean"].get<double>());
  CHECK(off["input"]["levers"]["applied"].empty());
}

TEST_CASE("a lever that pulls a stance moves the forecast toward the acting actor", "[bargain][levers]") {
  const std::string file = "'" + pull_scenario() + "'";
  // Before the lever starts nothing moves: the median stays at the middle actor, 0.
  const Json before = bargain_json(file + " --at 0");
  for (const auto& r : before["rounds"]) CHECK(r["median"].get<double>() == 0.0);
  // From step 4 the lever pulls `mid` toward `opp` (-0.6) by k = 1 x 1 x 7/365.25 of the
  // gap per step, 4 steps (bargaining_every) before each round; the bargaining itself
  // moves nobody, so after t rounds mid stands at -0.6 + 0.6 (1 - k)^(4t).
  const Json j = bargain_json(file + " --at 2020-02-03");
  const Json& applied = j["input"]["levers"]["applied"];
  REQUIRE(applied.size() == 1);
  const double k = 7.0 / 365.25;
  CHECK(applied[0]["pull_per_step"].get<double>() == Approx(k).epsilon(1e-12));
  CHECK(applied[0]["salience_change"].get<double>() == Approx(-0.1));
  CHECK(j["input"]["levers"]["steps_per_round"] == 4);
  double last = 0;
  for (size_t t = 1; t < j["rounds"].size(); ++t) {
    INFO("round " << t);
    const Json& r = j["rounds"][t];
    const double mid = r["positions"]["mid"].get<double>();
    CHECK(mid == Approx(-0.6 + 0.6 * std::pow(1 - k, 4.0 * static_cast<double>(t))).margin(1e-12));
    CHECK(r["pulled"].contains("mid"));
    CHECK(r["median"].get<double>() < last);  // toward opp, every round
    CHECK(r["mean"].get<double>() < 0);
    last = r["median"].get<double>();
  }
  CHECK(last < -0.3);
  // The same lever acting for `gov` instead pulls the forecast the other way.
  const Json up = bargain_json(file + " --at 4 --set levers.push.by=gov");
  CHECK(up["rounds"].back()["median"].get<double>() == Approx(-last).margin(1e-12));
  // The table names the lever and what it did.
  auto table = cli_run("bargain " + file + " --at 4 --rounds 1");
  CHECK(table.out.find("push (mediation, opp -> mid), strength 1.000: salience -10.0%, pulls toward opp") !=
        std::string::npos);
  CHECK(table.out.find("pulled by levers before the round") != std::string::npos);
}

TEST_CASE("bargain Monte Carlo with lever pulls is deterministic and agrees with the story", "[bargain][levers][determinism]") {
  // Teaching from 2020-06-01: all three levers act, the amnesty's and exit deal's
  // credibility and the army's stance are uncertain.
  const std::string args = "bargain " + kTeaching + " --at 2020-06-01 --rounds 6 --runs 1500 --format json --threads ";
  auto one = cli_run(args + "1");
  REQUIRE(one.code == 0);
  CHECK(cli_run(args + "3").out == one.out);
  // With every input fixed, each run is the central story: no run's median differs from it.
  const Json fixed = bargain_json(kTeaching +
                                  " --at 2020-06-01 --runs 200 --set actors.army.stance=0.5 "
                                  "--set levers.amnesty_for_officers.credibility=0.4 --set levers.exit_deal.credibility=0.3");
  CHECK(fixed["input"]["levers"]["applied"].size() == 3);
  CHECK(fixed["monte_carlo"]["stability"]["changed"] == 0);
  for (size_t t = 0; t < fixed["rounds"].size(); ++t) {
    CHECK(fixed["monte_carlo"]["rounds"][t]["median"]["p5"] == fixed["rounds"][t]["median"]);
    CHECK(fixed["monte_carlo"]["rounds"][t]["median"]["p95"] == fixed["rounds"][t]["median"]);
  }
}

TEST_CASE("bargain rejects a bad --at with exit code 2", "[bargain][levers][errors]") {
  for (const char* at : {"2019-12-31", "2021-01-04", "52", "soon"}) {
    auto r = cli_run("bargain " + kTeaching + " --at " + at);
    INFO(at << ": " << r.err);
    CHECK(r.code == 2);
    // The last date accepted is the last day of the last step.
    CHECK(r.err.find("give a date from 2020-01-06 to 2021-01-03, or a step from 0 to 51") != std::string::npos);
  }
  CHECK(cli_run("bargain '" + source_path("tests/data/ec_emissions.csv") + "' --at 3").code == 2);
}
