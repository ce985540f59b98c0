// The immutable description of a scenario, as loaded and validated.
//
// Every number a run uses is a Param: a path (as written for --set), a Distribution, and the
// evidence behind it. Entities hold ParamIds; a run draws each parameter once (or takes a
// value fixed by a sweep or a sensitivity design) into a flat array. A Scenario is shared
// read-only by every thread (OpenSpiel's Game / State split).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/dates.h"
#include "engine/core/error.h"
#include "engine/scenario/distribution.h"
#include "engine/scenario/observations.h"
#include "engine/scenario/registry.h"

namespace geosim {

// The index of a scenario's entity (a parameter, an actor, a lever, an event) as a type of
// its own: an actor's id does not mix with a lever's, a parameter's or a count, and none of
// them converts from or to a number by itself. It becomes an index only when asked
// (id.index(), or static_cast<size_t>(id)); a default-made id is no entity (valid() false).
template <class Tag>
class Id {
 public:
  constexpr Id() = default;
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  constexpr explicit Id(I index) : v_(static_cast<int32_t>(index)) {}
  constexpr size_t index() const { return static_cast<size_t>(v_); }
  constexpr explicit operator size_t() const { return index(); }
  constexpr bool valid() const { return v_ >= 0; }
  friend constexpr bool operator==(Id a, Id b) { return a.v_ == b.v_; }
  friend constexpr bool operator!=(Id a, Id b) { return a.v_ != b.v_; }
  friend constexpr bool operator<(Id a, Id b) { return a.v_ < b.v_; }

