#include "engine/model/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "engine/core/fastmath.h"
#include "engine/model/levers.h"
#include "engine/model/mechanism.h"
#include "engine/model/model_math.h"
#include "engine/stance/bargaining_mc.h"
#include "engine/stance/stance_models.h"

namespace geosim {

using namespace model_math;

Model::Model(const Scenario& scenario)
    : sc_(scenario), n_(static_cast<int>(scenario.actors.size())), mechanisms_(mechanisms()) {
  // Stance noise: one stream per (issue, actor), index k * n + i.
  for (size_t k = 0; k < sc_.issues.size(); ++k)
    for (const auto& a : sc_.actors)
      actor_noise_stream_.push_back(stream_id(stream_id("stance:" + a.id), static_cast<uint32_t>(k)));
  for (const auto& c : sc_.cohorts) {
    cohort_stream_.push_back(stream_id("cohort:" + c.id));
    cohort_noise_stream_.push_back(stream_id("cohort_noise:" + c.id));
  }
  for (const auto& e : sc_.events) {
    event_stream_.push_back(stream_id("event:" + e.id));
    event_again_stream_.push_back(stream_id("event_again:" + e.id));
  }
  for (uint32_t id : actor_noise_stream_) {
    word_stream_.push_back(id);
    word_k_.push_back(1);
    word_off_.push_back(0);
  }
  word_cohort0_ = word_stream_.size();
  for (uint32_t id : cohort_noise_stream_) {
    word_stream_.push_back(id);
    word_k_.push_back(1);
    word_off_.push_back(0);
  }
  // Hazards draw at every step; a scheduled event draws once (Model::events draws it then).
  std::vector<size_t> event_word;  // HazardPlan::word
  for (size_t e = 0; e < sc_.events.size(); ++e) {
    event_word.push_back(sc_.events[e].scheduled ? SIZE_MAX : word_stream_.size());
    if (sc_.events[e].scheduled) continue;
    for (uint32_t off = 0; off < 2; ++off) {
      word_stream_.push_back(event_stream_[e]);
      word_k_.push_back(2);
      word_off_.push_back(off);
    }
  }
  // Whole groups of eight counters, the width of RunRng::bits_n's SIMD lanes, so that no
  // block goes through its scalar tail: the padding repeats the last counter, and its words
  // are never read.
  while (!word_stream_.empty() && word_stream_.size() % 8 != 0) {
    word_stream_.push_back(word_stream_.back());
    word_k_.push_back(word_k_.back());
    word_off_.push_back(word_off_.back());
  }
  var_names_ = VarNames(sc_.var_names());
  // Format 1: 52 (or 365) steps a year; format 2: one year length everywhere (365.25 days).
  v2_ = sc_.format_version >= 2;
  step_prob_exponent_ = v2_ ? sc_.dt_years : 1.0 / sc_.steps_per_year();
  // Format 2: the actors at home, who rally toward the incumbent under sanctions.
  for (size_t i = 0; i < sc_.actors.size(); ++i) {
    const std::string& k = sc_.actors[i].kind;
    if (ActorId(i) != sc_.incumbent && (k == "regime" || k == "security_force" || k == "opposition" || k == "other"))
      rally_.push_back(i);
    if (ActorId(i) != sc_.incumbent && (k == "regime" || k == "security_force")) circle_.push_back(i);
  }
  n4_ = (n_ + 3) / 4 * 4;
  p_const_.assign(sc_.params.size(), 0.0);
  for (size_t i = 0; i < sc_.params.size(); ++i) {
    if (sc_.params[i].dist.is_constant())
      p_const_[i] = sc_.params[i].dist.value();
    else {
      drawn_.push_back(i);
      drawn_stream_.push_back(sc_.params[i].stream);
      drawn_index_.push_back(0);
    }
  }
  // Drawn parameters that only an event's `success` reads (RunState::defer_draws): its own
  // parameter (the builder makes one per place, named events.<id>.success), neither tied to a
  // shared factor nor a factor's own.
  drawn_deferrable_.assign(drawn_.size(), 0);
  for (size_t d = 0; d < drawn_.size(); ++d) {
    const size_t i = drawn_[d];
    const Param& pr = sc_.params[i];
    int readers = 0;
    for (const auto& ev : sc_.events) readers += ev.success == static_cast<ParamId>(i);
    bool factor = false;
    for (const auto& f : sc_.factors) factor |= f.param == static_cast<ParamId>(i);
    const std::string suffix = ".success";
    const bool named = pr.path.rfind("events.", 0) == 0 && pr.path.size() > suffix.size() &&
                       pr.path.compare(pr.path.size() - suffix.size(), suffix.size(), suffix) == 0;
    drawn_deferrable_[d] = readers == 1 && named && pr.factor < 0 && !factor;
  }
  for (size_t d = 0; d < drawn_.size(); ++d) {
    const Param& pr = sc_.params[drawn_[d]];
    if (pr.factor < 0) continue;
    const double rho = pr.correlation;
    tied_.push_back({drawn_[d], static_cast<size_t>(sc_.factors[static_cast<size_t>(pr.factor)].param), d, rho,
                     std::sqrt(std::max(0.0, 1 - rho * rho))});
  }
  lever_ch_begin_.push_back(0);
  for (const auto& lv : sc_.levers) {
    const LeverKindInfo& info = lever_kinds()[static_cast<size_t>(lv.kind)];
    const auto& weights = sc_.actors[static_cast<size_t>(lv.target)].regime_side ? info.on_regime : info.on_other;
    for (const auto& cw : weights) lever_ch_.push_back({static_cast<int>(cw.channel), cw.weight});
    lever_ch_begin_.push_back(lever_ch_.size());
  }
  for (const auto& c : sc_.cohorts) cohort_lazy_.push_back(c.thresholds.empty() && !c.threshold.is_constant());
  // Events whose base probability is a constant: computed once here, unless a run fixes
  // that parameter to another value.
  for (const auto& ev : sc_.events) {
    ParamId base = ev.annual != kNoParam ? ev.annual : ev.per_step;
    event_base_const_.push_back(base == kNoParam || sc_.params[static_cast<size_t>(base)].dist.is_constant());
    double p0 = 0, logit0 = 0;
    if (event_base_const_.back()) event_base(ev, p_const_, p0, logit0);
    event_p0_.push_back(p0);
    event_logit0_.push_back(logit0);
  }
  // Levers that react (format 2) are checked every step (Model::react); the others have fixed
  // schedules, so the active set changes only at the steps marked in lever_change_.
  for (size_t l = 0, w = 0, u = 0; l < sc_.levers.size(); ++l) {
    const Lever& lv = sc_.levers[l];
    if (!lv.reacts()) continue;
    react_.push_back(
        {l, lv.when.empty() ? -1 : static_cast<int>(w++), lv.until_when.empty() ? -1 : static_cast<int>(u++)});
  }
  for (size_t i = 0, r = 0, d = 0; i < sc_.ladders.size(); ++i) {
    rung0_.push_back(r);
    for (const Rung& rung : sc_.ladders[i].rungs) {
      rung_down_.push_back(rung.down.empty() ? -1 : static_cast<int>(d++));
      ++r;
    }
  }
  regime_stream_ = stream_id("regime");
  coup_outcome_ = sc_.find_outcome("coup");
  days_per_step_ = sc_.unit == StepUnit::Week ? 7 : 1;
  for (size_t k = 0; k < exit_coef_.size(); ++k)
    exit_coef_[k] = static_cast<size_t>(find_mech_param("exit", Successor::kExitKeys[k]));
  for (size_t i = 0, w = 0; i < sc_.decisions.size(); ++i) {
    decision_stream_.push_back(stream_id("decision:" + sc_.decisions[i].id));
    decision_when_.push_back(sc_.decisions[i].when.empty() ? -1 : static_cast<int>(w++));
  }
  const bool any_when =
      std::any_of(sc_.outcomes.begin(), sc_.outcomes.end(), [](const Outcome& o) { return !o.when.empty(); });
  for (size_t e = 0, gate = 0; e < sc_.events.size(); ++e) {
    const Event& ev = sc_.events[e];
    HazardPlan h;
    const bool coup = ev.outcome >= 0 && ev.outcome == coup_outcome_;
    h.flags = static_cast<uint8_t>((ev.scheduled ? HazardPlan::kScheduled : 0) |
                                   (ev.outcome >= 0 ? HazardPlan::kEndsRule : 0) |
                                   (coup && sc_.succession_var0 >= 0 ? HazardPlan::kTrap : 0) |
                                   (v2_ && coup && !circle_.empty() ? HazardPlan::kInsiders : 0));
    if (!ev.drivers.empty() || (h.flags & HazardPlan::kInsiders)) h.flags |= HazardPlan::kLogit;
    h.gate = ev.gate.empty() ? -1 : static_cast<int>(gate++);
    h.max_fires = ev.max_fires;
    h.from = ev.from_step;
    h.until = ev.until_step;
    h.at = ev.at_step;
    h.word = event_word[e];
    h.from_frac = ev.from_frac;
    h.until_frac = ev.until_frac;
    h.first_at = ev.first_at;
    h.at_offset = ev.at_offset;
    h.last_at = ev.last_at;
    if (h.from_frac != 1.0 || h.until_frac != 1.0) h.flags |= HazardPlan::kPartial;
    if (v2_ && (ev.effects.defection_shock != kNoParam || ev.on_failure.defection_shock != kNoParam))
      h.flags |= HazardPlan::kMoment;
    if (v2_ && ev.outcome >= 0 && any_when) h.flags |= HazardPlan::kMoment;
    h.drivers_begin = static_cast<uint32_t>(hazard_drivers_.size());
    for (const auto& [var, coef] : ev.drivers) {
      hazard_drivers_.push_back({static_cast<size_t>(var), static_cast<size_t>(coef)});
      if (v2_ && var >= kVarFirstChannel && var < kNumFixedVars) h.flags |= HazardPlan::kChannels;
      if (v2_ && sc_.fired_var0 >= 0 && var == sc_.fired_var0 + static_cast<int>(e)) h.self = static_cast<size_t>(coef);
    }
    h.drivers_end = static_cast<uint32_t>(hazard_drivers_.size());
    hazard_plan_.push_back(h);
  }
  for (size_t o = 0; o < sc_.outcomes.size(); ++o)
    if (!sc_.outcomes[o].when.empty()) outcome_cond_.push_back(o);
  // Format 2: stance noise is per year (Brownian: the step's sd is noise x sqrt(dt)).
  for (const Issue& is : sc_.issues) issue_noise_dt_.push_back(is.noise_per_step ? 1.0 : std::sqrt(sc_.dt_years));
  lever_change_.assign(static_cast<size_t>(sc_.horizon) + 1, 0);
  lever_change_[0] = 1;
  for (const auto& l : sc_.levers) {
    if (l.start_step >= 0 && l.start_step <= sc_.horizon) lever_change_[static_cast<size_t>(l.start_step)] = 1;
    if (l.end_step >= 0 && l.end_step <= sc_.horizon) lever_change_[static_cast<size_t>(l.end_step)] = 1;
    // Format 2: its strength changes after a first step that holds part of its window, and
    // again in a last step that does.
    for (const int t : {l.from_frac != 1.0 ? l.start_step + 1 : -1, l.until_frac != 1.0 ? l.end_step - 1 : -1})
      if (t >= 0 && t <= sc_.horizon) lever_change_[static_cast<size_t>(t)] = 1;
    lever_cut_.push_back(l.from_frac != 1.0 || l.until_frac != 1.0);
    any_cut_ = any_cut_ || lever_cut_.back();
  }
}

// The per-step probability of an event's hazard and its logit, from the run's parameters.
void Model::event_base(const Event& ev, const std::vector<double>& p, double& p0_out, double& logit0_out) const {
  double p0 = 0;
  if (ev.annual != kNoParam)
    p0 = 1.0 - std::pow(1.0 - p[static_cast<size_t>(ev.annual)], step_prob_exponent_);
  else if (ev.per_step != kNoParam)
    p0 = p[static_cast<size_t>(ev.per_step)];
  p0_out = p0;
  p0 = std::clamp(p0, 1e-300, 1 - 1e-16);
  // Format 2: the log of the hazard over one step, log(h dt) with h = -ln(1 - p_year), for
  // the complementary log-log link (Model::events); format 1: the logit of p_step.
  logit0_out = v2_ ? std::log(-std::log1p(-p0)) : std::log(p0 / (1 - p0));
  // A hazard of 0 stays 0 whatever its drivers: the clamp above would otherwise let drivers
  // of e^690 and more make it fire.
  if (!(p0_out > 0)) logit0_out = -std::numeric_limits<double>::infinity();
  // Format 2: a probability of 1 a year is an infinite hazard, certain in every step whatever
  // its (finite) drivers; the clamp above made it 36.8 per step, whatever the step's length.
  // (Format 1 keeps its clamped logit, and its bytes.)
  if (v2_ && p0_out >= 1) logit0_out = std::numeric_limits<double>::infinity();
}

void Model::prepare(RunState& st) const {
  size_t ni = sc_.issues.size(), n = static_cast<size_t>(n_);
  st.p.assign(sc_.params.size(), 0.0);
  st.vars.assign(sc_.vars.size(), 0.0);
  st.x.assign(ni * n, 0.0);
  size_t n4 = static_cast<size_t>(n4_);
  // x0 as x, and n4 - n zeros after it: friedkin_johnsen_step reads four actors at a time.
  st.x0.assign(ni * n + (n4 - n), 0.0);
  st.xnext.assign(n4, 0.0);
  st.push.assign(ni * n, 0.0);
  st.cohort_base.assign(sc_.cohorts.size(), 0.0);
  st.cohort_own.assign(sc_.cohorts.size(), 0.0);
  st.cohort_eps.assign(sc_.cohorts.size(), 0.0);
  st.cohort_epoch.assign(sc_.cohorts.size(), -1);
  st.W.assign(n * n, 0.0);
  st.Wt.assign(n * n4, 0.0);
  st.lambda.assign(n4, 0.0);
  st.theta.assign(static_cast<size_t>(sc_.total_units), 0.0);
  st.theta_u.assign(static_cast<size_t>(sc_.total_units), 0.0);
  st.theta_ready.assign(sc_.cohorts.size(), 0);
  st.theta_have.assign(sc_.cohorts.size(), 0);
  st.theta_cut.assign(sc_.cohorts.size(), 0.0);
  st.defected.assign(sc_.cohorts.size(), 0);
  st.unit_weight.assign(sc_.cohorts.size(), 0.0);
  st.shock.assign(static_cast<size_t>(sc_.horizon) + 1, 0.0);
  st.fired.assign(sc_.events.size(), 0);
  st.event_logit0.assign(sc_.events.size(), 0.0);
  st.event_p0.assign(sc_.events.size(), 0.0);
  st.lever_active.assign(sc_.levers.size(), 0);
  st.lever_ok.assign(sc_.levers.size(), 1);
  st.lever_done.assign(sc_.levers.size(), 0);
  st.lever_last_when.assign(sc_.levers.size(), 0);
  st.first_fire.assign(sc_.events.size(), -1);
  st.ladder_rung.assign(sc_.ladders.size(), 0);
  st.ladder_run.assign(sc_.ladders.size(), 0);
  st.ladder_move.assign(sc_.ladders.size(), 0);
  st.decision_choice.assign(sc_.decisions.size(), 0);
  size_t most_options = 0;
  for (const auto& d : sc_.decisions) most_options = std::max(most_options, d.options.size());
  st.decision_u.assign(most_options, 0.0);
  st.decision_p.assign(most_options, 0.0);
  st.lever_s.assign(sc_.levers.size(), 0.0);
  st.lever_k.assign(sc_.levers.size(), 0.0);
  st.lever_keep.assign(lever_ch_.size(), 0.0);
  st.active_levers.clear();
  st.active_levers.reserve(sc_.levers.size());
  st.pulls.clear();
  st.pulls.reserve(sc_.levers.size());
  st.pull_total.assign(ni * n, 0.0);
  st.stance_share.assign(ni * n, 1.0);
  // At most every stance is pulled: no allocation while runs step (Model::exact_pulls).
  st.exact_slot.clear();
  st.exact_slot.reserve(ni * n);
  st.exact_c.clear();
  st.exact_c.reserve(ni * n);
  st.stance_noise.assign(ni * n, 1.0);
  st.stance_d.assign(n, 1.0);
  st.stance_base_share.assign(n, 1.0);
  st.stance_base_noise.assign(n, 1.0);
  st.words.assign(word_stream_.size() * 4, 0);
  size_t most = drawn_.size();
  for (const auto& c : sc_.cohorts) most = std::max(most, static_cast<size_t>(c.units + 1) / 2);
  st.init_stream.assign(most, 0);
  st.init_index.assign(most, 0);
  st.init_words.assign(4 * most, 0);
  st.word_block = WordCache::kEmpty;
  st.noise_z.assign((ni * n + sc_.cohorts.size()) * 4, 0.0);
  st.noise_block = WordCache::kEmpty;
  bool bargaining = false;
  for (const auto& is : sc_.issues) bargaining |= is.model == StanceModel::Bargaining;
  if (bargaining) st.bscratch.assign(bargaining_scratch_size(n_), 0.0);
  st.outcome_when.clear();
  st.event_gate.clear();
  // Expressions bind to st.vars, which must not move afterwards.
  for (const auto& o : sc_.outcomes)
    if (!o.when.empty()) st.outcome_when.emplace_back(o.when.text, var_names_, st.vars.data());
  for (const auto& e : sc_.events)
    if (!e.gate.empty()) st.event_gate.emplace_back(e.gate.text, var_names_, st.vars.data());
  st.lever_when.clear();
  st.lever_until.clear();
  for (const Reacting& r : react_) {
    const Lever& lv = sc_.levers[r.lever];
    if (r.when >= 0) st.lever_when.emplace_back(lv.when.text, var_names_, st.vars.data());
    if (r.until >= 0) st.lever_until.emplace_back(lv.until_when.text, var_names_, st.vars.data());
  }
  st.decision_when.clear();
  for (const Decision& d : sc_.decisions)
    if (!d.when.empty()) st.decision_when.emplace_back(d.when.text, var_names_, st.vars.data());
  st.rung_up.clear();
  st.rung_down.clear();
  for (const Ladder& ld : sc_.ladders)
    for (const Rung& rung : ld.rungs) {
      st.rung_up.emplace_back(rung.up.text, var_names_, st.vars.data());
      if (!rung.down.empty()) st.rung_down.emplace_back(rung.down.text, var_names_, st.vars.data());
    }
}

void Model::influence_matrix(const Scenario& sc, const std::vector<double>& p, std::vector<double>& W) {
  size_t n = sc.actors.size();
  W.assign(n * n, 0.0);
  // W_ij proportional to influence_ij * capability_j * salience_j; the self weight is 1.
  for (size_t i = 0; i < n; ++i) W[i * n + i] = 1.0;
  for (const auto& r : sc.relations) {
    const Actor& to = sc.actors[static_cast<size_t>(r.to)];
    W[static_cast<size_t>(r.from) * n + static_cast<size_t>(r.to)] += p[static_cast<size_t>(r.influence)] *
                                                                      p[static_cast<size_t>(to.capability)] *
                                                                      p[static_cast<size_t>(to.salience)];
  }
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < n; ++j) s += W[i * n + j];
    for (size_t j = 0; j < n; ++j) W[i * n + j] /= s;
  }
}

