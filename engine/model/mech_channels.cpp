// The lever channels: each step the active levers feed their channels (noisy-OR of weight x
// intensity x credibility), after the levers that react have decided whether they act.
// A part of the model (engine/model/mechanism.h): its step, what it reads and writes, and its
// registration line in engine/model/mechanism.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "engine/model/levers.h"
#include "engine/model/mechanism.h"
#include "engine/model/model.h"
#include "engine/model/model_math.h"

namespace geosim {

using namespace model_math;

namespace {

// Its coefficients: `mechanisms.<group>.<name>`, row k with id k; `order` places the row
// in a scenario's list of parameters (engine/scenario/registry.h).
enum Coef : int { kStanceRally, kRepFromSanctions, kNumCoefs };
constexpr MechParamInfo kParams[] = {
    {.id = kStanceRally,
     .order = 28,
     .group = "stance",
     .name = "rally",
     .default_value = 0.5,
     .range = {-50, 50},
     .unit = "1/year",
     .doc =
         "pull of each actor's stance toward the incumbent's at full sectoral sanctions (1/year; rally round the flag)",
     .since_format = 2,
     .uniform_lo = -0.5,
     .uniform_hi = 1.5,
     .cite = "uniform(-0.5, 1.5): sanctions often rally support (Grauvogel & von Soest 2014, EJPR 53(4)) but may also "
             "erode it (Peksen & Drury 2010, International Interactions 36(3))",
     .via = channel_set(kRevenuePressure)},
    {.id = kRepFromSanctions,
     .order = 31,
     .group = "repression",
     .name = "from_sanctions",
     .default_value = 0.25,
     .range = {0, 1},
     .unit = "share",
     .doc = "repression the regime adds at full sectoral sanctions (noisy-OR with the repression channel)",
     .since_format = 2,
     .uniform_lo = 0.0,
     .uniform_hi = 0.5,
     .cite =
         "uniform(0, 0.5): sanctions are followed by more repression (Wood 2008, ISQ 52(3); Peksen 2009, JPR 46(1))",
     .via = channel_set(kRevenuePressure)},
};
static_assert(rows_in_enum_order(kParams), "kParams rows must follow the Coef enum");

}  // namespace

void Model::update_levers(RunState& st, int t, Trace* trace) const {
  // Rebuild the active set and its channel values (in lever order, so every channel's
  // product is taken in the same order whatever the step). The arrays are read through
  // local pointers: a store to lever_active (bytes, which may alias anything) would
  // otherwise make the compiler reload every vector's data at each lever.
  double keep[kNumChannels];
  std::fill(keep, keep + kNumChannels, 1.0);
  const size_t L = sc_.levers.size();
  const Lever* levers = sc_.levers.data();
  const double* lever_s = st.lever_s.data();
  const double* lever_keep = st.lever_keep.data();
  const char* lever_ok = st.lever_ok.data();
  char* lever_active = st.lever_active.data();
  double* lever_var = sc_.lever_var0 >= 0 ? st.vars.data() + sc_.lever_var0 : nullptr;
  const size_t* ch_begin = lever_ch_begin_.data();
  const LeverChannel* ch = lever_ch_.data();
  const char* cut = lever_cut_.data();
  st.active_levers.clear();
  // Compiled twice: with the partial steps' shares (format 2, a window that a step cuts), and
  // without them, so that a scenario with none pays nothing for them.
  auto each_lever = [&](auto with_cuts) {
    for (size_t l = 0; l < L; ++l) {
      const Lever& lv = levers[l];
      const bool active = lever_rules::acts(lv, t, lever_s[l]) && lever_ok[l];
      if (trace && static_cast<bool>(lever_active[l]) != active)
        trace->lever(t, lv, active, why_lever(st, l, active, t));
      lever_active[l] = active;
      if (lever_var) lever_var[l] = active ? 1.0 : 0.0;
      if (!active) continue;
      st.active_levers.push_back(static_cast<int>(l));
      const double share = decltype(with_cuts)::value && cut[l] ? lever_rules::window_share(lv, t) : 1.0;
      if (share == 1.0)
        for (size_t w = ch_begin[l]; w < ch_begin[l + 1]; ++w) keep[ch[w].channel] *= lever_keep[w];
      else
        for (size_t w = ch_begin[l]; w < ch_begin[l + 1]; ++w)
          keep[ch[w].channel] *= lever_rules::channel_keep(ch[w].weight, lever_s[l] * share);
    }
  };
  if (any_cut_)
    each_lever(std::true_type{});
  else
    each_lever(std::false_type{});
  double* vars = st.vars.data();
  for (int c = 0; c < kNumChannels; ++c) vars[static_cast<size_t>(ch_var(static_cast<Channel>(c)))] = 1.0 - keep[c];
  if (v2_) {
    // Sanctions are followed by more repression (format 2), joined to the levers' own by noisy-OR.
    double& rep = vars[static_cast<size_t>(ch_var(kRepression))];
    const double add = clamp01(st.p[sc_.mech[kParams[kRepFromSanctions].slot()].index()] *
                               vars[static_cast<size_t>(ch_var(kRevenuePressure))]);
    rep = 1.0 - (1.0 - rep) * (1.0 - add);
  }
  st.segs = 0;
  if (any_cut_) cut_segments(st, t);
  // The pulls of the active levers on stances, fixed until the set changes again.
  st.pulls.clear();
  const double* lever_k = st.lever_k.data();
  const size_t n = static_cast<size_t>(n_);
  for (int l : st.active_levers) {
    const double k = lever_k[static_cast<size_t>(l)];
    if (k == 0) continue;
    const Lever& lv = levers[static_cast<size_t>(l)];
    const size_t off = static_cast<size_t>(lv.issue) * n;
    const double share = any_cut_ && cut[l] ? lever_rules::window_share(lv, t) : 1.0;
    st.pulls.push_back(
        {share == 1.0 ? k : k * share, off + static_cast<size_t>(lv.by), off + static_cast<size_t>(lv.target)});
  }
  // Format 1: each pull closes a share of the gap to its actor per step. Shares that add up
  // to more than the whole gap (rates near the top of their range in weekly steps) would
  // throw the stance past every actor pulling it: they are scaled to close the gap at most,
  // toward their weighted mean. Below that, nothing changes. The sum of all the shares bounds
  // what any one stance gets; only when it passes 1 are they summed stance by stance.
  // Format 2 steps the pulls exactly instead (Model::channels), which never overshoots.
  if (v2_) return;
  double all = 0;
  for (const auto& pl : st.pulls) all += pl.k;
  if (all > 1) {
    double* total = st.pull_total.data();
    for (const auto& pl : st.pulls) total[pl.target] = 0;
    for (const auto& pl : st.pulls) total[pl.target] += pl.k;
    for (auto& pl : st.pulls)
      if (total[pl.target] > 1) pl.k /= total[pl.target];
  }
}

// Format 2: the segments of step t where active levers' windows begin or end inside it
// (RunState::segs): the step is cut at those points, and in each piece every channel is what
// the levers acting in all of it make it, at their whole strength, in lever order as the step's
// product (and, like it, joined to the repression that the piece's sanctions bring).
void Model::cut_segments(RunState& st, int t) const {
  std::vector<double>& at = st.seg_w;  // first the cut points, then the segments' shares
  at.assign(1, 0.0);
  for (int l : st.active_levers) {
    if (!lever_cut_[static_cast<size_t>(l)]) continue;
    const Lever& lv = sc_.levers[static_cast<size_t>(l)];
    const double a = lever_rules::window_begin(lv, t), b = lever_rules::window_end(lv, t);
    if (a > 0) at.push_back(a);
    if (b < 1) at.push_back(b);
  }
  if (at.size() == 1) return;  // every active lever holds the whole step
  at.push_back(1.0);
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  const size_t S = at.size() - 1;
  st.seg_ch.assign(S * kNumChannels, 1.0);
  const double from_sanctions = v2_ ? st.p[sc_.mech[kParams[kRepFromSanctions].slot()].index()] : 0.0;
  for (size_t s = 0; s < S; ++s) {
    const double mid = 0.5 * (at[s] + at[s + 1]);
    double* keep = st.seg_ch.data() + s * kNumChannels;
    for (int l : st.active_levers) {
      const Lever& lv = sc_.levers[static_cast<size_t>(l)];
      if (lever_cut_[static_cast<size_t>(l)] &&
          !(lever_rules::window_begin(lv, t) <= mid && mid < lever_rules::window_end(lv, t)))
        continue;
      for (size_t w = lever_ch_begin_[static_cast<size_t>(l)]; w < lever_ch_begin_[static_cast<size_t>(l) + 1]; ++w)
        keep[lever_ch_[w].channel] *= st.lever_keep[w];
    }
    for (int c = 0; c < kNumChannels; ++c) keep[c] = 1.0 - keep[c];
    if (v2_) {
      const double add = clamp01(from_sanctions * keep[kRevenuePressure]);
      keep[kRepression] = 1.0 - (1.0 - keep[kRepression]) * (1.0 - add);
    }
  }
  for (size_t s = 0; s < S; ++s) at[s] = at[s + 1] - at[s];
  at.resize(S);
  st.segs = static_cast<int>(S);
}

void Model::channels(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  bool change = lever_change_[static_cast<size_t>(t)];
  if (!react_.empty() || !sc_.decisions.empty()) change |= react(st, rng, t, trace);
  if (change) update_levers(st, t, trace);
  // Pull each target's stance toward its lever's actor (on the lever's issue).
  std::fill(st.push.begin(), st.push.end(), 0.0);
  double* push = st.push.data();
  const double* x = st.x.data();
  for (const auto& pl : st.pulls) push[pl.target] += pl.k * (x[pl.by] - x[pl.target]);
  if (!v2_) return;
  // Rally round the flag (format 2): sectoral sanctions pull the actors at home toward the
  // incumbent, at `rally` per year at full pressure (a negative rally pushes them away).
  const double r = sc_.incumbent.valid() ? st.p[sc_.mech[kParams[kStanceRally].slot()].index()] *
                                               st.vars[static_cast<size_t>(ch_var(kRevenuePressure))] * sc_.dt_years
                                         : 0.0;
  const size_t n = static_cast<size_t>(n_), ni = sc_.issues.size();
  // The rates change only with the set of levers (the revenue pressure is theirs too).
  if (change) exact_pulls(st, r);
  if (r != 0)
    for (size_t k = 0; k < ni; ++k)
      for (size_t i : rally_) push[k * n + i] += r * (x[k * n + static_cast<size_t>(sc_.incumbent)] - x[k * n + i]);
  for (size_t w = 0; w < st.exact_slot.size(); ++w) push[st.exact_slot[w]] *= st.exact_c[w];
}

// The exact step (format 2). A stance relaxes toward its Friedkin-Johnsen target at
// adjust_per_year (a), and each pull draws it toward its actor at its own rate (p_j; the
// rally's may be negative): dx/dt = a (target - x) + sum_j p_j (x_j - x). With the others'
// stances held over the step, it closes a share 1 - e^(-R dt) of the gap to that drift's
// fixed point, R = a + sum_j p_j: each term's Euler share (a dt, p_j dt) times
// c = (1 - e^(-R dt)) / (R dt). So daily and weekly steps give the same fixed point and the
// same path for any rates (the Euler pulls beside an exact relaxation gave a lever's steady
// effect 1.47 times as large in weekly steps as in daily ones at a = 52), and no pull throws
// a stance past the actors pulling it. A stance no lever or rally pulls keeps its actor's
// own share and noise (stance_base_share, stance_base_noise: Model::stance_rates). Computed when the set of levers changes: the
// pulled stances (exact_slot), each one's c (exact_c) and its share of the relaxation.
void Model::exact_pulls(RunState& st, double r) const {
  const size_t n = static_cast<size_t>(n_), ni = sc_.issues.size();
  double* share = st.stance_share.data();
  double* noise = st.stance_noise.data();
  for (size_t j : st.exact_slot) {
    share[j] = st.stance_base_share[j % n];
    noise[j] = st.stance_base_noise[j % n];
  }
  st.exact_slot.clear();
  st.exact_c.clear();
  st.rally_rdt = r;
  if (st.pulls.empty() && r == 0) return;
  double* rate = st.pull_total.data();  // per stance: sum_j p_j dt
  for (const auto& pl : st.pulls) rate[pl.target] = 0;
  if (r != 0)
    for (size_t k = 0; k < ni; ++k)
      for (size_t i : rally_) rate[k * n + i] = 0;
  for (const auto& pl : st.pulls) rate[pl.target] += pl.k;
  if (r != 0)
    for (size_t k = 0; k < ni; ++k)
      for (size_t i : rally_) rate[k * n + i] += r;
  auto exact = [&](size_t j) {
    // Bargaining issues have no relaxation toward a target: the pulls alone.
    // The relaxation's own rate k d_i (Model::stance_rates) and its Euler share k dt of the
    // gap to the target.
    const double adt = sc_.issues[j / n].model == StanceModel::Bargaining ? 0.0 : st.stance_kdt;
    const double R = adt * st.stance_d[j % n] + rate[j];
    const double c = R != 0 ? -std::expm1(-R) / R : 1.0;
    st.exact_slot.push_back(j);
    st.exact_c.push_back(c);
    // The noise of the same drift (Model::stances applies it where the issue relaxes): the
    // variance (1 - e^(-2R)) / 2R of a step per unit of noise^2 dt; negative R (a rally that
    // pushes away) has the same expression.
    noise[j] = std::sqrt(sc_.dt_years * (R != 0 ? -std::expm1(-2 * R) / (2 * R) : 1.0));
    share[j] = c * adt;
    rate[j] = std::numeric_limits<double>::quiet_NaN();  // done (a stance several pulls share)
  };
  for (const auto& pl : st.pulls)
    if (!std::isnan(rate[pl.target])) exact(pl.target);
  if (r != 0)
    for (size_t k = 0; k < ni; ++k)
      for (size_t i : rally_)
        if (!std::isnan(rate[k * n + i])) exact(k * n + i);
}

namespace {
constexpr MechanismEdge kEdges[] = {
    // Format 2: sanctions add repression (an effect with two sides)
    {ch_var(kRevenuePressure), ch_var(kRepression), kRepFromSanctions},
};
}  // namespace

template <>
bool MechanismStep<struct LeverChannels>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                               [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  m.channels(st, rng, t, trace);
  return false;
}

extern constinit const Mechanism kLeverChannelsMechanism{
    .id = "",
    .name = "lever channels",
    .doc =
        "active levers feed their channels by noisy-OR of weight x intensity x credibility (format 2: sanctions add "
        "repression)",
    .params = kParams,
    .edges = kEdges,
    .step = &MechanismStep<LeverChannels>::step,
};

}  // namespace geosim
