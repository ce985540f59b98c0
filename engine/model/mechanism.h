// The model's mechanisms as parts (docs/model.md, docs/architecture.md). Each mechanism is
// one source file, engine/model/mech_<name>.cpp, that defines its step and declares what it
// is: its name, the group of coefficients it reads (`mechanisms.<group>.*`, whose rows are in
// engine/scenario/registry.cpp with their defaults, ranges and meanings), and the state
// variables it computes from which (its edges, which the lint follows). engine/model/
// mechanism.cpp lists the parts in the order a step applies them: that list is the one
// place the order is written, and `geosim describe mechanisms` and the lint read it.
//
// A step gets the model and the run's state. It is a friend of the model
// (MechanismStep<Part>::step for the part's own tag type), so that a mechanism reads the
// model's precomputed tables without making them public.
#pragma once

#include <span>
#include <vector>

#include "engine/scenario/registry.h"

namespace geosim {

class Model;
struct RunState;
class RunRng;
class Trace;

// Each step, variable `to` is computed from `from` through coefficient `coef`
// (kNumMechParams: no coefficient of its own; the edge holds unless that coefficient is the
// constant 0). Written beside the model's equations (docs/model.md).
struct MechanismEdge {
  int from, to;  // fixed state variables (Var, ch_var(Channel))
  MechParam coef;
};

// The step of part Part (a tag type named in the part's file): returns true when it ended
// the run (then st.outcome and st.end_step are set).
template <class Part>
struct MechanismStep {
  static bool step(const Model& m, RunState& st, const RunRng& rng, int t, Trace* trace);
};

struct Mechanism {
  const char* id;  // M1 ... M5 (docs/model.md), or "" for the lever channels
  const char* name;
  const char* group;  // `mechanisms.<group>.` parameters, or "" when it has none
  const char* doc;
  std::span<const MechanismEdge> edges;  // what it computes from what (the lint adds a scenario's own)
  bool (*step)(const Model& m, RunState& st, const RunRng& rng, int t, Trace* trace);
};

// The mechanisms in the order the model applies them each step.
const std::vector<const Mechanism*>& mechanisms();

// The edges of every mechanism, in that order (geosim validate --lint).
const std::vector<MechanismEdge>& mechanism_edges();

}  // namespace geosim