// The influence matrix (W and its padded transpose Wt) and the capability x salience weights
// of the mean stance, from the run's parameters: at the start, and again when a successor
// with a salience of his own takes over.
void Model::set_influence(RunState& st) const {
  const auto& p = st.p;
  const size_t n = static_cast<size_t>(n_);
  influence_matrix(sc_, p, st.W);
  const size_t n4 = static_cast<size_t>(n4_);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) st.Wt[j * n4 + i] = st.W[i * n + j];
  st.cs.resize(n);
  st.cs_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    st.cs[i] = p[static_cast<size_t>(sc_.actors[i].capability)] * p[static_cast<size_t>(sc_.actors[i].salience)];
    st.cs_sum += st.cs[i];
  }
}

void Model::init_run(RunState& st, uint64_t seed, uint64_t run, const ParamValues* fixed) const {
  RunRng rng(seed, run);
  // Parameters: each from its own addressed stream, so adding a parameter moves no other.
  // Constants come from the precomputed vector; fixed values replace draws and constants.
  std::copy(p_const_.begin(), p_const_.end(), st.p.begin());
  // The first two words of counter (stream, 0) of each drawn parameter: rng.uniform(stream, 0).
  rng.bits_n(drawn_stream_.data(), drawn_index_.data(), static_cast<int>(drawn_.size()), st.init_words.data());
  for (size_t d = 0; d < drawn_.size(); ++d) {
    const Param& pr = sc_.params[drawn_[d]];
    if (st.defer_draws && drawn_deferrable_[d]) {
      // Drawn when its event first fires (Model::deferred_draw); most runs never need it, and
      // a quantile such as the beta's costs more than the rest of the run's start.
      st.p[drawn_[d]] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    st.p[drawn_[d]] = pr.dist.quantile(RunRng::to_open01(st.init_words[4 * d], st.init_words[4 * d + 1]));
  }
  if (fixed) {
    size_t nf = std::min(fixed->size(), st.p.size());
    for (size_t i = 0; i < nf; ++i)
      if (!std::isnan((*fixed)[i])) st.p[i] = (*fixed)[i];
  }
  // Parameters that follow a shared factor (format 2): a Gaussian copula with the factor's
  // rank, the factor's value as drawn (or as fixed by an analysis), their own uniform as the rest.
  for (const Tied& tp : tied_) {
    if (fixed && tp.param < fixed->size() && !std::isnan((*fixed)[tp.param])) continue;
    const double uf = std::clamp(st.p[tp.factor_param], 1e-15, 1 - 1e-15);
    const double uo = RunRng::to_open01(st.init_words[4 * tp.drawn], st.init_words[4 * tp.drawn + 1]);
    const double z = tp.rho * inverse_normal_cdf(uf) + tp.rho_c * inverse_normal_cdf(uo);
    const double u = std::clamp(0.5 * std::erfc(-z / std::sqrt(2.0)), 1e-15, 1 - 1e-15);
    st.p[tp.param] = sc_.params[tp.param].dist.quantile(u);
  }
  const auto& p = st.p;
  std::fill(st.vars.begin(), st.vars.end(), 0.0);
  size_t n = static_cast<size_t>(n_);
  for (size_t k = 0; k < sc_.issues.size(); ++k)
    for (size_t i = 0; i < n; ++i) st.x[k * n + i] = p[static_cast<size_t>(sc_.actors[i].stance[k])];
  std::copy(st.x.begin(), st.x.end(), st.x0.begin());
  set_influence(st);
  for (size_t i = 0; i < n; ++i) st.lambda[i] = 1.0 - p[static_cast<size_t>(sc_.actors[i].stubbornness)];
  // Cohort thresholds, sorted so that the defected units are always a prefix.
  double total_weight = 0;
  for (const auto& c : sc_.cohorts) total_weight += p[static_cast<size_t>(c.weight)];
  for (size_t g = 0; g < sc_.cohorts.size(); ++g) {
    const Cohort& c = sc_.cohorts[g];
    double shift = p[static_cast<size_t>(c.threshold_shift)];
    double* th = st.theta.data() + c.first_unit;
    if (!c.thresholds.empty()) {
      for (int u = 0; u < c.units; ++u) th[u] = c.thresholds[static_cast<size_t>(u)] + shift;
    } else if (c.threshold.is_constant()) {
      for (int u = 0; u < c.units; ++u) th[u] = c.threshold.value() + shift;
    } else {
      // One counter gives two uniforms: units 2k and 2k+1 share counter k. Only the uniforms
      // are kept, in unit order; thresholds follow lazily (Model::threshold).
      // rng.uniform2 of counters 0 .. pairs - 1, drawn in SIMD lanes.
      double* uu = st.theta_u.data() + c.first_unit;
      const int pairs = (c.units + 1) / 2;
      uint32_t* w = st.init_words.data();
      for (int k = 0; k < pairs; ++k) {
        st.init_stream[static_cast<size_t>(k)] = cohort_stream_[g];
        st.init_index[static_cast<size_t>(k)] = static_cast<uint32_t>(k);
      }
      rng.bits_n(st.init_stream.data(), st.init_index.data(), pairs, w);
      for (int u = 0; u < c.units; ++u) {
        const uint32_t* wk = w + 4 * (u >> 1) + 2 * (u & 1);
        uu[u] = RunRng::to_open01(wk[0], wk[1]);
      }
      // Not sorted: most runs take a handful of the smallest (threshold(), take_ascending).
      st.theta_ready[g] = 0;
      st.theta_have[g] = 0;
      st.theta_cut[g] = 0.0;
    }
    if (!cohort_lazy_[g]) {
      std::sort(th, th + c.units);
      st.theta_ready[g] = c.units;
    }
    st.defected[g] = 0;
    st.unit_weight[g] = total_weight > 0 ? p[static_cast<size_t>(c.weight)] / total_weight / c.units : 0.0;
  }
  // Each lever's strength, its factor on each of its channels and its pull on stances, fixed
  // for the run (Model::channels multiplies the factors of the active levers in lever order).
  for (size_t l = 0; l < sc_.levers.size(); ++l) {
    const Lever& lv = sc_.levers[l];
    const double s = lever_rules::strength(lv, p);
    st.lever_s[l] = s;
    for (size_t w = lever_ch_begin_[l]; w < lever_ch_begin_[l + 1]; ++w)
      st.lever_keep[w] = lever_rules::channel_keep(lever_ch_[w].weight, s);
    st.lever_k[l] = lever_rules::pull(lv, p, s, sc_.dt_years);
  }
  std::fill(st.shock.begin(), st.shock.end(), 0.0);
  st.shocks.clear();
  std::fill(st.fired.begin(), st.fired.end(), 0);
  std::fill(st.lever_active.begin(), st.lever_active.end(), 0);
  if (!react_.empty()) {
    std::fill(st.lever_done.begin(), st.lever_done.end(), 0);
    std::fill(st.first_fire.begin(), st.first_fire.end(), -1);
    std::fill(st.ladder_rung.begin(), st.ladder_rung.end(), 0);
    std::fill(st.ladder_run.begin(), st.ladder_run.end(), 0);
    std::fill(st.ladder_move.begin(), st.ladder_move.end(), 0);
    std::fill(st.decision_choice.begin(), st.decision_choice.end(), 0);
    for (size_t i = 0; i < sc_.decisions.size(); ++i) st.vars[static_cast<size_t>(sc_.decision_var0) + i] = 0.0;
    for (size_t i = 0; i < sc_.ladders.size(); ++i) st.vars[static_cast<size_t>(sc_.ladder_var0) + i] = 0.0;
    for (const Reacting& r : react_) {
      // A lever that reacts only by following the leader is on until he goes (so that
      // `geosim bargain --at`, which reads the levers without running, sees it).
      const Lever& lv = sc_.levers[r.lever];
      const bool only_leader = lv.on_leader && lv.when.empty() && lv.until_when.empty() && !lv.after_event.valid() &&
                               lv.ladder < 0 && lv.decision < 0;
      st.lever_ok[r.lever] = only_leader ? 1 : 0;
      st.lever_last_when[r.lever] = std::numeric_limits<int>::min() / 2;
    }
  }
  st.active_levers.clear();
  st.word_block = WordCache::kEmpty;
  st.noise_block = WordCache::kEmpty;
  for (size_t e = 0; e < sc_.events.size(); ++e) {
    const Event& ev = sc_.events[e];
    ParamId base = ev.annual != kNoParam ? ev.annual : ev.per_step;
    bool same = base == kNoParam || p[static_cast<size_t>(base)] == p_const_[static_cast<size_t>(base)];
    if (same && event_base_const_[e]) {
      st.event_p0[e] = event_p0_[e];
      st.event_logit0[e] = event_logit0_[e];
    } else {
      event_base(ev, p, st.event_p0[e], st.event_logit0[e]);
    }
  }
  // What each mechanism sets from this run's parameters (its own file says what).
  for (const Mechanism* part : mechanisms())
    if (part->init) part->init(*this, st);
  for (size_t i = 0; i < n; ++i) st.vars[static_cast<size_t>(sc_.stance_var0) + i] = st.x[i];
  st.outcome = -1;
  st.end_step = 0;
  st.ruler = 0;
  st.ruler_since = 0;
  st.has_ruled.assign(sc_.leadership.successors.size(), 0);
  st.successions = 0;
  st.regime_fate = -1;
  st.regime_end = 0;
  if (sc_.succession_var0 >= 0) update_ruler_vars(st, 0);
}

// Whether a rung's lever may act with its ladder on rung `rung`.
bool Model::on_rung(const Lever& lv, int rung) const {
  const Rung& r = sc_.ladders[static_cast<size_t>(lv.ladder)].rungs[static_cast<size_t>(lv.rung - 1)];
  return rung == lv.rung || (r.stays && rung > lv.rung);
}

// Levers that react: whether each one's conditions allow it at step t, read from the state
// the last step left (docs/scenario-format.md, "Levers that react"). Returns whether any
// changed, so that the active set is rebuilt.
// The decisions whose decision point is step t: each actor chooses an option by a logit
// choice over the options' utilities, with one uniform of the decision's stream (index t).
void Model::decide(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  for (size_t i = 0; i < sc_.decisions.size(); ++i) {
    const Decision& d = sc_.decisions[i];
    if (t < d.first_step || (t - d.first_step) % d.every != 0) continue;
    if (decision_when_[i] >= 0 && !st.decision_when[static_cast<size_t>(decision_when_[i])].holds()) continue;
    const size_t K = d.options.size();
    const double lambda = st.p[static_cast<size_t>(d.rationality)];
    double* u = st.decision_u.data();
    double* pr = st.decision_p.data();
    double top = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < K; ++k) {
      const DecisionOption& o = d.options[k];
      double v = st.p[static_cast<size_t>(o.constant)];
      for (const auto& [var, coef] : o.drivers)
        v += st.p[static_cast<size_t>(coef)] * st.vars[static_cast<size_t>(var)];
      u[k] = v;
      top = std::max(top, lambda * v);
    }
    double sum = 0;
    for (size_t k = 0; k < K; ++k) sum += pr[k] = std::exp(lambda * u[k] - top);
    for (size_t k = 0; k < K; ++k) pr[k] /= sum;
    const double draw = rng.uniform(decision_stream_[i], static_cast<uint32_t>(t));
    size_t chosen = K - 1;
    double cum = 0;
    for (size_t k = 0; k + 1 < K; ++k) {
      cum += pr[k];
      if (draw < cum) {
        chosen = k;
        break;
      }
    }
    st.decision_choice[i] = static_cast<int>(chosen) + 1;
    st.vars[static_cast<size_t>(sc_.decision_var0) + i] = static_cast<double>(chosen + 1);
    if (trace) trace->decision(t, d, static_cast<int>(chosen), u, pr);
  }
}

