// `geosim calibrate`: the scenario's uncertain parameters conditioned on its observations

#include <fmt/format.h>
// (approximate Bayesian computation; docs/calibration.md).
#include <cstdio>
#include <iostream>
#include <memory>

#include "analysis/calibrate/abc.h"
#include "analysis/calibrate/store.h"
#include "analysis/report/report.h"  // reproduce_command
#include "cli/common.h"
#include "engine/core/cluster.h"
#include "engine/runner/distributed.h"
#include "engine/output/output.h"

namespace geosim::cli {

namespace {

int calibrate_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim calibrate SCENARIO --output DIR [options]\n\n"
      "Conditions the scenario's uncertain parameters on its `observations:` by approximate\n"
      "Bayesian computation: rejection, then population Monte Carlo with shrinking tolerances.\n"
      "Writes DIR/posterior.csv and DIR/summary.json; `geosim run SCENARIO --posterior DIR`\n"
      "then forecasts from the posterior.\n\nOptions");
  std::string file, output;
  AbcOptions ao;
  int threads = 0;
  bool resume = false, quiet = false;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")
      ("scenario", po::value<std::string>(&file), "the scenario file (YAML) with `observations:`")
      ("output,o", po::value<std::string>(&output), "folder for the calibration (required)")
      ("particles,N", po::value<int>(&ao.particles), "parameter sets kept per generation (default 1000)")
      ("alpha", po::value<double>(&ao.alpha), "share of each generation's pool kept, in (0, 1) (default 0.5)")
      ("min-acceptance", po::value<double>(&ao.min_acceptance),
       "stop when fewer than this share of a generation's new runs are kept (default 0.05)")
      ("max-generations", po::value<int>(&ao.max_generations), "stop after this many generations (default 20)")
      ("seed,s", po::value<uint64_t>(&ao.seed), "random seed; the same seed gives the same bytes (default 1)")
      ("threads,t", po::value<int>(&threads), "threads to use (default: all cores); never changes results")
      ("resume", po::bool_switch(&resume), "continue a calibration that was interrupted in DIR")
      ("quiet,q", po::bool_switch(&quiet), "no progress on stderr");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  auto vm = parse("calibrate", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n  geosim calibrate scenarios/venezuela-2019.yaml --output out/cal\n"
              << "  geosim run scenarios/venezuela-2019.yaml --posterior out/cal --from 2019-05-17\n";
    return kExitOk;
  }
  if (file.empty()) throw UsageError("calibrate: which scenario? (geosim calibrate SCENARIO --output DIR)");
  if (output.empty()) throw UsageError("calibrate: --output DIR is required (where the calibration is written)");
  if (ao.particles < 10 || ao.particles > 1000000)
    throw UsageError("calibrate: --particles must be between 10 and 1000000");
  if (!(ao.alpha > 0 && ao.alpha < 1)) throw UsageError("calibrate: --alpha must lie strictly between 0 and 1");
  if (!(ao.min_acceptance >= 0 && ao.min_acceptance < 1))
    throw UsageError("calibrate: --min-acceptance must lie in [0, 1)");
  if (ao.max_generations < 1 || ao.max_generations > 10000)
    throw UsageError("calibrate: --max-generations must be between 1 and 10000");
  if (static_cast<double>(ao.particles) / ao.alpha > 1e8)
    throw UsageError("calibrate: --particles / --alpha is limited to 10^8 runs per generation");
  apply_threads(threads, "calibrate");
  LoadOptions lo = sa.load_options();
  YNode tree = load_scenario_tree(file, lo.limits);
  apply_sets(tree, lo.sets, lo.set_labels);
  Scenario sc = build_scenario(tree, file, lo.limits);
  {
    // The files the calibration writes in DIR must not be what it reads.
    std::vector<PathRole> read = {{"the scenario", file}};
    for (const auto& f : sc.extended) read.push_back({"a file the scenario extends", f});
    check_distinct_paths(read, result_folder_files(output, "the --output folder " + output));
  }
  if (sc.observations.empty())
    throw InputError(FileLoc{file, 0, 0}, "the scenario has no `observations:`, so there is nothing to calibrate on",
                     "add dated facts (docs/scenario-format.md, observations)");
  if (sc.independent_params().empty())
    throw InputError(FileLoc{file, 0, 0},
                     sc.uncertain_params().empty()
                         ? "the scenario has no uncertain parameter to calibrate"
                         : "the scenario's uncertain parameters can change nothing: they belong to levers that never "
                           "act (switched off, or a fixed intensity or credibility of 0)",
                     "calibration conditions parameters given as distributions ({dist: ...})");
  Model model(sc);
  // Under MPI every rank computes its share of each generation (Calibration splits the
  // particles); rank 0 alone holds the folder, writes and speaks.
  const Cluster& cl = cluster();
  if (!cl.root()) quiet = true;
  install_signal_handlers();
  Progress progress("runs", quiet);
  if (cl.root()) ao.progress = [&](uint64_t d, uint64_t t) { progress.update(d, t); };
  ao.stop = &interrupted();
  // Rank 0 opens (or checks) the folder; every rank learns whether it could before any rank
  // talks to another, so a refused folder ends all ranks with rank 0's message.
  std::unique_ptr<CalibrationStore> store;
  std::exception_ptr open_error;
  if (cl.root()) {
    try {
      store = std::make_unique<CalibrationStore>(output, calibration_fingerprint(tree, ao), file, resume,
                                                 calibration_settings(ao));
    } catch (...) {
      open_error = std::current_exception();
    }
  }
  if (cluster_max(open_error ? 1 : 0)) {
    if (open_error) std::rethrow_exception(open_error);
    throw PeerFailure();
  }
  Calibration cal(model, ao);
  // Every rank reads the generations saved so far (a resumed calibration), after rank 0 has
  // checked the folder.
  int loaded = load_calibration(output, sc, cal);
  if (!quiet) {
    std::fprintf(stderr, "calibrating %zu parameters on %zu observations: %d kept of %d runs per generation\n",
                 cal.params().size(), sc.observations.size(), ao.particles, cal.pool());
    if (loaded > 0) std::fprintf(stderr, "resuming after generation %d\n", loaded - 1);
  }
  while (!cal.done()) {
    if (!cal.next_generation()) {
      progress.finish();
      if (cl.root())
        std::cerr << "geosim: interrupted; " << cal.history().size()
                  << " generation(s) saved; continue with --resume\n";
      return kExitInterrupted;
    }
    if (cl.root()) store->save(cal);
    progress.finish();
    const GenerationInfo& h = cal.history().back();
    if (!quiet)
      std::fprintf(stderr, "generation %d: tolerance %.4g, %.1f%% of new runs kept, ESS %.0f\n", h.generation,
                   h.epsilon, 100 * h.acceptance, h.ess);
  }
  if (!cl.root()) return kExitOk;  // rank 0 writes and reports
  store->finish(sc, cal, reproduce_command("calibrate", args));
  if (!quiet) std::fprintf(stderr, "stopped: %s\n", cal.stop_reason().c_str());
  Json j = calibration_summary(sc, cal);
  std::cout << "Calibration of '" << sc.id << "' on " << sc.observations.size() << " observation(s): "
            << cal.history().size() << " generation(s); " << cal.stop_reason() << ".\n\n";
  std::cout << fmt::format("  {:<48} {:>10} {:>10}  {}\n", "parameter", "prior mean", "posterior", "posterior 5-95%");
  for (const auto& p : j["parameters"]) {
    std::cout << fmt::format("  {:<48} {:>10.4g} {:>10.4g}  {:.4g} to {:.4g}\n", p["path"].get<std::string>(),
                             p["prior"]["mean"].get<double>(), p["posterior"]["mean"].get<double>(),
                             p["posterior"]["q05"].get<double>(), p["posterior"]["q95"].get<double>());
  }
  std::cout << "\n";
  for (const auto& o : j["observations"]) {
    std::cout << fmt::format("  {:<48} agreed in {:5.1f}% of prior runs, {:5.1f}% of kept runs\n",
                             o["id"].get<std::string>() + " (" + o["date"].get<std::string>() + ")",
                             100 * o["prior_agreement"].get<double>(), 100 * o["posterior_agreement"].get<double>());
  }
  std::cout << "\nWrote " << output << "/posterior.csv and " << output << "/summary.json\n";
  return kExitOk;
}

Register reg("calibrate", "condition uncertain parameters on observed facts (ABC); write a posterior",
             calibrate_command);

}  // namespace
}  // namespace geosim::cli
