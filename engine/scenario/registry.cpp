#include "engine/scenario/registry.h"

#include <iterator>

namespace geosim {

namespace {

// True when row i of `rows` carries id i for every row: a table indexed by an enum whose
// rows are missing or out of order fails to compile instead of shifting every index after.
template <typename Row, size_t N>
constexpr bool rows_in_enum_order(const Row (&rows)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (static_cast<size_t>(rows[i].id) != i) return false;
  return true;
}

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

constexpr MechParamInfo kMechParams[] = {
    {kResInitial, "resources", "initial", 1.0, {0, 1}, "regime revenue at the start (1 = normal)"},
    {kResAdjust,
     "resources",
     "adjust_per_year",
     4.0,
     {0, 365},
     "speed at which revenue moves to its sanctioned level (1/year)"},
    {kResSanctionBite,
     "resources",
     "sanction_bite",
     0.5,
     {0, 1},
     "share of revenue lost under full sanctions with no evasion"},
    {kResEvasionBase,
     "resources",
     "evasion_base",
     0.2,
     {0, 1},
     "share of the sanctions' bite evaded without allies' help"},
    {kResEvasionSupport,
     "resources",
     "evasion_support",
     0.6,
     {0, 1},
     "extra evasion at full economic support from allies"},
    {kResPersonalism,
     "resources",
     "personalism",
     1.0,
     {0, 3},
     "multiplier of the bite (personalist regimes are hit harder)"},
    {kResEliteBite, "resources", "elite_bite", 0.4, {0, 1}, "patronage lost at full elite pressure"},
    {kDefPeer, "defection", "peer", 1.0, {0, 5}, "weight of the share already defected (Granovetter)"},
    {kDefIncentive, "defection", "incentive", 0.25, {0, 5}, "weight of the defection incentive channel"},
    {kDefPatronage, "defection", "patronage", 0.3, {0, 5}, "weight of lost patronage (1 - patronage)"},
    {kDefRepression, "defection", "repression", 0.25, {0, 5}, "weight of repression (deters defection)"},
    {kDefSupport, "defection", "support", 0.1, {0, 5}, "weight of allies' backing of the regime (deters defection)"},
    {kDefRecognition, "defection", "recognition", 0.1, {0, 5}, "weight of the challenger's recognition abroad"},
    {kDefHumanitarian, "defection", "humanitarian", 0.05, {0, 5}, "weight of humanitarian aid as a focal point"},
    {kDefStance, "defection", "stance", 0.2, {0, 5}, "weight of the units' actor's stance against the incumbent"},
    {kDefNoise, "defection", "noise", 0.02, {0, 1}, "sd of a per-step, per-cohort shock to the incentive"},
    {kExitOfficeValue, "exit", "office_value", 1.0, {0, 100}, "value of staying in office"},
    {kExitFallCost, "exit", "fall_cost", 2.0, {0, 100}, "cost of a violent or judicial end"},
    {kExitExileValue, "exit", "exile_value", 0.6, {0, 100}, "value of a safe exile"},
    {kExitProsecutionCost, "exit", "prosecution_cost", 1.0, {0, 100}, "cost of leaving without a credible amnesty"},
    {kFallBase, "fall_risk", "base", -4.0, {-20, 20}, "logit of the perceived fall risk with no pressure"},
    {kFallDefected, "fall_risk", "defected_share", 6.0, {-50, 50}, "logit weight of the defected share"},
    {kFallThreat, "fall_risk", "threat", 2.0, {-50, 50}, "logit weight of the threat channel"},
    {kFallStrike, "fall_risk", "strike", 3.0, {-50, 50}, "logit weight of strikes"},
    {kFallSupport, "fall_risk", "support", -2.0, {-50, 50}, "logit weight of allies' backing (negative: safer)"},
    {kFallResources, "fall_risk", "resources", 1.5, {-50, 50}, "logit weight of lost revenue (1 - resources)"},
    {kFallOpposition, "fall_risk", "opposition_support", 1.0, {-50, 50}, "logit weight of support to the challenger"},
    {kStanceAdjust,
     "stance",
     "adjust_per_year",
     52.0,
     {0, 3650},
     "rate at which a stance closes the gap to its Friedkin-Johnsen target (1/year; 52: two thirds in a week)",
     2,
     0,
     0,
     "assumption: about two thirds of the way in a week, as format 1's weekly step went all the way"},
    {kStanceRally,
     "stance",
     "rally",
     0.5,
     {-50, 50},
     "pull of each actor's stance toward the incumbent's at full sectoral sanctions (1/year; rally round the flag)",
     2,
     -0.5,
     1.5,
     "uniform(-0.5, 1.5): sanctions often rally support (Grauvogel & von Soest 2014, EJPR 53(4)) but may also erode it "
     "(Peksen & Drury 2010, International Interactions 36(3))"},
    {kDefNoiseDays,
     "defection",
     "noise_days",
     7.0,
     {1, 3650},
     "how long a cohort's shock to the incentive holds before a new one is drawn (days, on the calendar)",
     2,
     0,
     0,
     "assumption: a week, as in format 1's weekly steps"},
    {kDefThreat,
     "defection",
     "threat",
     0.05,
     {-5, 5},
     "weight of a foreign military threat on the incentive to defect (either sign)",
     2,
     -0.1,
     0.2,
     "uniform(-0.1, 0.2): a threat can split a military or rally it (Nepstad 2011, Nonviolent Revolutions; "
     "Albrecht & Ohl 2016, Perspectives on Politics 14(1))"},
    {kRepFromSanctions,
     "repression",
     "from_sanctions",
     0.25,
     {0, 1},
     "repression the regime adds at full sectoral sanctions (noisy-OR with the repression channel)",
     2,
     0.0,
     0.5,
     "uniform(0, 0.5): sanctions are followed by more repression (Wood 2008, ISQ 52(3); Peksen 2009, JPR 46(1))"},
    {kRepBackfireLevel,
     "repression",
     "backfire_level",
     0.5,
     {0, 1},
     "repression beyond which it backfires (on the repression channel's scale)",
     2,
     0,
     0,
     "assumption: backfire needs repression at least half the regime's full capacity"},
    {kRepBackfire,
     "repression",
     "backfire",
     0.125,
     {-5, 5},
     "weight of repression beyond backfire_level on the incentive to defect (backfire)",
     2,
     0.0,
     0.25,
     "uniform(0, 0.25): repression beyond a level provokes defection and protest (Francisco 1995, JCR 39(2); "
     "Sutton, Butcher & Svensson 2014, JPR 51(5)), but on average it still lowers a campaign's odds (Chenoweth & "
     "Stephan 2011), so at full repression backfire undoes at most half of the deterrence (weight 0.25)"},
    {kExitProsecutionPressure,
     "exit",
     "prosecution_pressure",
     1.0,
     {0, 100},
     "relative rise of the prosecution cost at full elite pressure (indictments, bounties, individual sanctions)",
     2,
     0.0,
     2.0,
     "uniform(0, 2): prosecution abroad makes leaders cling to power (Krcmaric 2018, AJPS 62(2); "
     "The Justice Dilemma, 2020)"},
    {kCoupStance,
     "coup",
     "stance",
     1.5,
     {-20, 20},
     "log-hazard weight, on every event whose outcome is coup, of how far the security forces and the regime's "
     "insiders have turned against the incumbent since the start (on a 0-1 scale)",
     2,
     0.0,
     3.0,
     "uniform(0, 3): coups come from insiders who turn against the ruler (Svolik 2012, The Politics of Authoritarian "
     "Rule; Powell 2012, JCR 56(6))"},
};
static_assert(std::size(kMechParams) == kNumMechParams, "one row per MechParam");
static_assert(rows_in_enum_order(kMechParams), "kMechParams rows must follow the MechParam enum");

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
    {kVarShock, "shock", "defection shock from events active this step", -1, 1},
};
static_assert(std::size(kFixedVars) == kVarFirstChannel, "one row per Var before the channels");
static_assert(rows_in_enum_order(kFixedVars), "kFixedVars rows must follow the Var enum");

}  // namespace

const ChannelInfo& channel_info(int c) { return kChannels[c]; }

const MechParamInfo& mech_param_info(int i) { return kMechParams[i]; }

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