bool Model::react(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  bool changed = false;
  if (!sc_.decisions.empty()) decide(st, rng, t, trace);
  // Ladders first: a rung's lever acts only while its ladder stands on the rung.
  for (size_t i = 0; i < sc_.ladders.size(); ++i) {
    const Ladder& ld = sc_.ladders[i];
    int& rung = st.ladder_rung[i];
    const int top = static_cast<int>(ld.rungs.size());
    bool moved = false;
    if (rung < top) {
      const size_t next = rung0_[i] + static_cast<size_t>(rung);
      st.ladder_run[i] = st.rung_up[next].holds() ? st.ladder_run[i] + 1 : 0;
      if (st.ladder_run[i] >= ld.rungs[static_cast<size_t>(rung)].sustained) {
        ++rung;
        moved = true;
        st.ladder_move[i] = 1;
      }
    }
    if (!moved && rung > 0) {
      const int down = rung_down_[rung0_[i] + static_cast<size_t>(rung - 1)];
      if (down >= 0 && st.rung_down[static_cast<size_t>(down)].holds()) {
        --rung;
        moved = true;
        st.ladder_move[i] = -1;
      }
    }
    if (moved) {
      st.ladder_run[i] = 0;
      st.vars[static_cast<size_t>(sc_.ladder_var0) + i] = rung;
    }
  }
  for (const Reacting& r : react_) {
    const size_t l = r.lever;
    const Lever& lv = sc_.levers[l];
    bool ok = false;
    // `until_when` ends the lever for the rest of the run once it holds, whatever else stands
    // in its way at that step (off its rung, another option chosen): it is watched every step.
    if (!st.lever_done[l] && r.until >= 0 && st.lever_until[static_cast<size_t>(r.until)].holds()) st.lever_done[l] = 1;
    if (st.lever_done[l] || (lv.on_leader && st.successions > 0) ||
        (lv.ladder >= 0 && !on_rung(lv, st.ladder_rung[static_cast<size_t>(lv.ladder)])) ||
        (lv.decision >= 0 && st.decision_choice[static_cast<size_t>(lv.decision)] != lv.option)) {
      // ended, not on its rung, or not the option chosen: off (its other conditions are not read)
    } else {
      ok = true;
      if (lv.after_event.valid()) {
        const int f = st.first_fire[static_cast<size_t>(lv.after_event)];
        ok = f >= 0 && t >= f + lv.after_delay;
      }
      if (ok && r.when >= 0) {
        // `hold` keeps on a lever that was on: a `when` that held before the lever's window
        // opened never turned it on, so it starts no hold.
        if (lever_rules::in_window(lv, t) && st.lever_when[static_cast<size_t>(r.when)].holds())
          st.lever_last_when[l] = t;
        else
          ok = t - st.lever_last_when[l] <= lv.hold_steps;
      }
    }
    if (static_cast<bool>(st.lever_ok[l]) != ok) {
      st.lever_ok[l] = ok;
      changed = true;
    }
  }
  return changed;
}

