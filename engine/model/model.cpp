#include "engine/model/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/core/fastmath.h"
#include "engine/model/levers.h"
#include "engine/model/stance.h"
#include "engine/stance/bargaining_mc.h"

namespace geosim {

namespace {
inline double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }
inline double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
// Margin of the lazy thresholds (Model::threshold), relative to 1 + |z|.
constexpr double kLazyGuard = 1e-9;

// Whether u < logistic(z), as computed by `logistic`, mostly without computing it. For
// z < -1, logistic(z) < e^z < 2^k with k = trunc(z * 1.4426) + 2 (1.4426 < log2(e), so
// v = z * 1.4426 >= z * log2(e) for negative z; trunc(v) >= floor(v), so k > v + 1, which
// covers the rounding of the product and of logistic itself with a factor of 2 to spare).
// When u >= 2^k the answer is no; otherwise, and for z >= -1, logistic(z) is computed and
// compared as before.
inline bool below_logistic(double u, double z) {
  if (z < -1.0) {
    double v = z * 1.4426;
    if (v > -1000.0) {
      // 2^k built from its exponent bits (k is an integer in [-998, 1]).
      int64_t k = static_cast<int64_t>(v) + 2;
      uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
      double bound;
      std::memcpy(&bound, &bits, sizeof bound);
      if (u >= bound) return false;
    }
  }
  return u < logistic(z);
}
}  // namespace

