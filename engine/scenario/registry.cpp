#include "engine/scenario/registry.h"

#include <iterator>

namespace geosim {

namespace {

constexpr ChannelInfo kChannels[] = {
    {kRevenuePressure, "revenue_pressure", "share of regime revenue at risk from sectoral sanctions"},
    {kEvasionBlock, "evasion_block", "how far secondary sanctions close the routes that evade sanctions"},
    {kElitePressure, "elite_pressure", "personal cost of loyalty for insiders (individual sanctions)"},
    {kDefectionIncentive, "defection_incentive", "what an officer gains by switching sides (amnesty, relief, cash)"},
    {kExitOffer, "exit_offer", "credible amnesty or exile offered to the incumbent"},
    {kRegimeSupport, "regime_support", "military and political backing of the incumbent by allies"},
    {kEconomicSupport, "economic_support", "loans, trade and help evading sanctions from allies"},
    {kThreat, "threat", "credible threat of foreign military action"},
    {kStrike, "strike", "foreign kinetic strikes under way"},
    {kRecognition, "recognition", "diplomatic recognition of the challenger"},
    {kMediation, "mediation", "mediation and negotiation channels"},
    {kRepression, "repression", "repression capacity the regime uses against defectors and protesters"},
    {kHumanitarian, "humanitarian", "humanitarian aid used as a focal point"},
    {kOppositionSupport, "opposition_support", "material support to the challenger"},
};
static_assert(std::size(kChannels) == kNumChannels, "one row per Channel");
static_assert(rows_in_enum_order(kChannels), "kChannels rows must follow the Channel enum");

struct FixedVarRow {
  Var id;
  const char* name;
  const char* doc;
  double lo, hi;
};
constexpr FixedVarRow kFixedVars[] = {
    {kVarStep, "t", "steps elapsed since the start (0 in the first step)", 0, 1e9},
    {kVarDefectedShare, "defected_share", "weighted share of security-force units that have defected", 0, 1},
    {kVarResources, "resources", "regime revenue relative to the start (1 = undiminished)", 0, 1},
    {kVarPatronage, "patronage", "what the regime can still pay its coalition (resources less elite pressure)", 0, 1},
    {kVarTalks, "talks", "1 while talks between the incumbent and challenger are open, else 0", 0, 1},
    {kVarFallRisk, "fall_risk", "the incumbent's perceived risk of falling by force", 0, 1},
    {kVarExitGain, "exit_gain", "utility of taking the exit deal minus utility of staying", -5, 5},
    {kVarMeanStance, "mean_stance", "capability x salience weighted mean stance on the first issue", -1, 1},
    {kVarStanceGap, "stance_gap", "distance between the incumbent's and the challenger's stances", 0, 2},
    {kVarShock, "shock", "defection shock from events active this step (format 2: its mean over the step)", -1, 1},
};
static_assert(std::size(kFixedVars) == kVarFirstChannel, "one row per Var before the channels");
static_assert(rows_in_enum_order(kFixedVars), "kFixedVars rows must follow the Var enum");

}  // namespace

const ChannelInfo& channel_info(int c) { return kChannels[c]; }

const std::vector<LeverKindInfo>& lever_kinds() {
  static const std::vector<LeverKindInfo> kinds = {
      {"sanctions_sectoral",
       "sanctions on a sector (oil, gold, finance): cut regime revenue",
       {{kRevenuePressure, 1.0}},
       {},
       0.5,
       {-0.3, 0.0}},
      {"sanctions_secondary",
       "sanctions on third parties that trade with the target: close evasion routes",
       {{kEvasionBlock, 1.0}, {kRevenuePressure, 0.3}},
       {},
       0.3,
       {-0.2, 0.0}},
      {"sanctions_individual",
       "sanctions on named officials: raise the personal cost of loyalty",
       {{kElitePressure, 1.0}},
       {},
       0.5,
       {-0.1, 0.0}},
      {"defection_incentive",
       "amnesty, sanctions relief or cash for officers who switch sides",
       {{kDefectionIncentive, 1.0}},
       {},
       0.3,
       {-0.2, 0.0}},
      {"amnesty_offer",
       "amnesty for the incumbent and inner circle if they leave",
       {{kExitOffer, 1.0}},
       {},
       0.2,
       {0.0, -0.3}},
      {"exile_offer", "a safe exile abroad for the incumbent", {{kExitOffer, 0.8}}, {}, 0.1, {0.0, -0.2}},
      {"military_aid",
       "arms, advisers, repairs: backs whichever side receives it",
       {{kRegimeSupport, 1.0}},
       {{kOppositionSupport, 1.0}},
       0.5,
       {0.3, 0.0}},
      {"economic_aid",
       "loans, trade, sanctions evasion for the incumbent",
       {{kEconomicSupport, 1.0}},
       {{kOppositionSupport, 0.3}},
       0.3,
       {0.2, 0.0}},
      {"military_threat",
       "threat or buildup of foreign forces (\"all options on the table\")",
       {{kThreat, 1.0}},
       {},
       0.3,
       {0.0, 0.3}},
      {"strike", "foreign kinetic strikes", {{kStrike, 1.0}, {kThreat, 0.5}}, {}, 0.2, {-0.2, 0.3}},
      {"recognition",
       "diplomatic recognition: of the challenger, or backing of the incumbent",
       {{kRegimeSupport, 0.2}},
       {{kRecognition, 1.0}},
       0.4,
       {0.2, 0.0}},
      {"mediation", "a mediator's channel for talks", {{kMediation, 1.0}}, {{kMediation, 1.0}}, 0.2, {0.0, -0.1}},
      {"repression",
       "the regime's repression of defectors and protesters",
       {{kRepression, 1.0}},
       {{kRepression, 1.0}},
       0.0,
       {-0.2, 0.0}},
      {"humanitarian_aid",
       "humanitarian aid, often staged as a focal point",
       {{kHumanitarian, 1.0}},
       {{kHumanitarian, 1.0}},
       0.1,
       {0.0, 0.0}},
  };
  return kinds;
}

int find_lever_kind(const std::string& name) {
  const auto& ks = lever_kinds();
  for (size_t i = 0; i < ks.size(); ++i)
    if (name == ks[i].name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> lever_kind_names() {
  std::vector<std::string> v;
  for (const auto& k : lever_kinds()) v.push_back(k.name);
  return v;
}

const std::vector<std::string>& actor_kinds() {
  static const std::vector<std::string> kinds = {"regime", "security_force", "opposition", "state",
                                                 "bloc",   "mediator",       "other"};
  return kinds;
}

const std::vector<VarInfo>& fixed_vars() {
  static const std::vector<VarInfo> vars = [] {
    std::vector<VarInfo> v;
    for (const auto& r : kFixedVars) v.push_back({r.name, r.doc, r.lo, r.hi});
    for (int c = 0; c < kNumChannels; ++c) v.push_back({channel_info(c).name, channel_info(c).doc, 0, 1});
    return v;
  }();
  return vars;
}

}  // namespace geosim
