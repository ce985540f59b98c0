// Stance models inside a run: the bargaining round of an issue with
// `stance_model: bargaining`, on the run's stances, with lever-moved inputs.
#include "engine/stance/stance_models.h"

#include <algorithm>
#include <vector>

#include "engine/core/simd.h"
#include "engine/model/levers.h"
#include "engine/model/model.h"
#include "engine/stance/bargaining.h"

namespace geosim {

namespace {
inline double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
}  // namespace

namespace {
// Rows i0 .. i0 + 4B - 1 of Lambda W x + (I - Lambda) x0: W x in B registers of four rows
// that share each x_j, then mixed with x0 lane by lane.
template <int B>
inline void fj_rows(const double* Wt, const double* lambda, const double* x0, const double* x, double* out, int n,
                    int n4, int i0) {
  Double4 acc[B];
  for (int b = 0; b < B; ++b) acc[b] = Double4{0.0, 0.0, 0.0, 0.0};
  const double* col = Wt + i0;
  for (int j = 0; j < n; ++j, col += n4) {
    const double xj = x[j];
    for (int b = 0; b < B; ++b) {
      Double4 c;
      __builtin_memcpy(&c, col + 4 * b, sizeof c);
      acc[b] += c * xj;
    }
  }
  const Double4 one = {1.0, 1.0, 1.0, 1.0};
  for (int b = 0; b < B; ++b) {
    Double4 l, a;
    __builtin_memcpy(&l, lambda + i0 + 4 * b, sizeof l);
    __builtin_memcpy(&a, x0 + i0 + 4 * b, sizeof a);
    const Double4 r = l * acc[b] + (one - l) * a;
    __builtin_memcpy(out + i0 + 4 * b, &r, sizeof r);
  }
}
}  // namespace

GEOSIM_SIMD_CLONES
void friedkin_johnsen_step(const double* Wt, const double* lambda, const double* x0, const double* x,
                           double* xnext, int n, int n4) {
  int i0 = 0;
  for (; i0 + 16 <= n4; i0 += 16) fj_rows<4>(Wt, lambda, x0, x, xnext, n, n4, i0);
  switch ((n4 - i0) / 4) {
    case 3: fj_rows<3>(Wt, lambda, x0, x, xnext, n, n4, i0); break;
    case 2: fj_rows<2>(Wt, lambda, x0, x, xnext, n, n4, i0); break;
    case 1: fj_rows<1>(Wt, lambda, x0, x, xnext, n, n4, i0); break;
    default: break;
  }
}

GEOSIM_SIMD_CLONES
void add_pull_noise_clamp(const double* from, const double* push, const double* z, double sd, double lo, double hi,
                          double* x, int n) {
  const Double4 sd4 = {sd, sd, sd, sd}, lo4 = {lo, lo, lo, lo}, hi4 = {hi, hi, hi, hi};
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    Double4 xi, p;
    __builtin_memcpy(&xi, from + i, sizeof xi);
    __builtin_memcpy(&p, push + i, sizeof p);
    const Double4 zi = {z[4 * i], z[4 * i + 4], z[4 * i + 8], z[4 * i + 12]};
    xi += p;
    xi += sd4 * zi;
    // std::clamp(xi, lo, hi): xi < lo ? lo : (hi < xi ? hi : xi).
    xi = xi < lo4 ? lo4 : (hi4 < xi ? hi4 : xi);
    __builtin_memcpy(x + i, &xi, sizeof xi);
  }
  for (; i < n; ++i) {
    double xi = from[i];
    xi += push[i];
    xi += sd * z[4 * i];
    x[i] = std::clamp(xi, lo, hi);
  }
}

