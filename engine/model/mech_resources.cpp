// M2, resources and patronage: revenue relaxes toward its sanctioned level; patronage is
// revenue less elite pressure.
// A part of the model (engine/model/mechanism.h): its step, what it reads and writes, and its
// registration line in engine/model/mechanism.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/model/mechanism.h"
#include "engine/model/model.h"
#include "engine/model/model_math.h"

namespace geosim {

using namespace model_math;

namespace {

// Its coefficients: `mechanisms.<group>.<name>`, row k with id k; `order` places the row
// in a scenario's list of parameters (engine/scenario/registry.h).
enum Coef : int {
  kResInitial,
  kResAdjust,
  kResSanctionBite,
  kResEvasionBase,
  kResEvasionSupport,
  kResPersonalism,
  kResEliteBite,
  kNumCoefs
};
constexpr MechParamInfo kParams[] = {
    {.id = kResInitial,
     .order = 0,
     .group = "resources",
     .name = "initial",
     .default_value = 1.0,
     .range = {0, 1},
     .unit = "share of normal",
     .doc = "regime revenue at the start (1 = normal)"},
    {.id = kResAdjust,
     .order = 1,
     .group = "resources",
     .name = "adjust_per_year",
     .default_value = 4.0,
     .range = {0, 365},
     .unit = "1/year",
     .doc = "speed at which revenue moves to its sanctioned level (1/year)"},
    {.id = kResSanctionBite,
     .order = 2,
     .group = "resources",
     .name = "sanction_bite",
     .default_value = 0.5,
     .range = {0, 1},
     .unit = "share",
     .doc = "share of revenue lost under full sanctions with no evasion",
     .via = channel_set(kRevenuePressure)},
    {.id = kResEvasionBase,
     .order = 3,
     .group = "resources",
     .name = "evasion_base",
     .default_value = 0.2,
     .range = {0, 1},
     .unit = "share",
     .doc = "share of the sanctions' bite evaded without allies' help",
     .via = channel_set(kRevenuePressure)},
    {.id = kResEvasionSupport,
     .order = 4,
     .group = "resources",
     .name = "evasion_support",
     .default_value = 0.6,
     .range = {0, 1},
     .unit = "share",
     .doc = "extra evasion at full economic support from allies",
     .via = channel_set(kRevenuePressure, kEconomicSupport)},
    {.id = kResPersonalism,
     .order = 5,
     .group = "resources",
     .name = "personalism",
     .default_value = 1.0,
     .range = {0, 3},
     .unit = "factor",
     .doc = "multiplier of the bite (personalist regimes are hit harder)",
     .via = channel_set(kRevenuePressure)},
    {.id = kResEliteBite,
     .order = 6,
     .group = "resources",
     .name = "elite_bite",
     .default_value = 0.4,
     .range = {0, 1},
     .unit = "share",
     .doc = "patronage lost at full elite pressure",
     .via = channel_set(kElitePressure)},
};
static_assert(rows_in_enum_order(kParams), "kParams rows must follow the Coef enum");

}  // namespace

void Model::resources(RunState& st) const {
  const auto& p = st.p;
  auto m = [&](Coef k) { return p[sc_.mech[kParams[k].slot()].index()]; };
  double* v = st.vars.data();
  double evasion = clamp01(m(kResEvasionBase) + m(kResEvasionSupport) * v[ch_var(kEconomicSupport)]) *
                   (1.0 - v[ch_var(kEvasionBlock)]);
  double target =
      clamp01(1.0 - m(kResSanctionBite) * m(kResPersonalism) * v[ch_var(kRevenuePressure)] * (1.0 - evasion));
  v[kVarResources] = clamp01(v[kVarResources] + (target - v[kVarResources]) * st.adjust);
  v[kVarPatronage] = clamp01(v[kVarResources] * (1.0 - m(kResEliteBite) * v[ch_var(kElitePressure)]));
}

namespace {
constexpr MechanismEdge kEdges[] = {
    {ch_var(kRevenuePressure), kVarResources, kResSanctionBite},
    {ch_var(kEvasionBlock), kVarResources, kResSanctionBite},
    {ch_var(kEconomicSupport), kVarResources, kResEvasionSupport},
    {kVarResources, kVarPatronage, kNoCoef},
    {ch_var(kElitePressure), kVarPatronage, kResEliteBite},
};
}  // namespace

template <>
bool MechanismStep<struct Resources>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                           [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  m.resources(st);
  return false;
}

template <>
void MechanismStep<Resources>::init(const Model& m, RunState& st) {
  const auto c = [&](Coef k) { return st.p[m.sc_.mech[kParams[k].slot()].index()]; };
  st.adjust = 1.0 - std::exp(-c(kResAdjust) * m.sc_.dt_years);  // the share of the gap closed per step
  st.vars[kVarResources] = c(kResInitial);
  st.vars[kVarPatronage] = st.vars[kVarResources];
}

extern constinit const Mechanism kResourcesMechanism{
    .id = "M2",
    .name = "resources and patronage",
    .doc = "revenue relaxes toward its sanctioned level; patronage is revenue less elite pressure",
    .params = kParams,
    .edges = kEdges,
    .step = &MechanismStep<Resources>::step,
    .init = &MechanismStep<Resources>::init,
};

}  // namespace geosim
