// M1, stance dynamics: Friedkin-Johnsen opinion dynamics (or expected-utility bargaining per
// issue) with the levers' pulls and noise.
// A part of the model (engine/model/mechanism.h): its step, what it reads and writes, and its
// registration line in engine/model/mechanism.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/model/mechanism.h"
#include "engine/model/model.h"
#include "engine/model/model_math.h"
#include "engine/stance/bargaining_mc.h"
#include "engine/stance/stance_models.h"

namespace geosim {

using namespace model_math;

namespace {

// Its coefficients: `mechanisms.<group>.<name>`, row k with id k; `order` places the row
// in a scenario's list of parameters (engine/scenario/registry.h).
enum Coef : int { kStanceAdjust, kNumCoefs };
constexpr MechParamInfo kParams[] = {
    {.id = kStanceAdjust,
     .order = 27,
     .group = "stance",
     .name = "adjust_per_year",
     .default_value = 52.0,
     .range = {0, 3650},
     .unit = "1/year",
     .doc = "rate at which a stance closes the gap to its Friedkin-Johnsen target (1/year; 52: two thirds in a week)",
     .since_format = 2,
     .uniform_lo = 0,
     .uniform_hi = 0,
     .cite = "assumption: about two thirds of the way in a week, as format 1's weekly step went all the way"},
};
static_assert(rows_in_enum_order(kParams), "kParams rows must follow the Coef enum");

}  // namespace

namespace {
// The stances' state variables: every issue's stances, and the mean stance and stance gap on
// the first issue (after a step's stances, and when a successor takes over). Inlined into
// the step, where a call cost a percent of format 1's instructions.
[[gnu::always_inline]] inline void write_stance_vars(const Scenario& sc, size_t n, RunState& st) {
  const double* x = st.x.data();
  // Every issue's stances, in the variables' order (issue k, actor i at stance_var0 + k n + i).
  std::copy_n(x, sc.issues.size() * n, st.vars.data() + sc.stance_var0);
  double num = 0;
  for (size_t i = 0; i < n; ++i) num += st.cs[i] * x[i];
  const double den = st.cs_sum;
  st.vars[kVarMeanStance] = den > 0 ? num / den : 0.0;
  st.vars[kVarStanceGap] = sc.challenger.valid()
                               ? std::fabs(x[static_cast<size_t>(sc.incumbent)] - x[static_cast<size_t>(sc.challenger)])
                               : 0.0;
}
}  // namespace

// Format 2: each actor's own rate and what follows from it, from the influence matrix and the
// stubbornness (at a run's start, and when a successor's salience changes the matrix). Actor
// i's drift is k (T_i - x_i), with the target T_i = lambda_i sum_j W_ij x_j + (1 - lambda_i)
// x0_i moving with x_i by lambda_i W_ii: with the others held over the step it relaxes at
// k d_i, d_i = 1 - lambda_i W_ii, toward the target without its own term. The exact step
// closes the share (1 - e^(-k d_i dt)) / d_i of the gap to T_i (k dt as d_i -> 0), and the
// noise of that Ornstein-Uhlenbeck drift has variance (1 - e^(-2 k d_i dt)) / (2 k d_i) per
// unit of noise^2. (Closing 1 - e^(-k dt) of the gap, exact only at d_i = 1, made an actor of
// stubbornness 0.5 move 19% less in its first week in weekly steps than in daily ones, and
// its noise 16% smaller.) Then the pulled stances again, at their combined rates.
void Model::stance_rates(RunState& st) const {
  const size_t n = static_cast<size_t>(n_), ni = sc_.issues.size();
  const double kdt = st.stance_kdt, dt = sc_.dt_years;
  for (size_t i = 0; i < n; ++i) {
    const double d = 1.0 - st.lambda[i] * st.W[i * n + i];
    const double R = kdt * d;
    st.stance_d[i] = d;
    st.stance_base_share[i] = R != 0 ? -std::expm1(-R) / d : kdt;
    st.stance_base_noise[i] = std::sqrt(dt * (R != 0 ? -std::expm1(-2 * R) / (2 * R) : 1.0));
  }
  for (size_t k = 0; k < ni; ++k) {
    std::copy_n(st.stance_base_share.data(), n, st.stance_share.data() + k * n);
    std::copy_n(st.stance_base_noise.data(), n, st.stance_noise.data() + k * n);
  }
  if (!st.exact_slot.empty()) {
    st.exact_slot.clear();  // restored above
    exact_pulls(st, st.rally_rdt);
  }
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
      if (v2_) {
        // Format 2: the stances close a share 1 - e^(-adjust dt) of the gap to the
        // Friedkin-Johnsen target in a step (the same fixed point; format 1 closes all of it);
        // a stance that levers or the rally pull too, the exact step's share of the whole
        // relaxation (Model::channels).
        double* xn = st.xnext.data();
        const double* share = st.stance_share.data() + k * n;
        for (size_t i = 0; i < n; ++i) xn[i] = x[i] + share[i] * (xn[i] - x[i]);
      }
      from = st.xnext.data();
    }
    if (noise > 0) {
      if (st.noise_block != block) fill_noise(st, block);
      // The step's sd times a standard normal (RunState::noise_z). Format 2, where the stances
      // relax: the exact step of an Ornstein-Uhlenbeck drift (docs/model.md, M1), so that the
      // spread does not grow with the step's length.
      const bool relaxes = v2_ && !is.noise_per_step && is.model != StanceModel::Bargaining;
      const double* z = st.noise_z.data() + k * n * 4 + lane;
      if (relaxes)
        add_pull_noise_clamp_each(from, push, z, noise, st.stance_noise.data() + k * n, is.lo, is.hi, x,
                                  static_cast<int>(n));
      else
        add_pull_noise_clamp(from, push, z, noise * issue_noise_dt_[k], is.lo, is.hi, x, static_cast<int>(n));
    } else {
      for (size_t i = 0; i < n; ++i) {
        double xi = from[i];
        xi += push[i];
        x[i] = std::clamp(xi, is.lo, is.hi);
      }
    }
  }
  write_stance_vars(sc_, n, st);
}

// The stances' state variables (Model::stance_vars), out of line for a succession.
void Model::stance_vars(RunState& st) const { write_stance_vars(sc_, static_cast<size_t>(n_), st); }

template <>
bool MechanismStep<struct Stances>::step(const Model& m, RunState& st, [[maybe_unused]] const RunRng& rng,
                                         [[maybe_unused]] int t, [[maybe_unused]] Trace* trace) {
  m.stances(st, t, trace);
  return false;
}

// No edges of its own: the lint adds a scenario's influence between stances and the rally.
template <>
void MechanismStep<Stances>::init(const Model& m, RunState& st) {
  // Format 2: the share of the gap to the target a stance closes per step.
  if (m.v2_) {
    const double k = st.p[m.sc_.mech[kParams[kStanceAdjust].slot()].index()], dt = m.sc_.dt_years;
    st.stance_a = 1.0 - std::exp(-k * dt);
    st.stance_kdt = k * dt;
    st.exact_slot.clear();
    st.exact_c.clear();
    m.stance_rates(st);
  }
}

extern constinit const Mechanism kStancesMechanism{
    .id = "M1",
    .name = "stance dynamics",
    .doc =
        "Friedkin-Johnsen opinion dynamics (or expected-utility bargaining) with lever pulls and noise (format 2: at a "
        "rate per year, and a rally toward the incumbent under sanctions)",
    .params = kParams,
    .edges = {},
    .step = &MechanismStep<Stances>::step,
    .init = &MechanismStep<Stances>::init,
};

}  // namespace geosim
