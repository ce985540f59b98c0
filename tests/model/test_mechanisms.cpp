// The model's mechanisms as parts (engine/model/mechanism.h): the one list gives the order of
// a step, each part's declaration is what it does (the variables a step of it changes are the
// ones its edges say it computes), and the lint's graph is the union of the parts' edges.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "../engine/helpers.h"
#include "engine/model/mechanism.h"
#include "engine/model/model.h"

using namespace geosim;

TEST_CASE("the mechanisms act in the documented order", "[mechanisms]") {
  std::vector<std::string> ids, names;
  for (const Mechanism* m : mechanisms()) {
    ids.emplace_back(m->id);
    names.emplace_back(m->name);
    CHECK(m->step != nullptr);
    CHECK(std::string(m->doc).size() > 20);
  }
  // docs/model.md: the lever channels, then M2, M1, M4, M3, M5.
  CHECK(ids == std::vector<std::string>{"", "M2", "M1", "M4", "M3", "M5"});
  CHECK(names.front() == "lever channels");
}

TEST_CASE("every mechanism's coefficients and edges name what exists", "[mechanisms]") {
  size_t edges = 0, rows = 0;
  for (const Mechanism* m : mechanisms()) {
    INFO(m->name);
    for (const MechanismEdge& e : m->edges) {
      CHECK(e.from >= 0);
      CHECK(e.from < kNumFixedVars);
      CHECK(e.to >= 0);
      CHECK(e.to < kNumFixedVars);
      CHECK(e.from != e.to);
      // A row of the part's own coefficients, or none.
      CHECK(e.coef >= kNoCoef);
      CHECK(e.coef < static_cast<int>(m->params.size()));
    }
    edges += m->edges.size();
    rows += m->params.size();
  }
  REQUIRE(mechanism_edges().size() == edges);
  CHECK(static_cast<size_t>(num_mech_params()) == rows);
  // The flattened edges name the same coefficients by their place in Scenario::mech.
  size_t k = 0;
  for (const Mechanism* m : mechanisms())
    for (const MechanismEdge& e : m->edges) {
      const MechanismEdge& flat = mechanism_edges()[k++];
      CHECK(flat.from == e.from);
      CHECK(flat.to == e.to);
      if (e.coef == kNoCoef) {
        CHECK(flat.coef == kNoCoef);
      } else {
        const MechParamInfo& own = m->params[static_cast<size_t>(e.coef)];
        CHECK(&mech_param_info(flat.coef) == &own);
      }
    }
}

// A scenario lists its parameters in `order`, which is never changed or reused (outputs list,
// sample and vary parameters in that order, so a renumbering would change their bytes): the
// numbers run 0, 1, 2, ... with none twice, and the list below is the order of format 1's
// and format 2's coefficients as their outputs were recorded (tests/golden). A new
// coefficient takes the next free number, which a failure here names.
TEST_CASE("the mechanisms' coefficients keep their places", "[mechanisms]") {
  const std::set<std::string> units = {
      "1/year", "days",       "share",   "share of normal", "threshold units", "threshold units (sd)",
      "logit",  "log-hazard", "utility", "ratio",           "factor",          "channel level"};
  std::vector<std::string> names;
  for (int i = 0; i < num_mech_params(); ++i) {
    const MechParamInfo& p = mech_param_info(i);
    CHECK(p.order == i);
    names.push_back(std::string(p.group) + "." + p.name);
    CHECK(find_mech_param(p.group, p.name) == i);
    // A unit of the documented list (engine/scenario/registry.h).
    INFO(names.back() << " in " << p.unit);
    CHECK(units.count(p.unit) == 1);
  }
  INFO("the next free order is " << num_mech_params());
  const std::vector<std::string> recorded = {"resources.initial",
                                             "resources.adjust_per_year",
                                             "resources.sanction_bite",
                                             "resources.evasion_base",
                                             "resources.evasion_support",
                                             "resources.personalism",
                                             "resources.elite_bite",
                                             "defection.peer",
                                             "defection.incentive",
                                             "defection.patronage",
                                             "defection.repression",
                                             "defection.support",
                                             "defection.recognition",
                                             "defection.humanitarian",
                                             "defection.stance",
                                             "defection.noise",
                                             "exit.office_value",
                                             "exit.fall_cost",
                                             "exit.exile_value",
                                             "exit.prosecution_cost",
                                             "fall_risk.base",
                                             "fall_risk.defected_share",
                                             "fall_risk.threat",
                                             "fall_risk.strike",
                                             "fall_risk.support",
                                             "fall_risk.resources",
                                             "fall_risk.opposition_support",
                                             "stance.adjust_per_year",
                                             "stance.rally",
                                             "defection.noise_days",
                                             "defection.threat",
                                             "repression.from_sanctions",
                                             "repression.backfire_level",
                                             "repression.backfire",
                                             "exit.prosecution_pressure",
                                             "coup.stance"};
  REQUIRE(names.size() >= recorded.size());
  CHECK(std::vector<std::string>(names.begin(), names.begin() + static_cast<long>(recorded.size())) == recorded);
  CHECK(find_mech_param("resources", "no_such") == -1);
  CHECK(find_mech_param("no_such", "initial") == -1);
  // Each part finds its own rows where the list put them.
  for (const Mechanism* m : mechanisms())
    for (size_t r = 0; r < m->params.size(); ++r)
      CHECK(mech_param_position(*m, static_cast<int>(r)) == m->params[r].order);
}

