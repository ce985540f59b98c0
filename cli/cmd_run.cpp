// `geosim run`: the odds of each outcome, and one run told as a story (--replay).

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/calibrate/posterior.h"
#include "analysis/compare/paired.h"
#include "analysis/ensemble/ensemble.h"
#include "analysis/lint/lint.h"
#include "analysis/report/report.h"
#include "cli/common.h"
#include "engine/core/cluster.h"
#include "engine/core/version.h"
#include "engine/output/output.h"
#include "engine/output/replay_text.h"
#include "engine/output/run_limits.h"
#include "engine/runner/distributed.h"
#include "engine/runner/monte_carlo.h"

namespace geosim::cli {

namespace {

// Runs that stop on SIGINT/SIGTERM and show their progress on stderr.
// The date of the scenario's earliest observation (they need not be listed in date order).
Date earliest_observation(const Scenario& sc) {
  Date first = sc.observations.front().date;
  for (const auto& o : sc.observations)
    if (o.date < first) first = o.date;
  return first;
}

RunOptions run_options(uint64_t runs, uint64_t seed, Progress& progress) {
  RunOptions ro;
  ro.runs = runs;
  ro.seed = seed;
  return stoppable(ro, progress);
}

// Runs drawn from a calibration's posterior (--posterior) and/or kept only when they agree
// with the scenario's observations up to a date (--from); docs/calibration.md.
int run_conditioned_command(const Scenario& sc, const Model& model, const std::vector<std::string>& args,
                            const std::string& posterior_dir, const std::string& from, uint64_t runs, uint64_t seed,
                            const std::string& format, const std::string& output, bool quiet) {
  PosteriorSample post;
  ConditionedOptions co;
  co.runs = runs;
  co.seed = seed;
  PosteriorEvidence evidence;
  if (!posterior_dir.empty()) {
    post = load_posterior(sc, posterior_dir);
    co.posterior = &post;
  }
  std::vector<int> until;  // every observation dated up to --from
  if (!from.empty()) {
    auto d = parse_date(from);
    FileLoc where{"--from " + from, 1, 1};
    if (!d) throw InputError(where, "expected a calendar date YYYY-MM-DD");
    for (size_t i = 0; i < sc.observations.size(); ++i)
      if (!(*d < sc.observations[i].date)) until.push_back(static_cast<int>(i));
    if (until.empty())
      throw InputError(where, "no observation of " + sc.file + " is dated on or before " + d->str(),
                       sc.observations.empty() ? "the scenario has no `observations:`"
                                               : "the earliest is dated " + earliest_observation(sc).str());
    if (posterior_dir.empty()) {
      co.observations = until;
    } else {
      // The posterior already holds the observations it was calibrated on: they condition
      // each run's path (retried, its parameters kept), not its parameters again; the others
      // are new evidence and reject runs (docs/calibration.md, Forecasts from the posterior).
      evidence = posterior_evidence(sc, posterior_dir);
      for (int i : until)
        (std::find(evidence.observations.begin(), evidence.observations.end(), i) != evidence.observations.end()
             ? co.path_observations
             : co.observations)
            .push_back(i);
      if (!quiet && !co.path_observations.empty() && evidence.tolerance > 1.0)
        std::cerr << "note: the calibration in " << posterior_dir << " stopped at tolerance " << evidence.tolerance
                  << " (above 1): its posterior is not conditioned on agreeing with every observation, so the "
                     "forecast conditioned on them is approximate\n";
    }
  }
  install_signal_handlers();
  Progress progress("runs", quiet);
  co.stop = &interrupted();
  co.progress = [&](uint64_t d, uint64_t t) { progress.update(d, t); };
  ConditionedResult res = run_conditioned(model, co);
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted; nothing written\n";
    return kExitInterrupted;
  }
  const bool by_path = co.posterior && !co.path_observations.empty();
  auto ids_of = [&](const std::vector<int>& which) {
    std::string t;
    for (int i : which) t += (t.empty() ? "" : ", ") + sc.observations[static_cast<size_t>(i)].id;
    return t;
  };
  if (res.stopped_after_pilot)
    throw InputError(FileLoc{"--from " + from, 1, 1},
                     "none of the first " + format_count(co.pilot_runs) + " of " + format_count(runs) +
                         " runs found a path that agrees with the observations up to " + from + " (" +
                         ids_of(co.path_observations) + ") in " + format_count(kMaxPathAttempts) +
                         " tries with its parameters from the posterior; the other runs were not run",
                     "check the calibration's summary.json (posterior_agreement), or calibrate again");
  uint64_t kept = res.acc.runs();
  if (kept == 0) {
    if (by_path && res.runs_without_path == runs)
      throw InputError(FileLoc{"--from " + from, 1, 1},
                       "none of the " + format_count(runs) +
                           " runs found a path that agrees with the observations up to " + from + " (" +
                           ids_of(co.path_observations) + ") in " + format_count(kMaxPathAttempts) +
                           " tries with its parameters from the posterior",
                       "check the calibration's summary.json (posterior_agreement), or calibrate again");
    throw InputError(FileLoc{"--from " + from, 1, 1},
                     "none of the " + format_count(runs) + " runs agrees with the observations up to " + from,
                     "check the observations with `geosim calibrate`, or run more runs");
  }
  Summary s = summarize(sc, res.acc, seed);
  std::string what = posterior_dir.empty() ? "the prior" : "the posterior in " + posterior_dir;
  std::string text;
  const std::string command = reproduce_command("run", args);
  const double mean_tries = runs > 0 ? static_cast<double>(res.path_attempts) / static_cast<double>(runs) : 0.0;
  if (format == "json") {
    Json j = run_json(sc, s, command);
    // The parameters drawn from the posterior say so (their prior stays in `distribution`).
    for (const std::string& path : post.paths)
      for (auto& pj : j["parameters"])
        if (pj["path"] == path) pj["source"] = Json{{"kind", "posterior"}, {"at", post.file}};
    Json c{{"parameters_from", posterior_dir.empty() ? "prior" : post.file}, {"runs_simulated", runs},
           {"runs_agreeing", kept}};
    if (!from.empty()) {
      Json ids = Json::array();
      for (int i : until) ids.push_back(sc.observations[static_cast<size_t>(i)].id);
      c["observations_until"] = from;
      c["observations"] = ids;
      if (co.posterior) {
        // Which observations conditioned the path (the posterior's) and which rejected runs.
        Json path_ids = Json::array(), reject_ids = Json::array();
        for (int i : co.path_observations) path_ids.push_back(sc.observations[static_cast<size_t>(i)].id);
        for (int i : co.observations) reject_ids.push_back(sc.observations[static_cast<size_t>(i)].id);
        c["path_observations"] = path_ids;
        c["rejection_observations"] = reject_ids;
        c["posterior_observations_from"] = evidence.listed ? "summary.json" : "all of the scenario's";
        if (by_path) {
          c["path_tries_max"] = kMaxPathAttempts;
          c["path_tries"] = res.path_attempts;
          c["path_tries_mean"] = mean_tries;
          c["runs_retried"] = res.runs_retried;
          c["runs_without_agreeing_path"] = res.runs_without_path;
        }
        c["runs_rejected"] = res.runs_rejected;
      }
    }
    j["conditioned"] = c;
    text = json_text(j);
  } else if (format == "csv") {
    text = summary_csv(s, command);
  } else {
    text = "Parameters drawn from " + what + ".\n";
    if (!from.empty() && !co.posterior) {
      text += "Conditioned on " + std::to_string(co.observations.size()) + " observation(s) up to " + from + ": " +
              format_count(kept) + " of " + format_count(runs) + " runs agree and are counted.\n";
    } else if (!from.empty()) {
      if (by_path)
        text += "Paths conditioned on the posterior's " + std::to_string(co.path_observations.size()) +
                " observation(s) up to " + from + " (" + ids_of(co.path_observations) +
                "): each run's path tried again, its parameters kept, until it agrees (at most " +
                format_count(kMaxPathAttempts) + " tries); " + format_count(res.runs_retried) +
                " runs needed more than one, " + fmt::format("{:.2f}", mean_tries) + " tries per run on average, " +
                format_count(res.runs_without_path) + " found none and are left out.\n";
      if (!co.observations.empty())
        text += "Runs rejected by " + std::to_string(co.observations.size()) + " observation(s) up to " + from +
                " the posterior was not calibrated on (" + ids_of(co.observations) +
                "): " + format_count(res.runs_rejected) + ".\n";
      text += "Conditioned on " + std::to_string(until.size()) + " observation(s) up to " + from + ": " +
              format_count(kept) + " of " + format_count(runs) + " runs agree and are counted.\n";
    }
    text += "\n" + summary_table(sc, s, command);
  }
  write_file_atomic(output.empty() ? "-" : output, text);  // ("-": polled, so Ctrl-C stops a stuck pipe)
  return kExitOk;
}

// The scenario and each --ensemble structure, run with the same runs and seed; the spread
// between structures beside the Monte Carlo interval (analysis/ensemble).
int run_ensemble_command(const std::string& file, const std::vector<std::string>& others, const ScenarioArgs& sa,
                         const std::vector<std::string>& args, uint64_t runs, uint64_t seed, const std::string& format,
                         const std::string& output, bool quiet) {
  std::vector<std::string> files = {file};
  files.insert(files.end(), others.begin(), others.end());
  std::vector<EnsembleMember> members;
  std::vector<std::unique_ptr<Scenario>> scenarios;
  std::vector<std::unique_ptr<Model>> models;
  std::vector<const Model*> structures;
  for (const auto& f : files) {
    scenarios.push_back(std::make_unique<Scenario>(load_scenario(f, sa.load_options())));
    check_not_extended(scenarios.back()->extended, {{"--output", output.empty() ? "-" : output}});
    models.push_back(std::make_unique<Model>(*scenarios.back()));
    structures.push_back(models.back().get());
    members.push_back({f, scenarios.back()->title, scenarios.back()->content_hash});
  }
  // Every structure's run r together, so that the Monte Carlo error of the pooled
  // probability and of the spread counts their shared random numbers.
  Progress progress(std::to_string(files.size()) + " structures", quiet || !cluster().root());
  EnsembleRunOptions eo;
  eo.runs = runs;
  eo.seed = seed;
  eo = stoppable(eo, progress);
  const EnsembleCounts counts = run_ensemble(structures, eo);
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted; nothing written\n";
    return kExitInterrupted;
  }
  if (!cluster().root()) return kExitOk;
  EnsembleSummary e = summarize_ensemble(*scenarios[0], std::move(members), counts, seed);
  // What reproduces it, as every output records (docs/output.md): the version, the seed and
  // the command; each structure's scenario hash is in the JSON's `structures`.
  const std::string command = reproduce_command("run", args);
  std::string text;
  if (format == "json") {
    Json j;
    j["geosim_version"] = kGeosimVersion;
    j["seed"] = seed;
    j["ensemble"] = ensemble_json(e);
    j["command"] = command;
    text = json_text(j);
  } else if (format == "csv") {
    text = reproduction_lines(command, seed, "", "# ") + ensemble_csv(e);
  } else {
    text = ensemble_table(e) + "\n" + reproduction_lines(command, seed, "", "  ");
  }
  write_file_atomic(output.empty() ? "-" : output, text);
  return kExitOk;
}

