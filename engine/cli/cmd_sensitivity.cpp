// `geosim sensitivity`: which uncertain parameters drive each outcome (Sobol, Morris), and
// the same estimators on functions with known answers (--test-function) so that a user can
// check them. The design and estimators live in analysis/sensitivity, the evaluation of a
// scenario at design points in analysis/gsa; this file is the command line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

#include "analysis/gsa/evaluate.h"
#include "analysis/gsa/report.h"
#include "engine/cli/common.h"
#include "engine/core/cluster.h"
#include "engine/core/parallel.h"

namespace geosim::cli {

namespace {

using namespace geosim::sensitivity;

// The g-function's standard coefficients (Saltelli & Sobol 1995; SALib's test): two
// important inputs, two moderately important, four nearly inert.
const std::vector<double> kGCoefficients = {0, 1, 4.5, 9, 99, 99, 99, 99};

struct Settings {
  std::string method = "sobol", format = "table", output, test_function, params;
  std::vector<std::string> ranges;
  int samples = 1024, runs_per_point = 100, bootstrap = kDefaultBootstrap, levels = kMorrisDefaultLevels;
  uint64_t seed = 1;
  int threads = 0;
  bool quiet = false;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Evaluates a chunk of design points (one row each, unit-cube coordinates already mapped
// for Morris): one row of outputs per point. `done` and `total` count design points, for
// progress.
using ChunkEvaluator = std::function<Eigen::MatrixXd(const Eigen::MatrixXd& U, int64_t done, int64_t total)>;

// Design points handed to the evaluator at a time: enough to keep every thread of every
// rank busy, few enough that memory stays small. The chunking never changes a result: the
// analyzers see the rows in the same order whatever the chunk size.
int64_t chunk_points() { return std::max<int64_t>(4096, int64_t{64} * max_threads() * cluster().size); }

// Streams the Sobol design through `eval` and the analyzer, chunk by chunk: memory holds
// one chunk of points and outputs, never the whole design. `scale` turns each output into
// the number analysed (a scenario's shares into counts of runs: see analyze below).
void run_sobol(const Settings& s, int d, int m, const ChunkEvaluator& eval, double scale, gsa::SensitivityReport& r,
               std::vector<double>& output_sum) {
  SobolSampler sampler(d, s.seed);
  SobolAnalyzer analyzer(d, m, s.bootstrap, s.seed);
  const size_t D = static_cast<size_t>(d), M = static_cast<size_t>(m), P = D + 2;
  const int64_t rows_per_chunk = std::max<int64_t>(1, chunk_points() / static_cast<int64_t>(P));
  const int64_t total = static_cast<int64_t>(s.samples) * static_cast<int64_t>(P);
  std::vector<double> a(D), b(D), pts(P * D), y(P * M);
  for (int64_t j0 = 0; j0 < s.samples; j0 += rows_per_chunk) {
    const int64_t rows = std::min<int64_t>(rows_per_chunk, s.samples - j0);
    Eigen::MatrixXd U(rows * static_cast<int64_t>(P), d);
    for (int64_t j = 0; j < rows; ++j) {
      sampler.next(a.data(), b.data());
      sobol_row_points(a.data(), b.data(), d, pts.data());
      for (size_t p = 0; p < P; ++p)
        for (size_t i = 0; i < D; ++i) U(j * static_cast<int64_t>(P) + static_cast<int64_t>(p), static_cast<Eigen::Index>(i)) = pts[p * D + i];
    }
    const Eigen::MatrixXd Y = eval(U, j0 * static_cast<int64_t>(P), total);
    for (int64_t j = 0; j < rows; ++j) {
      for (size_t p = 0; p < P; ++p)
        for (size_t k = 0; k < M; ++k) {
          const double v = Y(j * static_cast<int64_t>(P) + static_cast<int64_t>(p), static_cast<Eigen::Index>(k));
          output_sum[k] += v;
          y[p * M + k] = scale > 0 ? std::round(v * scale) : v;
        }
      analyzer.add(y.data());
    }
  }
  r.sobol = analyzer.finish();
}

// The same for Morris, trajectory by trajectory.
void run_morris(const Settings& s, int d, int m, const ChunkEvaluator& eval, gsa::SensitivityReport& r,
                std::vector<double>& output_sum, bool map_levels) {
  MorrisAnalyzer analyzer(d, m, morris_delta(s.levels), s.bootstrap, s.seed);
  const size_t D = static_cast<size_t>(d), M = static_cast<size_t>(m), P = D + 1;
  const int64_t per_chunk = std::max<int64_t>(1, chunk_points() / static_cast<int64_t>(P));
  const int64_t total = static_cast<int64_t>(s.samples) * static_cast<int64_t>(P);
  std::vector<double> pts(per_chunk * P * D), y(P * M);
  std::vector<int> changed(per_chunk * D);
  for (int64_t t0 = 0; t0 < s.samples; t0 += per_chunk) {
    const int64_t n = std::min<int64_t>(per_chunk, s.samples - t0);
    Eigen::MatrixXd U(n * static_cast<int64_t>(P), d);
    for (int64_t t = 0; t < n; ++t) {
      double* tp = &pts[static_cast<size_t>(t) * P * D];
      morris_trajectory(t0 + t, d, s.levels, s.seed, tp, &changed[static_cast<size_t>(t) * D]);
      for (size_t p = 0; p < P; ++p)
        for (size_t i = 0; i < D; ++i)
          U(t * static_cast<int64_t>(P) + static_cast<int64_t>(p), static_cast<Eigen::Index>(i)) =
              map_levels ? gsa::morris_level_to_unit(tp[p * D + i], s.levels) : tp[p * D + i];
    }
    const Eigen::MatrixXd Y = eval(U, t0 * static_cast<int64_t>(P), total);
    for (int64_t t = 0; t < n; ++t) {
      for (size_t p = 0; p < P; ++p)
        for (size_t k = 0; k < M; ++k) {
          const double v = Y(t * static_cast<int64_t>(P) + static_cast<int64_t>(p), static_cast<Eigen::Index>(k));
          output_sum[k] += v;
          y[p * M + k] = v;
        }
      analyzer.add(&pts[static_cast<size_t>(t) * P * D], &changed[static_cast<size_t>(t) * D], y.data());
    }
  }
  r.morris = analyzer.finish();
}

// Runs the chosen method over `eval`. For a scenario (runs_per_point > 0) the Sobol
// estimators see each output as its count of runs, k = share x R: the indices are ratios,
// so the scale does not matter, and whole numbers keep the sums free of rounding in the
// common case.
void analyze(const Settings& s, int d, int m, int runs_per_point, const ChunkEvaluator& eval,
             gsa::SensitivityReport& r) {
  std::vector<double> output_sum(static_cast<size_t>(m), 0.0);
  if (s.method == "sobol") run_sobol(s, d, m, eval, runs_per_point, r, output_sum);
  else run_morris(s, d, m, eval, r, output_sum, runs_per_point > 0);
  r.points = static_cast<int64_t>(s.samples) * (s.method == "sobol" ? d + 2 : d + 1);
  r.output_mean.clear();
  for (double v : output_sum) r.output_mean.push_back(v / static_cast<double>(r.points));
}

gsa::SensitivityReport test_function(const Settings& s) {
  gsa::SensitivityReport r;
  std::function<double(const double*)> f;
  int d = 0;
  if (s.test_function == "ishigami") {
    d = 3;
    f = [](const double* x) { return ishigami(x); };
    r.analytic = ishigami_indices();
    r.title = "Ishigami (a = 7, b = 0.1)";
  } else if (s.test_function == "gfunction") {
    d = static_cast<int>(kGCoefficients.size());
    f = [](const double* x) { return g_function(x, kGCoefficients); };
    r.analytic = g_function_indices(kGCoefficients);
    r.title = "Sobol g-function (a = 0, 1, 4.5, 9, 99, 99, 99, 99)";
  } else {
    throw UsageError("sensitivity: --test-function must be ishigami or gfunction, got '" + s.test_function + "'");
  }
  for (int i = 0; i < d; ++i) {
    r.parameters.push_back("x" + std::to_string(i + 1));
    r.distributions.push_back("uniform(0, 1)");
  }
  r.outputs = {"f"};
  analyze(s, d, 1, 0, [&](const Eigen::MatrixXd& U, int64_t, int64_t) {
    Eigen::MatrixXd Y(U.rows(), 1);
    std::vector<double> x(static_cast<size_t>(d));
    for (Eigen::Index row = 0; row < U.rows(); ++row) {
      for (int i = 0; i < d; ++i) x[static_cast<size_t>(i)] = U(row, i);
      Y(row, 0) = f(x.data());
    }
    return Y;
  }, r);
  return r;
}

gsa::SensitivityReport scenario(const Settings& s, const std::string& file, const ScenarioArgs& sa) {
  std::vector<gsa::FactorRange> ranges;
  for (const auto& text : s.ranges) ranges.push_back(gsa::parse_range(text));
  Scenario sc = load_scenario(file, sa.load_options());
  check_not_extended(sc.extended, {{"--output", s.output}});
  Model model(sc);
  auto factors = gsa::choose_factors(sc, split_list(s.params), ranges);
  const int d = static_cast<int>(factors.size());
  gsa::SensitivityReport r;
  r.scenario = sc.id;
  r.title = sc.title;
  r.runs_per_point = s.runs_per_point;
  for (const auto& f : factors) {
    r.parameters.push_back(f.path);
    r.distributions.push_back(f.describe());
  }
  for (const auto& o : sc.outcomes) r.outputs.push_back(o.id);

  install_signal_handlers();
  Progress progress("sensitivity runs", s.quiet || !cluster().root());
  gsa::EvalOptions eo;
  eo.seed = s.seed;
  eo.runs_per_point = s.runs_per_point;
  eo.stop = &interrupted();
  eo.progress = [&](uint64_t done, uint64_t total) { progress.update(done, total); };
  const uint64_t runs = static_cast<uint64_t>(s.runs_per_point);
  analyze(s, d, static_cast<int>(sc.outcomes.size()), s.runs_per_point,
          [&](const Eigen::MatrixXd& U, int64_t done, int64_t total) {
            eo.progress_base = static_cast<uint64_t>(done) * runs;
            eo.progress_total = static_cast<uint64_t>(total) * runs;
            Eigen::MatrixXd Y = gsa::evaluate_points(model, factors, U, eo);
            if (interrupted()) throw std::runtime_error("interrupted");
            return Y;
          },
          r);
  progress.finish();
  if (s.method == "morris") {
    // MorrisAnalyzer measures effects per unit of the design grid; one grid unit spans
    // (p - 1) / p of the quantile scale (gsa::morris_level_to_unit), so rescale to report
    // effects per unit of the quantile scale, comparable across parameters and level counts.
    const double k = static_cast<double>(s.levels) / (s.levels - 1);
    for (auto& m : r.morris) {
      for (auto& v : m.mu) v *= k;
      for (auto& v : m.mu_star) v *= k;
      for (auto& v : m.sigma) v *= k;
      for (auto& ci : m.mu_star_ci95) ci = {ci[0] * k, ci[1] * k};
    }
  }
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
      ("samples,N", po::value<int>(&s.samples),
       "Sobol: base points N, a power of two is best (cost N x (d + 2) points); Morris: trajectories "
       "(cost r x (d + 1) points). Default 1024")
      ("runs-per-point,r", po::value<int>(&s.runs_per_point), "Monte Carlo runs at each design point (default 100)")
      ("seed,s", po::value<uint64_t>(&s.seed), "random seed of the design, the runs and the bootstrap (default 1)")
      ("threads,t", po::value<int>(&s.threads), "threads to use (default: all cores; at most 4 per core); never changes results")
      ("bootstrap,b", po::value<int>(&s.bootstrap), "bootstrap resamples for the 95% intervals (default 1000)")
      ("levels", po::value<int>(&s.levels), "Morris grid levels, even (default 4)")
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
  if (s.samples < min_samples || s.samples > (1 << 24))
    throw UsageError("sensitivity: --samples must be between " + std::to_string(min_samples) + " and 16777216, got " +
                     std::to_string(s.samples));
  if (s.runs_per_point < 1 || s.runs_per_point > 10000000)
    throw UsageError("sensitivity: --runs-per-point must be between 1 and 10000000, got " +
                     std::to_string(s.runs_per_point));
  if (s.bootstrap < 0 || s.bootstrap > 100000)
    throw UsageError("sensitivity: --bootstrap must be between 0 (no intervals) and 100000, got " +
                     std::to_string(s.bootstrap));
  if (s.levels < 2 || s.levels % 2 != 0 || s.levels > 1000)
    throw UsageError("sensitivity: --levels must be an even number from 2 to 1000, got " + std::to_string(s.levels));
  if (!s.test_function.empty() && (!s.params.empty() || !s.ranges.empty() || !sa.sets.empty()))
    throw UsageError("sensitivity: --params, --range and --set apply to scenarios, not to --test-function");
  apply_threads(s.threads, "sensitivity");
  check_distinct_paths({{"the scenario", file}}, {{"--output", s.output}});

  gsa::SensitivityReport r;
  try {
    r = s.test_function.empty() ? scenario(s, file, sa) : test_function(s);
  } catch (const std::runtime_error& e) {
    if (!interrupted()) throw;
    std::cerr << "geosim: interrupted; nothing written\n";
    return kExitInterrupted;
  }
  r.method = s.method;
  r.test_function = s.test_function;
  r.seed = s.seed;
  r.samples = s.samples;
  r.bootstrap = s.bootstrap;
  r.levels = s.levels;
  if (!cluster().root()) return kExitOk;  // under MPI, rank 0 alone writes
  std::string text = s.format == "json" ? sensitivity_json(r).dump(2) + "\n" : sensitivity_table(r);
  if (!s.quiet && s.format == "json")
    for (const auto& w : gsa::precision_warnings(r)) std::cerr << "geosim: warning: " << w << "\n";
  if (s.output.empty()) std::cout << text;
  else write_file_atomic(s.output, text);
  return kExitOk;
}

Register reg("sensitivity", "which uncertain parameters drive each outcome (Sobol, Morris)", sensitivity_command);

}  // namespace
}  // namespace geosim::cli
