// M5, the exit calculus: the regime's fall risk and the incumbent's gain from taking an exit deal.
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

void Model::exit_calculus(RunState& st) const {
  const auto& p = st.p;
  auto m = [&](MechParam k) { return p[static_cast<size_t>(sc_.mech[k])]; };
  double* v = st.vars.data();
  double z = m(kFallBase) + m(kFallDefected) * v[kVarDefectedShare] + m(kFallThreat) * v[ch_var(kThreat)] +
             m(kFallStrike) * v[ch_var(kStrike)] + m(kFallSupport) * v[ch_var(kRegimeSupport)] +
             m(kFallResources) * (1.0 - v[kVarResources]) + m(kFallOpposition) * v[ch_var(kOppositionSupport)];
  double f = logistic(z);
  double offer = v[ch_var(kExitOffer)];
  // Format 2: indictments, bounties and individual sanctions raise the cost of leaving
  // without a credible amnesty (the prosecution logic).
  const double prosecution =
      m(kExitProsecutionCost) * (v2_ ? 1.0 + m(kExitProsecutionPressure) * v[ch_var(kElitePressure)] : 1.0);
  double u_exit = offer * m(kExitExileValue) - (1.0 - offer) * prosecution;
  double u_stay = (1.0 - f) * m(kExitOfficeValue) - f * m(kExitFallCost);
  v[kVarFallRisk] = f;
  v[kVarExitGain] = std::clamp(u_exit - u_stay, -5.0, 5.0);
}

namespace {
constexpr MechanismEdge kEdges[] = {
    {kVarDefectedShare, kVarFallRisk, kFallDefected},
    {ch_var(kThreat), kVarFallRisk, kFallThreat},
    {ch_var(kStrike), kVarFallRisk, kFallStrike},
    {ch_var(kRegimeSupport), kVarFallRisk, kFallSupport},
    {kVarResources, kVarFallRisk, kFallResources},
    {ch_var(kOppositionSupport), kVarFallRisk, kFallOpposition},
    {kVarFallRisk, kVarExitGain, kNumMechParams},
    {ch_var(kExitOffer), kVarExitGain, kNumMechParams},
    // Format 2: prosecution pressure (individual sanctions) lowers the gain of an exit
    {ch_var(kElitePressure), kVarExitGain, kExitProsecutionPressure},
};
}  // namespace

template <>
bool MechanismStep<struct ExitCalculus>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                              [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  m.exit_calculus(st);
  return false;
}

extern const Mechanism kExitCalculusMechanism{
    .id = "M5",
    .name = "exit calculus",
    .group = "exit",
    .doc = "fall risk (coefficients under fall_risk) and the incumbent's gain from taking an exit deal",
    .edges = kEdges,
    .step = &MechanismStep<ExitCalculus>::step,
};

}  // namespace geosim
