// Bargaining as a stance model inside scenarios: one line switches an issue to it, levers
// move its inputs, its rounds happen every K steps, and runs stay deterministic.
#include <catch2/catch.hpp>

#include "engine/runner/run_loop.h"
#include "../engine/helpers.h"
#include "engine/core/parallel.h"
#include "engine/stance/stance_models.h"

using namespace geosim;

namespace {

using test::kTeaching;
using test::teaching;
const std::string kSwitch = test::kBargainingSwitch;

std::string run_json_threads(const Scenario& sc, int threads, uint64_t runs = 3000) {
  const int before = max_threads();
  set_threads(threads);
  std::string j = test::run_json(sc, runs, 5);
  set_threads(before);
  return j;
}

}  // namespace

TEST_CASE("one --set line switches the teaching scenario to bargaining", "[bargain][scenario]") {
  const Scenario fj = teaching({});
  const Scenario bg = teaching({kSwitch});
  REQUIRE(fj.issues[0].model == StanceModel::FriedkinJohnsen);
  REQUIRE(bg.issues[0].model == StanceModel::Bargaining);
  CHECK(bg.issues[0].bargaining_every == 4);
  // Results differ from Friedkin-Johnsen (the stances feed defection and mean_stance)...
  const std::string a = run_json_threads(fj, 2), b = run_json_threads(bg, 2);
  CHECK(a != b);
  // ...and are byte-identical for any thread count.
  CHECK(run_json_threads(bg, 1) == b);
  CHECK(run_json_threads(bg, 4) == b);
  // bargaining_every is a scenario parameter too.
  const Scenario every2 = teaching({kSwitch, "issues.incumbent_rule.bargaining_every=2"});
  CHECK(every2.issues[0].bargaining_every == 2);
  CHECK(run_json_threads(every2, 2) != b);
}

TEST_CASE("bargaining rounds happen every K steps and are the model's step", "[bargain][scenario]") {
  // No noise and no lever pushes: between rounds nothing moves the stances, and at each
  // round they move exactly as bargaining::step says with the lever-moved inputs and R
  // from the initial stances.
  const Scenario sc = test::quiet_bargaining_teaching();
  const Issue& is = sc.issues[0];
  Model model(sc);
  RunState st;
  model.prepare(st);
  const size_t n = sc.actors.size();
  int rounds_with_moves = 0;
  for (uint64_t run = 0; run < 50; ++run) {
    double range = 0;
    bargaining::Workspace ws;
    std::vector<double> before;  // the stances before the step
    auto keep = [&] { before.assign(st.x.begin(), st.x.begin() + static_cast<long>(n)); };
    simulate_with(model, st, 9, run, nullptr, nullptr, [&] {
      range = *std::max_element(st.x0.begin(), st.x0.end()) - *std::min_element(st.x0.begin(), st.x0.end());
      keep();
    }, [&](int t, bool) {
      std::vector<double> expected = before;
      if ((t + 1) % 3 == 0) {
        std::vector<double> cap(n), sal(n);
        bargaining_inputs(sc, st, 0, cap.data(), sal.data());
        bargaining::step(cap.data(), sal.data(), expected.data(), static_cast<int>(n), range, ws, nullptr);
        rounds_with_moves += expected != before;
      }
      for (size_t i = 0; i < n; ++i) {
        INFO("run " << run << " step " << t << " actor " << sc.actors[i].id);
        CHECK(st.x[i] == expected[i]);
        CHECK(st.x[i] >= is.lo);
        CHECK(st.x[i] <= is.hi);
      }
      keep();
    });
  }
  CHECK(rounds_with_moves > 0);  // the rounds did something
}

TEST_CASE("bargaining stances stay within the issue range with noise and levers", "[bargain][scenario]") {
  const Scenario sc = teaching({kSwitch, "issues.incumbent_rule.noise=0.2", "issues.incumbent_rule.bargaining_every=1"});
  Model model(sc);
  RunState st;
  model.prepare(st);
  const size_t n = sc.actors.size();
  bool bad = false;
  for (uint64_t run = 0; run < 200 && !bad; ++run) {
    simulate_with(model, st, 2, run, nullptr, nullptr, [] {}, [&](int, bool) {
      for (size_t i = 0; i < n; ++i) bad |= !(st.x[i] >= sc.issues[0].lo && st.x[i] <= sc.issues[0].hi);
    });
  }
  CHECK_FALSE(bad);
}

