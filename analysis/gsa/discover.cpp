#include "analysis/gsa/discover.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace geosim::gsa {

std::string sweep_csv_path(const std::string& results) {
  struct stat s {};
  if (::stat(results.c_str(), &s) == 0 && S_ISDIR(s.st_mode)) {
    std::string dir = results;
    if (!dir.empty() && dir.back() == '/') dir.pop_back();
    return dir + "/results.csv";
  }
  return results;
}

namespace {

// Splits one CSV line; fields may be quoted ("a,b" and "" inside quotes). Records the
// 1-based column where each field starts, for error messages.
void split_csv(const std::string& line, std::vector<std::string>& fields, std::vector<int>& cols) {
  fields.clear();
  cols.clear();
  std::string cur;
  bool quoted = false;
  int start = 1;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(cur);
      cols.push_back(start);
      cur.clear();
      start = static_cast<int>(i) + 2;
    } else {
      cur += c;
    }
  }
  fields.push_back(cur);
  cols.push_back(start);
}

bool parse_double(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && std::isfinite(out);
}

const char* kHeaderHint =
    "a sweep's results.csv starts with point,status,<parameter paths>,runs,p_<outcome>,lo_<outcome>,hi_<outcome>,...";

}  // namespace

SweepTable read_sweep_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw InputError(FileLoc{path, 0, 0}, "cannot read the sweep results",
                     "give a sweep's output directory or its results.csv");
  SweepTable t;
  t.file = path;
  std::string line;
  std::vector<std::string> f;
  std::vector<int> col;
  if (!std::getline(in, line)) throw InputError(FileLoc{path, 1, 1}, "the file is empty", kHeaderHint);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  split_csv(line, f, col);
  if (f.size() < 4 || f[0] != "point" || f[1] != "status")
    throw InputError(FileLoc{path, 1, 1}, "this is not a sweep's results table", kHeaderHint);
  size_t runs_col = 0;
  for (size_t c = 2; c < f.size(); ++c)
    if (f[c] == "runs") {
      runs_col = c;
      break;
    }
  if (runs_col == 0) throw InputError(FileLoc{path, 1, 1}, "the header has no 'runs' column", kHeaderHint);
  if (runs_col == 2) throw InputError(FileLoc{path, 1, col[2]}, "the header names no swept parameter", kHeaderHint);
  for (size_t c = 2; c < runs_col; ++c) t.parameters.push_back(f[c]);
  std::vector<size_t> p_col;
  for (size_t c = runs_col + 1; c < f.size(); ++c)
    if (f[c].rfind("p_", 0) == 0 && f[c].size() > 2) {
      t.outcomes.push_back(f[c].substr(2));
      p_col.push_back(c);
    }
  if (t.outcomes.empty())
    throw InputError(FileLoc{path, 1, 1}, "the header has no p_<outcome> column", kHeaderHint);
  const size_t width = f.size(), K = t.parameters.size(), m = t.outcomes.size();

  std::vector<double> xs, ps;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    split_csv(line, f, col);
    FileLoc at{path, line_no, 1};
    if (f.size() != width)
      throw InputError(at, "expected " + std::to_string(width) + " fields as in the header, found " +
                               std::to_string(f.size()));
    if (f[1] == "failed") {
      ++t.failed;
      continue;
    }
    if (f[1] != "ok")
      throw InputError(FileLoc{path, line_no, col[1]}, "unknown status '" + f[1] + "'", "status is ok or failed");
    double v;
    if (!parse_double(f[0], v) || v != std::floor(v))
      throw InputError(FileLoc{path, line_no, col[0]}, "point '" + f[0] + "' is not a whole number");
    t.point.push_back(static_cast<long>(v));
    for (size_t j = 0; j < K; ++j) {
      if (!parse_double(f[2 + j], v))
        throw InputError(FileLoc{path, line_no, col[2 + j]},
                         "value '" + f[2 + j] + "' of " + t.parameters[j] + " is not a number");
      xs.push_back(v);
    }
    for (size_t k = 0; k < m; ++k) {
      const std::string& s = f[p_col[k]];
      if (!parse_double(s, v) || v < 0 || v > 1)
        throw InputError(FileLoc{path, line_no, col[p_col[k]]},
                         "p_" + t.outcomes[k] + " = '" + s + "' is not a probability", "a number in [0, 1]");
      ps.push_back(v);
    }
  }
  const auto n = static_cast<Eigen::Index>(t.point.size());
  t.X.resize(n, static_cast<Eigen::Index>(K));
  t.P.resize(n, static_cast<Eigen::Index>(m));
  for (Eigen::Index r = 0; r < n; ++r) {
    for (size_t j = 0; j < K; ++j) t.X(r, static_cast<Eigen::Index>(j)) = xs[static_cast<size_t>(r) * K + j];
    for (size_t k = 0; k < m; ++k) t.P(r, static_cast<Eigen::Index>(k)) = ps[static_cast<size_t>(r) * m + k];
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
                     table.failed ? "every point failed; see the sweep's log" : "the sweep has not finished any point");
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

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
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
     << "outcome " << r.options.outcome << " above " << fmt("%g", r.options.threshold) << ": " << r.cases << " of "
     << t.X.rows() << " points" << (t.failed ? " (" + std::to_string(t.failed) + " failed points left out)" : "")
     << "; peel alpha " << fmt("%g", r.options.prim.peel_alpha) << ", min mass " << fmt("%g", r.options.prim.mass_min)
     << "\n\nPeeling trajectory (coverage: share of all such points inside the box; density: share of\n"
     << "the box's points that are such points):\n"
     << "   box  coverage  density    mass  points  restricted\n";
  for (size_t b = 0; b < r.prim.trajectory.size(); ++b) {
    const auto& box = r.prim.trajectory[b];
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s%4zu  %8.3f  %7.3f  %6.3f  %6d  %10d%s\n",
                  static_cast<int>(b) == r.prim.chosen ? " >" : "  ", b, box.coverage, box.density, box.mass,
                  box.n_runs, box.n_restricted, box.pasted ? "  (pasted)" : "");
    os << buf;
  }
  const auto& c = r.prim.trajectory[static_cast<size_t>(r.prim.chosen)];
  os << "\nChosen box " << r.prim.chosen << ": coverage " << fmt("%.3f", c.coverage) << ", density "
     << fmt("%.3f", c.density) << ", " << c.n_runs << " points\n";
  auto res = sensitivity::prim_restrictions(r.prim, r.prim.chosen);
  if (res.empty()) os << "  no parameter is restricted: the outcome is not confined to any range of the sweep\n";
  size_t w = 9;
  for (const auto& x : res) w = std::max(w, t.parameters[static_cast<size_t>(x.dim)].size());
  for (const auto& x : res) {
    std::string name = t.parameters[static_cast<size_t>(x.dim)];
    name.resize(w, ' ');
    const auto& init = r.prim.initial[static_cast<size_t>(x.dim)];
    os << "  " << name << "  " << fmt("%10.4g", x.lo) << " .. " << fmt("%-10.4g", x.hi) << "  (swept "
       << fmt("%g", init[0]) << " .. " << fmt("%g", init[1]) << ")\n";
  }
  return os.str();
}

}  // namespace geosim::gsa