 private:
  int32_t v_ = -1;
};
using ParamId = Id<struct ParamTag>;  // Scenario::params
using ActorId = Id<struct ActorTag>;  // Scenario::actors
using LeverId = Id<struct LeverTag>;  // Scenario::levers
using EventId = Id<struct EventTag>;  // Scenario::events
inline constexpr ParamId kNoParam{};

struct EvidenceItem {
  std::string seed, quote;  // a seed document and a verbatim quote from it
  std::string cite, note;   // or a published source and which figure
  FileLoc loc;
};

struct Provenance {
  std::vector<EvidenceItem> evidence;
  std::string assumption;  // why a value was chosen when no source gives it
  bool empty() const { return evidence.empty() && assumption.empty(); }
};

struct Param {
  std::string path;  // e.g. "levers.oil_sanctions.intensity"
  Distribution dist;
  Range range;
  FileLoc loc;                  // where the value is written (its entry's, for a default)
  bool written = false;         // written in a file or with --set (false: the model's default)
  Provenance provenance;        // the parameter's own, or else its entity's
  bool own_provenance = false;  // evidence or assumption given on this value itself
  uint32_t stream = 0;          // random stream of its per-run draw
  // Format 2: a parameter that follows a shared factor (Scenario::factors): its uniform is
  // Phi(rho z_factor + sqrt(1 - rho^2) z_own), a Gaussian copula with the factor's rank.
  int factor = -1;         // index into Scenario::factors, -1: independent
  double correlation = 1;  // rho, in [-1, 1] (1: a monotone map of the factor)
  std::string doc;         // what it means (for reports and `geosim describe`)
};

enum class StepUnit { Day, Week };

enum class StanceModel { FriedkinJohnsen, Bargaining };

struct Issue {
  std::string id, description;
  double lo = -1, hi = 1;
  StanceModel model = StanceModel::FriedkinJohnsen;
  // sd of the stance noise: per step (format 1, or written in a format 1 file), else per
  // year (format 2: the step's sd is noise x sqrt(dt)).
  ParamId noise = kNoParam;
  bool noise_per_step = false;
  int bargaining_every = 4;  // steps between bargaining rounds
};

struct Actor {
  std::string id, name, kind;
  std::vector<ParamId> stance;  // one per issue
  ParamId salience = kNoParam, capability = kNoParam, stubbornness = kNoParam;
  bool regime_side = false;  // the incumbent, or kind regime / security_force
  Provenance provenance;
};

struct Relation {
  ActorId from, to;  // `from` listens to `to`
  ParamId influence = kNoParam;
};

// A group of security-force units sharing a threshold distribution.
struct Cohort {
  std::string id, name;
  ActorId actor;  // the security-force actor the units belong to
  int units = 0;
  int first_unit = 0;                  // offset in the flat unit arrays of a run
  ParamId weight = kNoParam;           // the group's share of the force (normalised)
  Distribution threshold;              // per-unit threshold, drawn per run...
  std::vector<double> thresholds;      // ...or listed explicitly
  ParamId threshold_shift = kNoParam;  // added to every unit's threshold
  Provenance provenance;
};

struct Expr {
  std::string text;
  FileLoc loc;  // of the first character of the expression
  std::shared_ptr<const TextPlaces> places;  // of its characters, when written over lines or with escapes
  bool empty() const { return text.empty(); }
};

struct Lever {
  std::string id, name;
  FileLoc loc;   // of its item in the file
  int kind = 0;  // row of lever_kinds()
  ActorId by, target;
  int issue = 0;
  int start_step = 0, end_step = 0;  // active for start_step <= t < end_step
  // Format 2: the share of its window's first and last step inside the window (as an
  // event's hazard window: Event::from_frac); 1 where the window begins or ends with a step.
  double from_frac = 1, until_frac = 1;
  // Format 2: where in its first step the window begins and where in its last step it ends, as
  // shares of the step (0 and 1 where it begins or ends with a step): in a step that holds part
  // of it, the lever acts from first_at or until last_at (Model::update_levers, the segments).
  double first_at = 0, last_at = 1;
  // Its window's first and last day as written (`from`, `until`), within the run's days.
  Date first_day, last_day;
  ParamId intensity = kNoParam, credibility = kNoParam, enabled = kNoParam, stance_push = kNoParam;
  Provenance provenance;
  // Format 2: a lever that reacts (docs/scenario-format.md, "Levers that react"). Inside its
  // window it acts only while these allow, checked at the start of every step on the state
  // the last step left: `when` holds (or held within the last hold_steps steps), the event
  // after_event fired at least after_delay steps ago, and until_when has never held.
  Expr when, until_when;
  int hold_steps = 0;
  EventId after_event;            // none when not valid()
  int after_delay = 0;            // steps from the event's first firing (>= 1)
  int ladder = -1, rung = 0;      // a rung (1, 2, ...) of Scenario::ladders[ladder]; -1: none
  int decision = -1, option = 0;  // an option (1, 2, ...) of Scenario::decisions[decision]; -1: none
  bool on_leader = false;         // format 2 `on: leader`: acts on the person, so it ends when he goes
  bool reacts() const {
    return !when.empty() || !until_when.empty() || after_event.valid() || ladder >= 0 || decision >= 0 || on_leader;
  }
};

// Format 2: an escalation ladder (docs/scenario-format.md, "Escalation ladders"). The ladder
// stands on rung 0 (none of its levers) at the start; each step it climbs one rung when the
// next rung's `up` has held for `sustained` steps in a row, or else steps down one when its
// rung's `down` holds. A rung's lever acts only while the ladder stands on that rung (or
// above it, for a rung that `stays`).
struct Rung {
  LeverId lever;
  Expr up, down;
  int sustained = 1;   // steps
  bool stays = false;  // the lever stays on while the ladder stands higher
};
struct Ladder {
  std::string id, name;
  std::vector<Rung> rungs;
  Provenance provenance;
};

// Format 2: a decision by an actor (docs/scenario-format.md, "Decisions"). At each decision
// point (every `every` steps from first_step, while `when` holds) the actor chooses one
// option by a logit choice: P(k) = exp(rationality x U_k) / sum_j exp(rationality x U_j),
// U_k = constant + sum coefficient x state variable. The chosen option's lever acts until
// the next decision point.
struct DecisionOption {
  std::string id;
  LeverId lever;  // none (not valid()): an option that pulls no lever
  ParamId constant = kNoParam;
  std::vector<std::pair<int, ParamId>> drivers;  // state variable -> coefficient
};
struct Decision {
  std::string id, name;
  ActorId actor;
  int every = 1, first_step = 0;
  Expr when;
  ParamId rationality = kNoParam;
  std::vector<DecisionOption> options;
  Provenance provenance;
};

struct Effects {
  ParamId defection_shock = kNoParam;                 // added to every cohort's incentive
  int shock_steps = 1;                                // for how many steps
  // Format 2: how long, in steps (its days over a step's, not rounded): the shock holds from
  // the moment the event fires within its step for that long (Model::apply_effects).
  double shock_span = 1;
  int talks = 0;                                      // +1 open, -1 close, 0 leave
  ParamId resources_shock = kNoParam;                 // added to resources
  std::vector<std::pair<int, ParamId>> stance_shock;  // actor -> added to its first-issue stance
  bool empty() const {
    return defection_shock == kNoParam && talks == 0 && resources_shock == kNoParam && stance_shock.empty();
  }
};

struct Event {
  std::string id, name;
  FileLoc loc;  // of its item in the file
  bool scheduled = false;
  int at_step = -1;                              // scheduled events
  double at_offset = 0;  // format 2: where in at_step its date falls (its days before it over the step's)
  ParamId annual = kNoParam;                     // hazard: base probability per year
  ParamId per_step = kNoParam;                   // or per step
  std::vector<std::pair<int, ParamId>> drivers;  // state variable -> logit coefficient
  Expr gate;                                     // hazard applies only while this holds
  int from_step = 0, until_step = 0;             // hazard window
  // Format 2: the share of the window's first step (from_step) and last step (until_step - 1)
  // that lies inside it, its days over the step's; one step holding the whole window has the
  // share in from_frac. 1 where the window begins or ends with a step.
  double from_frac = 1, until_frac = 1;
  double first_at = 0, last_at = 1;  // where in those steps it begins and ends (Lever::first_at)
  Date first_day, last_day;  // the hazard window's first and last day as written, within the run's days
  int outcome = -1;                              // terminal outcome when it fires and succeeds
  ParamId success = kNoParam;                    // probability that it succeeds (default 1)
  Effects effects, on_failure;
  int max_fires = 0;  // 0: unlimited
  Provenance provenance;
};

// The regime's fate at the horizon (format 2 with a `leader:`).
enum RegimeFate : int { kRegimeContinues = 0, kRegimeTransition = 1, kRegimeCollapse = 2, kNumRegimeFates = 3 };
const char* regime_fate_id(int fate);  // "continues", "transition", "collapse"

struct Outcome {
  std::string id, label;
  FileLoc loc;
  Expr when;
  bool is_default = false;
  bool removes_incumbent = true;
  Provenance provenance;
  // Format 2 with a leader: the probability that the regime continues (under a successor)
  // when the ruler leaves this way, and its fate otherwise.
  ParamId regime_continues = kNoParam;
  int regime_otherwise = kRegimeCollapse;
};

// Format 2: the leader (a person) apart from the regime (the incumbent actor, the ruling
// coalition), and who succeeds him (docs/scenario-format.md, "The leader and the regime").
struct Successor {
  std::string id, name;
  std::vector<int> after;       // outcomes after which this successor takes over; empty: any
  ParamId stance = kNoParam;    // the incumbent actor's stance (first issue) from the takeover
  ParamId salience = kNoParam;  // the incumbent actor's salience from the takeover
  // His exit calculus (docs/model.md, M5) from the takeover: `mechanisms.exit.<key>` for each
  // of kExitKeys; kNoParam keeps the scenario's.
  static constexpr const char* kExitKeys[4] = {"office_value", "fall_cost", "exile_value", "prosecution_cost"};
  ParamId exit[4] = {kNoParam, kNoParam, kNoParam, kNoParam};
  Provenance provenance;
};
struct Leadership {
  std::string id, name;  // empty id: no leader named, every outcome ends the run (format 1)
  Provenance provenance;
  std::vector<Successor> successors;
  ParamId new_ruler_risk = kNoParam;   // factor on the hazards of events whose outcome is `coup`
  ParamId new_ruler_years = kNoParam;  // for this many years after a takeover
  bool named() const { return !id.empty(); }
  // Ruler slots: the leader, each successor, an unnamed successor (when none is named for
  // the way the ruler left), the challenger (after a transition), nobody named (after a
  // collapse).
  size_t rulers() const { return successors.size() + 4; }
};

// Format 2: a shared factor, one fact about the world that several parameters depend on
// (docs/scenario-format.md, "Shared factors"). Its value is its rank, a uniform in (0, 1)
// drawn once per run (the parameter `factors.<id>`).
struct SharedFactor {
  std::string id, description;
  ParamId param = kNoParam;
  Provenance provenance;
  FileLoc loc;
};

struct Scenario {
  int format_version = 1;
  std::string id, title, description;
  std::string file;                   // the top file it was loaded from
  std::vector<std::string> extended;  // the files reached through `extends:`, in no particular order
  // A hash of the merged content (after `extends:` and `--set`, without comments or layout):
  // two runs whose scenarios have the same hash ran the same scenario. 16 hex digits.
  std::string content_hash;
  Date start;
  StepUnit unit = StepUnit::Week;
  int horizon = 52;  // steps
  // The horizon was given on the command line (--until, --horizon, --set): later scheduled
  // events and levers may lie beyond it on purpose.
  bool horizon_from_command_line = false;
  // Format 2: the numbers read per step because a format 1 file that this one extends gave
  // them (an issue's noise, a shock's steps, a hazard's per_step, bargaining_every; the
  // horizon aside): in other steps they mean other amounts (docs/model.md, "Units").
  std::vector<FileLoc> per_step_numbers;
  double dt_years = 7.0 / 365.25;
  ActorId incumbent, challenger;
  Leadership leadership;  // format 2

