#include "engine/model/mechanism.h"

namespace geosim {

// Each defined in its engine/model/mech_<name>.cpp.
extern const Mechanism kLeverChannelsMechanism, kResourcesMechanism, kStancesMechanism, kHazardsMechanism,
    kCascadeMechanism, kExitCalculusMechanism;

const std::vector<const Mechanism*>& mechanisms() {
  // The order of a step (docs/model.md): one line per mechanism.
  static const std::vector<const Mechanism*> parts = {
      &kLeverChannelsMechanism,  // the levers act on their channels
      &kResourcesMechanism,      // M2
      &kStancesMechanism,        // M1
      &kHazardsMechanism,        // M4 (may end the run)
      &kCascadeMechanism,        // M3
      &kExitCalculusMechanism,   // M5
  };
  return parts;
}

const std::vector<MechanismEdge>& mechanism_edges() {
  static const std::vector<MechanismEdge> edges = [] {
    std::vector<MechanismEdge> all;
    for (const Mechanism* m : mechanisms()) all.insert(all.end(), m->edges.begin(), m->edges.end());
    return all;
  }();
  return edges;
}

}  // namespace geosim
