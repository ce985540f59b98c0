// Helpers shared by the engine tests: scenarios from inline YAML, runs to JSON.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/parallel.h"
#include "engine/core/rng.h"
#include "engine/model/model.h"
#include "engine/output/output.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"
#include "engine/stance/bargaining.h"

namespace geosim::test {

inline Scenario from_text(const std::string& yaml, const std::string& file = "test.yaml") {
  YNode root = parse_yaml_text(yaml, FileLoc{file, 0, 0});
  return build_scenario(root, file);
}

// The error text a scenario produces, or "" when it loads.
inline std::string load_error(const std::string& yaml, const std::string& file = "test.yaml") {
  try {
    from_text(yaml, file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// How many of `runs` runs (seed `seed`) end in each outcome, in the scenario's order.
inline std::vector<uint64_t> outcome_counts(const Scenario& sc, uint64_t runs, uint64_t seed) {
  Model model(sc);
  RunOptions o;
  o.runs = runs;
  o.seed = seed;
  Accumulator acc = run_monte_carlo(model, o);
  return {acc.outcome_counts().begin(), acc.outcome_counts().end()};
}

inline std::string run_json(const Scenario& sc, uint64_t runs, uint64_t seed) {
  Model model(sc);
  RunOptions o;
  o.runs = runs;
  o.seed = seed;
  Accumulator acc = run_monte_carlo(model, o);
  return summary_json(sc, summarize(sc, acc, seed)).dump(2);
}

// The results of a run JSON alone: without the scenario's content hash and the parameters'
// provenance (where each value is written), which differ between two files that give the
// same numbers.
inline std::string results_json(const Scenario& sc, uint64_t runs, uint64_t seed) {
  Json j = Json::parse(run_json(sc, runs, seed));
  j.erase("scenario_hash");
  j.erase("parameters");
  return j.dump(2);
}

// The run JSON computed on one thread and on two: a determinism check compares them.
inline std::pair<std::string, std::string> json_on_1_and_2_threads(const Scenario& sc, uint64_t runs, uint64_t seed) {
  const int before = max_threads();
  set_threads(1);
  std::string one = run_json(sc, runs, seed);
  set_threads(2);
  std::string two = run_json(sc, runs, seed);
  set_threads(before);
  return {one, two};
}

// Whether `count` of `n` runs is within z standard errors of probability p, z for a family
// of `family` two-sided checks at a total false-alarm rate of 0.001 (Bonferroni).
inline bool within_binomial(uint64_t count, uint64_t n, double p, int family) {
  const double alpha = 0.001 / family;
  double lo = 0, hi = 10;  // z = Phi^-1(1 - alpha / 2), by bisection on the normal tail
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erfc(mid / std::sqrt(2.0)) > alpha ? lo : hi) = mid;
  }
  return std::fabs(static_cast<double>(count) / static_cast<double>(n) - p) <=
         lo * std::sqrt(p * (1 - p) / static_cast<double>(n));
}

// The teaching scenario, with --set overrides.
inline const std::string kTeaching = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml";
inline Scenario teaching(std::vector<std::string> sets = {}) {
  LoadOptions lo;
  lo.sets = std::move(sets);
  return load_scenario(kTeaching, lo);
}
// The override that switches the teaching scenario's issue to the bargaining model.
inline const std::string kBargainingSwitch = "issues.incumbent_rule.stance_model=bargaining";
// The teaching scenario in bargaining mode with nothing else moving stances (no noise, no
// lever pushes) and a round every 3 steps: after a round, the stances are its outcome.
inline Scenario quiet_bargaining_teaching() {
  return teaching({kBargainingSwitch, "issues.incumbent_rule.noise=0", "levers.sanctions.stance_push=0",
                   "levers.amnesty_for_officers.stance_push=0", "levers.exit_deal.stance_push=0",
                   "issues.incumbent_rule.bargaining_every=3"});
}

// Bueno de Mesquita (1994) p. 78, EC emission standards for medium cars (years): the
// published example the bargaining model is checked against.
inline std::vector<bargaining::Actor> ec_actors() {
  return {{"Netherlands", 0.08, 4, 0.8}, {"Belgium", 0.08, 7, 0.4}, {"Luxembourg", 0.03, 4, 0.2},
          {"Germany", 0.16, 4, 0.8},     {"France", 0.16, 10, 0.6}, {"Italy", 0.16, 10, 0.6},
          {"UK", 0.16, 10, 0.9},         {"Ireland", 0.05, 7, 0.1}, {"Denmark", 0.05, 4, 1.0},
          {"Greece", 0.08, 7, 0.7}};
}

// One run of a scenario (seed 1, run 0) to step by hand: model.step(st, rng, t).
struct OneRun {
  explicit OneRun(const Scenario& sc) : model(sc) {
    model.prepare(st);
    model.init_run(st, 1, 0);
  }
  Model model;
  RunState st;
  RunRng rng{1, 0};
};

// A minimal valid scenario header; tests append sections.
inline std::string header(int horizon = 52) {
  return "geosim: 1\nid: t\nstart: 2020-01-06\nstep: week\nhorizon: " + std::to_string(horizon) +
         "\nincumbent: gov\n";
}

}  // namespace geosim::test
