// `geosim validate`: check scenario files without running them.
#include <iostream>

#include "analysis/lint/lint.h"
#include "analysis/lint/step_check.h"
#include "analysis/sweep/spec.h"
#include "analysis/sweep/sweep.h"  // load_sweep_posterior
#include "cli/common.h"
#include "engine/output/run_limits.h"

namespace geosim::cli {
namespace {

// A sweep spec starts with `sweep: 1` where a scenario starts with `geosim: 1`.
bool is_sweep_spec(const std::string& path) {
  try {
    YNode n = parse_yaml_file(path);
    return n.is_map() && n.find("sweep") && !n.find("geosim");
  } catch (const InputError&) {
    return false;  // the scenario loader reports the problem
  }
}

// The step check of one scenario (format 2 in weekly steps): its table on standard output,
// the outcomes that differ as warnings on standard error. False when interrupted.
bool check_steps(const std::string& f, const Scenario& sc, const ScenarioArgs& sa, uint64_t runs, uint64_t seed,
                 bool quiet) {
  if (const std::string refusal = step_check_refusal(sc); !refusal.empty()) {
    if (sc.format_version == 1)
      std::cerr << f << ": warning: the step check " << refusal << "\n";
    else if (!quiet)
      std::cout << f << ": the step check " << refusal << "\n";
    return true;
  }
  // The same scenario in daily steps over the same span: the horizon as days, whatever
  // gave it (a number of weeks, a duration, --until).
  LoadOptions lo = sa.load_options();
  add_daily_steps(lo, sc, "--step-check");
  const Scenario daily_sc = load_scenario(f, lo);
  const Model own(sc), daily(daily_sc);
  Progress progress("step check", quiet);
  PairOptions po;
  po.runs = runs;
  po.seed = seed;
  const StepCheck c = step_check(own, daily, stoppable(po, progress));
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted\n";
    return false;
  }
  if (!quiet) std::cout << step_check_table(c);
  for (const auto& w : step_check_warnings(c)) std::cerr << w.str() << "\n";
  return true;
}

int validate_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim validate FILE... [options]\n\n"
      "Checks scenario files: syntax, keys, types, ranges, references, distributions,\n"
      "expressions and `extends:` chains; and sweep specs (files starting with\n"
      "`sweep: 1`) with their scenario. Prints every problem as file:line:col.\n"
      "With --lint, also names what can change no outcome: levers, events and\n"
      "uncertain parameters no mechanism path reaches, events that can never end a\n"
      "rule, and levers whose paired effect was zero in a pilot of --pilot-runs runs.\n"
      "With --step-check (format 2), runs each scenario in its step and in daily steps\n"
      "over the same span, --step-runs paired runs each, and names the outcomes whose\n"
      "probability depends on the step beyond Monte Carlo noise.\n\nOptions");
  std::vector<std::string> files;
  bool quiet = false, lint = false, steps = false;
  uint64_t pilot_runs = 2000, step_runs = 40000, seed = 1;
  int threads = 0;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(&files),
                                                  "scenario files")("quiet,q", po::bool_switch(&quiet),
                                                                    "print only problems");
  opts.add_options()("lint", po::bool_switch(&lint), "also warn about what can change no outcome (see above)")(
      "pilot-runs", po::value<uint64_t>(&pilot_runs),
      "paired runs per lever in the lint's pilot (default 2000, at most 2^40; 0: none)")(
      "step-check", po::bool_switch(&steps), "also compare each outcome's probability in daily steps (see above)")(
      "step-runs", po::value<uint64_t>(&step_runs), "paired runs of the step check (default 40000, 1 to 2^40)")(
      "seed,s", po::value<uint64_t>(&seed), "random seed of the pilot and the step check (default 1)")(
      "threads,t", po::value<int>(&threads),
      "threads of the pilot and the step check (default: all cores; at most 4 per core); never changes results");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("files", -1);
  auto vm = parse("validate", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (files.empty()) throw UsageError("validate: which files? (geosim validate FILE...)");
  // The same limit as --runs: the pilot counts its paired runs in the same counters, and a
  // count near 2^64 would wrap rather than run.
  if (pilot_runs > kMaxRuns) throw UsageError("validate: --pilot-runs is limited to 2^40");
  if (step_runs < 1 || step_runs > kMaxRuns) throw UsageError("validate: --step-runs must be from 1 to 2^40");
  apply_threads(threads, "validate");
  int bad = 0;
  for (const auto& f : files) {
    try {
      if (is_sweep_spec(f)) {
        // A sweep spec (docs/sweep-format.md): checked together with its scenario.
        SweepPlan plan = load_sweep_plan(f);
        load_sweep_posterior(plan);
        if (!quiet)
          std::cout << f << ": ok (sweep of " << plan.points << " points over " << plan.ids.size()
                    << " parameters of " << plan.scenario.id << ")\n";
        // Values outside a parameter's range do not stop a sweep (each such point is recorded
        // as failed, docs/sweep-format.md), but a spec that gives them is likely a mistake.
        for (size_t k = 0; k < plan.ids.size(); ++k) {
          const Param& p = plan.scenario.params[static_cast<size_t>(plan.ids[k])];
          int64_t outside = 0;
          for (int64_t i = 0; i < plan.points; ++i) outside += p.range.contains(plan.value(i, k)) ? 0 : 1;
          if (outside > 0)
            std::cerr << plan.spec.params[k].loc.str() << ": warning: " << outside << " of " << plan.points
                      << " points give '" << p.path << "' a value outside its range " << p.range.str()
                      << "; the sweep will record them as failed\n";
        }
        continue;
      }
      Scenario sc = load_scenario(f, sa.load_options());
      if (!quiet)
        std::cout << f << ": ok (" << sc.actors.size() << " actors, " << sc.levers.size() << " levers, "
                  << sc.events.size() << " events, " << sc.outcomes.size() << " outcomes, "
                  << sc.uncertain_params().size() << " uncertain parameters)\n";
      // A format 1 file: how to say the same in format 2, and what that would add.
      if (!quiet && sc.format_version == 1)
        std::cout << "  format 1: its numbers are per step. To move it to format 2, make `geosim: 2` its first line "
                     "and give what validate then names in format 2's units (the horizon and shock lengths as "
                     "durations), and an issue's stance noise per year (0.01 a week is 0.072 a year; validate cannot "
                     "tell); or extend it from a `geosim: 2` file, where its numbers keep their per-step meaning. "
                     "Format 2 adds a leader apart from the regime (`leader:`), levers that "
                     "react, ladders and decisions, and means the same in daily and weekly steps "
                     "(docs/scenario-format.md, \"What changed in format 2\")\n";
      if (lint) {
        std::vector<LintWarning> ws = lint_structure(sc);
        if (pilot_runs > 0) {
          Model model(sc);
          // A lever already found inert above is not said twice.
          const size_t structural = ws.size();
          for (auto& w : lint_pilot(model, pilot_runs, seed)) {
            bool said = false;
            for (size_t i = 0; i < structural && !said; ++i) said = ws[i].loc.str() == w.loc.str();
            if (!said) ws.push_back(std::move(w));
          }
        }
        for (const auto& w : ws) std::cerr << w.str() << "\n";
        if (!quiet && ws.empty()) std::cout << f << ": lint clean\n";
      }
      if (steps && !check_steps(f, sc, sa, step_runs, seed, quiet)) return kExitInterrupted;
    } catch (const InputError& e) {
      ++bad;
      std::cerr << e.what() << "\n";
    }
  }
  if (bad) {
    std::cerr << bad << " of " << files.size() << " file" << (files.size() == 1 ? "" : "s") << " invalid\n";
    return kExitInvalidInput;
  }
  return kExitOk;
}

Register reg("validate", "check scenario files and list every problem", validate_command);

}  // namespace
}  // namespace geosim::cli
