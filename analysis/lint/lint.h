// The lint of a scenario (geosim validate --lint; docs/scenario-format.md, "Lint"): what a
// scenario holds that can change no outcome.
//
// lint_structure follows the model's dependencies — the built-in mechanisms
// (mechanism_edges() in engine/model/mechanism.h), the influence between stances,
// events' drivers, conditions and effects, reacting levers' conditions — backwards from
// everything that ends a rule (outcome conditions, events with an outcome) and names the
// levers, events and uncertain parameters no path reaches, and the events with an outcome
// that can never fire. lint_pilot runs each lever's paired effect on a few runs and names
// the levers that changed no run's outcome. Warnings never stop a run: they point at work
// the scenario's author may have meant to do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/model/model.h"

namespace geosim {

struct LintWarning {
  FileLoc loc;
  std::string message, hint;
  std::string str() const;  // "file:line:col: warning: message; hint"
};

std::vector<LintWarning> lint_structure(const Scenario& sc);

// Levers whose paired effect (the lever switched off, common random numbers) changed the
// outcome of none of `runs` runs.
std::vector<LintWarning> lint_pilot(const Model& model, uint64_t runs, uint64_t seed);

}  // namespace geosim
