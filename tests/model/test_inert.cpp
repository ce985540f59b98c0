// What an analysis of a format 2 scenario leaves out because it can change nothing
// (Scenario::inert_params): every parameter it leaves out is run here at both ends of its
// range, and no step of any run may differ.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "../engine/helpers.h"
#include "engine/model/model.h"
#include "engine/runner/run_loop.h"
#include "engine/scenario/registry.h"

using namespace geosim;

namespace {

// A regime, its army in two cohorts, an opposition and a foreign state; events whose hazards
// read every variable the mechanisms compute (fall risk, exit gain, defections, revenue,
// patronage, the mean stance), so that a coefficient that acts at all moves some run.
// `levers` is the text of the levers: block (empty: none).
std::string scenario(const std::string& levers) {
  return R"(geosim: 2
id: inert
start: 2020-01-06
step: week
horizon: 30 weeks
incumbent: government
challenger: opposition
issues:
  - {id: rule, noise: 0.05}
actors:
  - {id: government, kind: regime, stance: 0.9, salience: 0.9, capability: 0.5, stubbornness: 0.3}
  - {id: army, kind: security_force, stance: 0.5, salience: 0.7, capability: 0.4, stubbornness: 0.3}
  - {id: opposition, kind: opposition, stance: -0.9, salience: 0.9, capability: 0.2, stubbornness: 0.7}
  - {id: patron, kind: state, stance: -0.8, salience: 0.5, capability: 0.9, stubbornness: 0.9}
relations:
  - {from: army, to: government, influence: 1.0}
  - {from: army, to: opposition, influence: 0.3}
  - {from: government, to: army, influence: 0.5}
cohorts:
  - {id: officers, actor: army, units: 20, weight: 0.3, threshold: {dist: normal, mean: 0.4, sd: 0.2, min: 0, max: 1}}
  - {id: ranks, actor: army, units: 40, weight: 0.7, threshold: {dist: normal, mean: 0.3, sd: 0.2, min: 0, max: 1}}
)" + levers +
         R"(
events:
  - {id: fall, hazard: {annual: 0.3, drivers: {fall_risk: 3.0, resources: -2.0, patronage: -1.0}}, outcome: collapse}
  - {id: deal, hazard: {annual: 0.2, drivers: {exit_gain: 1.5, mean_stance: -2.0}}, outcome: negotiated_exit}
  - {id: split, hazard: {annual: 0.2, drivers: {defected_share: 4.0}}, outcome: coup}
outcomes:
  - {id: defection_collapse, when: "defected_share >= 0.4"}
  - {id: collapse}
  - {id: negotiated_exit}
  - {id: coup}
  - {id: status_quo, default: true}
)";
}

// One lever of kind `kind` by the patron on `target`, at full strength from the start.
std::string one_lever(const std::string& kind, const std::string& target) {
  return "levers:\n  - {id: l, kind: " + kind + ", by: patron, target: " + target +
         ", intensity: 0.8, credibility: 0.9}\n";
}

// Every step of `runs` runs with parameter `id` held at `value`: the state variables after
// each step, then the outcome and the step it came at.
std::vector<double> history(const Model& model, ParamId id, double value, int runs) {
  ParamValues fixed(model.scenario().params.size(), std::numeric_limits<double>::quiet_NaN());
  fixed[static_cast<size_t>(id)] = value;
  RunState st;
  model.prepare(st);
  std::vector<double> out;
  for (int r = 0; r < runs; ++r) {
    const int outcome = simulate_with(
        model, st, 29, static_cast<uint64_t>(r), &fixed, nullptr, [] {},
        [&](int, bool) { out.insert(out.end(), st.vars.begin(), st.vars.end()); });
    out.push_back(outcome);
    out.push_back(st.end_step);
  }
  return out;
}

// Whether holding parameter `path` at either end of its range gives different histories.
bool moves(const Scenario& sc, ParamId id, int runs = 60) {
  const Model model(sc);
  const Param& p = sc.params[static_cast<size_t>(id)];
  return history(model, id, p.range.lo, runs) != history(model, id, p.range.hi, runs);
}

ParamId param(const Scenario& sc, const std::string& path) {
  const ParamId id = sc.find_param(path);
  REQUIRE(id != kNoParam);
  return id;
}

// The parameters inert_params() names, less those that make a lever inert themselves (a
// fixed 0: held at 1 it would switch the lever on).
std::vector<ParamId> left_out(const Scenario& sc) {
  const std::vector<bool> inert = sc.inert_params();
  std::vector<ParamId> out;
  for (size_t i = 0; i < inert.size(); ++i) {
    const Distribution& d = sc.params[i].dist;
    if (inert[i] && !(d.is_constant() && d.value() == 0)) out.push_back(static_cast<ParamId>(i));
  }
  return out;
}

}  // namespace

TEST_CASE("a coefficient that acts only through channels no lever feeds is left out, and changes nothing",
          "[factors][gsa]") {
  // With no lever every channel is 0: each coefficient with channels of its own is inert.
  const Scenario none = test::from_text(scenario(""));
  const std::vector<bool> inert = none.inert_params();
  int with_channels = 0;
  for (int i = 0; i < num_mech_params(); ++i) {
    const MechParamInfo& info = mech_param_info(i);
    if (none.mech[static_cast<size_t>(i)] == kNoParam) continue;
    const bool via = info.via != 0;
    with_channels += via;
    INFO("mechanisms." << info.group << "." << info.name);
    CHECK(inert[static_cast<size_t>(none.mech[static_cast<size_t>(i)])] == via);
  }
  CHECK(with_channels >= 20);
  for (ParamId id : left_out(none)) {
    INFO(none.params[static_cast<size_t>(id)].path);
    CHECK_FALSE(moves(none, id));
  }
  // The check can fail: the coefficients that act without a lever move the runs.
  CHECK(moves(none, param(none, "mechanisms.fall_risk.base")));
  CHECK(moves(none, param(none, "mechanisms.defection.stance")));
}

