// The streaming sensitivity pipeline (pipeline.h).
#include "analysis/sensitivity/pipeline.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

#include "engine/core/cluster.h"
#include "engine/core/error.h"
#include "engine/core/parallel.h"

namespace geosim::gsa {

namespace {

using namespace geosim::sensitivity;

// The g-function's standard coefficients (Saltelli & Sobol 1995; SALib's test): two
// important inputs, two moderately important, four nearly inert.
const std::vector<double> kGCoefficients = {0, 1, 4.5, 9, 99, 99, 99, 99};

// Design points handed to the evaluator at a time: enough to keep every thread of every
// rank busy, few enough that memory stays small. The chunking never changes a result: the
// analyzers see the rows in the same order whatever the chunk size.
int64_t chunk_points() { return std::max<int64_t>(4096, int64_t{64} * max_threads() * cluster().size); }

// The jackknife's standard error from the G leave-one-group-out values of an estimate
// (those that are NaN left out); NaN when fewer than two are finite.
double jackknife_se(const std::vector<double>& v) {
  double n = 0, mean = 0;
  for (double x : v)
    if (std::isfinite(x)) n += 1, mean += x;
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  mean /= n;
  double ss = 0;
  for (double x : v)
    if (std::isfinite(x)) ss += (x - mean) * (x - mean);
  return std::sqrt((n - 1) / n * ss);
}

// Each side of `ci` moved out so that its distance from `est` is the quadrature sum of what
// it was and 1.96 se (the interval keeps its place, asymmetry included).
std::array<double, 2> widen(double est, const std::array<double, 2>& ci, double se) {
  if (!std::isfinite(est) || !std::isfinite(ci[0]) || !std::isfinite(ci[1]) || !std::isfinite(se)) return ci;
  const double z = 1.959963984540054 * se;
  const double lo = std::max(0.0, est - ci[0]), hi = std::max(0.0, ci[1] - est);
  return {ci[0] - (std::hypot(lo, z) - lo), ci[1] + (std::hypot(hi, z) - hi)};
}

// The runs' standard error of each entry of `field` (one vector per output), from the G
// analyses that each left out one group of runs.
template <class Indices, class Field>
std::vector<std::vector<double>> runs_se(const std::vector<std::vector<Indices>>& leave_out, size_t outputs, size_t d,
                                         Field field) {
  std::vector<std::vector<double>> se(outputs, std::vector<double>(d));
  std::vector<double> v(leave_out.size());
  for (size_t k = 0; k < outputs; ++k)
    for (size_t i = 0; i < d; ++i) {
      for (size_t g = 0; g < leave_out.size(); ++g) v[g] = field(leave_out[g][k])[i];
      se[k][i] = jackknife_se(v);
    }
  return se;
}

// Streams the Sobol design through `eval` and the analyzer, chunk by chunk: memory holds
// one chunk of points and outputs, never the whole design. `scale` turns each output into
// the number analysed (a scenario's shares into counts of runs: see analyze below).
// With `groups`, also on the runs outside each group, for the runs' own error (pipeline.h).
void run_sobol(const DesignSettings& s, int d, int m, const ChunkEvaluator& eval, double scale, SensitivityReport& r,
               std::vector<double>& output_sum, int groups) {
  SobolSampler sampler(d, s.seed);
  SobolAnalyzer analyzer(d, m, s.bootstrap, s.seed);
  // The same estimators on the runs outside each group (no intervals of their own).
  std::vector<std::unique_ptr<SobolAnalyzer>> leave_out;
  std::vector<double> leave_out_scale;
  for (int g = 0; g < groups; ++g) {
    leave_out.push_back(std::make_unique<SobolAnalyzer>(d, m, 0, s.seed));
    leave_out_scale.push_back(scale - static_cast<double>(runs_in_group(static_cast<uint64_t>(scale), groups, g)));
  }
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
      for (size_t g = 0; g < leave_out.size(); ++g) {
        for (size_t p = 0; p < P; ++p)
          for (size_t k = 0; k < M; ++k)
            y[p * M + k] = std::round(
                Y(j * static_cast<int64_t>(P) + static_cast<int64_t>(p), static_cast<Eigen::Index>(M * (1 + g) + k)) *
                leave_out_scale[g]);
        leave_out[g]->add(y.data());
      }
    }
  }
  r.sobol = analyzer.finish();
  if (leave_out.empty()) return;
  std::vector<std::vector<SobolIndices>> lo;
  for (auto& a : leave_out) lo.push_back(a->finish());
  const auto s1 = runs_se(lo, M, D, [](const SobolIndices& x) -> const std::vector<double>& { return x.S1; });
  const auto st = runs_se(lo, M, D, [](const SobolIndices& x) -> const std::vector<double>& { return x.ST; });
  for (size_t k = 0; k < M; ++k) {
    SobolIndices& x = r.sobol[k];
    x.S1_runs_se = s1[k];
    x.ST_runs_se = st[k];
    for (size_t i = 0; i < D; ++i) {
      x.S1_ci95[i] = widen(x.S1[i], x.S1_ci95[i], s1[k][i]);
      x.ST_ci95[i] = widen(x.ST[i], x.ST_ci95[i], st[k][i]);
    }
  }
}

