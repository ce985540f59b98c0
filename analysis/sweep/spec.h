// Sweep specifications: which parameters of which scenario to vary, how, and what to record.
//
// A spec is a small YAML file (docs/sweep-format.md). Loading it checks every key with the
// same `file:line:col: what; hint` messages as scenarios; planning it loads the base
// scenario once, resolves every parameter path to a ParamId (so a point sets values in a
// ParamValues array instead of reparsing the scenario) and generates the design's points.
// The plan's hash covers the spec, the merged scenario tree and the geosim version: a
// results directory holding another hash belongs to another sweep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/scenario/scenario.h"
#include "engine/scenario/yaml_tree.h"

namespace geosim {

struct PosteriorSample;  // analysis/calibrate/posterior.h
class RunValues;         // engine/runner/run_loop.h

struct SweepParam {
  std::string path;            // as for --set, e.g. levers.sanctions.intensity
  FileLoc loc;                 // of the path, for errors found against the scenario
  std::vector<double> values;  // grid: the listed values, or min..max in `steps` steps
  double min = 0, max = 0;     // lhs, sobol, random: the interval sampled
  uint64_t steps = 0;          // grid from min, max and steps: their number (0: values listed)
};

struct SweepSpec {
  std::string file;              // the spec file
  std::string id, description;
  std::string scenario;          // base scenario, resolved relative to the spec's folder
  FileLoc scenario_loc;
  std::vector<std::string> sets;  // PATH=VALUE overrides of the base scenario
  std::vector<FileLoc> set_locs;  // where each is written in the spec (errors are reported there)
  std::vector<char> set_quoted;   // whether it is written in quotes
  std::string posterior;          // a `geosim calibrate` folder the runs draw from ("": the prior)
  FileLoc posterior_loc;
  std::vector<SweepParam> params;
  std::string design = "grid";   // a row of design_kinds()
  FileLoc design_loc;
  int64_t points = 0;            // number of points (grid: product of the value counts)
  uint64_t runs = 1000;          // Monte Carlo runs per point
  uint64_t seed = 1;             // seed of the runs and of the design
  bool common_random_numbers = true;  // every point uses runs 0..runs-1 of `seed`
  std::vector<std::pair<std::string, FileLoc>> outcomes;  // empty: every outcome
  std::vector<std::pair<std::string, FileLoc>> states;    // fan variables summarised at the horizon
  bool regime = false;  // record.regime: the regime's fate and who rules at the horizon (a leader's scenario)
  FileLoc regime_loc;
  std::string canonical;         // the spec's content without comments or layout (hashed)
};

// Limits that keep a spec from asking for an absurd amount of work or storage.
struct SweepLimits {
  int64_t max_points = 10000000;
  uint64_t max_runs = uint64_t{1} << 32;  // per point
  int max_params = 1000;
};

// Reads and checks a spec on its own; throws InputError listing every problem.
SweepSpec load_sweep_spec(const std::string& path, const SweepLimits& limits = {});
// The same, adding the problems to `diags` instead of throwing (a spec that is not a map
// still throws at once).
SweepSpec read_sweep_spec(const std::string& path, const SweepLimits& limits, Diagnostics& diags);

// A spec resolved against its scenario, with its points.
struct SweepPlan {
  SweepSpec spec;
  Scenario scenario;
  // From the spec's `posterior:` (load_sweep_posterior, analysis/sweep/sweep.h): each run of
  // a point takes a particle (docs/calibration.md).
  std::shared_ptr<const PosteriorSample> posterior;
  std::shared_ptr<const RunValues> per_run;
  std::vector<ParamId> ids;        // one per spec parameter
  std::vector<int> outcomes;       // recorded outcomes, scenario order
  // What each point records as counts of runs, in its columns' order: the recorded outcomes'
  // ids, then with record.regime `regime.<fate>` for each fate and `ruler.<id>` for each
  // ruler slot (Leadership::rulers()). Within each of the three groups a run counts once.
  std::vector<std::string> tallies;
  size_t rulers = 0;  // ruler slots recorded (0 without record.regime)
  std::vector<int> states;         // recorded variables, as indices into scenario.fans
  int64_t points = 0;
  std::vector<double> values;      // points x params, row-major
  std::string hash;                // 16 hex digits
  double value(int64_t point, size_t k) const {
    return values[static_cast<size_t>(point) * ids.size() + k];
  }
  // Seed of a point's runs (the spec's seed under common random numbers).
  uint64_t point_seed(int64_t point) const;
  // The values that replace draws at `point` (NaN elsewhere).
  ParamValues fixed(int64_t point) const;
};

// The plan of a checked spec: loads its scenario and checks the parameter paths, outcomes
// and states against it. `earlier`: errors already found in the spec, reported together
// with these (InputError holding all of them).
SweepPlan plan_sweep(const SweepSpec& spec, const Diagnostics* earlier = nullptr);

// Reads a spec and plans it, reporting every error of the spec and of its names in the
// scenario at once (what `geosim sweep` and `geosim validate` use).
SweepPlan load_sweep_plan(const std::string& path, const SweepLimits& limits = {});


}  // namespace geosim