Model::Model(const Scenario& scenario) : sc_(scenario), n_(static_cast<int>(scenario.actors.size())) {
  // Stance noise: one stream per (issue, actor), index k * n + i.
  for (size_t k = 0; k < sc_.issues.size(); ++k)
    for (const auto& a : sc_.actors) actor_noise_stream_.push_back(stream_id(stream_id("stance:" + a.id), static_cast<uint32_t>(k)));
  for (const auto& c : sc_.cohorts) {
    cohort_stream_.push_back(stream_id("cohort:" + c.id));
    cohort_noise_stream_.push_back(stream_id("cohort_noise:" + c.id));
  }
  for (const auto& e : sc_.events) event_stream_.push_back(stream_id("event:" + e.id));
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
  for (size_t e = 0; e < sc_.events.size(); ++e) {
    event_word_.push_back(sc_.events[e].scheduled ? SIZE_MAX : word_stream_.size());
    if (sc_.events[e].scheduled) continue;
    for (uint32_t off = 0; off < 2; ++off) {
      word_stream_.push_back(event_stream_[e]);
      word_k_.push_back(2);
      word_off_.push_back(off);
    }
  }
  for (const auto& v : sc_.vars) var_names_.push_back(v.name);
  step_prob_exponent_ = 1.0 / sc_.steps_per_year();
  n4_ = (n_ + 3) / 4 * 4;
  p_const_.assign(sc_.params.size(), 0.0);
  for (size_t i = 0; i < sc_.params.size(); ++i) {
    if (sc_.params[i].dist.is_constant()) p_const_[i] = sc_.params[i].dist.value();
    else {
      drawn_.push_back(i);
      drawn_stream_.push_back(sc_.params[i].stream);
      drawn_index_.push_back(0);
    }
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
  // Lever schedules are fixed per scenario: the active set changes only at these steps.
  lever_change_.assign(static_cast<size_t>(sc_.horizon) + 1, 0);
  lever_change_[0] = 1;
  for (const auto& l : sc_.levers) {
    if (l.start_step >= 0 && l.start_step <= sc_.horizon) lever_change_[static_cast<size_t>(l.start_step)] = 1;
    if (l.end_step >= 0 && l.end_step <= sc_.horizon) lever_change_[static_cast<size_t>(l.end_step)] = 1;
  }
}

// The per-step probability of an event's hazard and its logit, from the run's parameters.
void Model::event_base(const Event& ev, const std::vector<double>& p, double& p0_out, double& logit0_out) const {
  double p0 = 0;
  if (ev.annual != kNoParam) p0 = 1.0 - std::pow(1.0 - p[static_cast<size_t>(ev.annual)], step_prob_exponent_);
  else if (ev.per_step != kNoParam) p0 = p[static_cast<size_t>(ev.per_step)];
  p0_out = p0;
  p0 = std::clamp(p0, 1e-300, 1 - 1e-16);
  logit0_out = std::log(p0 / (1 - p0));
}

void Model::prepare(RunState& st) const {
  size_t ni = sc_.issues.size(), n = static_cast<size_t>(n_);
  st.p.assign(sc_.params.size(), 0.0);
  st.vars.assign(sc_.vars.size(), 0.0);
  st.x.assign(ni * n, 0.0);
  st.x0 = st.x;
  size_t n4 = static_cast<size_t>(n4_);
  st.xnext.assign(n4, 0.0);
  st.push.assign(ni * n, 0.0);
  st.cohort_base.assign(sc_.cohorts.size(), 0.0);
  st.W.assign(n * n, 0.0);
  st.Wt.assign(n * n4, 0.0);
  st.lambda.assign(n4, 0.0);
  st.theta.assign(static_cast<size_t>(sc_.total_units), 0.0);
  st.theta_u.assign(static_cast<size_t>(sc_.total_units), 0.0);
  st.theta_ready.assign(sc_.cohorts.size(), 0);
  st.defected.assign(sc_.cohorts.size(), 0);
  st.unit_weight.assign(sc_.cohorts.size(), 0.0);
  st.shock.assign(static_cast<size_t>(sc_.horizon) + 1, 0.0);
  st.fired.assign(sc_.events.size(), 0);
  st.event_logit0.assign(sc_.events.size(), 0.0);
  st.event_p0.assign(sc_.events.size(), 0.0);
  st.lever_active.assign(sc_.levers.size(), 0);
  st.lever_s.assign(sc_.levers.size(), 0.0);
  st.lever_k.assign(sc_.levers.size(), 0.0);
  st.lever_keep.assign(lever_ch_.size(), 0.0);
  st.active_levers.clear();
  st.active_levers.reserve(sc_.levers.size());
  st.pulls.clear();
  st.pulls.reserve(sc_.levers.size());
  st.words.assign(word_stream_.size() * 4, 0);
  size_t most = drawn_.size();
  for (const auto& c : sc_.cohorts) most = std::max(most, static_cast<size_t>(c.units + 1) / 2);
  st.init_stream.assign(most, 0);
  st.init_index.assign(most, 0);
  st.init_words.assign(4 * most, 0);
  st.word_block = WordCache::kEmpty;
  st.noise_z.assign((ni * n + sc_.cohorts.size()) * 4, 0.0);
  st.noise_u.assign((ni * n + sc_.cohorts.size()) * 4, 0.0);
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
}

void Model::influence_matrix(const Scenario& sc, const std::vector<double>& p, std::vector<double>& W) {
  size_t n = sc.actors.size();
  W.assign(n * n, 0.0);
  // W_ij proportional to influence_ij * capability_j * salience_j; the self weight is 1.
  for (size_t i = 0; i < n; ++i) W[i * n + i] = 1.0;
  for (const auto& r : sc.relations) {
    const Actor& to = sc.actors[static_cast<size_t>(r.to)];
    W[static_cast<size_t>(r.from) * n + static_cast<size_t>(r.to)] +=
        p[static_cast<size_t>(r.influence)] * p[static_cast<size_t>(to.capability)] * p[static_cast<size_t>(to.salience)];
  }
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < n; ++j) s += W[i * n + j];
    for (size_t j = 0; j < n; ++j) W[i * n + j] /= s;
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
    st.p[drawn_[d]] = pr.dist.quantile(RunRng::to_open01(st.init_words[4 * d], st.init_words[4 * d + 1]));
  }
  if (fixed) {
    size_t nf = std::min(fixed->size(), st.p.size());
    for (size_t i = 0; i < nf; ++i)
      if (!std::isnan((*fixed)[i])) st.p[i] = (*fixed)[i];
  }
  const auto& p = st.p;
  std::fill(st.vars.begin(), st.vars.end(), 0.0);
  size_t n = static_cast<size_t>(n_);
  for (size_t k = 0; k < sc_.issues.size(); ++k)
    for (size_t i = 0; i < n; ++i) st.x[k * n + i] = p[static_cast<size_t>(sc_.actors[i].stance[k])];
  st.x0 = st.x;
  influence_matrix(sc_, p, st.W);
  const size_t n4 = static_cast<size_t>(n4_);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) st.Wt[j * n4 + i] = st.W[i * n + j];
  // Capability x salience weights of the mean stance, fixed for the run.
  st.cs.resize(n);
  for (size_t i = 0; i < n; ++i)
    st.cs[i] = p[static_cast<size_t>(sc_.actors[i].capability)] * p[static_cast<size_t>(sc_.actors[i].salience)];
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
      // One counter gives two uniforms: units 2k and 2k+1 share counter k. Only the sorted
      // uniforms are kept; thresholds follow lazily (Model::threshold).
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
      std::sort(uu, uu + c.units);
      st.theta_ready[g] = 0;
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
  std::fill(st.fired.begin(), st.fired.end(), 0);
  std::fill(st.lever_active.begin(), st.lever_active.end(), 0);
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
  st.adjust = 1.0 - std::exp(-p[static_cast<size_t>(sc_.mech[kResAdjust])] * sc_.dt_years);
  st.vars[kVarResources] = p[static_cast<size_t>(sc_.mech[kResInitial])];
  st.vars[kVarPatronage] = st.vars[kVarResources];
  for (size_t i = 0; i < n; ++i) st.vars[static_cast<size_t>(sc_.stance_var0) + i] = st.x[i];
  st.outcome = -1;
  st.end_step = 0;
}