TEST_CASE("levers move bargaining capability and salience by their registry rows", "[bargain][scenario]") {
  const Scenario sc = teaching({kSwitch});
  Model model(sc);
  RunState st;
  model.prepare(st);
  model.init_run(st, 1, 0);
  RunRng rng(1, 0);
  const size_t n = sc.actors.size();
  std::vector<double> cap(n), sal(n);
  const size_t gov = sc.find_actor("government").index(), army = sc.find_actor("army").index();
  auto param = [&](const std::string& path) { return st.p[static_cast<size_t>(sc.find_param(path))]; };
  int t = 0;
  auto advance_to = [&](int until) {
    for (; t < until; ++t) REQUIRE_FALSE(model.step(st, rng, t));
  };
  advance_to(1);  // before any lever starts: the base values
  bargaining_inputs(sc, st, 0, cap.data(), sal.data());
  CHECK(cap[gov] == param("actors.government.capability"));
  CHECK(sal[gov] == param("actors.government.salience"));
  // Sanctions (from 2020-02-03, step 4) lower the government's capability:
  // 0.5 x (1 - 0.3 x intensity 0.7 x credibility 0.9) = 0.4055.
  advance_to(5);
  bargaining_inputs(sc, st, 0, cap.data(), sal.data());
  CHECK(cap[gov] == Approx(0.5 * (1 - 0.3 * 0.7 * 0.9)).epsilon(1e-14));
  CHECK(cap[gov] == Approx(0.4055).epsilon(1e-12));
  CHECK(sal[gov] == 0.9);
  CHECK(cap[army] == 0.4);
  // The amnesty for officers (from 2020-03-02, step 8) lowers the army's capability by
  // 0.2 x 0.6 x its drawn credibility; the exit deal (from 2020-06-01, step 21) lowers the
  // government's salience by 0.3 x 0.5 x its credibility.
  advance_to(22);
  bargaining_inputs(sc, st, 0, cap.data(), sal.data());
  CHECK(cap[army] == Approx(0.4 * (1 - 0.2 * 0.6 * param("levers.amnesty_for_officers.credibility"))).epsilon(1e-14));
  CHECK(sal[gov] == Approx(0.9 * (1 - 0.3 * 0.5 * param("levers.exit_deal.credibility"))).epsilon(1e-14));
  CHECK(sal[gov] < 0.9);
}

TEST_CASE("lever effects on bargaining inputs are clamped to [0, 1]", "[bargain][scenario]") {
  // Military aid (+0.3) and a threat (+0.3 salience) at full strength on an actor with
  // capability 0.9 and salience 0.9: 0.9 x 1.3 = 1.17, clamped to 1.
  const Scenario sc = test::from_text(test::header(8) + R"(
issues:
  - {id: rule, stance_model: bargaining, bargaining_every: 2}
actors:
  - {id: gov, kind: regime, stance: 0.9, salience: 0.9, capability: 0.9}
  - {id: ally, kind: state, stance: 0.5, salience: 0.5, capability: 0.5}
  - {id: opp, kind: opposition, stance: -0.9, salience: 0.8, capability: 0.3}
levers:
  - {id: aid, kind: military_aid, by: ally, target: gov, intensity: 1, credibility: 1}
  - {id: threat, kind: military_threat, by: opp, target: gov, intensity: 1, credibility: 1}
outcomes:
  - {id: status_quo, default: true}
)");
  Model model(sc);
  RunState st;
  model.prepare(st);
  model.init_run(st, 1, 0);
  RunRng rng(1, 0);
  model.step(st, rng, 0);
  std::vector<double> cap(3), sal(3);
  bargaining_inputs(sc, st, 0, cap.data(), sal.data());
  CHECK(cap[0] == 1.0);
  CHECK(sal[0] == 1.0);
  CHECK(cap[1] == 0.5);
  CHECK(cap[2] == 0.3);
}

TEST_CASE("the Venezuela 2019 scenario switches to bargaining with one line", "[bargain][scenario]") {
  LoadOptions fj_opts, bg_opts;
  bg_opts.sets = {kSwitch};
  const std::string file = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/venezuela-2019.yaml";
  const Scenario fj = load_scenario(file, fj_opts);
  const Scenario bg = load_scenario(file, bg_opts);
  REQUIRE(bg.issues[0].model == StanceModel::Bargaining);
  const std::string b = run_json_threads(bg, 2, 2000);
  CHECK(run_json_threads(fj, 2, 2000) != b);
  CHECK(run_json_threads(bg, 1, 2000) == b);
}
