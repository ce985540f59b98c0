// Synthetic scenarios of a chosen size, for scaling benchmarks: `actors` actors in a ring
// of influence, `units` security-force units in 4 cohorts, `steps` weekly steps, a few
// levers and hazards. Generated as YAML so that they go through the real loader.
#pragma once

#include <sstream>
#include <string>

namespace geosim::bench {

inline std::string synthetic_yaml(int actors, int units, int steps) {
  std::ostringstream os;
  os << "geosim: 1\nid: synthetic\nstart: 2020-01-06\nstep: week\nhorizon: " << steps
     << "\nincumbent: a0\nchallenger: a1\nissues:\n  - {id: rule, noise: 0.01}\nactors:\n";
  for (int i = 0; i < actors; ++i) {
    const char* kind = i == 0 ? "regime" : (i == 2 ? "security_force" : (i == 1 ? "opposition" : "state"));
    os << "  - {id: a" << i << ", kind: " << kind << ", stance: {dist: uniform, min: " << (i % 2 ? -0.9 : 0.1)
       << ", max: " << (i % 2 ? -0.1 : 0.9) << "}, salience: 0.6, capability: 0.5, stubbornness: 0.6}\n";
  }
  os << "relations:\n";
  for (int i = 0; i < actors; ++i)
    for (int d = 1; d <= 3 && d < actors; ++d)
      os << "  - {from: a" << i << ", to: a" << (i + d) % actors << ", influence: 0.5}\n";
  os << "cohorts:\n";
  for (int c = 0; c < 4; ++c)
    os << "  - {id: c" << c << ", actor: a2, units: " << std::max(1, units / 4) << ", weight: 1, "
       << "threshold: {dist: normal, mean: " << 0.5 + 0.05 * c << ", sd: 0.1, min: 0, max: 1}}\n";
  os << "levers:\n"
     << "  - {id: sanctions, kind: sanctions_sectoral, by: a1, target: a0, intensity: 0.7}\n"
     << "  - {id: amnesty, kind: defection_incentive, by: a1, target: a2, intensity: 0.5, credibility: {dist: uniform, min: 0.2, max: 0.6}}\n"
     << "  - {id: aid, kind: military_aid, by: a3, target: a0, intensity: 0.5}\n"
     << "events:\n"
     << "  - {id: coup_attempt, hazard: {annual: 0.0362, drivers: {elite_pressure: 1.0, defected_share: 2.0}}, outcome: coup, success: 0.5}\n"
     << "  - {id: exit, hazard: {annual: 0.02, drivers: {exit_gain: 2.0}}, outcome: negotiated_exit}\n"
     << "outcomes:\n"
     << "  - {id: defection_collapse, when: \"defected_share >= 0.5\"}\n"
     << "  - {id: coup}\n  - {id: negotiated_exit}\n  - {id: status_quo, default: true}\n";
  return os.str();
}

}  // namespace geosim::bench
