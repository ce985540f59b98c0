// The model: how one run of a scenario advances, step by step.
//
// The Monte Carlo driver (engine/runner) owns the loop over runs and steps; the model only
// knows how to start a run and advance it by one step (pbrt's integrator/sampler split).
// All per-run state lives in a RunState that a thread allocates once and reuses for every
// run it computes, so the hot loop never allocates. Mechanisms (docs/model.md):
//   M1 stance dynamics (Friedkin-Johnsen, or expected-utility bargaining per issue),
//   M2 resources and patronage, M3 the defection cascade, M4 event hazards,
//   M5 the exit decision (fall risk and exit gain).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/core/rng.h"
#include "engine/model/expr.h"
#include "engine/scenario/scenario.h"
#include "engine/stance/bargaining.h"

namespace geosim {

namespace bargaining {
struct Pull;  // engine/stance/bargaining_mc.h
}
struct Mechanism;  // engine/model/mechanism.h
template <class Part>
struct MechanismStep;

// Values that replace a parameter's per-run draw (sweeps, sensitivity designs).
// Indexed by ParamId; NaN means "draw as usual".
using ParamValues = std::vector<double>;

// Listener for the story of one run (`geosim run --replay K`). Null in Monte Carlo.
class Trace {
 public:
  virtual ~Trace() = default;
  // `why` says what made a lever that reacts (format 2) come on or go off; empty otherwise.
  virtual void lever(int t, const Lever& l, bool active, const std::string& why) = 0;
  virtual void event(int t, const Event& e, bool fired_outcome, bool succeeded) = 0;
  virtual void defections(int t, const Cohort& c, int newly, int total_defected) = 0;
  virtual void talks(int t, bool open) = 0;
  virtual void end(int t, const Outcome& o, const std::string& why) = 0;
  // A bargaining round on `issue` (stance_model: bargaining) at step t, before the step's
  // lever pulls and noise: moves[i] is actor i's accepted offer for i < n (kind None: it
  // stayed); median_before and median_after are the capability x salience weighted median
  // (the forecast) before and after the round. Does nothing unless overridden, so that a
  // listener that does not tell bargaining need not know about it.
  // A decision by an actor (format 2) at step t: it chose option `chosen` (0-based); u and p
  // hold every option's utility and probability. Does nothing unless overridden.
  // Format 2 with a leader: the ruler `who` left by `o` at step t and `successor` took over
  // (the regime goes on). Does nothing unless overridden.
  virtual void succession(int /*t*/, const Outcome& /*o*/, const std::string& /*who*/, const std::string& /*successor*/,
                          const std::string& /*why*/) {}
  virtual void decision(int /*t*/, const Decision& /*d*/, int /*chosen*/, const double* /*u*/, const double* /*p*/) {}
  virtual void bargaining(int /*t*/, const Issue& /*issue*/, const bargaining::Move* /*moves*/, int /*n*/,
                          double /*median_before*/, double /*median_after*/) {}
};

struct RunState {
  std::vector<double> p;  // parameter values of this run
  // Set by a caller that reads only the summaries of runs (run_monte_carlo), after prepare():
  // a drawn parameter that only an event's `success` reads is drawn when the event first
  // fires instead of in init_run (NaN in p until then), which gives the same bits, since a
  // draw is a pure function of its address. Left false, every parameter is in p after
  // init_run (replays, digests, analyses that read p).
  bool defer_draws = false;
  std::vector<double> vars;  // state variables (Scenario::vars order)
  // Stances: x[issue * n + actor]; x0 the initial stances; W row-stochastic influence
  // (n x n, row-major). Wt holds W by columns with each column padded to n4 = n rounded up
  // to 4 (Wt[j * n4 + i] = W_ij, zeros below row n), so that friedkin_johnsen_step works on
  // whole blocks of four rows; lambda and xnext are padded to n4 the same way, and x0 has
  // n4 - n zeros after its last issue (the step reads each issue's x0 four actors at a time).
  std::vector<double> x, x0, xnext, W, Wt, lambda, push;
  std::vector<double> cs;  // capability x salience per actor (weights of mean_stance)
  double cs_sum = 0;       // their sum, added in actor order (set_influence)
  struct Pull {
    double k;           // stance_push x strength x dt
    size_t by, target;  // indices into x
  };
  std::vector<Pull> pulls;  // stance pulls of the active levers
  // A scratch of one number per stance: the sum of the pulls on it (update_levers, channels).
  std::vector<double> pull_total;
  // Cohorts: thresholds sorted within each cohort; defected units form a prefix. Drawn
  // thresholds are computed lazily: the cohort's uniforms (theta_u, in unit order, never
  // reordered) are taken in increasing order, a batch at a time (take_ascending, fastmath.h),
  // and a threshold, quantile(u) + shift, computed when the cascade first looks at that unit.
  // Per cohort, theta[0 .. theta_ready) are thresholds, theta[theta_ready .. theta_have) the
  // next smallest uniforms, sorted: exactly those <= theta_cut are in theta[0 .. theta_have).
  // Model::threshold explains why this gives the same bits.
  std::vector<double> theta, theta_u;
  std::vector<int> theta_ready;                // per cohort: thresholds computed so far (a prefix)
  std::vector<int> theta_have;                 // per cohort: thresholds and sorted uniforms
  std::vector<double> theta_cut;               // per cohort: the uniforms <= this are taken
  std::vector<int> defected;                   // per cohort
  std::vector<double> unit_weight;             // per cohort: weight of one unit (normalised)
  std::vector<double> cohort_base;             // per cohort: incentive before the peer term
  std::vector<double> cohort_own;              // per cohort: that incentive less the part all share (scratch)
  std::vector<double> shock;                        // defection shock per step (format 2: its mean over the step)
  // Format 2: each defection shock's span in steps (from the moment its event fired, for its
  // days exactly) and size, until it has ended; a step that one begins or ends inside is read
  // by the cascade in segments (Model::defection). cut_at: the cascade's scratch.
  struct ShockSpan {
    double begin, end, size;
  };
  std::vector<ShockSpan> shocks;
  std::vector<double> cut_at;
  std::vector<int> fired;                      // per event
  std::vector<double> event_logit0, event_p0;  // per event, per run
  std::vector<char> lever_active;              // per lever, last step's activity (for the trace)
  // Format 2, levers that react (Model::react): per lever, whether its conditions allow it
  // now (lever_ok; 1 for a lever that does not react), whether its until_when has held
  // (lever_done), the last step its `when` held; per event, the step it first fired (-1).
  std::vector<char> lever_ok, lever_done;
  std::vector<int> lever_last_when, first_fire;
  // Per ladder: the rung it stands on, and for how many steps in a row the next rung's `up`
  // has held; per rung (all ladders' rungs in order), its up and down conditions.
  std::vector<int> ladder_rung, ladder_run, ladder_move;  // ladder_move: +1 up, -1 down (last move)
  std::vector<BoundExpr> rung_up, rung_down;
  // Per decision: the option chosen last (1, 2, ...; 0: none yet) and its `when`, if any;
  // decision_u and decision_p: the utilities and probabilities of the last choice (scratch).
  std::vector<int> decision_choice;
  std::vector<BoundExpr> decision_when;
  std::vector<double> decision_u, decision_p;
  std::vector<int> active_levers;  // levers active now (rebuilt when the set changes)
  // Per lever, fixed for a run: strength (intensity x credibility x enabled) and pull on
  // stances (stance_push x strength x dt); per lever channel: 1 - clamp01(weight x strength).
  std::vector<double> lever_s, lever_k, lever_keep;
  // Format 2: a step that holds part of an active lever's window (its first or last step),
  // cut where such windows begin and end inside it (Model::update_levers): seg_w[s] the share
  // of the step in segment s, in time order, and seg_ch[s * kNumChannels + c] channel c's
  // value in it, each lever acting at its whole strength in the segments its window holds.
  // segs == 0 when the step is one piece (then the channels' state variables are the step's).
  // The hazards (M4) and the cascade (M3) read a cut step segment by segment, as daily steps
  // would; what adds up over the days reads the step's channels, each lever scaled by its share.
  int segs = 0;
  std::vector<double> seg_w, seg_ch;
  // The random words of four steps at a time (block = t >> 2), drawn together in SIMD lanes
  // (Model::fill_words): word j of counter c is words[4 * c + j], counters in the order of
  // Model::word_stream_ (stance slots, cohort noise, hazard events). Each is the word a consumer
  // drawing one word per step (two per event) takes: word `index & 3` of counter
  // `index >> 2` of its stream.
  std::vector<uint32_t> words;
  uint32_t word_block = WordCache::kEmpty;
  // Scratch of init_run: counters (stream, index) and their words, for the parameter draws
  // and a cohort's threshold uniforms drawn in SIMD lanes.
  std::vector<uint32_t> init_stream, init_index, init_words;
  // Noise of the same four steps, computed together so that the loop vectorises (for the
  // block of steps noise_block): noise_z[(slot * 4) + (t & 3)] = N(0,1) for stance slot
  // `slot`, then for each cohort (at slot = word_cohort0_ + g); the users scale them by their sd.
  std::vector<double> noise_z;
  uint32_t noise_block = WordCache::kEmpty;
  double adjust = 0;  // resource relaxation per step
  // Format 2: 1 - e^(-adjust_per_year dt), the share of the gap to the Friedkin-Johnsen target
  // a fully stubborn actor closes per step (the model steps each actor at its own rate:
  // stance_base_share; this is the documented a, kept for reading); the step-to-step correlation of the cohorts' noise and each cohort's present shock.
  // cohort_period: steps per period of the cohorts' shocks; cohort_epoch: the period each
  // cohort's present shock cohort_eps (a standard normal) was drawn for.
  double stance_a = 1, cohort_period = 1;
  bool cohort_period_whole = true;  // cohort_period is a whole number of steps
  // Format 2: adjust_per_year x dt (k dt); per actor, the share d_i = 1 - lambda_i W_ii of its
  // Friedkin-Johnsen target that does not move with its own stance, so that its own rate is
  // k d_i (Model::stance_rates); and per actor the step's share of the gap to the target and
  // the sd of the step's noise per unit of `noise` at that rate alone (stance_base_*).
  double stance_kdt = 0;
  std::vector<double> stance_d, stance_base_share, stance_base_noise;
  // Per stance (issue-major, as x): the share of the gap to the target closed this step and
  // the sd of its noise per unit of `noise`: the base ones, or where levers or the rally pull
  // the stance too, those of the exact step at the combined rate (Model::exact_pulls).
  std::vector<double> stance_share, stance_noise;
  // Format 2: the stances that levers or the rally pull, and the factor c of their pulls'
  // first-order shares in the exact step (Model::exact_pulls), since the levers last changed;
  // the rally's rate times dt then.
  std::vector<size_t> exact_slot;
  std::vector<double> exact_c;
  double rally_rdt = 0;
  double insiders0 = 0;  // format 2: the insiders' stance against the incumbent at the start
  std::vector<double> cohort_eps;
  std::vector<int64_t> cohort_epoch;
  int outcome = -1;
  int end_step = 0;  // steps taken when the run ended
  // Format 2 with a leader: `outcome` and `end_step` are how and when the leader left (the
  // run may go on); ruler is who rules now (Leadership's ruler slots: 0 the leader, 1 + k
  // successor k, then an unnamed successor, the challenger, nobody), ruler_since the step he
  // took power; regime_fate is -1 while the regime stands, regime_end the steps taken when
  // it ended (or the horizon).
  int ruler = 0, ruler_since = 0, successions = 0, regime_fate = -1, regime_end = 0;
  std::vector<char> has_ruled;  // per successor: ruled already in this run (not chosen again)
  // Scratch of the bargaining stance model: effective capabilities and saliences (bscratch)
  // and the round's work arrays (bws); sized on a thread's first round, then reused.
  std::vector<double> bscratch;
  bargaining::Workspace bws;
  // Per-thread compiled expressions, bound to `vars`.
  std::vector<BoundExpr> outcome_when, event_gate;
  std::vector<BoundExpr> lever_when, lever_until;  // per reacting lever with the key (Model::react_)
};

// What one lever does in a run (the rules are in engine/model/levers.h).
struct LeverEffect {
  double strength;              // intensity x credibility x enabled
  double capability, salience;  // relative change of its target's bargaining inputs
  double pull;                  // share of the gap to its actor's stance closed per step
};

class Model {
 public:
  // The model reads the scenario for its whole life: it keeps a reference, so a temporary
  // (Model m(load_scenario(f))) would dangle and does not compile.
  explicit Model(const Scenario& scenario);
  explicit Model(Scenario&&) = delete;
  const Scenario& scenario() const { return sc_; }

