// The step check (geosim validate --step-check; docs/scenario-format.md, "Step check"):
// whether a format 2 scenario's outcome probabilities depend on its step length.
//
// The scenario runs in its own step and in daily steps over the same span, run r of both
// arms with the same (seed, r), so that every parameter and threshold takes the same value
// in both (analysis/compare/paired.h). Each outcome gets an exact McNemar test on the
// discordant pairs (runs that reached it in one step length and not in the other); an
// outcome differs when its p-value is below alpha / K (Bonferroni over the K outcomes), so
// that a scenario whose results do not depend on the step is flagged with probability at
// most alpha.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/compare/paired.h"
#include "analysis/lint/lint.h"
#include "engine/model/model.h"
#include "engine/output/output.h"    // Json
#include "engine/runner/summary.h"   // Interval
#include "engine/scenario/loader.h"  // LoadOptions

namespace geosim {

struct StepCheckRow {
  std::string outcome;
  FileLoc loc;
  uint64_t own = 0, daily = 0;  // runs that reached the outcome in the scenario's step, in daily steps
  uint64_t up = 0, down = 0;    // runs that reached it in daily steps only, in the scenario's step only
  double difference = 0;        // daily - own, in probability
  Interval interval;            // Newcombe's paired 95 % interval of the difference
  double p_value = 1;           // exact McNemar test, two-sided
  bool differs = false;         // p_value < alpha / outcomes
};

struct StepCheck {
  std::string file, step;  // the scenario's file; its step ("week")
  uint64_t runs = 0, seed = 0;
  double alpha = 0.05;
  std::vector<StepCheckRow> rows;         // the scenario's outcomes, in its order
  std::vector<FileLoc> per_step_numbers;  // Scenario::per_step_numbers, named in the hint
};

// Why the step check does not apply to `sc`, to follow "the step check " (a format 1 file: its
// numbers are per step; a file already in daily steps), or "" when it applies.
std::string step_check_refusal(const Scenario& sc);

// The overrides (--set) that make `sc`, in weekly steps, the same scenario in daily steps over
// the same days: `step=day`, its horizon as days, no `until`.
std::vector<std::string> daily_steps_sets(const Scenario& sc);
// Adds those overrides to `lo`, each labelled "--set PATH=VALUE (who)" for its messages.
void add_daily_steps(LoadOptions& lo, const Scenario& sc, const std::string& who);

// Two-sided exact McNemar test: the probability, under pairs whose discordance is equally
// likely either way, of a split of up + down discordant pairs at least as uneven.
double mcnemar_exact_p(uint64_t up, uint64_t down);

// `own` is the scenario in its step, `daily` the same scenario in daily steps over the same
// span (the caller builds it: `step: day`, the horizon as the days of `own`'s horizon).
// `options` as for run_paired (pairs, seed, stop, progress).
StepCheck step_check(const Model& own, const Model& daily, const PairOptions& options, double alpha = 0.05);

// The outcomes that differ, as warnings at each outcome's place.
std::vector<LintWarning> step_check_warnings(const StepCheck& c);
// Every outcome in both step lengths, and the verdict.
std::string step_check_table(const StepCheck& c);
// The same as JSON: file, step, runs, seed, alpha, test, outcomes (id, own and daily counts
// and probabilities, difference, paired_ci95, discordant counts, p_value, differs),
// per_step_numbers (file:line:col) and warnings (as step_check_warnings writes them).
Json step_check_json(const StepCheck& c);

}  // namespace geosim