// What --replay says about a lever that reacts when it comes on or goes off.
std::string Model::why_lever(const RunState& st, size_t l, bool active, int t) const {
  const Lever& lv = sc_.levers[l];
  if (!lv.reacts()) return "";
  const char* unit = sc_.unit == StepUnit::Week ? "week" : "day";
  auto steps = [&](int k) { return std::to_string(k) + " " + unit + (k == 1 ? "" : "s"); };
  std::string why;
  auto add = [&why](const std::string& part) { why += (why.empty() ? "" : "; ") + part; };
  if (lv.on_leader && st.successions > 0 && !active) return "it followed " + sc_.leadership.id + ", who has gone";
  if (lv.decision >= 0) {
    const Decision& d = sc_.decisions[static_cast<size_t>(lv.decision)];
    const int chosen = st.decision_choice[static_cast<size_t>(lv.decision)];
    if (chosen > 0 && (active || chosen != lv.option))
      add(sc_.actors[static_cast<size_t>(d.actor)].id + " chose '" + d.options[static_cast<size_t>(chosen - 1)].id +
          "' (decision '" + d.id + "')");
    if (!why.empty()) return why;
  }
  if (lv.ladder >= 0) {
    const Ladder& ld = sc_.ladders[static_cast<size_t>(lv.ladder)];
    const int rung = st.ladder_rung[static_cast<size_t>(lv.ladder)];
    if (active && st.ladder_move[static_cast<size_t>(lv.ladder)] < 0) {
      add("ladder '" + ld.id + "' down to rung " + std::to_string(rung) + " ('" +
          ld.rungs[static_cast<size_t>(rung)].down.text + "' holds)");
    } else if (active) {
      const Rung& r = ld.rungs[static_cast<size_t>(lv.rung - 1)];
      add("ladder '" + ld.id + "' up to rung " + std::to_string(lv.rung) + " of " + std::to_string(ld.rungs.size()) +
          " ('" + r.up.text + "' held " + steps(r.sustained) + ")");
    } else if (rung > lv.rung) {
      add("ladder '" + ld.id + "' up to rung " + std::to_string(rung));
    } else if (rung < lv.rung) {
      add("ladder '" + ld.id + "' down to rung " + std::to_string(rung) + " ('" +
          ld.rungs[static_cast<size_t>(rung)].down.text + "' holds)");
    }
    if (!why.empty()) return why;
  }
  if (active) {
    if (lv.after_event.valid())
      add(steps(t - st.first_fire[static_cast<size_t>(lv.after_event)]) + " after event '" +
          sc_.events[static_cast<size_t>(lv.after_event)].id + "'");
    if (!lv.when.empty()) add("'" + lv.when.text + "' holds");
    if (!lv.until_when.empty() && !lv.after_event.valid() && lv.when.empty())
      add("'" + lv.until_when.text + "' does not hold yet");
  } else if (st.lever_s[l] > 0 && lever_rules::in_window(lv, t)) {
    if (st.lever_done[l])
      add("'" + lv.until_when.text + "' holds");
    else if (!lv.when.empty())
      add("'" + lv.when.text + "' no longer holds" + (lv.hold_steps > 0 ? " (held " + steps(lv.hold_steps) + ")" : ""));
  } else if (!lever_rules::in_window(lv, t)) {
    add("its window ends");
  }
  return why;
}