// The same for Morris, trajectory by trajectory.
void run_morris(const DesignSettings& s, int d, int m, const ChunkEvaluator& eval, SensitivityReport& r,
                std::vector<double>& output_sum, bool map_levels, int groups) {
  MorrisAnalyzer analyzer(d, m, morris_delta(s.levels), s.bootstrap, s.seed);
  std::vector<std::unique_ptr<MorrisAnalyzer>> leave_out;
  for (int g = 0; g < groups; ++g)
    leave_out.push_back(std::make_unique<MorrisAnalyzer>(d, m, morris_delta(s.levels), 0, s.seed));
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
              map_levels ? morris_level_to_unit(tp[p * D + i], s.levels) : tp[p * D + i];
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
      for (size_t g = 0; g < leave_out.size(); ++g) {
        for (size_t p = 0; p < P; ++p)
          for (size_t k = 0; k < M; ++k)
            y[p * M + k] =
                Y(t * static_cast<int64_t>(P) + static_cast<int64_t>(p), static_cast<Eigen::Index>(M * (1 + g) + k));
        leave_out[g]->add(&pts[static_cast<size_t>(t) * P * D], &changed[static_cast<size_t>(t) * D], y.data());
      }
    }
  }
  r.morris = analyzer.finish();
  if (leave_out.empty()) return;
  std::vector<std::vector<MorrisIndices>> lo;
  for (auto& a : leave_out) lo.push_back(a->finish());
  const auto se = runs_se(lo, M, D, [](const MorrisIndices& x) -> const std::vector<double>& { return x.mu_star; });
  for (size_t k = 0; k < M; ++k) {
    MorrisIndices& x = r.morris[k];
    x.mu_star_runs_se = se[k];
    for (size_t i = 0; i < D; ++i) x.mu_star_ci95[i] = widen(x.mu_star[i], x.mu_star_ci95[i], se[k][i]);
  }
}

}  // namespace

int run_groups(int runs_per_point) { return runs_per_point >= 2 ? std::min(10, runs_per_point) : 0; }

void analyze(const DesignSettings& s, int d, int m, int runs_per_point, const ChunkEvaluator& eval,
             SensitivityReport& r, int groups) {
  std::vector<double> output_sum(static_cast<size_t>(m), 0.0);
  if (s.method == Method::Sobol)
    run_sobol(s, d, m, eval, runs_per_point, r, output_sum, groups);
  else
    run_morris(s, d, m, eval, r, output_sum, runs_per_point > 0, groups);
  r.run_groups = groups;
  r.points = static_cast<int64_t>(s.samples) * (s.method == Method::Sobol ? d + 2 : d + 1);
  r.output_mean.clear();
  for (double v : output_sum) r.output_mean.push_back(v / static_cast<double>(r.points));
}

SensitivityReport analyze_test_function(const DesignSettings& s, const std::string& name) {
  SensitivityReport r;
  std::function<double(const double*)> f;
  int d = 0;
  if (name == "ishigami") {
    d = 3;
    f = [](const double* x) { return ishigami(x); };
    r.analytic = ishigami_indices();
    r.title = "Ishigami (a = 7, b = 0.1)";
  } else if (name == "gfunction") {
    d = static_cast<int>(kGCoefficients.size());
    f = [](const double* x) { return g_function(x, kGCoefficients); };
    r.analytic = g_function_indices(kGCoefficients);
    r.title = "Sobol g-function (a = 0, 1, 4.5, 9, 99, 99, 99, 99)";
  } else {
    throw UsageError("sensitivity: --test-function must be ishigami or gfunction, got '" + name + "'");
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

SensitivityReport analyze_scenario(const DesignSettings& s, const Model& model, const std::vector<Factor>& factors,
                                   EvalOptions eo) {
  const Scenario& sc = model.scenario();
  const int d = static_cast<int>(factors.size());
  SensitivityReport r;
  r.scenario = sc.id;
  r.scenario_hash = sc.content_hash;
  r.title = sc.title;
  r.runs_per_point = eo.runs_per_point;
  for (const auto& f : factors) {
    r.parameters.push_back(f.path);
    r.distributions.push_back(f.describe());
  }
  for (const auto& o : sc.outcomes) r.outputs.push_back(o.id);
  const uint64_t runs = static_cast<uint64_t>(eo.runs_per_point);
  eo.groups = run_groups(eo.runs_per_point);
  analyze(
      s, d, static_cast<int>(sc.outcomes.size()), eo.runs_per_point,
      [&](const Eigen::MatrixXd& U, int64_t done, int64_t total) {
        eo.progress_base = static_cast<uint64_t>(done) * runs;
        eo.progress_total = static_cast<uint64_t>(total) * runs;
        Eigen::MatrixXd Y = evaluate_points(model, factors, U, eo);
        if (eo.stop && eo.stop->load()) throw std::runtime_error("interrupted");
        return Y;
      },
      r, eo.groups);
  if (s.method == Method::Morris) {
    // MorrisAnalyzer measures effects per unit of the design grid; one grid unit spans
    // (p - 1) / p of the quantile scale (morris_level_to_unit), so rescale to report
    // effects per unit of the quantile scale, comparable across parameters and level counts.
    const double k = static_cast<double>(s.levels) / (s.levels - 1);
    for (auto& m : r.morris) {
      for (auto& v : m.mu) v *= k;
      for (auto& v : m.mu_star) v *= k;
      for (auto& v : m.sigma) v *= k;
      for (auto& ci : m.mu_star_ci95) ci = {ci[0] * k, ci[1] * k};
      for (auto& v : m.mu_star_runs_se) v *= k;
    }
  }
  return r;
}

const char* method_name(Method m) { return m == Method::Sobol ? "sobol" : "morris"; }

}  // namespace geosim::gsa