void Model::update_levers(RunState& st, int t, Trace* trace) const {
  // Rebuild the active set and its channel values (in lever order, so every channel's
  // product is taken in the same order whatever the step).
  double keep[kNumChannels];
  std::fill(keep, keep + kNumChannels, 1.0);
  st.active_levers.clear();
  for (size_t l = 0; l < sc_.levers.size(); ++l) {
    const Lever& lv = sc_.levers[l];
    const bool active = lever_rules::acts(lv, t, st.lever_s[l]);
    if (trace && static_cast<bool>(st.lever_active[l]) != active) trace->lever(t, lv, active);
    st.lever_active[l] = active;
    if (!active) continue;
    st.active_levers.push_back(static_cast<int>(l));
    for (size_t w = lever_ch_begin_[l]; w < lever_ch_begin_[l + 1]; ++w) keep[lever_ch_[w].channel] *= st.lever_keep[w];
  }
  for (int c = 0; c < kNumChannels; ++c)
    st.vars[static_cast<size_t>(ch_var(static_cast<Channel>(c)))] = 1.0 - keep[c];
  // The pulls of the active levers on stances, fixed until the set changes again.
  st.pulls.clear();
  for (int l : st.active_levers) {
    const Lever& lv = sc_.levers[static_cast<size_t>(l)];
    double k = st.lever_k[static_cast<size_t>(l)];
    if (k == 0) continue;
    size_t off = static_cast<size_t>(lv.issue) * static_cast<size_t>(n_);
    st.pulls.push_back({k, off + static_cast<size_t>(lv.by), off + static_cast<size_t>(lv.target)});
  }
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

void Model::channels(RunState& st, int t, Trace* trace) const {
  if (lever_change_[static_cast<size_t>(t)]) update_levers(st, t, trace);
  // Pull each target's stance toward its lever's actor (on the lever's issue).
  std::fill(st.push.begin(), st.push.end(), 0.0);
  double* push = st.push.data();
  const double* x = st.x.data();
  for (const auto& pl : st.pulls) push[pl.target] += pl.k * (x[pl.by] - x[pl.target]);
}

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

void Model::fill_words(RunState& st, const RunRng& rng, uint32_t block) const {
  // Every counter of steps 4 * block .. 4 * block + 3, in SIMD lanes. Some words go unused
  // (an event outside its window, a run ending inside the block); a word is a pure function
  // of its address, so drawing it or not changes no other.
  const size_t nc = word_stream_.size();
  uint32_t index[64];
  for (size_t base = 0; base < nc; base += 64) {
    int m = static_cast<int>(std::min<size_t>(64, nc - base));
    for (int i = 0; i < m; ++i) index[i] = word_k_[base + static_cast<size_t>(i)] * block + word_off_[base + static_cast<size_t>(i)];
    rng.bits_n(word_stream_.data() + base, index, m, st.words.data() + 4 * base);
  }
  st.word_block = block;
}

void Model::fill_noise(RunState& st, uint32_t block) const {
  // The words of steps 4 * block .. 4 * block + 3 of every (issue, actor) stream and every
  // cohort's noise stream: the first counters of the block's words, turned into normals
  // together. Stance noise is scaled by its issue's sd here, cohort noise in defection().
  const size_t slots = sc_.issues.size() * static_cast<size_t>(n_);
  const size_t count = 4 * (slots + sc_.cohorts.size());
  double* u = st.noise_u.data();
  double* z = st.noise_z.data();
  const uint32_t* w = st.words.data();
  for (size_t i = 0; i < count; ++i) u[i] = u32_to_open01(w[i]);
  inverse_normal_cdf_fast_n(u, z, static_cast<int>(count));
  for (size_t k = 0; k < sc_.issues.size(); ++k) {
    double noise = st.p[static_cast<size_t>(sc_.issues[k].noise)];
    double* zk = z + k * static_cast<size_t>(n_) * 4;
    for (size_t i = 0; i < static_cast<size_t>(n_) * 4; ++i) zk[i] = noise * zk[i];
  }
  st.noise_block = block;
}

void Model::stances(RunState& st, int t, Trace* trace) const {
  size_t n = static_cast<size_t>(n_);
  const uint32_t block = static_cast<uint32_t>(t) >> 2;
  const size_t lane = static_cast<size_t>(t) & 3;
  for (size_t k = 0; k < sc_.issues.size(); ++k) {
    const Issue& is = sc_.issues[k];
    double* x = st.x.data() + k * n;
    const double* x0 = st.x0.data() + k * n;
    const double* push = st.push.data() + k * n;
    double noise = st.p[static_cast<size_t>(is.noise)];
    const double* from = x;
    if (is.model == StanceModel::Bargaining) {
      if ((t + 1) % is.bargaining_every == 0) bargaining_round(sc_, st, static_cast<int>(k), trace, t);
    } else {
      friedkin_johnsen_step(st.Wt.data(), st.lambda.data(), x0, x, st.xnext.data(), static_cast<int>(n), n4_);
      from = st.xnext.data();
    }
    if (noise > 0) {
      if (st.noise_block != block) fill_noise(st, block);
      const double* z = st.noise_z.data() + k * n * 4 + lane;
      for (size_t i = 0; i < n; ++i) {
        double xi = from[i];
        xi += push[i];
        xi += z[i * 4];
        x[i] = std::clamp(xi, is.lo, is.hi);
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        double xi = from[i];
        xi += push[i];
        x[i] = std::clamp(xi, is.lo, is.hi);
      }
    }
  }
  // Derived variables on the first issue.
  const double* x = st.x.data();
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    double w = st.cs[i];
    num += w * x[i];
    den += w;
    st.vars[static_cast<size_t>(sc_.stance_var0) + i] = x[i];
  }
  for (size_t k = 1; k < sc_.issues.size(); ++k)
    for (size_t i = 0; i < n; ++i) st.vars[static_cast<size_t>(sc_.stance_var0) + k * n + i] = st.x[k * n + i];
  st.vars[kVarMeanStance] = den > 0 ? num / den : 0.0;
  st.vars[kVarStanceGap] =
      sc_.challenger >= 0 ? std::fabs(x[static_cast<size_t>(sc_.incumbent)] - x[static_cast<size_t>(sc_.challenger)]) : 0.0;
}