  std::vector<Issue> issues;
  std::vector<Actor> actors;
  std::vector<Relation> relations;
  std::vector<Cohort> cohorts;
  int total_units = 0;
  std::vector<Lever> levers;
  std::vector<Event> events;
  std::vector<Ladder> ladders;      // format 2
  std::vector<Decision> decisions;  // format 2
  std::vector<Outcome> outcomes;
  int default_outcome = -1;
  std::vector<ParamId> mech;

  std::vector<Observation> observations;  // read by calibration only (observations.h)

  std::vector<Param> params;
  std::vector<SharedFactor> factors;  // format 2
  // State variables: fixed_vars() first, then stance.<actor> (first issue),
  // stance.<issue>.<actor> (other issues), fired.<event>.
  std::vector<VarInfo> vars;
  int stance_var0 = 0;   // index of stance.<actor 0> on the first issue
  int fired_var0 = 0;    // index of fired.<event 0>
  int days_var = -1;     // format 2: index of `days` (days since the start); -1 in format 1
  int lever_var0 = -1;   // format 2: index of lever.<lever 0> (1 while it acts); -1 in format 1
  int ladder_var0 = -1;  // format 2: index of ladder.<ladder 0> (the rung reached)
  int decision_var0 = -1;
  int succession_var0 = -1;  // format 2 with a leader: successions, ruler_tenure, new_ruler  // format 2: index of
                             // decision.<decision 0> (the option chosen, 0: none yet)
  std::vector<int> fans;     // variables recorded as fan charts