TEST_CASE("each lever kind brings back the coefficients of its channels, and what stays left out changes nothing",
          "[factors][gsa]") {
  // One lever of each kind on the regime's side and on the other: whatever is still left
  // out, held at both ends of its range, leaves every step of every run as it was; and the
  // coefficients of a channel the lever feeds are back among the inputs.
  int checked = 0, back = 0;
  for (const LeverKindInfo& kind : lever_kinds())
    for (const char* target : {"government", "opposition"}) {
      const bool regime = std::string(target) == "government";
      if ((regime ? kind.on_regime : kind.on_other).empty()) continue;  // a kind that acts on one side only
      const Scenario sc = test::from_text(scenario(one_lever(kind.name, target)));
      bool fed[kNumChannels] = {};
      for (const ChannelWeight& cw : regime ? kind.on_regime : kind.on_other) fed[cw.channel] = cw.weight != 0;
      const std::vector<bool> inert = sc.inert_params();
      for (int i = 0; i < num_mech_params(); ++i) {
        const MechParamInfo& info = mech_param_info(i);
        const ParamId id = sc.mech[static_cast<size_t>(i)];
        if (id == kNoParam || info.via == 0) continue;
        // Fed directly on every channel it needs: an input again.
        bool all = true;
        for (int c = 0; c < kNumChannels; ++c)
          if (info.via >> c & 1u) all = all && fed[c];
        INFO(kind.name << " on " << target << ": mechanisms." << info.group << "." << info.name);
        if (all) {
          CHECK_FALSE(inert[static_cast<size_t>(id)]);
          ++back;
        }
      }
      for (ParamId id : left_out(sc)) {
        INFO(kind.name << " on " << target << ": " << sc.params[static_cast<size_t>(id)].path);
        CHECK_FALSE(moves(sc, id, 30));
        ++checked;
      }
    }
  CHECK(checked > 100);
  CHECK(back > 10);
  // Sectoral sanctions on the regime: the bite is an input and moves the runs; repression
  // comes with them (format 2), so its weight is back too.
  const Scenario sanctions = test::from_text(scenario(one_lever("sanctions_sectoral", "government")));
  const std::vector<bool> inert = sanctions.inert_params();
  CHECK_FALSE(inert[static_cast<size_t>(param(sanctions, "mechanisms.resources.sanction_bite"))]);
  CHECK(moves(sanctions, param(sanctions, "mechanisms.resources.sanction_bite")));
  CHECK_FALSE(inert[static_cast<size_t>(param(sanctions, "mechanisms.defection.repression"))]);
  CHECK(inert[static_cast<size_t>(param(sanctions, "mechanisms.resources.evasion_support"))]);
  CHECK(inert[static_cast<size_t>(param(sanctions, "mechanisms.exit.exile_value"))]);
}

TEST_CASE("a lever that cannot act feeds no channel", "[factors][gsa]") {
  // The amnesty offer is switched off: the exile's value stays out with it; switched on, it
  // is an input again.
  const std::string lever =
      "levers:\n  - {id: amnesty, kind: amnesty_offer, by: patron, target: government, "
      "enabled: false, intensity: 0.8, credibility: {dist: uniform, min: 0, max: 1}}\n";
  const Scenario off = test::from_text(scenario(lever));
  CHECK(off.inert_params()[static_cast<size_t>(param(off, "mechanisms.exit.exile_value"))]);
  CHECK(off.inert_params()[static_cast<size_t>(param(off, "levers.amnesty.credibility"))]);
  std::string on_text = lever;
  on_text.replace(on_text.find("enabled: false"), 14, "enabled: true");
  const Scenario on = test::from_text(scenario(on_text));
  CHECK_FALSE(on.inert_params()[static_cast<size_t>(param(on, "mechanisms.exit.exile_value"))]);
  CHECK(moves(on, param(on, "mechanisms.exit.exile_value")));
}

TEST_CASE("format 1 keeps the coefficients that act only through channels among an analysis's inputs",
          "[gsa][compat]") {
  // No lever feeds the revenue channel, so the bite can change nothing; format 2 leaves it
  // out, format 1 keeps it (its outputs keep their bytes).
  const std::string bite =
      "mechanisms:\n  resources:\n    sanction_bite: {dist: uniform, min: 0.2, max: 0.8, assumption: a test}\n";
  auto inputs = [](const Scenario& sc) {
    std::vector<std::string> out;
    for (ParamId id : sc.independent_params()) out.push_back(sc.params[static_cast<size_t>(id)].path);
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& path) {
    return std::find(v.begin(), v.end(), path) != v.end();
  };
  const Scenario v2 = test::from_text(scenario(bite));
  CHECK_FALSE(has(inputs(v2), "mechanisms.resources.sanction_bite"));
  std::string text = scenario(bite);
  text.replace(text.find("geosim: 2"), 9, "geosim: 1");
  text.replace(text.find("horizon: 30 weeks"), 17, "horizon: 30");
  const Scenario v1 = test::from_text(text);
  CHECK(v1.inert_params()[static_cast<size_t>(param(v1, "mechanisms.resources.sanction_bite"))]);
  CHECK(has(inputs(v1), "mechanisms.resources.sanction_bite"));
}
