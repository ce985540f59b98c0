// The tables that give scenario words their meaning: lever kinds, the channels they act
// through, and the state variables that hazards and outcome conditions may read.
//
// Each lever kind is one row that says which mechanism inputs ("channels") it feeds and how
// strongly it pulls its target's stance toward the acting actor, and how it moves the
// target's capability and salience in bargaining. docs/model.md documents the
// same rows; `geosim describe` prints every table here (and a test checks the docs against
// it). No engine code names a lever kind: the model reads channels only, so a new kind is
// one new row. Tables indexed by an enum carry the enum value in each row, and a
// compile-time check (rows_in_enum_order, below) refuses a table whose rows are out of
// order or missing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/scenario/distribution.h"

namespace geosim {

// True when row i of `rows` carries id i for every row: a table indexed by an enum whose
// rows are missing or out of order fails to compile instead of shifting every index after.
template <typename Row, size_t N>
constexpr bool rows_in_enum_order(const Row (&rows)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (static_cast<size_t>(rows[i].id) != i) return false;
  return true;
}

// Mechanism inputs that levers feed. Each is in [0, 1]: active levers combine by
// noisy-OR, 1 - prod(1 - weight * intensity * credibility), so that many small levers
// saturate instead of adding past certainty.
enum Channel : int {
  kRevenuePressure,     // sectoral sanctions: cut regime revenue
  kEvasionBlock,        // secondary sanctions: close the channels that evade sanctions
  kElitePressure,       // individual sanctions: cost of loyalty to insiders
  kDefectionIncentive,  // amnesty, sanctions relief or cash for officers who switch sides
  kExitOffer,           // amnesty / exile for the incumbent and inner circle
  kRegimeSupport,       // military and political backing of the incumbent by allies
  kEconomicSupport,     // loans, oil trade, help evading sanctions
  kThreat,              // military threat, buildup, "all options on the table"
  kStrike,              // kinetic strikes
  kRecognition,         // diplomatic recognition of the challenger
  kMediation,           // mediation, negotiation channels
  kRepression,          // repression capacity used by the regime
  kHumanitarian,        // humanitarian aid as a focal point
  kOppositionSupport,   // material support to the challenger
  kNumChannels
};

struct ChannelInfo {
  Channel id;  // the row's own index (checked at compile time)
  const char* name;
  const char* doc;
};
const ChannelInfo& channel_info(int c);

// The bits of a set of channels (MechParamInfo::via).
template <typename... C>
constexpr unsigned channel_set(C... c) {
  return ((1u << static_cast<unsigned>(c)) | ...);
}
static_assert(kNumChannels <= 32, "a set of channels is the bits of an unsigned");

struct ChannelWeight {
  Channel channel;
  double weight;
};

// How an active lever moves the expected-utility bargaining inputs of its target, on the
// lever's issue (only issues with `stance_model: bargaining` read them): per unit of
// strength (intensity x credibility x enabled), effective = base x (1 + sum of effects),
// clamped to [0, 1]. Positive raises, negative lowers; docs/bargaining.md lists the rows.
struct BargainingEffect {
  double capability;  // e.g. sanctions -0.3: full sanctions cut capability by 30%
  double salience;    // e.g. a military threat +0.3: the issue matters 30% more
};

struct LeverKindInfo {
  const char* name;
  const char* doc;
  // Channels fed when the target is on the incumbent's side (the incumbent, or an actor of
  // kind `regime` or `security_force`), and when it is not.
  std::vector<ChannelWeight> on_regime;
  std::vector<ChannelWeight> on_other;
  // Default pull of the target's stance toward the acting actor's, per year at full
  // intensity and credibility (overridable per lever with `stance_push:`).
  double stance_push;
  // What the lever does to its target's capability and salience in bargaining.
  BargainingEffect bargaining;
};

const std::vector<LeverKindInfo>& lever_kinds();
int find_lever_kind(const std::string& name);  // -1 when unknown
std::vector<std::string> lever_kind_names();

// Actor kinds a scenario may use.
const std::vector<std::string>& actor_kinds();

// Fixed state variables, in the order of RunState::vars. Scenario-specific variables
// (stance.<actor>, stance.<issue>.<actor>, fired.<event>) follow them.
enum Var : int {
  kVarStep,
  kVarDefectedShare,
  kVarResources,
  kVarPatronage,
  kVarTalks,
  kVarFallRisk,
  kVarExitGain,
  kVarMeanStance,
  kVarStanceGap,
  kVarShock,
  kVarFirstChannel,  // then one variable per channel, named as the channel
  kNumFixedVars = kVarFirstChannel + kNumChannels
};

// Index of a channel's state variable.
constexpr int ch_var(Channel c) { return static_cast<int>(kVarFirstChannel) + static_cast<int>(c); }

struct VarInfo {
  std::string name;
  std::string doc;
  double lo, hi;  // range used for fan-chart histograms
};
// The fixed variables (kNumFixedVars rows).
const std::vector<VarInfo>& fixed_vars();

// Coefficients of the built-in mechanisms (docs/model.md). Each is a Param under
// `mechanisms.<group>.<name>`. A mechanism declares its own rows, in its source file
// (engine/model/mech_<name>.cpp, beside the step that reads them); these functions read the
// rows of all of them, in the order a scenario lists its parameters.
struct MechParamInfo {
  int id;  // the row's index in its mechanism's table (the part's own enum; checked at compile time)
  // The row's place in a scenario's list of parameters (and so in Scenario::mech): given once
  // and never changed or reused, so that a new coefficient goes to the end of the list and the
  // outputs of existing scenarios (which list, sample and vary parameters in this order) keep
  // their bytes. tests/model/test_mechanisms.cpp checks that the numbers are 0, 1, 2, ... and
  // names the next free one.
  int order;
  const char* group;
  const char* name;
  double default_value;
  Range range;
  // Its unit: `1/year` and `days` (format 2's rates and durations), `share` (of revenue, of
  // the bite; `share of normal`: of the revenue before the crisis), `threshold units` (a
  // weight on a unit's incentive to defect, read against its threshold; `(sd)` for the
  // noise), `logit` and `log-hazard` (weights on a log-odds or a log-hazard), `utility` (the
  // exit calculus), `channel level` (a channel's 0-1 scale), `ratio`, `factor`.
  const char* unit;
  const char* doc;
  // The first format that has the parameter (format 1 scenarios leave its term out), and
  // its default there as uniform(uniform_lo, uniform_hi) when uniform_lo < uniform_hi (a
  // coefficient whose size, or sign, the literature leaves open), else default_value.
  int since_format = 1;
  double uniform_lo = 0, uniform_hi = 0;
  const char* cite = "";  // where the default comes from (format 2 terms)
  // The channels through which alone the coefficient acts: every term it enters is
  // multiplied by each of them (by a share of the bite, say, that is itself a product of
  // the channel), so while any one of them is 0 at every step its value changes nothing.
  // Bit c stands for channel c (channel_set(), below); 0: none. Format 2's analyses leave such
  // a coefficient out when no lever that can act feeds one of its channels
  // (Scenario::inert_params; tests/model/test_inert.cpp runs every one it leaves out at both
  // ends of its range).
  unsigned via = 0;
  // Where the coefficient lies in Scenario::mech: its `order`, since mech_param_info lists
  // the rows by it (a constant, so a part's step reads p[sc.mech[kParams[k].slot()]]).
  constexpr size_t slot() const { return static_cast<size_t>(order); }
};
// All mechanisms' coefficients, by `order` (i is the row's position in Scenario::mech).
int num_mech_params();
const MechParamInfo& mech_param_info(int i);
// The position of `mechanisms.<group>.<name>`, or -1 when there is none.
int find_mech_param(std::string_view group, std::string_view name);

// The mechanisms themselves, their order and what they read: engine/model/mechanism.h.

}  // namespace geosim