GEOSIM_SIMD_CLONES
void add_pull_noise_clamp_each(const double* from, const double* push, const double* z, double noise, const double* f,
                               double lo, double hi, double* x, int n) {
  const Double4 noise4 = {noise, noise, noise, noise}, lo4 = {lo, lo, lo, lo}, hi4 = {hi, hi, hi, hi};
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    Double4 xi, p, fi;
    __builtin_memcpy(&xi, from + i, sizeof xi);
    __builtin_memcpy(&p, push + i, sizeof p);
    __builtin_memcpy(&fi, f + i, sizeof fi);
    const Double4 zi = {z[4 * i], z[4 * i + 4], z[4 * i + 8], z[4 * i + 12]};
    xi += p;
    xi += (noise4 * fi) * zi;
    xi = xi < lo4 ? lo4 : (hi4 < xi ? hi4 : xi);
    __builtin_memcpy(x + i, &xi, sizeof xi);
  }
  for (; i < n; ++i) {
    double xi = from[i];
    xi += push[i];
    xi += (noise * f[i]) * z[4 * i];
    x[i] = std::clamp(xi, lo, hi);
  }
}

// Effective capability (first n) and salience (next n) of every actor.
size_t bargaining_scratch_size(int n) { return static_cast<size_t>(n) * 2; }

void bargaining_inputs(const Scenario& sc, const RunState& st, int k, double* capability, double* salience) {
  const size_t n = sc.actors.size();
  const auto& p = st.p;
  // Σ effects per actor first, then one multiplication: the order in which levers are
  // listed cannot change the result beyond the sum's own rounding.
  std::fill(capability, capability + n, 0.0);
  std::fill(salience, salience + n, 0.0);
  for (size_t l = 0; l < sc.levers.size(); ++l) {
    const Lever& lv = sc.levers[l];
    if (!st.lever_active[l] || lv.issue != k) continue;
    const BargainingEffect e = lever_rules::bargaining_effect(lv, lever_rules::strength(lv, p));
    capability[lv.target.index()] += e.capability;
    salience[lv.target.index()] += e.salience;
  }
  for (size_t i = 0; i < n; ++i) {
    const Actor& a = sc.actors[i];
    capability[i] = clamp01(p[static_cast<size_t>(a.capability)] * (1.0 + capability[i]));
    salience[i] = clamp01(p[static_cast<size_t>(a.salience)] * (1.0 + salience[i]));
  }
}

void bargaining_round(const Scenario& sc, RunState& st, int k, Trace* trace, int t) {
  const int n = static_cast<int>(sc.actors.size());
  if (n < 2) return;  // nobody to bargain with
  GEOSIM_CHECK(st.bscratch.size() >= bargaining_scratch_size(n), "RunState not prepared for bargaining");
  double* capability = st.bscratch.data();
  double* salience = capability + n;
  bargaining_inputs(sc, st, k, capability, salience);

  double* x = st.x.data() + static_cast<size_t>(k) * static_cast<size_t>(n);
  const double* x0 = st.x0.data() + static_cast<size_t>(k) * static_cast<size_t>(n);
  const auto [lo0, hi0] = std::minmax_element(x0, x0 + n);
  const auto [lo, hi] = std::minmax_element(x, x + n);
  // R is fixed from the run's initial positions, as in the replication. Inside a scenario,
  // noise and lever pushes can carry a stance outside that span; the round then uses the
  // current spread, so that every distance / R stays in [0, 1] as the utilities require.
  const double range = std::max(*hi0 - *lo0, *hi - *lo);
  if (!(range > 0)) return;  // everyone agrees: nothing to bargain over
  st.bws.reserve(n);         // allocates on a thread's first round only
  if (trace == nullptr) {
    bargaining::step(capability, salience, x, n, range, st.bws, nullptr);
    return;
  }
  // The story of the round (--replay): the same step, which only also writes the moves, and
  // the forecast before and after, computed beside it from the same inputs (the medians
  // leave the positions and the workspace's meaning untouched).
  std::vector<bargaining::Move> moves(static_cast<size_t>(n));
  const double before = bargaining::weighted_median(x, capability, salience, n, range, st.bws);
  bargaining::step(capability, salience, x, n, range, st.bws, moves.data());
  const double after = bargaining::weighted_median(x, capability, salience, n, range, st.bws);
  trace->bargaining(t, sc.issues[static_cast<size_t>(k)], moves.data(), n, before, after);
}

}  // namespace geosim
