// M3, the defection cascade: Granovetter thresholds per security-force cohort, fed by peers,
// incentives and pressure.
// A part of the model (engine/model/mechanism.h): its step, what it reads and writes, and its
// registration line in engine/model/mechanism.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/core/fastmath.h"
#include "engine/model/mechanism.h"
#include "engine/model/model.h"
#include "engine/model/model_math.h"

namespace geosim {

using namespace model_math;

namespace {

// Its coefficients: `mechanisms.<group>.<name>`, row k with id k; `order` places the row
// in a scenario's list of parameters (engine/scenario/registry.h).
enum Coef : int {
  kDefPeer,
  kDefIncentive,
  kDefPatronage,
  kDefRepression,
  kDefSupport,
  kDefRecognition,
  kDefHumanitarian,
  kDefStance,
  kDefNoise,
  kDefNoiseDays,
  kDefThreat,
  kRepBackfireLevel,
  kRepBackfire,
  kNumCoefs
};
constexpr MechParamInfo kParams[] = {
    {.id = kDefPeer,
     .order = 7,
     .group = "defection",
     .name = "peer",
     .default_value = 1.0,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of the share already defected (Granovetter)"},
    {.id = kDefIncentive,
     .order = 8,
     .group = "defection",
     .name = "incentive",
     .default_value = 0.25,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of the defection incentive channel",
     .via = channel_set(kDefectionIncentive)},
    {.id = kDefPatronage,
     .order = 9,
     .group = "defection",
     .name = "patronage",
     .default_value = 0.3,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of lost patronage (1 - patronage)"},
    {.id = kDefRepression,
     .order = 10,
     .group = "defection",
     .name = "repression",
     .default_value = 0.25,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of repression (deters defection)",
     .via = channel_set(kRepression)},
    {.id = kDefSupport,
     .order = 11,
     .group = "defection",
     .name = "support",
     .default_value = 0.1,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of allies' backing of the regime (deters defection)",
     .via = channel_set(kRegimeSupport)},
    {.id = kDefRecognition,
     .order = 12,
     .group = "defection",
     .name = "recognition",
     .default_value = 0.1,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of the challenger's recognition abroad",
     .via = channel_set(kRecognition)},
    {.id = kDefHumanitarian,
     .order = 13,
     .group = "defection",
     .name = "humanitarian",
     .default_value = 0.05,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of humanitarian aid as a focal point",
     .via = channel_set(kHumanitarian)},
    {.id = kDefStance,
     .order = 14,
     .group = "defection",
     .name = "stance",
     .default_value = 0.2,
     .range = {0, 5},
     .unit = "threshold units",
     .doc = "weight of the units' actor's stance against the incumbent"},
    {.id = kDefNoise,
     .order = 15,
     .group = "defection",
     .name = "noise",
     .default_value = 0.02,
     .range = {0, 1},
     .unit = "threshold units (sd)",
     .doc = "sd of a per-step, per-cohort shock to the incentive"},
    {.id = kDefNoiseDays,
     .order = 29,
     .group = "defection",
     .name = "noise_days",
     .default_value = 7.0,
     .range = {1, 3650},
     .unit = "days",
     .doc = "how long a cohort's shock to the incentive holds before a new one is drawn (days, on the calendar)",
     .since_format = 2,
     .uniform_lo = 0,
     .uniform_hi = 0,
     .cite = "assumption: a week, as in format 1's weekly steps"},
    {.id = kDefThreat,
     .order = 30,
     .group = "defection",
     .name = "threat",
     .default_value = 0.05,
     .range = {-5, 5},
     .unit = "threshold units",
     .doc = "weight of a foreign military threat on the incentive to defect (either sign)",
     .since_format = 2,
     .uniform_lo = -0.1,
     .uniform_hi = 0.2,
     .cite = "uniform(-0.1, 0.2): a threat can split a military or rally it (Nepstad 2011, Nonviolent Revolutions; "
             "Albrecht & Ohl 2016, Perspectives on Politics 14(1))",
     .via = channel_set(kThreat)},
    {.id = kRepBackfireLevel,
     .order = 32,
     .group = "repression",
     .name = "backfire_level",
     .default_value = 0.5,
     .range = {0, 1},
     .unit = "channel level",
     .doc = "repression beyond which it backfires (on the repression channel's scale)",
     .since_format = 2,
     .uniform_lo = 0,
     .uniform_hi = 0,
     .cite = "assumption: backfire needs repression at least half the regime's full capacity",
     .via = channel_set(kRepression)},
    {.id = kRepBackfire,
     .order = 33,
     .group = "repression",
     .name = "backfire",
     .default_value = 0.125,
     .range = {-5, 5},
     .unit = "threshold units",
     .doc = "weight of repression beyond backfire_level on the incentive to defect (backfire)",
     .since_format = 2,
     .uniform_lo = 0.0,
     .uniform_hi = 0.25,
     .cite = "uniform(0, 0.25): repression beyond a level provokes defection and protest (Francisco 1995, JCR 39(2); "
             "Sutton, Butcher & Svensson 2014, JPR 51(5)), but on average it still lowers a campaign's odds (Chenoweth "
             "& Stephan 2011), so at full repression backfire undoes at most half of the deterrence (weight 0.25)",
     .via = channel_set(kRepression)},
};
static_assert(rows_in_enum_order(kParams), "kParams rows must follow the Coef enum");

}  // namespace

// The incentive to defect that all cohorts share, from the channels' values ch(c) and the
// events' shock.
template <class Channels>
double Model::incentive(const RunState& st, Channels ch, double shock) const {
  const auto& p = st.p;
  auto m = [&](Coef k) { return p[sc_.mech[kParams[k].slot()].index()]; };
  double common = m(kDefIncentive) * ch(kDefectionIncentive) + m(kDefPatronage) * (1.0 - st.vars[kVarPatronage]) +
                  m(kDefRecognition) * ch(kRecognition) + m(kDefHumanitarian) * ch(kHumanitarian) -
                  m(kDefRepression) * ch(kRepression) - m(kDefSupport) * ch(kRegimeSupport) + shock;
  if (v2_) {
    // Effects with two sides (format 2): a threat may split or rally the forces; repression
    // beyond a level backfires.
    common += m(kDefThreat) * ch(kThreat) + m(kRepBackfire) * std::max(0.0, ch(kRepression) - m(kRepBackfireLevel));
  }
  return common;
}

void Model::defection(RunState& st, const RunRng& rng, int t, Trace* trace, double until) const {
  // The events' shock is a state variable whether or not cohorts feel it.
  st.vars[kVarShock] = st.shock[static_cast<size_t>(t)];
  if (sc_.cohorts.empty()) return;
  const auto& p = st.p;
  auto m = [&](Coef k) { return p[sc_.mech[kParams[k].slot()].index()]; };
  const double* v = st.vars.data();
  auto step_channels = [v](Channel c) { return v[ch_var(c)]; };
  const double common = incentive(st, step_channels, st.shock[static_cast<size_t>(t)]);
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
      if (v2_) {
        // Format 2: the shock holds for a calendar period of `noise_days` (epoch e), drawn
        // as word e of the cohort's noise stream, so daily and weekly steps see the same shocks.
        // The period in steps is a quotient of rounded numbers (7 days / (7/365.25 years x
        // 365.25) is 1.0000000000000002 weekly steps): a slack far above that rounding and far
        // below the least fraction of a period a step can truly fall short of a boundary
        // (1 / (7 x 3650) for whole days: noise_days is at most 3650, a step 1 or 7 days) keeps a whole number
        // of periods whole, so that a period of 7 days begins at steps 0, 1, 2 ... in weekly
        // steps and 0, 7, 14 ... in daily.
        const int64_t e = noise_epoch(st, t);
        if (e != st.cohort_epoch[g]) {
          st.cohort_epoch[g] = e;
          if (e == t) {
            st.cohort_eps[g] = st.noise_z[4 * (word_cohort0_ + g) + (static_cast<size_t>(t) & 3)];
          } else if (e >= 0 && static_cast<uint32_t>(e) >> 2 == block) {
            // Word e lies in this block's counter (a period of a few steps): its normal is
            // already in noise_z, the same bits as drawing it alone.
            st.cohort_eps[g] = st.noise_z[4 * (word_cohort0_ + g) + (static_cast<size_t>(e) & 3)];
          } else {
            const auto w = rng.bits(cohort_noise_stream_[g], static_cast<uint32_t>(e) >> 2);
            st.cohort_eps[g] = inverse_normal_cdf_fast(u32_to_open01(w[static_cast<size_t>(e) & 3]));
          }
        }
        b[g] += noise * st.cohort_eps[g];
      } else {
        b[g] += noise * st.noise_z[4 * (word_cohort0_ + g) + (static_cast<size_t>(t) & 3)];
      }
    }
  }
  double D = v[kVarDefectedShare];
  // Format 2: the shocks that have not ended, and whether one begins or ends inside this step.
  bool shock_cut = false;
  if (v2_ && !st.shocks.empty()) {
    std::erase_if(st.shocks, [t](const RunState::ShockSpan& sp) { return sp.end <= t; });
    for (const RunState::ShockSpan& sp : st.shocks)
      shock_cut = shock_cut || (sp.begin > t && sp.begin < t + 1) || (sp.end > t && sp.end < t + 1);
  }
  // Format 2: where a period of the cohorts' shocks begins inside this step (noise_days that
  // are not a whole number of steps: 3 days in weekly steps, for instance). A true boundary
  // lies at least 1 / (7 x 3650) of a step from the step's ends (whole days); the margin of
  // 1e-6 keeps the slack of noise_epoch (a whole number of steps) from counting as one.
  bool noise_cut = false;
  if (v2_ && noise > 0 && !st.cohort_period_whole) {
    const double next = (static_cast<double>(noise_epoch(st, t) + 1) - kEpochSlack) * st.cohort_period - t;
    noise_cut = next > kCutMargin && next < 1 - kCutMargin;
  }
  if (st.segs == 0 && !shock_cut && !noise_cut)
    settle(st, t, trace, b, peer, D);
  else
    defection_in_pieces(st, rng, t, trace, common, shock_cut, noise_cut, D, until);
  st.vars[kVarDefectedShare] = std::min(1.0, D);
}

// Format 2: the cascade of a step cut by levers' windows (RunState::segs), by a shock that
// begins or ends inside it or by a new period of the cohorts' shocks: each piece in turn, at
// its own channels, shock and cohort shocks, as its days would be in daily steps (units that
// defect stay defected). cohort_base holds each cohort's incentive for the whole step, whose
// shared part is `common`. Only the pieces that begin before `until` (Model::fire_event).
// Kept out of Model::defection, which every step runs.
void Model::defection_in_pieces(RunState& st, const RunRng& rng, int t, Trace* trace, double common, bool shock_cut,
                                bool noise_cut, double& D, double until) const {
  const auto& p = st.p;
  auto m = [&](Coef k) { return p[sc_.mech[kParams[k].slot()].index()]; };
  const double peer = m(kDefPeer), noise = m(kDefNoise);
  const size_t G = sc_.cohorts.size();
  double* b = st.cohort_base.data();
  const double* v = st.vars.data();
  // Each cohort's own part of the incentive (its actor's stance, its shock), the same in
  // every piece but for the shock of a new period.
  double* own = st.cohort_own.data();
  for (size_t g = 0; g < G; ++g) own[g] = b[g] - common;
  std::vector<double>& at = st.cut_at;
  at.assign(1, 0.0);
  for (int s = 0; s + 1 < st.segs; ++s) at.push_back(at.back() + st.seg_w[static_cast<size_t>(s)]);
  if (shock_cut)
    for (const RunState::ShockSpan& sp : st.shocks)
      for (const double edge : {sp.begin - t, sp.end - t})
        if (edge > 0 && edge < 1) at.push_back(edge);
  if (noise_cut)
    for (int64_t k = noise_epoch(st, t) + 1;; ++k) {
      const double edge = (static_cast<double>(k) - kEpochSlack) * st.cohort_period - t;
      if (!(edge < 1 - kCutMargin)) break;
      if (edge > kCutMargin) at.push_back(edge);
    }
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  at.push_back(1.0);
  size_t lever_seg = 0;  // the levers' segment that holds this piece
  double lever_end = st.segs > 0 ? st.seg_w[0] : 1.0;
  for (size_t s = 0; s + 1 < at.size() && at[s] < until; ++s) {
    const double mid = 0.5 * (at[s] + at[s + 1]);
    while (lever_seg + 1 < static_cast<size_t>(st.segs) && mid >= lever_end) lever_end += st.seg_w[++lever_seg];
    double shock = st.shock[static_cast<size_t>(t)];
    if (shock_cut) {
      shock = 0;
      for (const RunState::ShockSpan& sp : st.shocks)
        if (sp.begin <= t + mid && t + mid < sp.end) shock += sp.size;
    }
    const double* ch = st.segs > 0 ? st.seg_ch.data() + lever_seg * kNumChannels : nullptr;
    auto piece_channels = [ch](Channel c) { return ch[c]; };
    auto step_channels = [v](Channel c) { return v[ch_var(c)]; };
    const double cs = ch ? incentive(st, piece_channels, shock) : incentive(st, step_channels, shock);
    // The period of the cohorts' shocks that holds this piece, and each cohort's shock in it
    // (the word of its noise stream that the first step of that period would draw).
    const int64_t e = noise_cut ? noise_epoch(st, t + mid) : 0;
    for (size_t g = 0; g < G; ++g) {
      b[g] = cs + own[g];
      if (noise_cut && e != st.cohort_epoch[g]) {
        // Another period's shock in place of the one in force at the step's start.
        const auto w = rng.bits(cohort_noise_stream_[g], static_cast<uint32_t>(e) >> 2);
        b[g] += noise * (inverse_normal_cdf_fast(u32_to_open01(w[static_cast<size_t>(e) & 3])) - st.cohort_eps[g]);
      }
    }
    settle(st, t, trace, b, peer, D);
  }
}

// Format 2: the index of the period of the cohorts' shocks (noise_days on the calendar) that
// holds time y, in steps since the start (see Model::defection on the slack).
int64_t Model::noise_epoch(const RunState& st, double y) {
  return static_cast<int64_t>(std::floor(y / st.cohort_period + kEpochSlack));
}

// Granovetter's fixed point: defection only grows within a step, so iterate until no cohort
// admits another unit; b: each cohort's incentive before the peer term, D: the defected share.
void Model::settle(RunState& st, int t, Trace* trace, const double* b, double peer, double& D) const {
  const size_t G = sc_.cohorts.size();
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
        // Thresholds computed already are read in place; threshold() computes the next ones.
        const double* th = st.theta.data() + c.first_unit;
        while (k < c.units && (k < st.theta_ready[g] ? th[k] : threshold(st, g, k)) <= zs) ++k;
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
}

// Lazy thresholds. The quantile function q of a threshold distribution is non-decreasing,
// so the k-th smallest threshold is q(k-th smallest uniform) + shift: taking the uniforms in
// increasing order (a batch of the next smallest at a time, take_ascending, so that only
// those reached are ever ordered) and computing a threshold only when the cascade reaches
// it gives the array that sorting all thresholds would give, with most quantiles never
// computed (few units defect in most runs). Equal uniforms are equal bits, so the order
// among them changes nothing. Computed in floating point, q may be non-monotone by a few
// ulps; the cascade only cares whether a threshold is <= z, and can be misled only when z
// lies within that rounding of a threshold. So when it stops at a lazy threshold closer to
// z than kLazyGuard (relative to 1 + |z|, about a million times the rounding),
// settle_cohort computes every threshold of the cohort (from all its uniforms, which stay
// in unit order: their order does not matter, as the thresholds are then sorted) and sorts
// them, exactly as an eager draw would have, and the cascade goes on from the sorted array.
// Units already admitted are the same in both: all others lie above z.
double Model::threshold(RunState& st, size_t g, int k) const {
  const Cohort& c = sc_.cohorts[g];
  int& ready = st.theta_ready[g];
  double* th = st.theta.data() + c.first_unit;
  if (k >= ready) {
    const double* uu = st.theta_u.data() + c.first_unit;
    const double shift = st.p[static_cast<size_t>(c.threshold_shift)];
    int& have = st.theta_have[g];
    for (; ready <= k; ++ready) {
      // th[ready .. have) holds the next smallest uniforms, sorted; when none is left, the next batch.
      if (ready == have) have = take_ascending(uu, c.units, have, st.theta_cut[g], th);
      th[ready] = c.threshold.quantile(th[ready]) + shift;
    }
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

namespace {
constexpr MechanismEdge kEdges[] = {
    // (stances of the cohorts' actors: added by the lint)
    {ch_var(kDefectionIncentive), kVarDefectedShare, kDefIncentive},
    {kVarPatronage, kVarDefectedShare, kDefPatronage},
    {ch_var(kRecognition), kVarDefectedShare, kDefRecognition},
    {ch_var(kHumanitarian), kVarDefectedShare, kDefHumanitarian},
    {ch_var(kRepression), kVarDefectedShare, kDefRepression},
    {ch_var(kRegimeSupport), kVarDefectedShare, kDefSupport},
    {kVarShock, kVarDefectedShare, kNoCoef},
    // Format 2: effects with two sides
    {ch_var(kRepression), kVarDefectedShare, kRepBackfire},
    {ch_var(kThreat), kVarDefectedShare, kDefThreat},
};
}  // namespace

template <>
bool MechanismStep<struct Cascade>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                         [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  m.defection(st, rng, t, trace);
  return false;
}

template <>
void MechanismStep<Cascade>::init(const Model& m, RunState& st) {
  // Format 2: the cohorts' shocks hold for noise_days on the calendar; none drawn yet.
  if (!m.v2_) return;
  st.cohort_period = st.p[m.sc_.mech[kParams[kDefNoiseDays].slot()].index()] / (m.sc_.dt_years * 365.25);
  // A whole number of steps (7 days in weekly or daily steps): no period begins inside a step.
  st.cohort_period_whole =
      std::round(st.cohort_period) >= 1 && std::fabs(st.cohort_period - std::round(st.cohort_period)) < 1e-9;
  std::fill(st.cohort_epoch.begin(), st.cohort_epoch.end(), -1);
}

extern constinit const Mechanism kCascadeMechanism{
    .id = "M3",
    .name = "defection cascade",
    .doc = "Granovetter thresholds per security-force cohort, fed by peers, incentives and pressure",
    .params = kParams,
    .edges = kEdges,
    .step = &MechanismStep<Cascade>::step,
    .init = &MechanismStep<Cascade>::init,
};

}  // namespace geosim