  // Sizes a RunState for this scenario (once per thread).
  void prepare(RunState& st) const;
  // Draws the run's parameters and initial state.
  void init_run(RunState& st, uint64_t seed, uint64_t run, const ParamValues* fixed = nullptr) const;
  // Advances one step (t = steps already taken). Returns true when the run has ended; then
  // st.outcome and st.end_step are set. At t == horizon - 1 the default outcome applies
  // if nothing else happened.
  bool step(RunState& st, const RunRng& rng, int t, Trace* trace = nullptr) const;

  // Reading a run at one step (geosim bargain --at). init_central starts a run with every
  // parameter at the median of its distribution; levers_at sets the levers as step() would at
  // step t (which act, the channels, the stance pulls); lever_effect is lever l's effect in
  // the run, lever_in_window whether step t is inside lever l's window, and issue_pulls the
  // stance pulls of the active levers on issue k (by and target as actor indices).
  void init_central(RunState& st) const;
  void levers_at(RunState& st, int t) const;
  LeverEffect lever_effect(const RunState& st, size_t l) const;
  bool lever_in_window(size_t l, int t) const;
  void issue_pulls(const RunState& st, int k, std::vector<bargaining::Pull>& out) const;

  // The row-stochastic influence matrix of the run (n x n, row-major), for tests and docs.
  static void influence_matrix(const Scenario& sc, const std::vector<double>& p, std::vector<double>& W);

