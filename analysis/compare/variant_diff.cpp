// The differences between two scenarios, for `geosim compare` (variant_diff.h).
#include "analysis/compare/variant_diff.h"

#include <map>
#include <set>

#include "engine/output/numbers.h"

namespace geosim {

namespace {

// A parameter's value as reports show it: its distribution, and the factor it follows.
std::string param_text(const Scenario& sc, const Param& p) {
  std::string s = p.dist.describe();
  if (p.factor >= 0 && static_cast<size_t>(p.factor) < sc.factors.size())
    s += " following factor " + sc.factors[static_cast<size_t>(p.factor)].id + " (correlation " + fixed(p.correlation, 3) + ")";
  return s;
}

// 1 or 0 for a lever whose `enabled` is the constant 1 or 0; -1 otherwise (it varies between
// runs, or scales the lever by a constant in between), listed as its parameter.
int enabled_state(const Scenario& sc, const Lever& lv) {
  if (lv.enabled == kNoParam) return 1;
  const Param& p = sc.params[static_cast<size_t>(lv.enabled)];
  if (!p.dist.is_constant()) return -1;
  return p.dist.value() == 1 ? 1 : p.dist.value() == 0 ? 0 : -1;
}

// The days of the steps [first, end): a date written inside a step acts from the step's
// first day, so these are the days the model acts on, not always the dates as written.
std::string steps_text(const Scenario& sc, int first, int end) {
  if (end <= first) return "never";
  Date a = sc.date_of_step(first), b = sc.date_of_step(end).plus_days(-1);
  return a == b ? a.str() : a.str() + " to " + b.str();
}

// Format 1: the days of its steps. Format 2: the days as written (a step that holds part of
// the window acts for that part).
std::string days_text(const Scenario& sc, int first, int end, Date first_day, Date last_day) {
  if (sc.format_version < 2 || end <= first) return steps_text(sc, first, end);
  return first_day == last_day ? first_day.str() : first_day.str() + " to " + last_day.str();
}

std::string window_text(const Scenario& sc, const Lever& lv) {
  return days_text(sc, lv.start_step, lv.end_step, lv.first_day, lv.last_day);
}

// What else a lever or an event is (its kind, whom it acts on, the conditions it reads), as
// (key, text) pairs: a pair whose text differs between the scenarios is listed as changed.
std::vector<std::pair<std::string, std::string>> lever_traits(const Scenario& sc, const Lever& lv) {
  auto actor = [&](ActorId a) { return a.valid() ? sc.actors[a.index()].id : std::string(); };
  std::vector<std::pair<std::string, std::string>> t = {
      {"kind", lever_kinds()[static_cast<size_t>(lv.kind)].name},
      {"by", actor(lv.by)},
      {"target", actor(lv.target)},
      {"issue", sc.issues.empty() ? std::string() : sc.issues[static_cast<size_t>(lv.issue)].id},
      {"when", lv.when.text},
      {"until_when", lv.until_when.text},
      {"hold", std::to_string(lv.hold_steps)},
      {"after", lv.after_event.valid() ? sc.events[lv.after_event.index()].id + " + " + std::to_string(lv.after_delay)
                                       : std::string()},
      {"on", lv.on_leader ? "leader" : ""}};
  return t;
}

std::vector<std::pair<std::string, std::string>> event_traits(const Scenario& sc, const Event& e) {
  std::string drivers;
  for (const auto& [var, coef] : e.drivers)
    drivers += (drivers.empty() ? "" : ", ") + sc.vars[static_cast<size_t>(var)].name;
  return {{"outcome", e.outcome >= 0 ? sc.outcomes[static_cast<size_t>(e.outcome)].id : std::string()},
          {"when", e.gate.text},
          {"drivers", drivers}};
}

// Lists each trait whose text differs ("" reads as "none").
void traits(const char* kind, const std::string& path, const std::vector<std::pair<std::string, std::string>>& b,
            const std::vector<std::pair<std::string, std::string>>& v, std::vector<VariantChange>& out) {
  for (size_t k = 0; k < b.size() && k < v.size(); ++k)
    if (b[k].second != v[k].second)
      out.push_back({kind, "changed", path + "." + b[k].first, b[k].second.empty() ? "none" : b[k].second,
                     v[k].second.empty() ? "none" : v[k].second});
}

// Items of one kind that one scenario has and the other lacks (matched by id). Parameters
// under an added or removed item's prefix are left out of the parameter list.
template <class T, class Name>
void items(const char* kind, const std::string& prefix, const std::vector<T>& b, const std::vector<T>& v, Name name,
           std::vector<VariantChange>& out, std::set<std::string>& skip) {
  std::set<std::string> in_b, in_v;
  for (const auto& x : b) in_b.insert(x.id);
  for (const auto& x : v) in_v.insert(x.id);
  for (const auto& x : b)
    if (!in_v.count(x.id)) {
      out.push_back({kind, "removed", prefix + x.id, name(x), ""});
      skip.insert(prefix + x.id + ".");
    }
  for (const auto& x : v)
    if (!in_b.count(x.id)) {
      out.push_back({kind, "added", prefix + x.id, "", name(x)});
      skip.insert(prefix + x.id + ".");
    }
}

bool skipped(const std::set<std::string>& skip, const std::string& path) {
  for (const auto& s : skip)
    if (path.rfind(s, 0) == 0) return true;
  return false;
}

}  // namespace

std::vector<VariantChange> diff_scenarios(const Scenario& base, const Scenario& variant) {
  std::vector<VariantChange> out;
  auto unit = [](const Scenario& sc) { return std::string(sc.unit == StepUnit::Week ? "week" : "day"); };
  if (base.format_version != variant.format_version)
    out.push_back(
        {"scenario", "changed", "geosim", std::to_string(base.format_version), std::to_string(variant.format_version)});
  if (base.start != variant.start) out.push_back({"scenario", "changed", "start", base.start.str(), variant.start.str()});
  if (base.unit != variant.unit) out.push_back({"scenario", "changed", "step", unit(base), unit(variant)});
  Date bu = base.date_of_step(base.horizon), vu = variant.date_of_step(variant.horizon);
  if (bu != vu) out.push_back({"scenario", "changed", "until", bu.str(), vu.str()});

  std::set<std::string> skip;
  auto named = [](const auto& x) { return x.name.empty() ? x.id : x.name; };
  items("lever", "levers.", base.levers, variant.levers, named, out, skip);
  // Levers in both: switched on or off, or acting over other dates.
  for (const auto& lb : base.levers)
    for (const auto& lv : variant.levers) {
      if (lb.id != lv.id) continue;
      int eb = enabled_state(base, lb), ev = enabled_state(variant, lv);
      if (eb >= 0 && ev >= 0) {
        skip.insert("levers." + lb.id + ".enabled.");  // matched as a prefix of path + "."
        if (eb != ev)
          out.push_back({"lever", ev ? "switched on" : "switched off", "levers." + lb.id, eb ? "on" : "off", ev ? "on" : "off"});
      }
      std::string wb = window_text(base, lb), wv = window_text(variant, lv);
      if (wb != wv) out.push_back({"lever", "dates", "levers." + lb.id, wb, wv});
      traits("lever", "levers." + lb.id, lever_traits(base, lb), lever_traits(variant, lv), out);
    }
  items("event", "events.", base.events, variant.events, named, out, skip);
  // Events in both: a scheduled event on another date, a hazard over another window.
  auto when = [](const Scenario& sc, const Event& e) {
    if (e.scheduled) return "in the step " + steps_text(sc, e.at_step, e.at_step + 1);
    return days_text(sc, e.from_step, e.until_step, e.first_day, e.last_day);
  };
  for (const auto& xb : base.events)
    for (const auto& xv : variant.events) {
      if (xb.id != xv.id) continue;
      if (when(base, xb) != when(variant, xv))
        out.push_back({"event", "dates", "events." + xb.id, when(base, xb), when(variant, xv)});
      traits("event", "events." + xb.id, event_traits(base, xb), event_traits(variant, xv), out);
    }
  items("actor", "actors.", base.actors, variant.actors, named, out, skip);
  items("cohort", "cohorts.", base.cohorts, variant.cohorts, named, out, skip);
  items("outcome", "outcomes.", base.outcomes, variant.outcomes,
        [](const Outcome& o) { return o.label.empty() ? o.id : o.label; }, out, skip);
  items("decision", "decisions.", base.decisions, variant.decisions, named, out, skip);
  items("ladder", "ladders.", base.ladders, variant.ladders, named, out, skip);

  std::map<std::string, const Param*> in_v;
  for (const auto& p : variant.params) in_v[p.path] = &p;
  std::set<std::string> in_b;
  for (const auto& p : base.params) {
    in_b.insert(p.path);
    if (skipped(skip, p.path + ".")) continue;
    auto it = in_v.find(p.path);
    if (it == in_v.end()) {
      out.push_back({"parameter", "removed", p.path, param_text(base, p), ""});
      continue;
    }
    std::string tb = param_text(base, p), tv = param_text(variant, *it->second);
    if (tb != tv) out.push_back({"parameter", "changed", p.path, tb, tv});
  }
  for (const auto& p : variant.params)
    if (!in_b.count(p.path) && !skipped(skip, p.path + "."))
      out.push_back({"parameter", "added", p.path, "", param_text(variant, p)});
  return out;
}

Json variant_changes_json(const std::vector<VariantChange>& changes) {
  Json arr = Json::array();
  for (const auto& c : changes) {
    Json j;
    j["kind"] = c.kind;
    j["change"] = c.change;
    j["path"] = c.path;
    j["base"] = c.change == "added" ? Json(nullptr) : Json(c.base);
    j["variant"] = c.change == "removed" ? Json(nullptr) : Json(c.variant);
    arr.push_back(j);
  }
  return arr;
}

}  // namespace geosim