void Model::levers_at(RunState& st, int t) const { update_levers(st, t, nullptr); }

void Model::init_central(RunState& st) const {
  ParamValues median(sc_.params.size());
  for (size_t i = 0; i < sc_.params.size(); ++i) median[i] = sc_.params[i].dist.quantile(0.5);
  init_run(st, 0, 0, &median);
}

LeverEffect Model::lever_effect(const RunState& st, size_t l) const {
  const Lever& lv = sc_.levers[l];
  const double s = st.lever_s[l];
  const BargainingEffect b = lever_rules::bargaining_effect(lv, s);
  return {s, b.capability, b.salience, st.lever_k[l]};
}

bool Model::lever_in_window(size_t l, int t) const { return lever_rules::in_window(sc_.levers[l], t); }

void Model::issue_pulls(const RunState& st, int k, std::vector<bargaining::Pull>& out) const {
  out.clear();
  const size_t n = static_cast<size_t>(n_), off = static_cast<size_t>(k) * n;
  for (const auto& pl : st.pulls)
    if (pl.target >= off && pl.target < off + n)
      out.push_back({static_cast<int>(pl.by - off), static_cast<int>(pl.target - off), pl.k});
}

void Model::fill_words(RunState& st, const RunRng& rng, uint32_t block) const {
  // Every counter of steps 4 * block .. 4 * block + 3, in SIMD lanes. Some words go unused
  // (an event outside its window, a run ending inside the block); a word is a pure function
  // of its address, so drawing it or not changes no other.
  const size_t nc = word_stream_.size();
  uint32_t index[64];
  for (size_t base = 0; base < nc; base += 64) {
    int m = static_cast<int>(std::min<size_t>(64, nc - base));
    for (int i = 0; i < m; ++i)
      index[i] = word_k_[base + static_cast<size_t>(i)] * block + word_off_[base + static_cast<size_t>(i)];
    rng.bits_n(word_stream_.data() + base, index, m, st.words.data() + 4 * base);
  }
  st.word_block = block;
}

