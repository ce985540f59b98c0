// Scenario::inert_params: what can change nothing in any run. It reads the mechanisms' edges
// between channels (engine/model/mechanism.h), so it lives beside them rather than with the
// scenario's loader (whose files the fuzz build compiles as C++17; tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <vector>

#include "engine/model/mechanism.h"
#include "engine/scenario/registry.h"
#include "engine/scenario/scenario.h"

namespace geosim {

std::vector<bool> Scenario::inert_params() const {
  std::vector<bool> inert(params.size(), false);
  auto fixed_zero = [&](ParamId id) {
    const Param& p = params[static_cast<size_t>(id)];
    return p.dist.is_constant() && p.dist.value() == 0;
  };
  // The channels that a lever able to act feeds (the same rows as Model's: the target's side
  // chooses them), then those a mechanism computes from such a channel while the edge's
  // coefficient is not a fixed 0 (format 2: sanctions add repression).
  bool fed[kNumChannels] = {};
  for (const Lever& lv : levers) {
    if (fixed_zero(lv.enabled) || fixed_zero(lv.intensity) || fixed_zero(lv.credibility)) {
      for (ParamId id : {lv.intensity, lv.credibility, lv.enabled, lv.stance_push})
        inert[static_cast<size_t>(id)] = true;
      continue;
    }
    const LeverKindInfo& kind = lever_kinds()[static_cast<size_t>(lv.kind)];
    for (const ChannelWeight& cw : actors[static_cast<size_t>(lv.target)].regime_side ? kind.on_regime : kind.on_other)
      if (cw.weight != 0) fed[cw.channel] = true;
  }
  auto channel_of = [](int var) {
    return var >= kVarFirstChannel && var < kNumFixedVars ? var - kVarFirstChannel : -1;
  };
  for (bool more = true; more;) {
    more = false;
    for (const MechanismEdge& e : mechanism_edges()) {
      const int from = channel_of(e.from), to = channel_of(e.to);
      if (from < 0 || to < 0 || !fed[from] || fed[to]) continue;
      const ParamId coef = e.coef == kNoCoef ? kNoParam : mech[static_cast<size_t>(e.coef)];
      if (e.coef != kNoCoef && (coef == kNoParam || fixed_zero(coef))) continue;
      fed[to] = more = true;
    }
  }
  // A mechanism's coefficient that acts only through channels of which one is never fed.
  for (size_t i = 0; i < mech.size(); ++i) {
    if (mech[i] == kNoParam) continue;
    for (int c = 0; c < kNumChannels; ++c)
      if ((mech_param_info(static_cast<int>(i)).via >> c & 1u) && !fed[c]) inert[static_cast<size_t>(mech[i])] = true;
  }
  std::vector<int> followers(factors.size(), 0), live(factors.size(), 0);
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].factor >= 0) {
      ++followers[static_cast<size_t>(params[i].factor)];
      if (!inert[i]) ++live[static_cast<size_t>(params[i].factor)];
    }
  for (size_t f = 0; f < factors.size(); ++f)
    if (followers[f] > 0 && live[f] == 0) inert[static_cast<size_t>(factors[f].param)] = true;
  return inert;
}

}  // namespace geosim