void Model::apply_effects(RunState& st, const Effects& e, int t, Trace* trace) const {
  const auto& p = st.p;
  if (e.defection_shock != kNoParam) {
    double s = p[static_cast<size_t>(e.defection_shock)];
    int end = std::min(sc_.horizon, t + e.shock_steps);
    for (int k = t; k < end; ++k) st.shock[static_cast<size_t>(k)] += s;
  }
  if (e.resources_shock != kNoParam)
    st.vars[kVarResources] = clamp01(st.vars[kVarResources] + p[static_cast<size_t>(e.resources_shock)]);
  if (e.talks != 0) {
    bool open = e.talks > 0;
    if (trace && (st.vars[kVarTalks] != 0) != open) trace->talks(t, open);
    st.vars[kVarTalks] = open ? 1.0 : 0.0;
  }
  for (const auto& [actor, delta] : e.stance_shock) {
    const Issue& is = sc_.issues[0];
    double& xa = st.x[static_cast<size_t>(actor)];
    xa = std::clamp(xa + p[static_cast<size_t>(delta)], is.lo, is.hi);
    st.vars[static_cast<size_t>(sc_.stance_var0 + actor)] = xa;
  }
}

bool Model::events(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  size_t gate = 0;
  for (size_t e = 0; e < sc_.events.size(); ++e) {
    const Event& ev = sc_.events[e];
    bool has_gate = !ev.gate.empty();
    size_t my_gate = has_gate ? gate++ : 0;
    if (ev.max_fires > 0 && st.fired[e] >= ev.max_fires) continue;
    // Two uniforms per step: whether it fires, and whether it succeeds (words 2t and 2t + 1
    // of the event's stream: counter t >> 1, words 2 (t & 1) and 2 (t & 1) + 1).
    auto draw = [&](double u[2]) {
      const uint32_t* w;
      RunRng::Philox::ctr_type once;
      if (event_word_[e] != SIZE_MAX) {
        w = st.words.data() + 4 * (event_word_[e] + ((static_cast<size_t>(t) & 3) >> 1)) + 2 * (static_cast<size_t>(t) & 1);
      } else {
        once = rng.bits(event_stream_[e], static_cast<uint32_t>(t) >> 1);
        w = once.data() + 2 * (static_cast<size_t>(t) & 1);
      }
      u[0] = u32_to_open01(w[0]);
      u[1] = u32_to_open01(w[1]);
    };
    double u[2];
    bool fire;
    if (ev.scheduled) {
      fire = t == ev.at_step;
      if (!fire) continue;
      draw(u);
    } else {
      if (t < ev.from_step || t >= ev.until_step) continue;
      if (has_gate && !st.event_gate[my_gate].holds()) continue;
      if (!ev.drivers.empty()) {
        double z = st.event_logit0[e];
        for (const auto& [var, coef] : ev.drivers) z += st.p[static_cast<size_t>(coef)] * st.vars[static_cast<size_t>(var)];
        // logistic(z) > 0 unless exp(-z) overflows; the draw only memoises, so taking it
        // whenever z is finite changes nothing.
        draw(u);
        fire = below_logistic(u[0], z);
      } else {
        double prob = st.event_p0[e];
        if (prob <= 0) continue;
        draw(u);
        fire = u[0] < prob;
      }
    }
    if (!fire) continue;
    st.fired[e] += 1;
    st.vars[static_cast<size_t>(sc_.fired_var0) + e] = st.fired[e];
    if (ev.outcome >= 0) {
      double success = ev.success == kNoParam ? 1.0 : st.p[static_cast<size_t>(ev.success)];
      bool ok = u[1] < success;
      if (trace) trace->event(t, ev, true, ok);
      if (ok) {
        st.outcome = ev.outcome;
        st.end_step = t + 1;
        if (trace) trace->end(t, sc_.outcomes[static_cast<size_t>(ev.outcome)], "event '" + ev.id + "' succeeded");
        return true;
      }
      apply_effects(st, ev.on_failure, t, trace);
    } else if (trace) {
      trace->event(t, ev, false, false);
    }
    apply_effects(st, ev.effects, t, trace);
  }
  return false;
}