void Model::fill_noise(RunState& st, uint32_t block) const {
  // The words of steps 4 * block .. 4 * block + 3 of every (issue, actor) stream and every
  // cohort's noise stream: the first counters of the block's words, turned into normals
  // together, as standard normals: stances() and defection() scale them by their sd.
  const size_t slots = sc_.issues.size() * static_cast<size_t>(n_);
  const size_t count = 4 * (slots + sc_.cohorts.size());
  normals_from_words_n(st.words.data(), st.noise_z.data(), static_cast<int>(count));
  st.noise_block = block;
}

bool Model::step(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  st.vars[kVarStep] = t;
  if (sc_.days_var >= 0) st.vars[static_cast<size_t>(sc_.days_var)] = t * days_per_step_;
  if (sc_.succession_var0 >= 0) update_ruler_vars(st, t);
  if (static_cast<uint32_t>(t) >> 2 != st.word_block) fill_words(st, rng, static_cast<uint32_t>(t) >> 2);
  // The mechanisms in their order (engine/model/mechanism.cpp); one may end the run.
  for (const Mechanism* m : mechanisms_)
    if (m->step(*this, st, rng, t, trace)) return true;
  if (end_by_condition(st, rng, t, trace) == Ended::kRun) return true;
  if (t + 1 >= sc_.horizon) {
    if (st.outcome < 0) {
      st.outcome = sc_.default_outcome;
      st.end_step = sc_.horizon;
    }
    if (sc_.leadership.named()) {
      st.regime_fate = kRegimeContinues;
      st.regime_end = sc_.horizon;
    }
    // The words only for a replay: built for every run, they were a heap allocation per run
    // (longer than a short string holds), and the one the loop over runs made.
    if (trace) {
      std::string why = "the horizon was reached";
      if (sc_.leadership.named() && st.successions > 0)
        why += "; " + ruler_name(st.ruler) + " rules, the regime goes on";
      trace->end(t, sc_.outcomes[static_cast<size_t>(st.outcome)], why);
    }
    return true;
  }
  return false;
}

