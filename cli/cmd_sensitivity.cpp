// `geosim sensitivity`: which uncertain parameters drive each outcome (Sobol, Morris), and
// the same estimators on functions with known answers (--test-function) so that a user can
// check them. The design, the estimators and the streaming pipeline live in
// analysis/sensitivity (pipeline.h); this file is the command line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

#include "analysis/report/report.h"  // reproduce_command
#include "analysis/sensitivity/pipeline.h"
#include "cli/common.h"
#include "engine/core/cluster.h"
#include "engine/core/parallel.h"

namespace geosim::cli {

namespace {

// The fewest bootstrap resamples that give a 95% percentile interval: 40 x 2.5% = 1.
constexpr int kMinBootstrap = 40;

// --params A,B,C: an empty name (",", "A,,B", "A,") is a slip, not "every parameter".
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;  // not given: every uncertain parameter
  std::stringstream ss(s + ",");
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty())
      throw UsageError("sensitivity: --params '" + s +
                       "' has an empty name; separate parameter paths by single commas");
    out.push_back(item);
  }
  return out;
}

struct Settings {
  gsa::DesignSettings design;
  std::string method = "sobol", format = "table", output, test_function, params;
  std::vector<std::string> ranges;
  int runs_per_point = 100;
  int threads = 0;
  bool quiet = false;
};

gsa::SensitivityReport scenario(const Settings& s, const std::string& file, const ScenarioArgs& sa) {
  std::vector<gsa::FactorRange> ranges;
  for (const auto& text : s.ranges) ranges.push_back(gsa::parse_range(text));
  Scenario sc = load_scenario(file, sa.load_options());
  check_not_extended(sc.extended, {{"--output", s.output}});
  Model model(sc);
  auto factors = gsa::choose_factors(sc, split_list(s.params), ranges);
  install_signal_handlers();
  Progress progress("sensitivity runs", s.quiet || !cluster().root());
  gsa::EvalOptions eo;
  eo.seed = s.design.seed;
  eo.runs_per_point = s.runs_per_point;
  eo.stop = &interrupted();
  eo.progress = [&](uint64_t done, uint64_t total) { progress.update(done, total); };
  gsa::SensitivityReport r = gsa::analyze_scenario(s.design, model, factors, eo);
  progress.finish();
  return r;
}