void Model::defection(RunState& st, int t, Trace* trace) const {
  if (sc_.cohorts.empty()) return;
  const auto& p = st.p;
  auto m = [&](MechParam k) { return p[static_cast<size_t>(sc_.mech[k])]; };
  const double* v = st.vars.data();
  double common = m(kDefIncentive) * v[ch_var(kDefectionIncentive)] +
                  m(kDefPatronage) * (1.0 - v[kVarPatronage]) +
                  m(kDefRecognition) * v[ch_var(kRecognition)] +
                  m(kDefHumanitarian) * v[ch_var(kHumanitarian)] -
                  m(kDefRepression) * v[ch_var(kRepression)] -
                  m(kDefSupport) * v[ch_var(kRegimeSupport)] + st.shock[static_cast<size_t>(t)];
  st.vars[kVarShock] = st.shock[static_cast<size_t>(t)];
  double peer = m(kDefPeer), stance_w = m(kDefStance), noise = m(kDefNoise);
  const Issue& is = sc_.issues[0];
  size_t G = sc_.cohorts.size();
  // Per-cohort part of the incentive: the units' actor's stance against the incumbent, noise.
  double* b = st.cohort_base.data();
  for (size_t g = 0; g < G; ++g) {
    const Cohort& c = sc_.cohorts[g];
    double xa = st.x[static_cast<size_t>(c.actor)];
    double against = (is.hi - xa) / (is.hi - is.lo);
    b[g] = common + stance_w * against;
    if (noise > 0) {
      const uint32_t block = static_cast<uint32_t>(t) >> 2;
      if (st.noise_block != block) fill_noise(st, block);
      b[g] += noise * st.noise_z[4 * (word_cohort0_ + g) + (static_cast<size_t>(t) & 3)];
    }
  }
  double D = v[kVarDefectedShare];
  // Granovetter's fixed point: defection only grows within a step, so iterate until no
  // cohort admits another unit.
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t g = 0; g < G; ++g) {
      const Cohort& c = sc_.cohorts[g];
      double z = b[g] + peer * D;
      int k = st.defected[g];
      int k0 = k;
      // The slack absorbs rounding in D, so that "k others acted" meets a threshold of k.
      const double zs = z + 1e-12;
      if (st.theta_ready[g] == c.units) {
        const double* th = st.theta.data() + c.first_unit;
        while (k < c.units && th[k] <= zs) ++k;
      } else {
        while (k < c.units && threshold(st, g, k) <= zs) ++k;
        // Stopping at a lazily computed threshold is safe only if it clears zs by more than
        // the quantile's rounding (see Model::threshold); otherwise compute and sort them all.
        if (k < c.units && st.theta[static_cast<size_t>(c.first_unit + k)] <= zs + kLazyGuard * (1.0 + std::fabs(zs))) {
          settle_cohort(st, g);
          const double* th = st.theta.data() + c.first_unit;
          while (k < c.units && th[k] <= zs) ++k;
        }
      }
      if (k != k0) {
        st.defected[g] = k;
        changed = true;
        if (trace) trace->defections(t, c, k - k0, k);
      }
    }
    if (changed) {
      D = 0;
      for (size_t g = 0; g < G; ++g) D += st.defected[g] * st.unit_weight[g];
    }
  }
  st.vars[kVarDefectedShare] = std::min(1.0, D);
}

