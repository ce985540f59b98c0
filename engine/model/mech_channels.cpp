// The lever channels: each step the active levers feed their channels (noisy-OR of weight x
// intensity x credibility), after the levers that react have decided whether they act.
// A part of the model (engine/model/mechanism.h): its step, what it reads and writes, and its
// registration line in engine/model/mechanism.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/model/levers.h"
#include "engine/model/mechanism.h"
#include "engine/model/model.h"
#include "engine/model/model_math.h"

namespace geosim {

using namespace model_math;

void Model::channels(RunState& st, const RunRng& rng, int t, Trace* trace) const {
  bool change = lever_change_[static_cast<size_t>(t)];
  if (!react_.empty() || !sc_.decisions.empty()) change |= react(st, rng, t, trace);
  if (change) update_levers(st, t, trace);
  // Pull each target's stance toward its lever's actor (on the lever's issue).
  std::fill(st.push.begin(), st.push.end(), 0.0);
  double* push = st.push.data();
  const double* x = st.x.data();
  for (const auto& pl : st.pulls) push[pl.target] += pl.k * (x[pl.by] - x[pl.target]);
  if (v2_ && sc_.incumbent.valid()) {
    // Rally round the flag (format 2): sectoral sanctions pull the actors at home toward the
    // incumbent, at `rally` per year at full pressure (a negative rally pushes them away).
    const double r = st.p[static_cast<size_t>(sc_.mech[kStanceRally])] *
                     st.vars[static_cast<size_t>(ch_var(kRevenuePressure))] * sc_.dt_years;
    if (r != 0) {
      const size_t n = static_cast<size_t>(n_);
      for (size_t k = 0; k < sc_.issues.size(); ++k)
        for (size_t i : rally_) push[k * n + i] += r * (x[k * n + static_cast<size_t>(sc_.incumbent)] - x[k * n + i]);
    }
  }
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

extern const Mechanism kLeverChannelsMechanism{
    .id = "",
    .name = "lever channels",
    .group = "repression",
    .doc =
        "active levers feed their channels by noisy-OR of weight x intensity x credibility (format 2: sanctions add "
        "repression)",
    .edges = kEdges,
    .step = &MechanismStep<LeverChannels>::step,
};

}  // namespace geosim