int run_command(const std::vector<std::string>& args) {
  po::options_description opts("geosim run SCENARIO [options]\n\n"
                               "Runs a scenario many times and prints the odds of each outcome.\n\nOptions");
  std::string file, format = "table", output, report, posterior_dir, from, histograms;
  std::vector<std::string> ensemble;
  uint64_t runs = 10000, seed = 1;
  int threads = 0;
  int64_t replay_k = -1;
  bool timing = false, quiet = false, lever_effects = false;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")("scenario", po::value<std::string>(&file), "the scenario file (YAML)")(
      "runs,n", po::value<uint64_t>(&runs), "number of Monte Carlo runs (default 10000)")(
      "seed,s", po::value<uint64_t>(&seed), "random seed; the same seed gives the same bytes (default 1)")(
      "threads,t", po::value<int>(&threads),
      "threads to use (default: all cores; at most 4 per core); never changes results")(
      "format,f", po::value<std::string>(&format), "table (default), json or csv")(
      "output,o", po::value<std::string>(&output), "write the result to this file instead of standard output")(
      "replay", po::value<int64_t>(&replay_k), "tell the story of run K step by step instead")(
      "report", po::value<std::string>(&report),
      "also write an HTML report with charts to this file (with --lever-effects: and the levers' effects)")(
      "lever-effects", po::bool_switch(&lever_effects),
      "switch each lever off in turn; report its paired effect on every outcome")(
      "posterior", po::value<std::string>(&posterior_dir),
      "draw parameters from the posterior of `geosim calibrate` in this folder instead of the prior")(
      "from", po::value<std::string>(&from),
      "count only runs that agree with the scenario's observations dated up to this date (YYYY-MM-DD); with "
      "--posterior, the observations it was calibrated on condition each run's path, not its parameters again")(
      "ensemble", po::value<std::vector<std::string>>(&ensemble)->multitoken(),
      "also run these scenarios (other model structures with the same outcomes) and show the spread between "
      "structures beside the Monte Carlo interval")(
      "fan-histograms", po::value<std::string>(&histograms),
      "also write the outcome counts and every fan's histogram at every step (JSON) to this file, for "
      "scripts/differential_test.py")("timing", po::bool_switch(&timing),
                                      "add wall-clock time to the output (makes it differ between runs)")(
      "quiet,q", po::bool_switch(&quiet), "no progress on stderr");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  auto vm = parse("run", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n  geosim run scenarios/teaching.yaml\n"
              << "  geosim run scenarios/teaching.yaml --runs 100000 --format json -o result.json\n"
              << "  geosim run scenarios/teaching.yaml --set levers.sanctions.intensity=0.2\n"
              << "  geosim run scenarios/teaching.yaml --replay 17\n"
              << "  geosim run scenarios/venezuela-2019.yaml --ensemble scenarios/variants/2019-one-sided-effects.yaml\n";
    return kExitOk;
  }
  if (file.empty()) throw UsageError("run: which scenario? (geosim run SCENARIO; see 'geosim run --help')");
  if (format != "table" && format != "json" && format != "csv")
    throw UsageError("run: --format must be table, json or csv, got '" + format + "'");
  check_run_count("run", runs);
  if (vm.count("replay") && replay_k < 0)
    throw UsageError("run: --replay takes a run number, 0 or more; got " + std::to_string(replay_k));
  // The story of one run is text, written to standard output or --output; what summarises
  // many runs does not apply to it, and is refused rather than silently left unwritten.
  if (replay_k >= 0 && (lever_effects || !report.empty() || (vm.count("format") && format != "table") || timing))
    throw UsageError(
        "run: --replay tells one run as text; it does not combine with --lever-effects, --report, "
        "--format json or csv, or --timing");
  // The lever effects' pairs are timed by nobody: refused rather than silently left out.
  if (lever_effects && timing) throw UsageError("run: --timing does not combine with --lever-effects");
  apply_threads(threads, "run");
  std::vector<PathRole> read = {{"the scenario", file}};
  for (auto& f : result_folder_files(posterior_dir, "the --posterior folder")) read.push_back(std::move(f));
  check_distinct_paths(
      read, {{"--output", output.empty() ? "-" : output}, {"--report", report}, {"--fan-histograms", histograms}});
  if (!histograms.empty() &&
      (replay_k >= 0 || lever_effects || !posterior_dir.empty() || !from.empty() || !ensemble.empty()))
    throw UsageError(
        "run: --fan-histograms does not combine with --replay, --lever-effects, --posterior, --from or "
        "--ensemble");
  if (!ensemble.empty()) {
    if (replay_k >= 0 || lever_effects || !report.empty() || !posterior_dir.empty() || !from.empty() || timing)
      throw UsageError("run: --ensemble does not combine with --replay, --lever-effects, --report, --posterior, --from "
                       "or --timing");
    for (const auto& f : ensemble) check_distinct_paths({{"--ensemble", f}}, {{"--output", output.empty() ? "-" : output}});
    return run_ensemble_command(file, ensemble, sa, args, runs, seed, format, output, quiet);
  }
  Scenario sc = load_scenario(file, sa.load_options());
  sa.note_until(sc, quiet);
  // One line when the scenario holds something that can change no outcome (the lint).
  if (!quiet) {
    const size_t idle = lint_structure(sc).size();
    if (idle > 0)
      std::cerr << "warning: " << idle << " lever" << (idle == 1 ? "" : "s") << ", event" << (idle == 1 ? "" : "s")
                << " or parameter" << (idle == 1 ? "" : "s") << " can change no outcome (geosim validate --lint " << file
                << " names them)\n";
  }
  check_not_extended(
      sc.extended,
      {{"--output", output.empty() ? "-" : output}, {"--report", report}, {"--fan-histograms", histograms}});
  Model model(sc);
  if (lever_effects && !posterior_dir.empty()) {
    if (!from.empty() || !report.empty())
      throw UsageError("run: --lever-effects with --posterior does not combine with --from or --report");
    if (!cluster().root()) return kExitOk;
    return print_lever_effects(model, runs, seed, format, output, quiet, reproduce_command("run", args), posterior_dir);
  }
  if (!posterior_dir.empty() || !from.empty()) {
    if (replay_k >= 0 || lever_effects || !report.empty())
      throw UsageError("run: --posterior and --from do not combine with --replay or --report (nor --from with "
                       "--lever-effects)");
    if (!cluster().root()) return kExitOk;  // computed on rank 0 alone
    return run_conditioned_command(sc, model, args, posterior_dir, from, runs, seed, format, output, quiet);
  }
  // One story, or the lever effects, come from rank 0 alone under MPI.
  if ((replay_k >= 0 || lever_effects) && !cluster().root()) return kExitOk;
  if (replay_k >= 0) {
    std::ostringstream story;
    write_replay(story, sc, model, seed, static_cast<uint64_t>(replay_k));
    write_file_atomic(output.empty() ? "-" : output, story.str());  // ("-": polled, as above)
    return kExitOk;
  }
  if (lever_effects && report.empty()) return print_lever_effects(model, runs, seed, format, output, quiet, reproduce_command("run", args));

  Progress progress("runs", quiet || !cluster().root());
  RunOptions ro = run_options(runs, seed, progress);
  auto t0 = std::chrono::steady_clock::now();
  // All ranks, when under MPI; with --lever-effects the other ranks have left (above), so
  // rank 0 runs them alone (a collective run waited for them forever).
  Accumulator acc = lever_effects ? run_monte_carlo(model, ro) : run_monte_carlo_everywhere(model, ro);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted after " << format_count(acc.runs()) << " of " << format_count(runs)
              << " runs; nothing written\n";
    return kExitInterrupted;
  }
  if (!cluster().root()) return kExitOk;  // rank 0 alone writes
  Summary s = summarize(sc, acc, seed);
  std::string text;
  const std::string command = reproduce_command("run", args);
  std::optional<CompareReport> effects;
  // Written together at the end: none is replaced unless all can be (write_files_atomic).
  std::vector<OutputFile> outputs;
  if (!report.empty()) {
    Json rj = run_json(sc, s, command);
    if (lever_effects) {  // the report's "why" section: each lever's paired effect
      PairOptions po;
      po.runs = runs;
      po.seed = seed;
      po.stop = &interrupted();
      effects = geosim::lever_effects(model, po);
      if (interrupted()) {
        std::cerr << "geosim: interrupted; nothing written\n";
        return kExitInterrupted;
      }
      if (effects->comparisons.empty())
        std::cerr << "geosim: '" << sc.id << "' has no lever that is on in any run; nothing to compare\n";
      effects->command = command;
      rj["lever_effects"] = compare_json(*effects);
    }
    outputs.push_back({report, render_report({report_input_from_json(rj, file)})});
  }
  if (effects) {
    // --report only adds the page: the output is that of the command recorded in it
    // (run --lever-effects without --report), byte for byte.
    text = compare_text(*effects, format);
  } else if (format == "json") {
    Json j = run_json(sc, s, command);
    if (timing) j["timing"] = {{"seconds", seconds}, {"runs_per_second", runs / seconds}};
    text = json_text(j);
  } else if (format == "csv") {
    text = summary_csv(s, command);
  } else {
    text = summary_table(sc, s, command);
    if (timing) {
      text += fmt::format("\n  {:.3f} s, {:.0f} runs/s\n", seconds, runs / seconds);
    }
  }
  if (!histograms.empty()) outputs.push_back({histograms, json_text(histograms_json(s, acc, command))});
  outputs.push_back({output.empty() ? "-" : output, text});
  write_files_atomic(outputs);
  return kExitOk;
}

Register reg("run", "run a scenario many times; print the odds of each outcome", run_command);

}  // namespace
}  // namespace geosim::cli