// Lazy thresholds. The quantile function q of a threshold distribution is non-decreasing,
// so the k-th smallest threshold is q(k-th smallest uniform) + shift: sorting the uniforms
// and computing a threshold only when the cascade reaches it gives the array that sorting
// all thresholds would give, with most quantiles never computed (few units defect in most
// runs). Computed in floating point, q may be non-monotone by a few ulps; the cascade only
// cares whether a threshold is <= z, and can be misled only when z lies within that
// rounding of a threshold. So when it stops at a lazy threshold closer to z than kLazyGuard
// (relative to 1 + |z|, about a million times the rounding), settle_cohort computes every
// threshold of the cohort and sorts them, exactly as an eager draw would have, and the
// cascade goes on from the sorted array. Units already admitted are the same in both: all
// others lie above z.
double Model::threshold(RunState& st, size_t g, int k) const {
  const Cohort& c = sc_.cohorts[g];
  int& ready = st.theta_ready[g];
  double* th = st.theta.data() + c.first_unit;
  if (k >= ready) {
    const double* uu = st.theta_u.data() + c.first_unit;
    const double shift = st.p[static_cast<size_t>(c.threshold_shift)];
    for (; ready <= k; ++ready) th[ready] = c.threshold.quantile(uu[ready]) + shift;
  }
  return th[k];
}

