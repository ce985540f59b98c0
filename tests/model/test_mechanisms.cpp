// The model's mechanisms as parts (engine/model/mechanism.h): the one list gives the order of
// a step, each part's declaration is what it does (the variables a step of it changes are the
// ones its edges say it computes), and the lint's graph is the union of the parts' edges.
#include <catch2/catch.hpp>

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
  std::set<std::string> groups;
  for (int i = 0; i < kNumMechParams; ++i) groups.insert(mech_param_info(i).group);
  size_t edges = 0;
  for (const Mechanism* m : mechanisms()) {
    INFO(m->name);
    if (m->group[0]) CHECK(groups.count(m->group) == 1);
    for (const MechanismEdge& e : m->edges) {
      CHECK(e.from >= 0);
      CHECK(e.from < kNumFixedVars);
      CHECK(e.to >= 0);
      CHECK(e.to < kNumFixedVars);
      CHECK(e.from != e.to);
      CHECK(static_cast<int>(e.coef) >= 0);
      CHECK(static_cast<int>(e.coef) <= kNumMechParams);
    }
    edges += m->edges.size();
  }
  CHECK(mechanism_edges().size() == edges);
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
