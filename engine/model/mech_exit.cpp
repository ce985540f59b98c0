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

namespace {

// Its coefficients: `mechanisms.<group>.<name>`, row k with id k; `order` places the row
// in a scenario's list of parameters (engine/scenario/registry.h).
enum Coef : int {
  kExitOfficeValue,
  kExitFallCost,
  kExitExileValue,
  kExitProsecutionCost,
  kFallBase,
  kFallDefected,
  kFallThreat,
  kFallStrike,
  kFallSupport,
  kFallResources,
  kFallOpposition,
  kExitProsecutionPressure,
  kNumCoefs
};
constexpr MechParamInfo kParams[] = {
    {.id = kExitOfficeValue,
     .order = 16,
     .group = "exit",
     .name = "office_value",
     .default_value = 1.0,
     .range = {0, 100},
     .unit = "utility",
     .doc = "value of staying in office"},
    {.id = kExitFallCost,
     .order = 17,
     .group = "exit",
     .name = "fall_cost",
     .default_value = 2.0,
     .range = {0, 100},
     .unit = "utility",
     .doc = "cost of a violent or judicial end"},
    {.id = kExitExileValue,
     .order = 18,
     .group = "exit",
     .name = "exile_value",
     .default_value = 0.6,
     .range = {0, 100},
     .unit = "utility",
     .doc = "value of a safe exile",
     .via = channel_set(kExitOffer)},
    {.id = kExitProsecutionCost,
     .order = 19,
     .group = "exit",
     .name = "prosecution_cost",
     .default_value = 1.0,
     .range = {0, 100},
     .unit = "utility",
     .doc = "cost of leaving without a credible amnesty"},
    {.id = kFallBase,
     .order = 20,
     .group = "fall_risk",
     .name = "base",
     .default_value = -4.0,
     .range = {-20, 20},
     .unit = "logit",
     .doc = "logit of the perceived fall risk with no pressure"},
    {.id = kFallDefected,
     .order = 21,
     .group = "fall_risk",
     .name = "defected_share",
     .default_value = 6.0,
     .range = {-50, 50},
     .unit = "logit",
     .doc = "logit weight of the defected share"},
    {.id = kFallThreat,
     .order = 22,
     .group = "fall_risk",
     .name = "threat",
     .default_value = 2.0,
     .range = {-50, 50},
     .unit = "logit",
     .doc = "logit weight of the threat channel",
     .via = channel_set(kThreat)},
    {.id = kFallStrike,
     .order = 23,
     .group = "fall_risk",
     .name = "strike",
     .default_value = 3.0,
     .range = {-50, 50},
     .unit = "logit",
     .doc = "logit weight of strikes",
     .via = channel_set(kStrike)},
    {.id = kFallSupport,
     .order = 24,
     .group = "fall_risk",
     .name = "support",
     .default_value = -2.0,
     .range = {-50, 50},
     .unit = "logit",
     .doc = "logit weight of allies' backing (negative: safer)",
     .via = channel_set(kRegimeSupport)},
    {.id = kFallResources,
     .order = 25,
     .group = "fall_risk",
     .name = "resources",
     .default_value = 1.5,
     .range = {-50, 50},
     .unit = "logit",
     .doc = "logit weight of lost revenue (1 - resources)"},
    {.id = kFallOpposition,
     .order = 26,
     .group = "fall_risk",
     .name = "opposition_support",
     .default_value = 1.0,
     .range = {-50, 50},
     .unit = "logit",
     .doc = "logit weight of support to the challenger",
     .via = channel_set(kOppositionSupport)},
    {.id = kExitProsecutionPressure,
     .order = 34,
     .group = "exit",
     .name = "prosecution_pressure",
     .default_value = 1.0,
     .range = {0, 100},
     .unit = "ratio",
     .doc =
         "relative rise of the prosecution cost at full elite pressure (indictments, bounties, individual sanctions)",
     .since_format = 2,
     .uniform_lo = 0.0,
     .uniform_hi = 2.0,
     .cite = "uniform(0, 2): prosecution abroad makes leaders cling to power (Krcmaric 2018, AJPS 62(2); The Justice "
             "Dilemma, 2020)",
     .via = channel_set(kElitePressure)},
};
static_assert(rows_in_enum_order(kParams), "kParams rows must follow the Coef enum");

}  // namespace

void Model::exit_calculus(RunState& st) const {
  const auto& p = st.p;
  auto m = [&](Coef k) { return p[sc_.mech[kParams[k].slot()].index()]; };
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
    {kVarFallRisk, kVarExitGain, kNoCoef},
    {ch_var(kExitOffer), kVarExitGain, kNoCoef},
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

extern constinit const Mechanism kExitCalculusMechanism{
    .id = "M5",
    .name = "exit calculus",
    .doc = "fall risk (coefficients under fall_risk) and the incumbent's gain from taking an exit deal",
    .params = kParams,
    .edges = kEdges,
    .step = &MechanismStep<ExitCalculus>::step,
};

}  // namespace geosim
