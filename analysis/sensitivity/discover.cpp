#include "analysis/sensitivity/discover.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "engine/output/numbers.h"
#include "analysis/sweep/results_csv.h"

namespace geosim::gsa {

std::string sweep_csv_path(const std::string& results) { return sweep_results_path(results); }

// The ok points as matrices (analysis/sweep/results_csv.h reads and checks the file).
SweepTable read_sweep_csv(const std::string& path) {
  const SweepResults r = read_sweep_results(path);
  SweepTable t;
  t.file = r.file;
  t.parameters = r.parameters;
  t.outcomes = r.outcomes;
  t.failed = r.failed();
  const auto n = static_cast<Eigen::Index>(r.rows.size() - static_cast<size_t>(t.failed));
  const auto K = static_cast<Eigen::Index>(t.parameters.size()), m = static_cast<Eigen::Index>(t.outcomes.size());
  t.X.resize(n, K);
  t.P.resize(n, m);
  Eigen::Index i = 0;
  for (const auto& row : r.rows) {
    if (!row.ok) continue;
    t.point.push_back(static_cast<long>(row.point));
    for (Eigen::Index j = 0; j < K; ++j) t.X(i, j) = row.x[static_cast<size_t>(j)];
    for (Eigen::Index k = 0; k < m; ++k) t.P(i, k) = row.p[static_cast<size_t>(k)];
    ++i;
  }
  return t;
}

DiscoverResult discover(const SweepTable& table, const DiscoverOptions& o) {
  DiscoverResult r;
  r.options = o;
  r.outcome = -1;
  for (size_t k = 0; k < table.outcomes.size(); ++k)
    if (table.outcomes[k] == o.outcome) r.outcome = static_cast<int>(k);
  if (r.outcome < 0) {
    std::string guess = closest_match(o.outcome, table.outcomes);
    throw UsageError("discover: --outcome '" + o.outcome + "' is not in " + table.file +
                     (guess.empty() ? "" : "; did you mean '" + guess + "'?") + " (outcomes there: " +
                     join(table.outcomes) + ")");
  }
  if (table.X.rows() == 0)
    throw InputError(FileLoc{table.file, 0, 0}, "no point with status ok to analyse",
                     table.failed ? "every point failed; the reasons are in the sweep's database: " +
                                        failed_reasons_command(sweep_database_path(table.file))
                                  : std::string("the sweep has not finished any point"));
  Eigen::VectorXd y(table.X.rows());
  for (Eigen::Index i = 0; i < y.size(); ++i) y[i] = table.P(i, r.outcome) > o.threshold ? 1.0 : 0.0;
  r.cases = static_cast<int>(y.sum());
  r.prim = sensitivity::prim(table.X, y, o.prim);
  if (o.box >= 0) {
    const int boxes = static_cast<int>(r.prim.trajectory.size());
    if (o.box >= boxes)
      throw UsageError("discover: --box " + std::to_string(o.box) + " does not exist; the trajectory has boxes 0 to " +
                       std::to_string(boxes - 1));
    r.prim.chosen = o.box;
    r.prim.restricted = sensitivity::prim_restrictions(r.prim, o.box);
  }
  return r;
}

namespace {

Json limits_json(const SweepTable& t, const sensitivity::PrimResult& pr, int box) {
  Json a = Json::array();
  for (const auto& res : sensitivity::prim_restrictions(pr, box))
    a.push_back({{"parameter", t.parameters[static_cast<size_t>(res.dim)]},
                 {"lo", res.lo},
                 {"hi", res.hi},
                 {"swept_lo", pr.initial[static_cast<size_t>(res.dim)][0]},
                 {"swept_hi", pr.initial[static_cast<size_t>(res.dim)][1]}});
  return a;
}



}  // namespace

Json discover_json(const SweepTable& t, const DiscoverResult& r) {
  Json j;
  j["method"] = "prim";
  j["results"] = t.file;
  j["outcome"] = r.options.outcome;
  j["threshold"] = r.options.threshold;
  j["alpha"] = r.options.prim.peel_alpha;
  j["min_mass"] = r.options.prim.mass_min;
  j["density_threshold"] = r.options.prim.density_threshold;
  j["parameters"] = t.parameters;
  j["points"] = t.X.rows();
  j["failed_points"] = t.failed;
  j["cases"] = r.cases;
  Json traj = Json::array();
  for (size_t b = 0; b < r.prim.trajectory.size(); ++b) {
    const auto& box = r.prim.trajectory[b];
    traj.push_back({{"box", b},
                    {"coverage", box.coverage},
                    {"density", box.density},
                    {"mass", box.mass},
                    {"points", box.n_runs},
                    {"restricted", box.n_restricted},
                    {"pasted", box.pasted},
                    {"restrictions", limits_json(t, r.prim, static_cast<int>(b))}});
  }
  j["trajectory"] = traj;
  const auto& c = r.prim.trajectory[static_cast<size_t>(r.prim.chosen)];
  j["chosen"] = {{"box", r.prim.chosen},
                 {"coverage", c.coverage},
                 {"density", c.density},
                 {"mass", c.mass},
                 {"points", c.n_runs},
                 {"restrictions", limits_json(t, r.prim, r.prim.chosen)}};
  return j;
}

std::string discover_table(const SweepTable& t, const DiscoverResult& r) {
  std::ostringstream os;
  os << "Scenario discovery (PRIM) on " << t.file << "\n"
     << "outcome " << r.options.outcome << " above " << general(r.options.threshold) << ": " << r.cases << " of "
     << t.X.rows() << " points" << (t.failed ? " (" + std::to_string(t.failed) + " failed points left out)" : "")
     << "; peel alpha " << general(r.options.prim.peel_alpha) << ", min mass " << general(r.options.prim.mass_min)
     << "\n\nPeeling trajectory (coverage: share of all such points inside the box; density: share of\n"
     << "the box's points that are such points):\n"
     << "   box  coverage  density    mass  points  restricted\n";
  for (size_t b = 0; b < r.prim.trajectory.size(); ++b) {
    const auto& box = r.prim.trajectory[b];
    os << fmt::format("{}{:4}  {:8.3f}  {:7.3f}  {:6.3f}  {:6d}  {:10d}{}\n",
                      static_cast<int>(b) == r.prim.chosen ? " >" : "  ", b, box.coverage, box.density, box.mass,
                      box.n_runs, box.n_restricted, box.pasted ? "  (pasted)" : "");
  }
  const auto& c = r.prim.trajectory[static_cast<size_t>(r.prim.chosen)];
  os << "\nChosen box " << r.prim.chosen << ": coverage " << fixed(c.coverage, 3) << ", density "
     << fixed(c.density, 3) << ", " << c.n_runs << " points\n";
  auto res = sensitivity::prim_restrictions(r.prim, r.prim.chosen);
  if (res.empty()) os << "  no parameter is restricted: the outcome is not confined to any range of the sweep\n";
  size_t w = 9;
  for (const auto& x : res) w = std::max(w, t.parameters[static_cast<size_t>(x.dim)].size());
  for (const auto& x : res) {
    std::string name = t.parameters[static_cast<size_t>(x.dim)];
    name.resize(w, ' ');
    const auto& init = r.prim.initial[static_cast<size_t>(x.dim)];
    os << "  " << name << "  " << fmt::format("{:>10.4g}", x.lo) << " .. " << fmt::format("{:<10.4g}", x.hi) << "  (swept "
       << general(init[0]) << " .. " << general(init[1]) << ")\n";
  }
  return os.str();
}

}  // namespace geosim::gsa
