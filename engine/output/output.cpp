#include "engine/output/output.h"

#include <fmt/format.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "engine/core/version.h"
#include "engine/output/numbers.h"

namespace geosim {

std::string step_date(const Summary& s, int steps) { return s.calendar().last(steps); }

static Json opt(const std::optional<int>& v) { return v ? Json(*v) : Json(nullptr); }

// time_to_outcome as dates: the last day of each quantile's step, and the days the median
// step covers; null when no run reached the outcome.
static Json outcome_dates(const Summary& s, uint64_t count, const std::optional<int>& p10,
                          const std::optional<int>& median, const std::optional<int>& p90) {
  if (count == 0 || !p10 || !median || !p90) return nullptr;
  const StepCalendar cal = s.calendar();
  return Json{{"p10", cal.last(*p10)},
              {"median", cal.last(*median)},
              {"p90", cal.last(*p90)},
              {"median_step", {cal.first_day(*median).str(), cal.last(*median)}}};
}

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

// Where a parameter's value comes from: the model's default, the scenario file, a file it
// extends, or the command line (--set).
static Json source_json(const Scenario& sc, const Param& p) {
  std::string kind = "default";
  if (p.written) {
    if (p.loc.on_command_line())
      kind = "set";
    else if (p.loc.file == sc.file) kind = "file";
    else kind = "extends";
  }
  Json j{{"kind", kind}};
  if (kind == "set") j["at"] = p.loc.file;
  else if (kind != "default") j["at"] = p.loc.str();
  return j;
}

Json parameters_json(const Scenario& sc) {
  Json arr = Json::array();
  for (const auto& p : sc.params) {
    Json j;
    j["path"] = p.path;
    const bool constant = p.dist.is_constant();
    j["value"] = constant ? Json(p.dist.mean()) : Json(nullptr);
    j["distribution"] = p.dist.describe();
    j["uncertain"] = !constant;
    j["doc"] = p.doc;
    Json src = source_json(sc, p);
    // Evidence supports the value it is written beside: a value given on the command line
    // has none (the file's evidence was for the value it replaced), and evidence written on
    // the entry (the actor, the lever) is marked as the entry's, not the value's own.
    const bool set = src["kind"] == "set";
    j["source"] = src;
    j["evidence_of"] = set || p.provenance.empty() ? "none" : p.own_provenance ? "value" : "entry";
    Json pj = provenance_json(set ? Provenance{} : p.provenance);
    j["evidence"] = pj["evidence"];
    if (pj.contains("assumption")) j["assumption"] = pj["assumption"];
    arr.push_back(j);
  }
  return arr;
}

Json result_head(const std::string& scenario, const std::string* title, uint64_t runs, uint64_t seed,
                 const std::string& scenario_hash) {
  Json j;
  j["geosim_version"] = kGeosimVersion;
  j["scenario"] = scenario;
  if (title) j["title"] = *title;
  j["runs"] = runs;
  j["seed"] = seed;
  j["scenario_hash"] = scenario_hash;
  return j;
}

Json summary_json(const Scenario& sc, const Summary& s) {
  Json j = result_head(s.scenario, &s.title, s.runs, s.seed, s.scenario_hash);
  j["start"] = s.start.str();
  j["until"] = s.until.str();
  j["last_day"] = step_date(s, s.horizon);
  j["step"] = s.unit == StepUnit::Week ? "week" : "day";
  j["horizon"] = s.horizon;
  // The date of each entry of the per-step arrays (survival, cumulative): the last day of
  // step t, t = 0..horizon (t = 0: the day before the start).
  Json dates = Json::array();
  for (int t = 0; t <= s.horizon; ++t) dates.push_back(step_date(s, t));
  j["dates"] = dates;
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
    oj["dates"] = outcome_dates(s, o.count, o.p10, o.median, o.p90);
    oj["default"] = o.is_default;
    oj["removes_incumbent"] = o.removes_incumbent;
    oj["cumulative"] = o.cumulative;
    outs.push_back(oj);
  }
  j["outcomes"] = outs;
  j["survival"] = s.survival;
  if (!s.leader.empty()) {
    // Format 2 with a leader: how the leader left (outcomes) and what became of the regime.
    j["leader"] = {{"id", s.leader}, {"name", s.leader_name}};
    Json reg = Json::array();
    for (const auto& r : s.regime) {
      Json rj;
      rj["id"] = r.id;
      rj["count"] = r.count;
      rj["probability"] = r.probability;
      rj["ci95"] = {r.ci95.lo, r.ci95.hi};
      if (r.id == "continues" || r.count == 0) rj["time_to_outcome"] = nullptr;
      else rj["time_to_outcome"] = {{"p10", opt(r.p10)}, {"median", opt(r.median)}, {"p90", opt(r.p90)}};
      rj["dates"] = r.id == "continues" ? Json(nullptr) : outcome_dates(s, r.count, r.p10, r.median, r.p90);
      reg.push_back(rj);
    }
    j["regime"] = reg;
    Json joint = Json::array();
    for (const auto& p : s.joint)
      joint.push_back({{"leader", p.leader}, {"regime", p.regime}, {"count", p.count}, {"probability", p.probability},
                       {"ci95", {p.ci95.lo, p.ci95.hi}}});
    j["joint"] = joint;
    Json ruler = Json::array();
    for (const auto& r : s.ruler)
      ruler.push_back({{"id", r.id}, {"name", r.name}, {"count", r.count}, {"probability", r.probability},
                       {"ci95", {r.ci95.lo, r.ci95.hi}}});
    j["ruler"] = ruler;
    j["regime_survival"] = s.regime_survival;
  }
  Json fans = Json::array();
  for (const auto& f : s.fans) {
    Json fj;
    fj["var"] = f.var;
    // What the variable means and its scale (the text `geosim describe variables` prints).
    if (int v = sc.find_var(f.var); v >= 0) {
      const VarInfo& info = sc.vars[static_cast<size_t>(v)];
      fj["doc"] = info.doc;
      fj["range"] = {info.lo, info.hi};
    }
    fj["steps"] = f.steps;
    Json fd = Json::array();
    for (int t : f.steps) fd.push_back(step_date(s, t));
    fj["dates"] = fd;
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

Json histograms_json(const Summary& s, const Accumulator& acc, const std::string& command) {
  Json j = result_head(s.scenario, nullptr, s.runs, s.seed, s.scenario_hash);
  Json outcomes = Json::array();
  for (const auto& o : s.outcomes) outcomes.push_back({{"id", o.id}, {"count", o.count}});
  j["outcomes"] = outcomes;
  const size_t F = acc.num_fans(), B = static_cast<size_t>(acc.layout().bins);
  j["bins"] = B;
  Json fans = Json::array();
  for (size_t f = 0; f < F && f < s.fans.size(); ++f) {
    Json fj;
    fj["var"] = s.fans[f].var;
    fj["range"] = {acc.fan_lo(static_cast<int>(f)), acc.fan_hi(static_cast<int>(f))};
    fj["steps"] = s.fans[f].steps;
    Json counts = Json::array();
    for (size_t p = 0; p < s.fans[f].steps.size(); ++p) {
      const uint64_t* row = acc.fan_hist().data() + (p * F + f) * B;
      counts.push_back(std::vector<uint64_t>(row, row + B));
    }
    fj["counts"] = counts;
    fans.push_back(fj);
  }
  j["fans"] = fans;
  j["command"] = command;
  return j;
}

std::string reproduction_lines(const std::string& command, uint64_t seed, const std::string& scenario_hash,
                               const std::string& prefix) {
  std::string t = prefix + "geosim " + std::string(kGeosimVersion) + ", seed " + std::to_string(seed);
  if (!scenario_hash.empty()) t += ", scenario " + scenario_hash;
  t += "\n";
  if (!command.empty()) t += prefix + "reproduce: " + command + "\n";
  return t;
}

std::string json_text(const Json& j) { return j.dump(2) + "\n"; }

static std::string pct(double p) { return fmt::format("{:5.1f}%", 100.0 * p); }

// Format 2 with a leader: the regime's fate and who rules, in a sentence and a table.
static void regime_table(const Summary& s, std::ostream& os) {
  uint64_t gone = 0, gone_continues = 0;
  for (const auto& p : s.joint) {
    bool stayed = false;
    for (const auto& o : s.outcomes)
      if (o.id == p.leader && o.is_default) stayed = true;
    if (stayed) continue;
    gone += p.count;
    if (p.regime == "continues") gone_continues += p.count;
  }
  const double share_gone = s.runs ? static_cast<double>(gone) / static_cast<double>(s.runs) : 0.0;
  os << "  " << (s.leader_name.empty() ? s.leader : s.leader_name) << " goes in "
     << pct(share_gone).substr(pct(share_gone).find_first_not_of(' ')) << " of runs";
  if (gone > 0) {
    const double stays = static_cast<double>(gone_continues) / static_cast<double>(gone);
    os << fmt::format("; in {:.0f}% of those the regime stays, under a successor", 100.0 * stays);
  }
  os << ".\n\n";
  os << fmt::format("  {:<24}  {:>11}  {}\n", "regime at the horizon", "probability", "95% interval");
  for (const auto& r : s.regime) {
    std::string ci = pct(r.ci95.lo) + " - " + pct(r.ci95.hi);
    os << fmt::format("  {:<24}  {:>11}  {}\n", r.id, pct(r.probability), ci);
  }
  os << "\n";
  os << fmt::format("  {:<24}  {:>11}  {}\n", "who rules at the horizon", "probability", "95% interval");
  for (const auto& r : s.ruler) {
    std::string ci = pct(r.ci95.lo) + " - " + pct(r.ci95.hi);
    os << fmt::format("  {:<24}  {:>11}  {:<17}  {}\n", r.id, pct(r.probability), ci, r.name);
  }
  os << "\n";
}

std::string summary_table(const Scenario& sc, const Summary& s, const std::string& command) {
  std::ostringstream os;
  const StepCalendar cal = s.calendar();
  os << s.title << "\n";
  os << s.runs << " runs, seed " << s.seed << ", " << s.start.str() << " to " << step_date(s, s.horizon) << " ("
     << s.horizon << (s.unit == StepUnit::Week ? " weeks" : " days") << ")\n\n";
  size_t w = 8;
  for (const auto& o : s.outcomes) w = std::max(w, o.id.size());
  os << fmt::format("  {:<{}}  {:>11}  {:<17}  {}\n", "outcome", w, "probability", "95% interval",
                    "when (the median step; 10-90% of runs)");
  for (const auto& o : s.outcomes) {
    std::string when = "-";
    if (o.count > 0 && !o.is_default)
      when = cal.range(*o.median) + " (" + cal.span(*o.p10, *o.p90) + ")";
    std::string ci = pct(o.ci95.lo) + " - " + pct(o.ci95.hi);
    os << fmt::format("  {:<{}}  {:>11}  {:<17}  {}\n", o.id, w, pct(o.probability), ci, when);
  }
  os << "\n";
  // Survival at a few dates.
  int H = s.horizon;
  if (s.leader.empty()) {
    os << "  incumbent still in power at the end of:";
  } else {
    regime_table(s, os);
    os << "  " << s.leader << " still in power at the end of:";
  }
  // The ends of the horizon's quarters; a horizon of fewer than four steps has fewer distinct
  // ones (and none before the first step ends).
  std::vector<int> at;
  for (int k = 1; k <= 4; ++k)
    if (const int t = H * k / 4; t >= 1 && (at.empty() || t != at.back())) at.push_back(t);
  for (int t : at) os << "  " << step_date(s, t) << " " << pct(s.survival[static_cast<size_t>(t)]);
  os << "\n";
  if (!s.leader.empty()) {
    os << "  regime still standing at the end of:";
    for (int t : at) os << "  " << step_date(s, t) << " " << pct(s.regime_survival[static_cast<size_t>(t)]);
    os << "\n";
  }
  for (const auto& f : s.fans) {
    if (f.q.empty()) continue;
    const auto& last = f.q.back();
    os << fmt::format("  {:<22} at the horizon: median {:.3f}, 90% of runs in [{:.3f}, {:.3f}]\n", f.var, last[2],
                      last[0], last[4]);
  }
  (void)sc;
  os << "\n" << reproduction_lines(command, s.seed, s.scenario_hash, "  ");
  return os.str();
}

std::string summary_csv(const Summary& s, const std::string& command) {
  std::ostringstream os;
  // Comment lines first (pandas: comment="#"; R: comment.char = "#").
  os << reproduction_lines(command, s.seed, s.scenario_hash, "# ");
  os << "outcome,count,probability,ci95_lo,ci95_hi,steps_p10,steps_median,steps_p90,date_p10,date_median,date_p90,"
        "seed,scenario_hash\n";
  auto o_or = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); };
  auto d_or = [&](const std::optional<int>& v) { return v ? step_date(s, *v) : std::string(); };
  // One row: name, count, probability and interval (shortest round-trip numbers), steps,
  // the steps' dates (the last day of each), the seed and the scenario's hash.
  auto row = [&](const std::string& name, uint64_t count, double p, const Interval& ci, const std::optional<int>& p10,
                 const std::optional<int>& median, const std::optional<int>& p90) {
    os << csv_field(name) << "," << count;
    for (double v : {p, ci.lo, ci.hi}) os << "," << shortest_double(v);
    os << "," << o_or(p10) << "," << o_or(median) << "," << o_or(p90) << "," << d_or(p10) << "," << d_or(median) << ","
       << d_or(p90) << "," << s.seed << "," << s.scenario_hash << "\n";
  };
  for (const auto& o : s.outcomes) row(o.id, o.count, o.probability, o.ci95, o.p10, o.median, o.p90);
  // Format 2 with a leader: the regime's fates and the rulers at the horizon, as rows named
  // regime.<fate> and ruler.<id> (their step columns: when the regime ended).
  for (const auto& r : s.regime) row("regime." + r.id, r.count, r.probability, r.ci95, r.p10, r.median, r.p90);
  for (const auto& r : s.ruler) row("ruler." + r.id, r.count, r.probability, r.ci95, {}, {}, {});
  return os.str();
}

}  // namespace geosim
