#include "engine/output/output.h"

#include <cstdio>
#include <sstream>

#include "engine/core/version.h"

namespace geosim {

std::string step_date(const Summary& s, int steps) {
  return s.start.plus_days(steps * (s.unit == StepUnit::Week ? 7 : 1)).str();
}

static Json opt(const std::optional<int>& v) { return v ? Json(*v) : Json(nullptr); }

static Json provenance_json(const Provenance& p) {
  Json ev = Json::array();
  for (const auto& e : p.evidence) {
    Json item;
    if (!e.seed.empty()) {
      item["seed"] = e.seed;
      item["quote"] = e.quote;
    } else {
      item["cite"] = e.cite;
      if (!e.note.empty()) item["note"] = e.note;
    }
    ev.push_back(item);
  }
  Json j;
  j["evidence"] = ev;
  if (!p.assumption.empty()) j["assumption"] = p.assumption;
  return j;
}

Json parameters_json(const Scenario& sc) {
  Json arr = Json::array();
  for (const auto& p : sc.params) {
    Json j;
    j["path"] = p.path;
    j["value"] = p.dist.describe();
    j["uncertain"] = !p.dist.is_constant();
    j["doc"] = p.doc;
    Json pj = provenance_json(p.provenance);
    j["evidence"] = pj["evidence"];
    if (pj.contains("assumption")) j["assumption"] = pj["assumption"];
    arr.push_back(j);
  }
  return arr;
}

Json summary_json(const Scenario& sc, const Summary& s) {
  Json j;
  j["geosim_version"] = kGeosimVersion;
  j["scenario"] = s.scenario;
  j["title"] = s.title;
  j["runs"] = s.runs;
  j["seed"] = s.seed;
  j["start"] = s.start.str();
  j["until"] = s.until.str();
  j["step"] = s.unit == StepUnit::Week ? "week" : "day";
  j["horizon"] = s.horizon;
  Json outs = Json::array();
  for (const auto& o : s.outcomes) {
    Json oj;
    oj["id"] = o.id;
    oj["label"] = o.label;
    oj["count"] = o.count;
    oj["probability"] = o.probability;
    oj["ci95"] = {o.ci95.lo, o.ci95.hi};
    if (o.count == 0) {
      oj["time_to_outcome"] = nullptr;
    } else {
      oj["time_to_outcome"] = {{"p10", opt(o.p10)}, {"median", opt(o.median)}, {"p90", opt(o.p90)}};
    }
    oj["default"] = o.is_default;
    oj["removes_incumbent"] = o.removes_incumbent;
    oj["cumulative"] = o.cumulative;
    outs.push_back(oj);
  }
  j["outcomes"] = outs;
  j["survival"] = s.survival;
  Json fans = Json::array();
  for (const auto& f : s.fans) {
    Json fj;
    fj["var"] = f.var;
    fj["steps"] = f.steps;
    std::vector<double> q[5];
    for (const auto& row : f.q)
      for (int k = 0; k < 5; ++k) q[k].push_back(row[static_cast<size_t>(k)]);
    fj["p5"] = q[0];
    fj["p25"] = q[1];
    fj["p50"] = q[2];
    fj["p75"] = q[3];
    fj["p95"] = q[4];
    fans.push_back(fj);
  }
  j["fans"] = fans;
  j["parameters"] = parameters_json(sc);
  return j;
}

Json run_json(const Scenario& sc, const Summary& s, const std::string& command) {
  Json j = summary_json(sc, s);
  j["command"] = command;
  return j;
}

std::string json_text(const Json& j) { return j.dump(2) + "\n"; }

static std::string pct(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.1f%%", 100.0 * p);
  return buf;
}

std::string summary_table(const Scenario& sc, const Summary& s) {
  std::ostringstream os;
  os << s.title << "\n";
  os << s.runs << " runs, seed " << s.seed << ", " << s.start.str() << " to " << s.until.str() << " ("
     << s.horizon << (s.unit == StepUnit::Week ? " weeks" : " days") << ")\n\n";
  size_t w = 8;
  for (const auto& o : s.outcomes) w = std::max(w, o.id.size());
  char line[512];
  std::snprintf(line, sizeof line, "  %-*s  %11s  %-17s  %s\n", static_cast<int>(w), "outcome", "probability",
                "95% interval", "when (median, 10-90%)");
  os << line;
  for (const auto& o : s.outcomes) {
    std::string when = "-";
    if (o.count > 0 && !o.is_default)
      when = step_date(s, *o.median) + " (" + step_date(s, *o.p10) + " .. " + step_date(s, *o.p90) + ")";
    std::string ci = pct(o.ci95.lo) + " - " + pct(o.ci95.hi);
    std::snprintf(line, sizeof line, "  %-*s  %11s  %-17s  %s\n", static_cast<int>(w), o.id.c_str(),
                  pct(o.probability).c_str(), ci.c_str(), when.c_str());
    os << line;
  }
  os << "\n";
  // Survival at a few dates.
  os << "  incumbent still in power:";
  int H = s.horizon;
  for (int k = 1; k <= 4; ++k) {
    int t = H * k / 4;
    os << "  " << step_date(s, t) << " " << pct(s.survival[static_cast<size_t>(t)]);
  }
  os << "\n";
  for (const auto& f : s.fans) {
    if (f.q.empty()) continue;
    const auto& last = f.q.back();
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-22s at the horizon: median %.3f, 90%% of runs in [%.3f, %.3f]\n", f.var.c_str(),
                  last[2], last[0], last[4]);
    os << buf;
  }
  (void)sc;
  return os.str();
}

std::string summary_csv(const Summary& s) {
  std::ostringstream os;
  os << "outcome,count,probability,ci95_lo,ci95_hi,steps_p10,steps_median,steps_p90\n";
  auto o_or = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); };
  char buf[64];
  for (const auto& o : s.outcomes) {
    os << o.id << "," << o.count;
    for (double v : {o.probability, o.ci95.lo, o.ci95.hi}) {
      std::snprintf(buf, sizeof buf, ",%.17g", v);
      os << buf;
    }
    os << "," << o_or(o.p10) << "," << o_or(o.median) << "," << o_or(o.p90) << "\n";
  }
  return os.str();
}

}  // namespace geosim