 private:
  // The mechanisms' steps (engine/model/mech_*.cpp) read the model's tables.
  template <class Part>
  friend struct MechanismStep;

  void update_levers(RunState& st, int t, Trace* trace) const;
  void cut_segments(RunState& st, int t) const;
  [[gnu::always_inline]] inline void settle(RunState& st, int t, Trace* trace, const double* b, double peer,
                                            double& D) const;
  template <class Channels>
  double incentive(const RunState& st, Channels ch, double shock) const;
  [[gnu::noinline]] void defection_in_pieces(RunState& st, const RunRng& rng, int t, Trace* trace, double common,
                                             bool shock_cut, bool noise_cut, double& D, double until) const;
  static constexpr double kEpochSlack = 1e-9;  // Model::noise_epoch
  static constexpr double kCutMargin = 1e-6;   // Model::defection: no cut this near a step's ends
  static int64_t noise_epoch(const RunState& st, double y);
  double segmented_hazard(const RunState& st, size_t e, int t, double z) const;
  void exact_pulls(RunState& st, double r) const;
  void stance_rates(RunState& st) const;
  void stance_vars(RunState& st) const;
  bool react(RunState& st, const RunRng& rng, int t, Trace* trace) const;
  // A way of ending the ruler's rule happened (format 2 with a leader: a successor may take
  // over); returns whether the run ends.
  bool end_rule(RunState& st, const RunRng& rng, int t, int outcome, Trace* trace, const std::string& why) const;
  // The first outcome whose condition holds ends the rule (none in a step in which a successor
  // took over: one end of a rule a step). Checked every step, so the search is inline and only
  // the end is a call.
  enum class Ended { kNone, kRule, kRun };
  Ended end_by_condition(RunState& st, const RunRng& rng, int t, Trace* trace) const {
    if (st.successions > 0 && st.ruler_since == t + 1) return Ended::kNone;
    for (size_t w = 0; w < outcome_cond_.size(); ++w)
      if (st.outcome_when[w].holds()) return end_by_condition(st, rng, t, trace, outcome_cond_[w]);
    return Ended::kNone;
  }
  Ended end_by_condition(RunState& st, const RunRng& rng, int t, Trace* trace, size_t outcome) const;
  void update_ruler_vars(RunState& st, int t) const;
  std::string ruler_name(int slot) const;
  void set_influence(RunState& st) const;
  bool on_rung(const Lever& lv, int rung) const;
  void decide(RunState& st, const RunRng& rng, int t, Trace* trace) const;
  std::string why_lever(const RunState& st, size_t l, bool active, int t) const;
  void channels(RunState& st, const RunRng& rng, int t, Trace* trace) const;
  void resources(RunState& st) const;
  void stances(RunState& st, int t, Trace* trace) const;
  bool events(RunState& st, const RunRng& rng, int t, Trace* trace) const;
  // Event e fired at step t (u1: its second uniform, whether it succeeds); true if the run
  // ended. Kept out of line, so that the loop over events holds its arrays in registers.
  // `at`: when in step t it fires, as a share of the step (format 2; where its shock begins).
  bool fire_event(RunState& st, const RunRng& rng, int t, Trace* trace, size_t e, double u1, double at = 0) const;
  // Format 2: the further firings within step t of event e, whose hazard reads its own count,
  // after a first firing at log hazard z with first draw w0; true if the run ended.
  bool fire_again(RunState& st, const RunRng& rng, int t, Trace* trace, size_t e, double z, uint32_t w0,
                  bool& new_ruler) const;
  // The most firings of one event in one step (format 2, fire_again).
  static constexpr uint32_t kMaxFiresPerStep = 1024;
  void apply_effects(RunState& st, const Effects& e, int t, Trace* trace, double at = 0) const;
  // The cascade of step t; `until` < 1 (format 2): only its pieces that begin before that
  // share of the step (Model::fire_event). Running it again over the step changes nothing it
  // has done: defection only grows.
  void defection(RunState& st, const RunRng& rng, int t, Trace* trace, double until = 1) const;
  void exit_calculus(RunState& st) const;
  double insiders_against(const RunState& st) const;
  void event_base(const Event& ev, const std::vector<double>& p, double& p0, double& logit0) const;
  void fill_words(RunState& st, const RunRng& rng, uint32_t block) const;
  void fill_noise(RunState& st, uint32_t block) const;
  double threshold(RunState& st, size_t g, int k) const;
  double deferred_draw(RunState& st, const RunRng& rng, size_t param) const;
  void settle_cohort(RunState& st, size_t g) const;