void Model::settle_cohort(RunState& st, size_t g) const {
  const Cohort& c = sc_.cohorts[g];
  const double* uu = st.theta_u.data() + c.first_unit;
  double* th = st.theta.data() + c.first_unit;
  const double shift = st.p[static_cast<size_t>(c.threshold_shift)];
  for (int u = 0; u < c.units; ++u) th[u] = c.threshold.quantile(uu[u]) + shift;
  std::sort(th, th + c.units);
  st.theta_ready[g] = c.units;
}

void Model::exit_calculus(RunState& st) const {
  const auto& p = st.p;
  auto m = [&](MechParam k) { return p[static_cast<size_t>(sc_.mech[k])]; };
  double* v = st.vars.data();
  double z = m(kFallBase) + m(kFallDefected) * v[kVarDefectedShare] + m(kFallThreat) * v[ch_var(kThreat)] +
             m(kFallStrike) * v[ch_var(kStrike)] + m(kFallSupport) * v[ch_var(kRegimeSupport)] +
             m(kFallResources) * (1.0 - v[kVarResources]) +
             m(kFallOpposition) * v[ch_var(kOppositionSupport)];
  double f = logistic(z);
  double offer = v[ch_var(kExitOffer)];
  double u_exit = offer * m(kExitExileValue) - (1.0 - offer) * m(kExitProsecutionCost);
  double u_stay = (1.0 - f) * m(kExitOfficeValue) - f * m(kExitFallCost);
  v[kVarFallRisk] = f;
  v[kVarExitGain] = std::clamp(u_exit - u_stay, -5.0, 5.0);
}

bool Model::step(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  st.vars[kVarStep] = t;
  if (static_cast<uint32_t>(t) >> 2 != st.word_block) fill_words(st, rng, static_cast<uint32_t>(t) >> 2);
  channels(st, t, trace);
  resources(st);
  stances(st, t, trace);
  // Hazards read the last step's fall risk and exit gain; before the first step there is
  // no last step, so they are computed from the starting state.
  if (t == 0) exit_calculus(st);
  if (events(st, rng, t, trace)) return true;
  defection(st, t, trace);
  exit_calculus(st);
  for (size_t o = 0, w = 0; o < sc_.outcomes.size(); ++o) {
    if (sc_.outcomes[o].when.empty()) continue;
    if (st.outcome_when[w++].holds()) {
      st.outcome = static_cast<int>(o);
      st.end_step = t + 1;
      if (trace) trace->end(t, sc_.outcomes[o], "condition '" + sc_.outcomes[o].when.text + "' holds");
      return true;
    }
  }
  if (t + 1 >= sc_.horizon) {
    st.outcome = sc_.default_outcome;
    st.end_step = sc_.horizon;
    if (trace) trace->end(t, sc_.outcomes[static_cast<size_t>(sc_.default_outcome)], "the horizon was reached");
    return true;
  }
  return false;
}

}  // namespace geosim