// The scenario reads each part's coefficients under its names, with the part's default, and
// a part's per-run state comes from them (the resources' start and speed, format 2's rate
// of the stances).
TEST_CASE("a part's coefficients reach the scenario and its start of a run", "[mechanisms]") {
  const Scenario v1 = test::teaching();
  const Scenario v2 = test::teaching({"geosim=2"});
  for (int i = 0; i < num_mech_params(); ++i) {
    const MechParamInfo& info = mech_param_info(i);
    INFO(info.group << "." << info.name);
    for (const Scenario* sc : {&v1, &v2}) {
      const ParamId id = sc->mech[static_cast<size_t>(i)];
      if (info.since_format > sc->format_version) {
        CHECK(id == kNoParam);
        continue;
      }
      REQUIRE(id != kNoParam);
      CHECK(sc->params[id.index()].path == std::string("mechanisms.") + info.group + "." + info.name);
    }
  }
  const Scenario sc =
      test::teaching({"geosim=2", "mechanisms.resources.initial=0.8", "mechanisms.resources.adjust_per_year=2",
                      "mechanisms.stance.adjust_per_year=26"});
  Model model(sc);
  RunState st;
  model.prepare(st);
  model.init_run(st, 1, 0);
  CHECK(st.vars[kVarResources] == 0.8);
  CHECK(st.vars[kVarPatronage] == 0.8);
  CHECK(st.adjust == Approx(1.0 - std::exp(-2.0 * sc.dt_years)));
  CHECK(st.stance_a == Approx(1.0 - std::exp(-26.0 * sc.dt_years)));
}

// A step of one part alone, on a run's starting state: the state variables that change are
// among those its edges compute (resources and the exit calculus read only variables and
// coefficients; the lever channels read the levers, at a step where several act).
TEST_CASE("a mechanism's step changes only the variables it declares", "[mechanisms]") {
  const Scenario sc = test::teaching({"geosim=2"});
  Model model(sc);
  RunState st;
  model.prepare(st);
  const RunRng rng(7, 3);
  int checked = 0;
  for (const Mechanism* m : mechanisms()) {
    const std::string id = m->id;
    if (id != "M2" && id != "M5" && id != "") continue;
    std::set<int> declared;
    for (const MechanismEdge& e : m->edges) declared.insert(e.to);
    if (id == "") {  // the lever channels: every channel variable, and lever.<id> in format 2
      for (int c = 0; c < kNumChannels; ++c) declared.insert(ch_var(static_cast<Channel>(c)));
      for (size_t l = 0; l < sc.levers.size(); ++l) declared.insert(sc.lever_var(LeverId(l)));
    }
    for (int t : {0, 10, 20}) {
      model.init_run(st, 7, 3);
      st.vars[kVarStep] = t;
      const std::vector<double> before = st.vars;
      m->step(model, st, rng, t, nullptr);
      std::vector<int> changed;
      for (size_t v = 0; v < before.size(); ++v)
        if (st.vars[v] != before[v]) changed.push_back(static_cast<int>(v));
      INFO(m->name << " at step " << t);
      for (int v : changed) {
        INFO("changed " << sc.vars[static_cast<size_t>(v)].name);
        CHECK(declared.count(v) == 1);
      }
      checked += !changed.empty();
    }
  }
  CHECK(checked >= 3);  // the test saw steps that change something
}