Model::Ended Model::end_by_condition(RunState& st, const RunRng& rng, int t, Trace* trace, size_t o) const {
  return end_rule(st, rng, t, static_cast<int>(o), trace,
                  trace ? "condition '" + sc_.outcomes[o].when.text + "' holds" : std::string())
             ? Ended::kRun
             : Ended::kRule;
}

// Who a ruler slot is, in words for the replay.
std::string Model::ruler_name(int slot) const {
  const Leadership& L = sc_.leadership;
  const size_t S = L.successors.size();
  const size_t k = static_cast<size_t>(slot);
  if (k == 0) return L.id;
  if (k <= S) return L.successors[k - 1].id;
  if (k == S + 1) return "an unnamed successor";
  if (k == S + 2) return sc_.challenger.valid() ? sc_.actors[static_cast<size_t>(sc_.challenger)].id : "the challenger";
  return "nobody named";
}

bool Model::end_rule(RunState& st, const RunRng& rng, int t, int o, Trace* trace, const std::string& why) const {
  const Outcome& out = sc_.outcomes[static_cast<size_t>(o)];
  const Leadership& L = sc_.leadership;
  if (!L.named()) {
    st.outcome = o;
    st.end_step = t + 1;
    if (trace) trace->end(t, out, why);
    return true;
  }
  // The leader's own exit is the run's outcome; a successor's is told, not counted again.
  if (st.outcome < 0) {
    st.outcome = o;
    st.end_step = t + 1;
  }
  const double pc = st.p[static_cast<size_t>(out.regime_continues)];
  if (pc > 0 && rng.uniform(regime_stream_, static_cast<uint32_t>(t)) < pc) {
    // The regime goes on: the first successor named for this way of leaving (or for any),
    // else an unnamed one.
    // Someone who has ruled in this run is not chosen again.
    const size_t S = L.successors.size();
    size_t next = S + 1;
    for (size_t k = 0; k < S && next == S + 1; ++k) {
      const auto& after = L.successors[k].after;
      if (!st.has_ruled[k] && std::find(after.begin(), after.end(), o) != after.end()) next = k + 1;
    }
    for (size_t k = 0; k < S && next == S + 1; ++k)
      if (!st.has_ruled[k] && L.successors[k].after.empty()) next = k + 1;
    if (next <= S) st.has_ruled[next - 1] = 1;
    const std::string who = trace ? ruler_name(st.ruler) : std::string();
    st.ruler = static_cast<int>(next);
    st.ruler_since = t + 1;
    ++st.successions;
    if (next <= S && L.successors[next - 1].stance != kNoParam && sc_.incumbent.valid()) {
      const Issue& is = sc_.issues[0];
      // His stance, and the anchor it returns to (his own first stance, not the old ruler's).
      double& x = st.x[static_cast<size_t>(sc_.incumbent)];
      x = std::clamp(st.p[static_cast<size_t>(L.successors[next - 1].stance)], is.lo, is.hi);
      st.x0[static_cast<size_t>(sc_.incumbent)] = x;
      st.vars[static_cast<size_t>(sc_.stance_var0) + sc_.incumbent.index()] = x;
    }
    // What else is his own: his salience (so his weight in the mean stance and the influence
    // others give him) and his exit calculus. They are this run's parameters from now on.
    if (next <= S) {
      const Successor& sx = L.successors[next - 1];
      if (sx.salience != kNoParam && sc_.incumbent.valid()) {
        st.p[static_cast<size_t>(sc_.actors[static_cast<size_t>(sc_.incumbent)].salience)] =
            st.p[static_cast<size_t>(sx.salience)];
        set_influence(st);
        if (v2_) stance_rates(st);  // the actors' own rates move with the matrix
      }
      for (int k = 0; k < 4; ++k)
        if (sx.exit[k] != kNoParam) st.p[sc_.mech[exit_coef_[k]].index()] = st.p[static_cast<size_t>(sx.exit[k])];
    }
    // The mean stance and the stance gap read his stance and salience from this step on.
    stance_vars(st);
    update_ruler_vars(st, t + 1);
    if (trace) trace->succession(t, out, who, ruler_name(st.ruler), why);
    return false;
  }
  st.regime_fate = out.regime_otherwise;
  st.regime_end = t + 1;
  const std::string fell = trace && st.successions > 0 ? ruler_name(st.ruler) : std::string();
  st.ruler = static_cast<int>(L.rulers()) - (out.regime_otherwise == kRegimeTransition ? 2 : 1);
  if (trace) {
    const std::string ending =
        out.regime_otherwise == kRegimeTransition ? "; the regime gives way to a transition" : "; the regime collapses";
    if (st.successions > 0) {
      // The outcome's label speaks of the leader; a successor fell.
      Outcome told = out;
      told.label = "the rule of " + fell + " ends";
      trace->end(t, told, why + ending);
    } else {
      trace->end(t, out, why + ending);
    }
  }
  return true;
}

// successions, ruler_tenure and new_ruler at step t.
void Model::update_ruler_vars(RunState& st, int t) const {
  double* v = st.vars.data() + sc_.succession_var0;
  const double tenure = (t - st.ruler_since) * sc_.dt_years;
  v[0] = st.successions;
  v[1] = tenure;
  v[2] = st.successions > 0 && tenure < st.p[static_cast<size_t>(sc_.leadership.new_ruler_years)] ? 1.0 : 0.0;
}

}  // namespace geosim