  // The state variable of actor a's stance on issue k (issue-major: every actor's stance on
  // the first issue, then on the second, ...), of event e's firings, of lever l (format 2).
  int stance_var(ActorId a, int issue = 0) const {
    return stance_var0 + issue * static_cast<int>(actors.size()) + static_cast<int>(a.index());
  }
  int fired_var(EventId e) const { return fired_var0 + static_cast<int>(e.index()); }
  int lever_var(LeverId l) const { return lever_var0 + static_cast<int>(l.index()); }

  ParamId find_param(const std::string& path) const;  // kNoParam when absent
  int find_var(const std::string& name) const;        // -1 when absent
  std::vector<std::string> var_names() const;         // the state variables' names, in order
  ActorId find_actor(const std::string& id) const;    // not valid() when absent
  int find_outcome(const std::string& id) const;
  Date date_of_step(int step) const;  // the first day after `step` steps (start + step x days)
  StepCalendar calendar() const { return {start, unit == StepUnit::Week ? 7 : 1}; }
  int steps_per_year() const { return unit == StepUnit::Week ? 52 : 365; }
  // Parameters whose value differs between runs.
  std::vector<ParamId> uncertain_params() const;
  // The uncertain parameters that are drawn on their own: not those that follow a factor
  // (analyses vary the factor instead, so a factor is one input), and in format 2 not those
  // that are inert (below). These are what calibrate and sensitivity vary.
  std::vector<ParamId> independent_params() const;
  // Per parameter: whether it can change nothing in any run. Those of a lever that never
  // acts, because its enabled, intensity or credibility is a fixed 0 (`enabled: false`), a
  // mechanism's coefficient that acts only through channels of which one no lever able to
  // act feeds (MechParamInfo::via), and a shared factor whose every follower is inert.
  std::vector<bool> inert_params() const;
};

}  // namespace geosim
