// The input of `geosim bargain` (cli/cmd_bargain.cpp): what the command bargains
// over, read from a scenario's issue or a CSV, and the central story told round by round.
// From a scenario it takes each actor's capability, salience and stance, moved by the
// levers active at the step that --at names, and it draws run r's inputs exactly as run r
// of `geosim run` does, so that `bargain --runs` and a scenario's runs agree. Kept apart
// from the command, which only parses options and formats the result.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/scenario/scenario.h"
#include "engine/stance/bargaining.h"
#include "engine/stance/bargaining_mc.h"

namespace geosim::cli::bargain {

namespace b = geosim::bargaining;

// What the command bargains over: the central (unperturbed) inputs, the span that the
// final-median histogram covers, and how to draw one run's inputs.
struct Input {
  std::string kind;   // "csv" or "scenario"
  std::string issue;  // scenario only
  std::vector<b::Actor> actors;
  double lo = 0, hi = 1;
  b::InputDraw draw;  // null: a CSV without --runs
  std::string uncertainty;  // how the runs differ, in words
  std::unique_ptr<Scenario> scenario;
  std::unique_ptr<Model> model;

  // Scenario input: the levers on the issue active at step `at`, held for every round.
  struct Applied {
    int lever;
    double strength;              // intensity x credibility x enabled (central values)
    double capability, salience;  // relative change of the target's input, e.g. -0.189
    double pull;                  // share of the gap to the acting actor closed per step
  };
  int issue_index = 0;
  int at = 0;
  int steps_per_round = 4;  // the issue's bargaining_every
  std::vector<Applied> applied;
  std::vector<int> not_active;  // levers on the issue outside their window (or of no strength) then
  std::vector<char> not_active_zero;  // per lever of not_active: of no strength (switched off, say), whatever the date
  std::vector<double> base_capability, base_salience;  // before the levers
  std::vector<b::Pull> pulls;                          // central values
  // Some lever on the issue is inside its window at `at`, so a run's drawn strengths may
  // pull stances between rounds.
  bool moves_between_rounds = false;
};

// v with `digits` decimals, right-aligned in `width` characters (0: no padding).
std::string fmt(double v, int digits = 3, int width = 0);

// The step that --at names: a date (YYYY-MM-DD) or a step number, within the horizon.
int parse_at(const std::string& text, const Scenario& sc);

// A scenario's issue: inputs from each actor's capability, salience and stance params.
// The central forecast uses each distribution's median; run r draws exactly the values
// that run r of `geosim run` uses (Model::init_run with the same seed). What the levers do
// at step `at` is the model's answer (Model::levers_at, Model::lever_effect).
void scenario_input(Input& in, const std::string& file, const std::vector<std::string>& sets,
                    const std::string& issue_id, const std::string& at, uint64_t seed);

// The central story: b::simulate, or, when levers pull stances, the same rounds with
// steps_per_round steps of pulls before each round after round 0. `before_pull[t]` then
// holds the positions before round t's pulls.
// `on_round(t)` is called after round t (progress for long inputs).
std::vector<b::Round> tell(const Input& in, int rounds, std::vector<std::vector<double>>& before_pull,
                           const std::function<void(int)>& on_round = {});

}  // namespace geosim::cli::bargain
