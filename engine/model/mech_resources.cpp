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
    {kResInitial,
     0,
     "resources",
     "initial",
     1.0,
     {0, 1},
     "share of normal",
     "regime revenue at the start (1 = normal)"},
    {kResAdjust,
     1,
     "resources",
     "adjust_per_year",
     4.0,
     {0, 365},
     "1/year",
     "speed at which revenue moves to its sanctioned level (1/year)"},
    {kResSanctionBite,
     2,
     "resources",
     "sanction_bite",
     0.5,
     {0, 1},
     "share",
     "share of revenue lost under full sanctions with no evasion"},
    {kResEvasionBase,
     3,
     "resources",
     "evasion_base",
     0.2,
     {0, 1},
     "share",
     "share of the sanctions' bite evaded without allies' help"},
    {kResEvasionSupport,
     4,
     "resources",
     "evasion_support",
     0.6,
     {0, 1},
     "share",
     "extra evasion at full economic support from allies"},
    {kResPersonalism,
     5,
     "resources",
     "personalism",
     1.0,
     {0, 3},
     "factor",
     "multiplier of the bite (personalist regimes are hit harder)"},
    {kResEliteBite, 6, "resources", "elite_bite", 0.4, {0, 1}, "share", "patronage lost at full elite pressure"},
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
