// M4, event hazards: scheduled events and hazards (logistic per step; format 2: a proportional
// hazard per year); an event with an outcome may end the run.
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
enum Coef : int { kCoupStance, kNumCoefs };
constexpr MechParamInfo kParams[] = {
    {.id = kCoupStance,
     .order = 35,
     .group = "coup",
     .name = "stance",
     .default_value = 1.5,
     .range = {-20, 20},
     .unit = "log-hazard",
     .doc = "log-hazard weight, on every event whose outcome is coup, of how far the security forces and the regime's "
            "insiders have turned against the incumbent since the start (on a 0-1 scale)",
     .since_format = 2,
     .uniform_lo = 0.0,
     .uniform_hi = 3.0,
     .cite = "uniform(0, 3): coups come from insiders who turn against the ruler (Svolik 2012, The Politics of "
             "Authoritarian Rule; Powell 2012, JCR 56(6))"},
};
static_assert(rows_in_enum_order(kParams), "kParams rows must follow the Coef enum");

}  // namespace

void Model::apply_effects(RunState& st, const Effects& e, int t, Trace* trace, double at) const {
  const auto& p = st.p;
  if (e.defection_shock != kNoParam) {
    double s = p[static_cast<size_t>(e.defection_shock)];
    if (!v2_) {
      int end = std::min(sc_.horizon, t + e.shock_steps);
      for (int k = t; k < end; ++k) st.shock[static_cast<size_t>(k)] += s;
    } else {
      // Format 2: from the moment the event fired (at, a share of step t) for the shock's days;
      // each step holds its mean (the state variable `shock`), the cascade its segments.
      const double begin = t + at, end = begin + e.shock_span;
      const int last = std::min(sc_.horizon, static_cast<int>(std::ceil(end)));
      for (int k = t; k < last; ++k)
        st.shock[static_cast<size_t>(k)] += s * (std::min(end, k + 1.0) - std::max(begin, static_cast<double>(k)));
      if (end > begin && !sc_.cohorts.empty()) st.shocks.push_back({begin, end, s});
    }
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
  using H = HazardPlan;
  // A successor rules from the step after he took over: nothing ends his rule in this one.
  // (Recomputed after an event fires below, where a successor may have taken over.)
  bool new_ruler = st.successions > 0 && st.ruler_since == t + 1;
  // Two uniforms per step: whether it fires, and whether it succeeds (words 2t and 2t + 1
  // of the event's stream: counter t >> 1, words 2 (t & 1) and 2 (t & 1) + 1).
  const size_t words = 4 * ((static_cast<size_t>(t) & 3) >> 1) + 2 * (static_cast<size_t>(t) & 1);
  // The arrays the loop reads. Only fire_event changes the run's state, and it changes values,
  // never sizes, so the pointers stay valid.
  const H* plan = hazard_plan_.data();
  const HazardDriver* drivers = hazard_drivers_.data();
  const int* fired = st.fired.data();
  const double* p = st.p.data();
  const double* vars = st.vars.data();
  const double* logit0 = st.event_logit0.data();
  const double* p0 = st.event_p0.data();
  const uint32_t* cached_words = st.words.data() + words;
  const size_t events = hazard_plan_.size();
  const bool cut = st.segs > 0;  // a step that levers' windows cut (fire_event leaves it)
  for (size_t e = 0; e < events; ++e) {
    const H& h = plan[e];
    if (h.max_fires > 0 && fired[e] >= h.max_fires) continue;
    if ((h.flags & H::kEndsRule) && new_ruler) continue;
    RunRng::Philox::ctr_type once;
    auto word_pair = [&]() -> const uint32_t* {
      if (h.word != SIZE_MAX) return cached_words + 4 * h.word;
      once = rng.bits(event_stream_[e], static_cast<uint32_t>(t) >> 1);
      return once.data() + 2 * (static_cast<size_t>(t) & 1);
    };
    const uint32_t* w;
    double z = 0;  // format 2, with drivers: the log of the step's hazard (h dt e^(b.v))
    double at = 0;  // format 2, an event with a defection shock: when in the step it fires
    if (h.flags & H::kScheduled) {
      if (t != h.at) continue;
      w = word_pair();
      at = h.at_offset;
    } else {
      if (t < h.from || t >= h.until) continue;
      // Format 2: the window's first or last step may hold only part of it (never in format 1).
      const bool partial = (h.flags & H::kPartial) && (t == h.from || t == h.until - 1);
      const double share = partial ? (t == h.from ? h.from_frac : 1.0) * (t == h.until - 1 ? h.until_frac : 1.0) : 1.0;
      if (h.gate >= 0 && !st.event_gate[static_cast<size_t>(h.gate)].holds()) continue;
      // A new ruler's first years: the hazards of events that would end his rule are raised.
      const bool trap = (h.flags & H::kTrap) && vars[static_cast<size_t>(sc_.succession_var0) + 2] > 0;
      const double factor = trap ? p[static_cast<size_t>(sc_.leadership.new_ruler_risk)] : 1.0;
      if (h.flags & H::kLogit) {
        z = logit0[e];
        // Format 2: a coup's hazard reads the insiders' stance against the incumbent,
        // measured from where they stood at the start, so that the base rate stays the
        // scenario's (a cited coup rate) until they move.
        if (h.flags & H::kInsiders)
          z += p[sc_.mech[kParams[kCoupStance].slot()].index()] * (insiders_against(st) - st.insiders0);
        for (uint32_t d = h.drivers_begin; d < h.drivers_end; ++d) z += p[drivers[d].coef] * vars[drivers[d].var];
        if (trap) z += factor > 0 ? std::log(factor) : -std::numeric_limits<double>::infinity();
        // Format 2: a step cut by levers' windows holds the sum of its segments' hazards.
        if (cut && (h.flags & H::kChannels)) {
          z = segmented_hazard(st, e, t, z);
          if (!(z > -std::numeric_limits<double>::infinity())) continue;
        } else if (partial) {
          z += std::log(share);
        }
        // logistic(z) > 0 unless exp(-z) overflows; the draw only memoises, so taking it
        // whenever z is finite changes nothing.
        w = word_pair();
        // Format 2: a proportional hazard, grouped by step (complementary log-log link:
        // p = 1 - exp(-h dt e^(b.v))), the same law in daily and weekly steps while the drivers
        // hold still; format 1: logistic(logit(p_step) + b.v).
        const double u0 = u32_to_open01(w[0]);
        if (!(v2_ ? below_cloglog(u0, z) : below_logistic(u0, z))) continue;
        if (h.flags & H::kMoment) at = firing_time(h, t, -std::log1p(-u0) / std::exp(z));
      } else {
        double prob = p0[e];
        // Format 2: the trap multiplies the hazard rate; format 1: the step's probability.
        if (trap)
          prob = v2_ ? -std::expm1(factor * std::log1p(-std::min(prob, 1.0 - 1e-16))) : std::min(1.0, prob * factor);
        if (partial) prob = -std::expm1(share * std::log1p(-prob));
        if (prob <= 0) continue;
        w = word_pair();
        const double u0 = u32_to_open01(w[0]);
        if (!(u0 < prob)) continue;
        if (h.flags & H::kMoment) at = firing_time(h, t, std::log1p(-u0) / std::log1p(-prob));
      }
    }
    if (fire_event(st, rng, t, trace, e, u32_to_open01(w[1]), at)) return true;
    new_ruler = st.successions > 0 && st.ruler_since == t + 1;
    if (h.self != SIZE_MAX && !(h.flags & H::kScheduled) && fire_again(st, rng, t, trace, e, z, w[0], new_ruler))
      return true;
  }
  return false;
}

// Format 2: the log of the hazard that a step cut into segments by levers' windows holds
// (RunState::segs), given z, the log of its hazard at the step's channels (each lever scaled by
// its share): the sum over the segments of the share of the step that each holds of the
// event's window times e^(z_s), z_s reading the segment's channels, as the segments' days in
// daily steps would add up. Without it a driver read e^(b x share x channel) for the step where
// the days of the window hold e^(b x channel), which for a large b is much more. Computed as
// max z_s + log(sum ...) so that no term overflows; -inf when the window holds none of it.
double Model::segmented_hazard(const RunState& st, size_t e, int t, double z) const {
  const HazardPlan& h = hazard_plan_[e];
  const double ea = window_begin(h, t), eb = window_end(h, t);
  const double* vars = st.vars.data();
  const double* p = st.p.data();
  auto seg_z = [&](int s) {
    double zs = z;
    const double* ch = st.seg_ch.data() + static_cast<size_t>(s) * kNumChannels;
    for (uint32_t d = h.drivers_begin; d < h.drivers_end; ++d) {
      const size_t var = hazard_drivers_[d].var;
      if (var >= static_cast<size_t>(kVarFirstChannel) && var < static_cast<size_t>(kNumFixedVars))
        zs += p[hazard_drivers_[d].coef] * (ch[var - kVarFirstChannel] - vars[var]);
    }
    return zs;
  };
  // Each segment's share of the window (ea, eb: where the event's own window begins and ends
  // in the step) and its z, passed to f; twice, for the largest z and then the sum.
  auto each = [&](auto f) {
    double start = 0;
    for (int s = 0; s < st.segs; ++s) {
      const double w = st.seg_w[static_cast<size_t>(s)];
      const double held = std::min(start + w, eb) - std::max(start, ea);
      start += w;
      if (held > 0) f(held, seg_z(s));
    }
  };
  double zmax = -std::numeric_limits<double>::infinity(), sum = 0;
  each([&](double, double zs) { zmax = std::max(zmax, zs); });
  if (!(zmax > -std::numeric_limits<double>::infinity())) return zmax;
  each([&](double held, double zs) { sum += held * std::exp(zs - zmax); });
  return zmax + std::log(sum);
}

// Format 2: when in step t an event fired, as a share of the step, given the share `f` of
// the hazard that its window holds in the step that had passed when it fired (-ln(1 - u) / L
// for its draw u below 1 - e^(-L)): the hazard is taken as even over the part of the step its
// window holds. Where its defection shock begins (Model::apply_effects).
double Model::firing_time(const HazardPlan& h, int t, double f) {
  const double ea = window_begin(h, t);
  return ea + (window_end(h, t) - ea) * std::clamp(f, 0.0, 1.0);
}

// Format 2: an event whose hazard reads its own count (fired.<self>, coefficient b) fires
// again within the step at the raised hazard, as the continuous-time process does: the step's
// hazard L = e^z is held over the step, the first firing came at the share
// tau = -ln(1 - u0) / L of it (u0, its draw, is uniform below 1 - e^(-L) given that it fired),
// and each firing multiplies L by e^b for the rest of the step. Without this the event fired
// at most once a step, which made a self-exciting event's firings, and all they drive, depend
// on the step's length (a wave of strikes a week at most in weekly steps, seven in daily ones).
// The draws of firing k = 1, 2, ... are words 0 (whether) and 1 (success) of counter
// (t << 10 | k) of the event's second stream; at most kMaxFiresPerStep firings a step.
bool Model::fire_again(RunState& st, const RunRng& rng, int t, Trace* trace, size_t e, double z, uint32_t w0,
                       bool& new_ruler) const {
  const HazardPlan& h = hazard_plan_[e];
  const double b = st.p[h.self];
  double used = -std::log1p(-u32_to_open01(w0)) / std::exp(z);
  for (uint32_t k = 1; k < kMaxFiresPerStep; ++k) {
    if (h.max_fires > 0 && st.fired[e] >= h.max_fires) break;
    if ((h.flags & HazardPlan::kEndsRule) && new_ruler) break;
    z += b;
    const double rest = 1.0 - used;
    if (!(rest > 0)) break;
    const auto words = rng.bits(event_again_stream_[e], (static_cast<uint32_t>(t) << 10) | k);
    const double u = u32_to_open01(words[0]);
    if (!below_cloglog(u, z + std::log(rest))) break;
    used += -std::log1p(-u) / std::exp(z);
    const double at = (h.flags & HazardPlan::kMoment) ? firing_time(h, t, used) : 0.0;
    if (fire_event(st, rng, t, trace, e, u32_to_open01(words[1]), at)) return true;
    new_ruler = st.successions > 0 && st.ruler_since == t + 1;
  }
  return false;
}

bool Model::fire_event(RunState& st, const RunRng& rng, int t, Trace* trace, size_t e, double u1, double at) const {
  const Event& ev = sc_.events[e];
  bool ok = false;
  if (ev.outcome >= 0) {
    double success = ev.success == kNoParam ? 1.0 : st.p[static_cast<size_t>(ev.success)];
    if (st.defer_draws && std::isnan(success)) success = deferred_draw(st, rng, static_cast<size_t>(ev.success));
    ok = u1 < success;
    // Format 2: the cascade acts at the start of the step and of each piece of a cut step,
    // the event at its moment `at`. What the cascade's pieces that begin before that moment
    // bring comes first: if the units they admit make an outcome's condition hold, that
    // outcome ends the rule, and the event does not happen, its target gone (a successor, who
    // cannot fall in the step he takes over, gets nothing of it): it is neither counted nor
    // told. Without this the cascade ran after the step's events, so an event anywhere in a
    // week beat a collapse at its start.
    if (ok && (hazard_plan_[e].flags & HazardPlan::kMoment) && at > 0 && !sc_.cohorts.empty()) {
      const double before = st.vars[kVarDefectedShare];
      defection(st, rng, t, trace, at);
      if (st.vars[kVarDefectedShare] != before) {
        const Ended ended = end_by_condition(st, rng, t, trace);
        if (ended != Ended::kNone) return ended == Ended::kRun;
      }
    }
  }
  st.fired[e] += 1;
  if (st.first_fire[e] < 0) st.first_fire[e] = t;
  st.vars[static_cast<size_t>(sc_.fired_var0) + e] = st.fired[e];
  if (ev.outcome >= 0) {
    if (trace) trace->event(t, ev, true, ok);
    // A successor who rules on gets no effects of the event, as when the run ends.
    if (ok) return end_rule(st, rng, t, ev.outcome, trace, trace ? "event '" + ev.id + "' succeeded" : std::string());
    apply_effects(st, ev.on_failure, t, trace, at);
  } else if (trace) {
    trace->event(t, ev, false, false);
  }
  apply_effects(st, ev.effects, t, trace, at);
  return false;
}

// A parameter whose draw init_run deferred (RunState::defer_draws): the value init_run would
// have drawn, from the first two words of counter (stream, 0), kept in p from now on.
double Model::deferred_draw(RunState& st, const RunRng& rng, size_t param) const {
  const Param& pr = sc_.params[param];
  const double v = pr.dist.quantile(rng.uniform(pr.stream, 0));
  st.p[param] = v;
  return v;
}

// Format 2: the capability-weighted stance against the incumbent of the security forces and
// the regime's insiders, on the first issue (0: all for him, 1: all against).
double Model::insiders_against(const RunState& st) const {
  const Issue& is = sc_.issues[0];
  double num = 0, den = 0;
  for (size_t i : circle_) {
    const double c = st.p[static_cast<size_t>(sc_.actors[i].capability)];
    num += c * (is.hi - st.x[i]) / (is.hi - is.lo);
    den += c;
  }
  return den > 0 ? num / den : 0.0;
}

template <>
bool MechanismStep<struct Hazards>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                         [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  // Hazards read the last step's fall risk and exit gain; before the first step there is
  // no last step, so they are computed from the starting state.
  if (t == 0) m.exit_calculus(st);
  return m.events(st, rng, t, trace);
}

// No edges of its own: the lint adds what each event of a scenario reads and changes.
template <>
void MechanismStep<Hazards>::init(const Model& m, RunState& st) {
  // Format 2: where the insiders stand at the start, from which a coup's hazard measures them.
  if (m.v2_) st.insiders0 = m.insiders_against(st);
}

extern constinit const Mechanism kHazardsMechanism{
    .id = "M4",
    .name = "event hazards",
    .doc =
        "scheduled and hazard events (logistic per step; format 2: a proportional hazard per year); an event with an "
        "outcome may end the run",
    .params = kParams,
    .edges = {},
    .step = &MechanismStep<Hazards>::step,
    .init = &MechanismStep<Hazards>::init,
};

}  // namespace geosim
