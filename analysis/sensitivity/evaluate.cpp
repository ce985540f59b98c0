#include "analysis/sensitivity/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>

#include "engine/output/numbers.h"
#include "engine/core/number_text.h"
#include "engine/core/cluster.h"
#include "engine/runner/distributed.h"
#include "engine/runner/run_loop.h"

namespace geosim::gsa {

double Factor::value(double u) const {
  u = std::clamp(u, kUnitMin, kUnitMax);
  if (ranged) return lo + (hi - lo) * u;
  return dist->quantile(u);
}

std::string Factor::describe() const {
  if (!ranged) return dist->describe();
  return "range " + general(lo) + ":" + general(hi);
}

FactorRange parse_range(const std::string& text) {
  const std::string form = "--range expects PATH=LO:HI, e.g. levers.sanctions.intensity=0.2:0.9";
  auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("sensitivity: bad --range '" + text + "'; " + form);
  auto colon = text.find(':', eq);
  if (colon == std::string::npos) throw UsageError("sensitivity: bad --range '" + text + "'; " + form);
  FactorRange r;
  r.path = text.substr(0, eq);
  auto number = [&](const std::string& s, double& out) { return parse_finite(s, out); };
  if (!number(text.substr(eq + 1, colon - eq - 1), r.lo) || !number(text.substr(colon + 1), r.hi))
    throw UsageError("sensitivity: bad --range '" + text + "': LO and HI must be numbers; " + form);
  if (!(r.lo < r.hi))
    throw UsageError("sensitivity: bad --range '" + text + "': LO must be smaller than HI");
  return r;
}

std::vector<Factor> choose_factors(const Scenario& sc, const std::vector<std::string>& paths,
                                   const std::vector<FactorRange>& ranges) {
  std::vector<std::string> all;
  for (const auto& p : sc.params) all.push_back(p.path);
  auto find = [&](const std::string& path, const char* where) {
    ParamId id = sc.find_param(path);
    if (id == kNoParam) {
      std::string guess = closest_match(path, all);
      throw UsageError(std::string("sensitivity: ") + where + " names '" + path + "', which is not a parameter of '" +
                       sc.id + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                       " ('geosim run --format json' lists the parameters under \"parameters\")");
    }
    return id;
  };
  std::vector<ParamId> ids;
  std::set<ParamId> seen;
  if (paths.empty()) {
    ids = sc.independent_params();  // a shared factor is one input for all that follow it
    seen.insert(ids.begin(), ids.end());
  } else {
    for (const auto& p : paths) {
      ParamId id = find(p, "--params");
      if (!seen.insert(id).second) throw UsageError("sensitivity: --params lists '" + p + "' twice");
      ids.push_back(id);
    }
  }
  std::vector<const FactorRange*> range_of(sc.params.size(), nullptr);
  for (const auto& r : ranges) {
    ParamId id = find(r.path, "--range");
    if (range_of[static_cast<size_t>(id)]) throw UsageError("sensitivity: --range gives '" + r.path + "' twice");
    range_of[static_cast<size_t>(id)] = &r;
    const Param& p = sc.params[static_cast<size_t>(id)];
    if (!p.range.contains(r.lo) || !p.range.contains(r.hi))
      throw UsageError("sensitivity: --range " + r.path + " goes outside the values it may take, " + p.range.str());
    if (paths.empty() && seen.insert(id).second) ids.push_back(id);
    else if (!paths.empty() && !seen.count(id))
      throw UsageError("sensitivity: --range names '" + r.path + "', which --params does not list");
  }
  std::vector<std::string> constant;
  std::vector<Factor> out;
  for (ParamId id : ids) {
    const Param& p = sc.params[static_cast<size_t>(id)];
    Factor f;
    f.id = id;
    f.path = p.path;
    if (const FactorRange* r = range_of[static_cast<size_t>(id)]) {
      f.ranged = true;
      f.lo = r->lo;
      f.hi = r->hi;
    } else if (p.dist.is_constant()) {
      constant.push_back(p.path);
    } else {
      f.dist = &p.dist;
    }
    out.push_back(f);
  }
  if (!constant.empty())
    throw UsageError("sensitivity: " + join(constant) + (constant.size() == 1 ? " has" : " have") +
                     " a fixed value in the scenario, so there is nothing to vary; give a range with --range " +
                     constant[0] + "=LO:HI or leave it out of --params");
  if (out.empty())
    throw UsageError("sensitivity: scenario '" + sc.id + "' has no uncertain parameters" +
                     (sc.uncertain_params().empty() ? std::string()
                                                    : " that can change a run (those of levers that never act are left "
                                                      "out)") +
                     "; name some with --params and give each a range with --range PATH=LO:HI");
  return out;
}

double morris_level_to_unit(double x, int levels) {
  return (x * (levels - 1) + 0.5) / levels;
}

namespace {

// The runs of a point are one block of the run loop: indices point * R + r, r < R, so that a
// point is computed by one thread from start to end and writes only its own row.
struct PointVisitor {
  const Model& model;
  const std::vector<Factor>& factors;
  const Eigen::MatrixXd& U;
  uint64_t seed, runs;
  size_t m;                       // outcomes
  size_t G;                       // groups of runs (0: none)
  std::vector<uint64_t>& counts;  // points x m x (1 + G): all runs, then each group's
  const std::function<void(uint64_t)>& poll;  // EvalOptions::poll

