// The model's mechanisms as parts (docs/model.md, docs/architecture.md). Each mechanism is
// one source file, engine/model/mech_<name>.cpp, that defines its step and declares what it
// is: its name, its coefficients (`mechanisms.<group>.<name>`: default, range, meaning,
// citation, as rows of MechParamInfo), what it sets at the start of a run, and the state
// variables it computes from which (its edges, which the lint follows).
// engine/model/mechanism.cpp lists the parts in the order a step applies them: that list is
// the one place the order is written, and the scenario reader (the coefficients a scenario
// may set), `geosim describe mechanisms` and the lint read it.
//
// A step gets the model and the run's state. It is a friend of the model
// (MechanismStep<Part>::step for the part's own tag type), so that a mechanism reads the
// model's precomputed tables without making them public.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/scenario/registry.h"

namespace geosim {

class Model;
struct RunState;
class RunRng;
class Trace;

inline constexpr int kNoCoef = -1;

// Each step, variable `to` is computed from `from` through coefficient `coef` (kNoCoef: none
// of its own; else the edge holds unless that coefficient is the constant 0). Written beside
// the model's equations (docs/model.md). In a part's own table `coef` is the row of the
// part's coefficients; in mechanism_edges() it is the position in Scenario::mech.
struct MechanismEdge {
  int from, to;  // fixed state variables (Var, ch_var(Channel))
  int coef;
};

// The step of part Part (a tag type named in the part's file): returns true when it ended
// the run (then st.outcome and st.end_step are set); and what it sets at a run's start.
template <class Part>
struct MechanismStep {
  static bool step(const Model& m, RunState& st, const RunRng& rng, int t, Trace* trace);
  static void init(const Model& m, RunState& st);  // defined by a part that sets state at a run's start
};

struct Mechanism {
  const char* id;  // M1 ... M5 (docs/model.md), or "" for the lever channels
  const char* name;
  const char* doc;
  // Its coefficients, row k with id k (the part's own enum; rows_in_enum_order checks it).
  std::span<const MechParamInfo> params;
  std::span<const MechanismEdge> edges;  // what it computes from what (the lint adds a scenario's own)
  bool (*step)(const Model& m, RunState& st, const RunRng& rng, int t, Trace* trace);
  // What the part sets at the start of a run, from the run's parameters, once they are drawn
  // and the state variables hold their starting values (none when null).
  void (*init)(const Model& m, RunState& st) = nullptr;
};

// The mechanisms in the order the model applies them each step.
const std::vector<const Mechanism*>& mechanisms();

// The edges of every mechanism, in that order, `coef` as a position in Scenario::mech
// (geosim validate --lint).
const std::vector<MechanismEdge>& mechanism_edges();

// The position in Scenario::mech (and mech_param_info) of row `row` of part m's coefficients:
// the row's `order`, since the list is sorted by it and holds every number once (so a part's
// step reads its coefficient k at the constant kParams[k].slot()).
int mech_param_position(const Mechanism& m, int row);

}  // namespace geosim