  const Scenario& sc_;
  int n_ = 0;                                 // actors
  std::vector<const Mechanism*> mechanisms_;  // in the order of a step (engine/model/mechanism.h)
  int n4_ = 0;                                // actors rounded up to a multiple of 4 (padded stance kernels)
  // Per-run constants hoisted out of init_run: the parameter vector with every constant
  // filled in, and the parameters that are drawn.
  std::vector<double> p_const_;
  std::vector<size_t> drawn_;
  std::vector<uint32_t> drawn_stream_, drawn_index_;  // their streams (index 0)
  // Per drawn parameter: only one event's `success` reads it (RunState::defer_draws).
  std::vector<char> drawn_deferrable_;
  // Format 2: parameters that follow a shared factor, their factor's parameter, rho and
  // sqrt(1 - rho^2), and their place in drawn_ (whose uniform is their own part).
  struct Tied {
    size_t param, factor_param, drawn;
    double rho, rho_c;
  };
  std::vector<Tied> tied_;
  // Channel weights of each lever, flattened from the lever registry (which side of the
  // incumbent its target is on is fixed per scenario): lever l owns
  // lever_ch_[lever_ch_begin_[l] .. lever_ch_begin_[l + 1]).
  struct LeverChannel {
    int channel;
    double weight;
  };
  std::vector<LeverChannel> lever_ch_;
  std::vector<size_t> lever_ch_begin_;
  std::vector<char> cohort_lazy_;  // per cohort: thresholds drawn from a distribution
  // Per event: base probability from a constant parameter, and then its p0 and logit.
  std::vector<char> event_base_const_;
  std::vector<double> event_p0_, event_logit0_;
  std::vector<uint32_t> actor_noise_stream_, cohort_stream_, cohort_noise_stream_, event_stream_;
  // Format 2: per event, the stream of the draws for its second and later firings in a step.
  std::vector<uint32_t> event_again_stream_;
  // The counters of a block of four steps (RunState::words): stream and index = k * block +
  // offset. Stance slots and cohort noise take one counter each (k = 1), hazard events two
  // (k = 2, offsets 0 and 1: two words per step). Counters of cohort noise begin at
  // word_cohort0_; event e's at hazard_plan_[e].word (SIZE_MAX for a scheduled event,
  // which draws its one counter when it happens). Padded to a multiple of eight counters
  // (copies of the last, whose words nothing reads).
  std::vector<uint32_t> word_stream_, word_k_, word_off_;
  size_t word_cohort0_ = 0;
  // Per event, what Model::events reads at every step, packed in one place (an Event is a
  // few hundred bytes of names, expressions and provenance; the loop needs a few integers):
  // its place among the events with a gate (RunState::event_gate), its window, its words,
  // its drivers (hazard_drivers_[drivers_begin .. drivers_end)) and what it may do.
  struct HazardPlan {
    enum Flag : uint8_t {
      kScheduled = 1,  // happens at at_step, not by a hazard
      kEndsRule = 2,   // outcome >= 0
      kTrap = 4,       // its outcome is the coup and the scenario tracks successions
      kInsiders = 8,   // format 2: a coup's hazard reads the insiders' stance
      kLogit = 16,     // drivers or insiders: a linear predictor (else a constant probability)
      kPartial = 32,   // format 2: its window's first or last step holds only part of it
      kChannels = 64,  // format 2: a driver reads a channel (a cut step is read by segments)
      kMoment = 128,   // format 2: its moment in the step matters (a defection shock, an end of rule)
    };
    uint8_t flags = 0;
    int gate = -1;  // index into RunState::event_gate, -1: none
    int max_fires = 0, from = 0, until = 0, at = -1;
    uint32_t drivers_begin = 0, drivers_end = 0;
    size_t word = SIZE_MAX;
    // Format 2: the share of the window's first and last steps inside it (Event::from_frac).
    double from_frac = 1, until_frac = 1;
    double first_at = 0, last_at = 1;  // where in those steps the window begins and ends
    double at_offset = 0;              // scheduled: where in its step its date falls
    // Format 2: the parameter of the coefficient on its own count (fired.<self>), whose firings
    // within a step raise its hazard for the rest of the step (Model::events); SIZE_MAX: none.
    size_t self = SIZE_MAX;
  };
  // Where in step t an event's hazard window begins and ends, as shares of the step (0 and 1
  // but in its first and last steps, where first_at and last_at are; as lever_rules::window_begin).
  static double window_begin(const HazardPlan& h, int t) { return t == h.from ? h.first_at : 0.0; }
  static double window_end(const HazardPlan& h, int t) { return t == h.until - 1 ? h.last_at : 1.0; }
  static double firing_time(const HazardPlan& h, int t, double f);
  struct HazardDriver {
    size_t var, coef;  // state variable and the parameter of its coefficient
  };
  std::vector<double> issue_noise_dt_;  // per issue: the stance noise's sd per step / its written sd
  std::vector<size_t> outcome_cond_;  // the outcomes with a `when`, in order (RunState::outcome_when)
  std::vector<HazardPlan> hazard_plan_;
  std::vector<HazardDriver> hazard_drivers_;
  std::vector<char> lever_change_;  // per step: does the set of active levers change here?
  std::vector<char> lever_cut_;     // per lever: does a step hold part of its window (format 2)?
  bool any_cut_ = false;            // does any lever's?
  // Levers that react (format 2) and, for each, its index into RunState::lever_when and
  // lever_until (-1: it has no such key).
  struct Reacting {
    size_t lever;
    int when = -1, until = -1;
  };
  std::vector<Reacting> react_;
  std::vector<size_t> rung0_;              // per ladder: index of its first rung in RunState::rung_up
  std::vector<int> rung_down_;             // per rung: index into RunState::rung_down, or -1
  std::vector<uint32_t> decision_stream_;  // per decision: its random stream
  uint32_t regime_stream_ = 0;             // whether the regime outlives a ruler's exit
  double days_per_step_ = 7;               // the calendar days of a step (the `days` variable)
  int coup_outcome_ = -1;                  // the outcome `coup`, whose hazards the coup trap raises
  std::array<size_t, 4> exit_coef_{};      // Scenario::mech positions of a successor's own exit values
  std::vector<int> decision_when_;         // per decision: index into RunState::decision_when, or -1
  VarNames var_names_;
  double step_prob_exponent_ = 1.0 / 52;  // p_step = 1 - (1 - p_year)^exponent
  bool v2_ = false;                       // format 2: rates per year, effects with two sides
  std::vector<size_t> rally_;             // format 2: actors at home other than the incumbent
  std::vector<size_t> circle_;            // format 2: security forces and regime insiders (coups)
};

}  // namespace geosim