  struct Local {
    RunState st;
    ParamValues fixed;
    std::vector<uint64_t> counts;
    uint64_t first = 0;  // index of the point's run 0
  };

  std::unique_ptr<Local> make_local() const {
    auto l = std::make_unique<Local>();
    model.prepare(l->st);
    l->fixed.assign(model.scenario().params.size(), std::numeric_limits<double>::quiet_NaN());
    l->counts.assign(m * (1 + G), 0);
    return l;
  }

  void begin_block(Local& l, uint64_t lo, uint64_t) const {
    const auto row = static_cast<Eigen::Index>(lo / runs);
    for (size_t i = 0; i < factors.size(); ++i)
      l.fixed[static_cast<size_t>(factors[i].id)] = factors[i].value(U(row, static_cast<Eigen::Index>(i)));
    std::fill(l.counts.begin(), l.counts.end(), 0);
    l.first = lo;
  }

  void run(Local& l, uint64_t i) const {
    const auto o = static_cast<size_t>(simulate(model, l.st, seed, i - l.first, &l.fixed));
    ++l.counts[o];
    if (G > 0) ++l.counts[m * (1 + static_cast<size_t>((i - l.first) % G)) + o];
    if (poll && (i - l.first + 1) % kPollRuns == 0 && first_thread()) poll(i - l.first + 1);
  }

  void end_block(Local& l, uint64_t lo, uint64_t) const {
    const size_t row = static_cast<size_t>(lo / runs), w = m * (1 + G);
    for (size_t k = 0; k < w; ++k) counts[row * w + k] = l.counts[k];
  }
};

}  // namespace

Eigen::MatrixXd evaluate_points(const Model& model, const std::vector<Factor>& factors, const Eigen::MatrixXd& U,
                                const EvalOptions& o) {
  const Scenario& sc = model.scenario();
  GEOSIM_CHECK(U.cols() == static_cast<Eigen::Index>(factors.size()), "evaluate_points: one column per factor");
  GEOSIM_CHECK(o.runs_per_point >= 1, "evaluate_points: at least one run per point");
  const Eigen::Index points = U.rows();
  const size_t m = sc.outcomes.size();
  const uint64_t runs = static_cast<uint64_t>(o.runs_per_point);
  // Under MPI each rank computes a contiguous block of points; the outcome counts are
  // integers, summed over ranks, so Y is the same bytes for any number of ranks.
  const Cluster& cl = cluster();
  uint64_t first = 0, mine = static_cast<uint64_t>(points);
  cluster_block(static_cast<uint64_t>(points), cl.rank, cl.size, first, mine);
  GEOSIM_CHECK(o.groups == 0 || (o.groups >= 2 && static_cast<uint64_t>(o.groups) <= runs),
               "evaluate_points: 2 to R groups of runs, or none");
  const size_t G = static_cast<size_t>(o.groups), w = m * (1 + G);
  std::vector<uint64_t> counts(static_cast<size_t>(points) * w, 0);
  PointVisitor v{model, factors, U, o.seed, runs, m, G, counts, o.poll};
  LoopOptions lo;
  lo.block = runs;
  lo.stop = o.stop;
  if (o.progress && cl.root()) {
    const uint64_t total = o.progress_total ? o.progress_total : static_cast<uint64_t>(points) * runs;
    lo.progress = [&o, total, size = static_cast<uint64_t>(cl.size)](uint64_t now, uint64_t) {
      o.progress(std::min(total, o.progress_base + now * size), total);
    };
  }
  agree_on_failure([&] { for_each_run({first * runs, mine * runs}, lo, v); }, "evaluation");
  cluster_sum(counts);
  Eigen::MatrixXd Y(points, static_cast<Eigen::Index>(w));
  for (Eigen::Index row = 0; row < points; ++row) {
    const uint64_t* c = &counts[static_cast<size_t>(row) * w];
    for (size_t k = 0; k < m; ++k)
      Y(row, static_cast<Eigen::Index>(k)) = static_cast<double>(c[k]) / static_cast<double>(runs);
    for (size_t g = 0; g < G; ++g) {
      const uint64_t outside = runs - runs_in_group(runs, o.groups, static_cast<int>(g));
      for (size_t k = 0; k < m; ++k)
        Y(row, static_cast<Eigen::Index>(m * (1 + g) + k)) =
            static_cast<double>(c[k] - c[m * (1 + g) + k]) / static_cast<double>(outside);
    }
  }
  return Y;
}

}  // namespace geosim::gsa
