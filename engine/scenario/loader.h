// Loading a scenario: files (with `extends:`), command-line overrides (`--set`), and the
// validation that turns mistakes into `file:line:col` messages, all of a file at once.
#pragma once

#include <string>
#include <vector>

#include "engine/scenario/scenario.h"
#include "engine/scenario/yaml_tree.h"

namespace geosim {

struct LoadLimits {
  YamlLimits yaml;
  int max_extends_depth = 16;
  int max_actors = 2000;
  int max_units = 1000000;
  int max_cohorts = 10000;
  int max_steps = 100000;
  int max_levers = 10000;
  int max_events = 10000;
  // A run's summary counts when each outcome happens, per step and thread: outcomes x steps.
  int max_outcomes = 1000;
};

struct LoadOptions {
  std::vector<std::string> sets;  // "PATH=VALUE" overrides, applied in order
  // Where each override came from, for its messages ("--until 2019-06-01"); where empty or
  // shorter than `sets`, "--set PATH=VALUE".
  std::vector<std::string> set_labels;
  LoadLimits limits;
};

// Reads `path`, resolves `extends:` (relative to each file), applies the overrides and
// validates. Throws InputError listing every problem.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});

// The merged YAML tree of a file and its `extends:` chain, before validation.
YNode load_scenario_tree(const std::string& path, const LoadLimits& limits = {});

// Applies one "PATH=VALUE" override to a tree. PATH walks maps by key and lists by item id
// (levers.oil_sanctions.intensity); VALUE is YAML (a number, or {dist: ...}).
// Its messages are located at `label` (column 1) when one is given, else at "--set PATH=VALUE".
void apply_set(YNode& root, const std::string& assignment, const std::string& label = "");
// Applies every override in order (labels[i], where present, names where the i-th came
// from). One that cannot be applied is left out and the rest are still tried, so that every
// mistake is reported at once (InputError holding them all).
void apply_sets(YNode& root, const std::vector<std::string>& assignments, const std::vector<std::string>& labels = {});

// A key an override cleared (`--set PATH=~`): build_scenario builds the scenario as if it
// were not written. drop_cleared_keys removes every such key from a tree.
bool is_cleared(const YNode& n);
void drop_cleared_keys(YNode& n);

// Validates a merged tree and builds the scenario.
Scenario build_scenario(const YNode& root, const std::string& file, const LoadLimits& limits = {});

}  // namespace geosim