int sensitivity_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim sensitivity SCENARIO [options]\n"
      "geosim sensitivity --test-function ishigami|gfunction [options]\n\n"
      "Which uncertain parameters drive each outcome: Sobol indices (S1, ST) or Morris\n"
      "screening (mu*, sigma), with bootstrap 95% intervals.\n\nOptions");
  Settings s;
  std::string file;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")
      ("scenario", po::value<std::string>(&file), "the scenario file (YAML)")
      ("method,m", po::value<std::string>(&s.method), "sobol (default) or morris")
      ("params,p", po::value<std::string>(&s.params),
       "comma-separated parameter paths to analyse (default: every uncertain parameter)")
      ("range", po::value<std::vector<std::string>>(&s.ranges)->composing(),
       "PATH=LO:HI: vary PATH uniformly over [LO, HI] instead of its distribution (repeatable; "
       "lets a fixed parameter be analysed)")
      ("samples,N", po::value<int>(&s.design.samples),
       "Sobol: base points N, a power of two is best (cost N x (d + 2) points); Morris: trajectories "
       "(cost r x (d + 1) points). Default 1024")
      ("runs-per-point,r", po::value<int>(&s.runs_per_point), "Monte Carlo runs at each design point (default 100)")
      ("seed,s", po::value<uint64_t>(&s.design.seed), "random seed of the design, the runs and the bootstrap (default 1)")
      ("threads,t", po::value<int>(&s.threads), "threads to use (default: all cores; at most 4 per core); never changes results")
      ("bootstrap,b", po::value<int>(&s.design.bootstrap), "bootstrap resamples for the 95% intervals (default 1000)")
      ("levels", po::value<int>(&s.design.levels), "Morris grid levels, even (default 4)")
      ("test-function", po::value<std::string>(&s.test_function),
       "analyse ishigami or gfunction instead of a scenario, printing the exact indices beside the estimates")
      ("format,f", po::value<std::string>(&s.format), "table (default) or json")
      ("output,o", po::value<std::string>(&s.output), "write the result to this file instead of standard output")
      ("quiet,q", po::bool_switch(&s.quiet), "no progress on stderr");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  auto vm = parse("sensitivity", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n"
              << "  geosim sensitivity scenarios/teaching.yaml --samples 512\n"
              << "  geosim sensitivity scenarios/teaching.yaml --method morris --samples 50 --format json\n"
              << "  geosim sensitivity scenarios/teaching.yaml --params levers.sanctions.intensity "
                 "--range levers.sanctions.intensity=0.2:0.9\n"
              << "  geosim sensitivity --test-function ishigami --samples 8192\n";
    return kExitOk;
  }
  if (s.method != "sobol" && s.method != "morris")
    throw UsageError("sensitivity: --method must be sobol or morris, got '" + s.method + "'");
  if (s.format != "table" && s.format != "json")
    throw UsageError("sensitivity: --format must be table or json, got '" + s.format + "'");
  if (file.empty() == s.test_function.empty())
    throw UsageError("sensitivity: give a scenario file or --test-function, not " +
                     std::string(file.empty() ? "neither" : "both") + " (see 'geosim sensitivity --help')");
  const int min_samples = s.method == "sobol" ? 2 : 1;
  if (s.design.samples < min_samples || s.design.samples > (1 << 24))
    throw UsageError("sensitivity: --samples must be between " + std::to_string(min_samples) + " and 16777216, got " +
                     std::to_string(s.design.samples));
  if (s.runs_per_point < 1 || s.runs_per_point > 10000000)
    throw UsageError("sensitivity: --runs-per-point must be between 1 and 10000000, got " +
                     std::to_string(s.runs_per_point));
  // A 95% percentile interval needs a resample below its 2.5% point and one above its 97.5%
  // point: with fewer than 40 it is an interval of one or two resamples' values, which may not
  // even hold the estimate, and the verdicts read from it would mean nothing.
  if (s.design.bootstrap != 0 && (s.design.bootstrap < kMinBootstrap || s.design.bootstrap > 100000))
    throw UsageError("sensitivity: --bootstrap must be 0 (no intervals) or from " + std::to_string(kMinBootstrap) +
                     " to 100000, got " + std::to_string(s.design.bootstrap));
  if (vm.count("levels") && s.method != "morris")
    throw UsageError("sensitivity: --levels is the Morris grid's; add --method morris (or leave it out)");
  if (s.design.levels < 2 || s.design.levels % 2 != 0 || s.design.levels > 1000)
    throw UsageError("sensitivity: --levels must be an even number from 2 to 1000, got " + std::to_string(s.design.levels));
  if (!s.test_function.empty() && (!s.params.empty() || !s.ranges.empty() || !sa.sets.empty()))
    throw UsageError("sensitivity: --params, --range and --set apply to scenarios, not to --test-function");
  s.design.method = s.method == "sobol" ? gsa::Method::Sobol : gsa::Method::Morris;
  apply_threads(s.threads, "sensitivity");
  check_distinct_paths({{"the scenario", file}}, {{"--output", s.output}});

  gsa::SensitivityReport r;
  try {
    r = s.test_function.empty() ? scenario(s, file, sa) : gsa::analyze_test_function(s.design, s.test_function);
  } catch (const std::runtime_error& e) {
    if (!interrupted()) throw;
    std::cerr << "geosim: interrupted; nothing written\n";
    return kExitInterrupted;
  }
  r.method = s.method;
  r.test_function = s.test_function;
  r.seed = s.design.seed;
  r.command = reproduce_command("sensitivity", args);
  r.samples = s.design.samples;
  r.bootstrap = s.design.bootstrap;
  r.levels = s.design.levels;
  if (!cluster().root()) return kExitOk;  // under MPI, rank 0 alone writes
  std::string text = s.format == "json" ? sensitivity_json(r).dump(2) + "\n" : sensitivity_table(r);
  if (!s.quiet && s.format == "json")
    for (const auto& w : gsa::precision_warnings(r)) std::cerr << "geosim: warning: " << w << "\n";
  write_file_atomic(s.output.empty() ? "-" : s.output, text);  // ("-": polled, so Ctrl-C stops a stuck pipe)
  return kExitOk;
}

Register reg("sensitivity", "which uncertain parameters drive each outcome (Sobol, Morris)", sensitivity_command);

}  // namespace
}  // namespace geosim::cli
