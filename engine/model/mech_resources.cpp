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

void Model::resources(RunState& st) const {
  const auto& p = st.p;
  auto m = [&](MechParam k) { return p[static_cast<size_t>(sc_.mech[k])]; };
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
    {kVarResources, kVarPatronage, kNumMechParams},
    {ch_var(kElitePressure), kVarPatronage, kResEliteBite},
};
}  // namespace

template <>
bool MechanismStep<struct Resources>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                           [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  m.resources(st);
  return false;
}

extern const Mechanism kResourcesMechanism{
    .id = "M2",
    .name = "resources and patronage",
    .group = "resources",
    .doc = "revenue relaxes toward its sanctioned level; patronage is revenue less elite pressure",
    .edges = kEdges,
    .step = &MechanismStep<Resources>::step,
};

}  // namespace geosim
