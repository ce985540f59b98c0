// Stance models inside a run: the bargaining round of an issue with
// `stance_model: bargaining`, on the run's stances, with lever-moved inputs.
#include "engine/model/stance.h"

#include <algorithm>

#include "engine/model/model.h"
#include "engine/stance/bargaining.h"

namespace geosim {

namespace {
inline double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
}  // namespace

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
    const BargainingEffect& e = lever_kinds()[static_cast<size_t>(lv.kind)].bargaining;
    const double strength = p[static_cast<size_t>(lv.intensity)] * p[static_cast<size_t>(lv.credibility)] *
                            p[static_cast<size_t>(lv.enabled)];
    capability[lv.target] += e.capability * strength;
    salience[lv.target] += e.salience * strength;
  }
  for (size_t i = 0; i < n; ++i) {
    const Actor& a = sc.actors[i];
    capability[i] = clamp01(p[static_cast<size_t>(a.capability)] * (1.0 + capability[i]));
    salience[i] = clamp01(p[static_cast<size_t>(a.salience)] * (1.0 + salience[i]));
  }
}

void bargaining_round(const Scenario& sc, RunState& st, int k) {
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
  bargaining::step(capability, salience, x, n, range, st.bws, nullptr);
}

}  // namespace geosim
