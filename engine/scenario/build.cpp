// Validation: from a merged YAML tree to an immutable Scenario, collecting every problem.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "engine/core/rng.h"
#include "engine/core/text_file.h"
#include "engine/model/expr.h"
#include "engine/scenario/loader.h"
#include "engine/scenario/number_limits.h"

namespace geosim {

namespace {

bool valid_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  if (!(std::islower(static_cast<unsigned char>(s[0])))) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

class Builder {
 public:
  Builder(const YNode& root, const std::string& file, const LoadLimits& limits) : root_(root), limits_(limits) {
    sc_.file = file;
  }

  Scenario build();

 private:
  // Reports keys of `n` that are not in `allowed`, with a "did you mean".
  void check_keys(const YNode& n, const std::string& what, const std::vector<std::string>& allowed) {
    for (size_t i = 0; i < n.map.size(); ++i) {
      const std::string& key = n.map[i].first;
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      if (key == "remove") {
        // Left by the merge of an `extends:` variant (engine/scenario/yaml_tree.cpp): either
        // it is not the plain `true` that removes, or no base item has the id.
        const YNode& v = n.map[i].second;
        if (n.key_locs[i].on_command_line())
          diags_.error(n.key_locs[i], "`remove` is for a variant's items (`extends:`), not for --set",
                       "switch a lever off with --set levers.ID.enabled=false");
        else if (!v.is_scalar() || v.quoted || v.scalar != "true")
          diags_.error(v.loc, "`remove:` takes only `true`, which deletes the base's item with this id",
                       "leave the key out to keep the item");
        else
          diags_.error(n.key_locs[i], "`remove:` names an item that the base scenario does not have",
                       "`remove: true` deletes an item of the file named in `extends:`");
        continue;
      }
      if (++unknown_keys_ > kMaxUnknownKeys) continue;  // counted only: a file can hold a million
      std::string guess = closest_match(key, allowed);
      diags_.error(n.key_locs[i], "unknown key '" + key + "' in " + what,
                   guess.empty() ? "allowed keys: " + join(allowed) : "did you mean '" + guess + "'?");
    }
  }

  bool expect_map(const YNode& n, const std::string& what) {
    if (n.is_map()) return true;
    diags_.error(n.loc, what + " must be a map of `key: value` lines, got " + n.type_name());
    return false;
  }

  std::string get_string(const YNode& n, const char* key, bool required, const std::string& what,
                         const std::string& def = {}) {
    const YNode* v = n.find(key);
    if (!v || v->is_null()) {
      if (required) diags_.error(n.loc, what + " needs `" + key + "`");
      return def;
    }
    if (!v->is_scalar()) {
      diags_.error(v->loc, std::string("`") + key + "` must be text, got " + v->type_name());
      return def;
    }
    return v->scalar;
  }

  std::string get_id(const YNode& n, const std::string& what, std::set<std::string>& seen) {
    std::string id = get_string(n, "id", true, what);
    if (id.empty()) return id;
    const YNode* v = n.find("id");
    if (!valid_id(id)) {
      diags_.error(v->loc, "id '" + id + "' is not a valid name",
                   "ids start with a lowercase letter and use a-z, 0-9 and _ (for example oil_sanctions)");
    } else if (!seen.insert(id).second) {
      diags_.error(v->loc, "duplicate id '" + id + "'", "each " + what + " needs its own id");
    }
    return id;
  }

  bool get_bool(const YNode& n, const char* key, bool def) {
    const YNode* v = n.find(key);
    if (!v) return def;
    if (v->is_scalar() && (v->scalar == "true" || v->scalar == "false")) return v->scalar == "true";
    diags_.error(v->loc, std::string("`") + key + "` must be true or false");
    return def;
  }

  int get_int(const YNode& n, const char* key, int def, int lo, int hi) {
    const YNode* v = n.find(key);
    if (!v) return def;
    double x;
    if (!parse_number(*v, diags_, x)) return def;
    if (x != std::floor(x) || x < lo || x > hi) {
      diags_.error(v->loc, std::string("`") + key + "` must be a whole number in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "], got " + v->scalar);
      return def;
    }
    return static_cast<int>(x);
  }

  std::optional<Date> get_date(const YNode& n, const char* key) {
    const YNode* v = n.find(key);
    if (!v) return std::nullopt;
    auto d = v->is_scalar() ? parse_date(v->scalar) : std::nullopt;
    if (!d)
      diags_.error(v->loc, std::string("`") + key + "` must be a calendar date YYYY-MM-DD, got '" +
                               (v->is_scalar() ? v->scalar : v->type_name()) + "'");
    return d;
  }

  // The step that contains `d` (may be negative or past the horizon).
  int step_of(Date d) const { return static_cast<int>(std::floor((d.days - sc_.start.days) / step_days_)); }

  // Format 2: the share of a window's first step (`from` inside it) and of its last step
  // (`until` inside it) that the window holds, its days over the step's; a window inside one
  // step has its share in from_frac. Left at 1 where the window begins or ends with a step,
  // and in format 1, whose windows are whole steps.
  // The window's first and last day as written, within the run's days (what `compare` lists).
  // Where in the first step it begins and in the last it ends: first_at, last_at (Lever::first_at).
  void window_shares(const std::optional<Date>& f, const std::optional<Date>& u, int from_step, int until_step,
                     double& from_frac, double& until_frac, double& first_at, double& last_at, Date& first_day,
                     Date& last_day) const {
    const Date end = sc_.date_of_step(sc_.horizon).plus_days(-1);
    first_day = f && sc_.start < *f ? *f : sc_.start;
    last_day = u && *u < end ? *u : end;
    if (sc_.format_version < 2 || !start_ok_ || from_step >= until_step) return;
    // The days of d's step before d.
    auto before = [&](Date d) { return (d.days - sc_.start.days) - step_of(d) * step_days_; };
    const bool cut_from = f && step_of(*f) == from_step, cut_until = u && step_of(*u) + 1 == until_step;
    if (cut_from && cut_until && from_step + 1 == until_step)
      from_frac = (before(*u) + 1 - before(*f)) / step_days_;
    else {
      if (cut_from) from_frac = 1 - before(*f) / step_days_;
      if (cut_until) until_frac = (before(*u) + 1) / step_days_;
    }
    if (cut_from) first_at = before(*f) / step_days_;
    if (cut_until) last_at = (before(*u) + 1) / step_days_;
  }

  // A duration in calendar units ("4 weeks", "10 days", "3 months", "1 year"; a month is
  // 365.25 / 12 days) as a whole number of steps, rounded to the nearest; nullopt after an
  // error.
  // `days`, if given, receives the duration in days (not rounded).
  std::optional<int> get_duration(const YNode& n, const char* key, double* days_out = nullptr) {
    const YNode* v = n.find(key);
    if (!v) return std::nullopt;
    const std::string hint = "a number and a unit: `4 weeks`, `10 days`, `3 months`, `1 year`";
    if (!v->is_scalar()) {
      diags_.error(v->loc, std::string("`") + key + "` must be a duration, got " + v->type_name(), hint);
      return std::nullopt;
    }
    std::istringstream in(v->scalar);
    double amount = 0;
    std::string unit, rest;
    if (!(in >> amount) || !(in >> unit) || (in >> rest) || !std::isfinite(amount) || amount < 0) {
      diags_.error(v->loc, std::string("`") + key + "` must be a duration, got '" + v->scalar + "'", hint);
      return std::nullopt;
    }
    const std::string written = unit;
    if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
    double days = 0;
    if (unit == "day")
      days = amount;
    else if (unit == "week")
      days = 7 * amount;
    else if (unit == "month")
      days = amount * 365.25 / 12;
    else if (unit == "year")
      days = amount * 365.25;
    else {
      diags_.error(v->loc, std::string("`") + key + "`: unknown unit '" + written + "'",
                   "one of days, weeks, months, years (in lowercase)");
      return std::nullopt;
    }
    const double steps = std::round(days / step_days_);
    if (days_out) *days_out = days;
    if (steps > limits_.max_steps) {
      diags_.error(v->loc, std::string("`") + key + "` is longer than the longest scenario (" +
                               std::to_string(limits_.max_steps) + " steps)");
      return std::nullopt;
    }
    return static_cast<int>(steps);
  }

  // A node written in a format 1 file that a format 2 file extends: its numbers keep their
  // format 1 meaning (steps, per step).
  static bool from_format1(const YNode* n) { return n && n->format == 1; }

  // An expression key (`when:` and the like) into `e`; false if absent or not a string.
  bool get_expr(const YNode& n, const char* key, Expr& e) {
    const YNode* w = n.find(key);
    if (!w) return false;
    if (!w->is_scalar() || w->scalar.empty()) {
      diags_.error(w->loc, std::string("`") + key + "` must be an expression such as talks == 0");
      return false;
    }
    e.text = w->scalar;
    e.loc = w->loc;
    if (w->quoted) e.loc.column += 1;
    e.places = w->places;
    return true;
  }

  Provenance get_provenance(const YNode& n) {
    Provenance p;
    if (const YNode* a = n.find("assumption")) {
      if (!a->is_scalar() || a->scalar.empty())
        diags_.error(a->loc, "`assumption:` must be a sentence saying why");
      else
        p.assumption = a->scalar;
    }
    const YNode* ev = n.find("evidence");
    if (!ev) return p;
    if (!ev->is_seq()) {
      diags_.error(ev->loc, "`evidence:` must be a list of {seed:, quote:} or {cite:, note:} items");
      return p;
    }
    for (const auto& item : ev->seq) {
      if (!expect_map(item, "an evidence item")) continue;
      check_keys(item, "an evidence item", {"seed", "quote", "cite", "note"});
      EvidenceItem e;
      e.loc = item.loc;
      e.seed = get_string(item, "seed", false, "evidence");
      e.quote = get_string(item, "quote", false, "evidence");
      e.cite = get_string(item, "cite", false, "evidence");
      e.note = get_string(item, "note", false, "evidence");
      if (!e.seed.empty() && e.quote.empty())
        diags_.error(item.loc, "evidence from a seed document needs `quote:`", "quote the sentence verbatim");
      else if (e.seed.empty() && e.cite.empty())
        diags_.error(item.loc, "an evidence item needs `seed:` and `quote:`, or `cite:`");
      else if (!e.seed.empty() && !e.cite.empty())
        diags_.error(item.loc, "an evidence item is either {seed:, quote:} or {cite:, note:}, not both");
      p.evidence.push_back(std::move(e));
    }
    return p;
  }

  // Registers a parameter from `n[key]` (absent: the default).
  ParamId param(const YNode& n, const char* key, const std::string& path, double def, Range range,
                const Provenance& entity, const std::string& doc) {
    const YNode* v = n.is_map() ? n.find(key) : nullptr;
    return param_node(v, path, def, range, entity, doc, n.loc);
  }

  ParamId param_node(const YNode* v, const std::string& path, double def, Range range, const Provenance& entity,
                     const std::string& doc, const FileLoc& fallback) {
    Param p;
    p.path = path;
    p.range = range;
    p.doc = doc;
    p.stream = stream_id("param:" + path);
    p.loc = v ? v->loc : fallback;
    p.written = v != nullptr;
    p.provenance = entity;
    if (!v) {
      p.dist = Distribution::constant(def);
    } else if (v->is_scalar() && (v->scalar == "true" || v->scalar == "false") && range.lo == 0 && range.hi == 1 &&
               !v->quoted && path.size() >= 8 && path.substr(path.size() - 8) == ".enabled") {
      p.dist = Distribution::constant(v->scalar == "true" ? 1.0 : 0.0);
    } else if (v->is_scalar() && !v->quoted && path.size() >= 8 && path.substr(path.size() - 8) == ".enabled" &&
               (v->scalar == "yes" || v->scalar == "no" || v->scalar == "on" || v->scalar == "off" ||
                v->scalar == "True" || v->scalar == "False")) {
      diags_.error(v->loc, "`enabled` is true or false, got '" + v->scalar + "'", "write true or false");
      p.dist = Distribution::constant(def);
    } else {
      Distribution d;
      if (!Distribution::parse(*v, range, diags_, d)) d = Distribution::constant(def);
      p.dist = d;
      if (v->is_map()) {
        Provenance own = get_provenance(*v);
        if (!own.empty()) {
          p.provenance = own;
          p.own_provenance = true;
        }
        read_factor_link(*v, p);
      }
    }
    sc_.params.push_back(std::move(p));
    return static_cast<ParamId>(sc_.params.size() - 1);
  }

  // `factor:` and `correlation:` in a distribution (format 2, "Shared factors").
  void read_factor_link(const YNode& v, Param& p) {
    const YNode* f = v.find("factor");
    const YNode* c = v.find("correlation");
    if (!f) {
      if (c) diags_.error(c->loc, "`correlation` needs `factor:`", "name the shared factor the parameter follows");
      return;
    }
    if (sc_.format_version < 2) {
      diags_.error(f->loc, "`factor:` is a format 2 key (shared factors)",
                   "write `geosim: 2` on the first line and list the factor under `factors:`");
      return;
    }
    p.factor = resolve(v, "factor", factor_ids_, "shared factor (under `factors:`)", true);
    if (c) {
      double rho = 1;
      if (parse_number(*c, diags_, rho) && !(rho >= -1 && rho <= 1))
        diags_.error(c->loc, "`correlation` must lie in [-1, 1], got " + c->scalar,
                     "1: the parameter rises with the factor; -1: it falls as the factor rises; 0: independent");
      p.correlation = std::clamp(rho, -1.0, 1.0);
    }
    if (p.dist.is_constant())
      diags_.error(f->loc, "a fixed value cannot follow a factor", "give the parameter a distribution");
  }

  const YNode* list(const char* key) {
    const YNode* l = root_.find(key);
    if (!l || l->is_null()) return nullptr;
    if (!l->is_seq()) {
      diags_.error(l->loc, std::string("`") + key + ":` must be a list (items start with `- `), got " + l->type_name());
      return nullptr;
    }
    return l;
  }

  int resolve(const YNode& n, const char* key, const std::map<std::string, int>& ids, const std::string& what,
              bool required) {
    const YNode* v = n.find(key);
    if (!v) {
      if (required) diags_.error(n.loc, "needs `" + std::string(key) + ":` naming " + what);
      return -1;
    }
    if (!v->is_scalar()) {
      diags_.error(v->loc, std::string("`") + key + "` must name " + what);
      return -1;
    }
    auto it = ids.find(v->scalar);
    if (it != ids.end()) return it->second;
    std::vector<std::string> names;
    for (const auto& kv : ids) names.push_back(kv.first);
    std::string guess = closest_match(v->scalar, names);
    diags_.error(v->loc, "unknown " + what + " '" + v->scalar + "'",
                 guess.empty() ? "known: " + join(names) : "did you mean '" + guess + "'?");
    return -1;
  }

  void read_header();
  void read_factors();
  void read_issues();
  void read_actors();
  void read_relations();
  void read_cohorts();
  void read_levers();
  void read_ladders();
  void read_decisions();
  void read_leader();
  void read_drivers(const YNode* dr, const std::string& base, const Provenance& prov, const char* doc,
                    std::vector<std::pair<int, ParamId>>& out);
  void read_outcomes();
  void read_events();
  void read_reaction(const YNode& n, Lever& lv);
  void resolve_after();
  void read_mechanisms();
  void read_report();
  Effects read_effects(const YNode& n, const std::string& path, const Provenance& prov);
  void build_vars();
  void check_expressions();
  void check_idle_events();
  void check_sizes();
  void check_cohort_weights();

  static constexpr size_t kMaxUnknownKeys = 200;
  size_t unknown_keys_ = 0;
  const YNode& root_;
  LoadLimits limits_;
  Scenario sc_;
  Diagnostics diags_;
  double step_days_ = 7;
  std::vector<size_t> idle_events_;  // events with no outcome, effects or date (read_events)
  bool horizon_from_command_line_ = false;
  // A format 1 file's horizon (a number of steps) that a format 2 file extends, and whether a
  // date fell past it: `--set step=day` makes those steps days, which build() then says.
  const YNode* f1_horizon_ = nullptr;
  bool past_horizon_ = false;
  // The start date was read: dates may be checked against it (after a bad start every date
  // would be reported as outside the scenario).
  bool start_ok_ = false;
  std::map<std::string, int> actor_ids_, issue_ids_, outcome_ids_, event_ids_, factor_ids_;
  std::vector<std::pair<Expr, std::string>> pending_exprs_;
  struct PendingAfter {
    size_t lever;
    std::string event;
    FileLoc loc;
  };
  std::vector<PendingAfter> pending_after_;  // levers' after.event, resolved once events are read
};

// Format 2: shared factors, read before every parameter that may follow one.
void Builder::read_factors() {
  const YNode* l = list("factors");
  if (!l) return;
  if (sc_.format_version < 2) {
    diags_.error(root_.key_loc("factors"), "`factors:` is a format 2 key (shared factors)",
                 "write `geosim: 2` on the first line; a format 1 file means exactly what it meant before");
    return;
  }
  std::set<std::string> seen;
  for (const auto& n : l->seq) {
    if (!expect_map(n, "a factor")) continue;
    check_keys(n, "a factor", {"id", "description", "rank", "evidence", "assumption"});
    SharedFactor f;
    f.id = get_id(n, "factor", seen);
    f.description = get_string(n, "description", false, "a factor");
    f.provenance = get_provenance(n);
    f.loc = n.loc;
    const std::string doc = "rank of the shared factor " + f.id +
                            (f.description.empty() ? "" : " (" + f.description + ")") +
                            ": the parameters that follow it move with it";
    const YNode* r = n.find("rank");
    if (r && r->is_map() && r->find("factor")) {
      diags_.error(r->find("factor")->loc, "a factor's rank cannot follow a factor", "give a number in [0, 1]");
      r = nullptr;
    }
    if (r) {
      // A rank written (or set: --set factors.ID=U) fixes the factor for a what-if, as an
      // analysis fixes it; by default it is drawn uniform on (0, 1).
      f.param = param_node(r, "factors." + f.id, 0.5, {0, 1}, f.provenance, doc, n.loc);
      factor_ids_[f.id] = static_cast<int>(sc_.factors.size());
      sc_.factors.push_back(std::move(f));
      continue;
    }
    Param p;
    p.path = "factors." + f.id;
    p.dist = Distribution::uniform(0, 1);
    p.range = {0, 1};
    p.doc = doc;
    p.stream = stream_id("param:" + p.path);
    p.loc = n.loc;
    p.provenance = f.provenance;
    p.own_provenance = p.written = true;
    sc_.params.push_back(std::move(p));
    f.param = static_cast<ParamId>(sc_.params.size() - 1);
    factor_ids_[f.id] = static_cast<int>(sc_.factors.size());
    sc_.factors.push_back(std::move(f));
  }
}

void Builder::read_header() {
  check_keys(root_, "the scenario",
             {"geosim",  "id",        "title",     "description", "extends",    "start",  "step",
              "horizon", "until",     "incumbent", "challenger",  "issues",     "actors", "relations",
              "cohorts", "levers",    "events",    "outcomes",    "mechanisms", "report", "observations",
              "ladders", "decisions", "leader",    "factors"});
  const YNode* ver = root_.find("geosim");
  if (!ver) {
    diags_.error(FileLoc{sc_.file, 1, 1}, "missing `geosim: 1` (the format version)",
                 "put `geosim: 1` on the first line");
  } else if (!ver->is_scalar() || (ver->scalar != "1" && ver->scalar != "2")) {
    diags_.error(ver->loc, "unsupported format version '" + (ver->is_scalar() ? ver->scalar : ver->type_name()) + "'",
                 "this geosim reads `geosim: 1` and `geosim: 2`");
  } else {
    sc_.format_version = ver->scalar == "2" ? 2 : 1;
  }
  std::set<std::string> dummy;
  sc_.id = get_string(root_, "id", true, "the scenario");
  if (!sc_.id.empty() && !valid_id(sc_.id) && sc_.id.find('-') == std::string::npos)
    diags_.error(root_.find("id")->loc, "scenario id '" + sc_.id + "' is not a valid name",
                 "use lowercase letters, digits, '_' and '-'");
  sc_.title = get_string(root_, "title", false, "the scenario", sc_.id);
  sc_.description = get_string(root_, "description", false, "the scenario");
  std::string unit = get_string(root_, "step", false, "the scenario", "week");
  if (unit == "week") {
    sc_.unit = StepUnit::Week;
    step_days_ = 7;
  } else if (unit == "day") {
    sc_.unit = StepUnit::Day;
    step_days_ = 1;
  } else {
    diags_.error(root_.find("step")->loc, "`step` must be week or day, got '" + unit + "'");
  }
  sc_.dt_years = step_days_ / 365.25;
  auto start = get_date(root_, "start");
  if (!root_.find("start"))
    diags_.error(root_.loc, "the scenario needs `start:`", "a calendar date such as 2019-01-23");
  if (start) sc_.start = *start;
  start_ok_ = start.has_value();
  const YNode* h = root_.find("horizon");
  const YNode* u = root_.find("until");
  // `~` clears a key given with --set (as --until clears the horizon); in a file, a key with
  // no value is a mistake rather than a request for the default.
  for (const char* key : {"horizon", "until"}) {
    const YNode* v = root_.find(key);
    if (v && v->is_null() && !v->loc.on_command_line())
      diags_.error(v->loc, std::string("`") + key + ":` has no value",
                   "give a number of steps (horizon) or a date (until), or leave the key out for the default of 52 "
                   "weeks (365 days)");
  }
  if (h && h->is_null()) h = nullptr;
  if (u && u->is_null()) u = nullptr;
  if (h && u) diags_.error(u->loc, "give `horizon:` (steps) or `until:` (a date), not both");
  sc_.horizon = sc_.unit == StepUnit::Week ? 52 : 365;
  // A horizon shortened on the command line (--until, --horizon, --set) leaves the file's
  // later scheduled events unreached; in the file itself such an event is a mistake.
  for (const YNode* k : {h, u})
    if (k && k->loc.on_command_line()) horizon_from_command_line_ = true;
  sc_.horizon_from_command_line = horizon_from_command_line_;
  if (h && sc_.format_version >= 2 && !horizon_from_command_line_ && h->format != 1) {
    // Format 2 states lengths in calendar units, so that `--set step=day` keeps the horizon.
    if (h->is_scalar() && !h->scalar.empty() && h->scalar.find_first_not_of("0123456789") == std::string::npos)
      diags_.error(h->loc, "in format 2, `horizon:` is a duration, got '" + h->scalar + "'",
                   "write `horizon: " + h->scalar + (sc_.unit == StepUnit::Week ? " weeks" : " days") +
                       "` (or `until:` a date), so that the scenario means the same in daily and weekly steps");
    else if (auto d = get_duration(root_, "horizon")) {
      // Taken as one step before, silently: a run needs at least one.
      if (*d < 1)
        diags_.error(h->loc,
                     "`horizon: " + h->scalar + "` is shorter than one step (a " +
                         (sc_.unit == StepUnit::Week ? "week" : "day") + ")",
                     "a run needs at least one step");
      sc_.horizon = std::max(1, *d);
    }
  } else if (h && sc_.format_version >= 2 && h->is_scalar() &&
             h->scalar.find_first_of("abcdfghijklmnopqrstuvwxyz") != std::string::npos) {  // (not 1e2)
    // From the command line a format 2 horizon may be a number of steps or a duration
    // (--set 'horizon=10 weeks'), which was refused as "expected a number".
    if (auto d = get_duration(root_, "horizon")) {
      if (*d < 1)
        diags_.error(h->loc, "`horizon: " + h->scalar + "` is shorter than one step", "a run needs at least one step");
      sc_.horizon = std::max(1, *d);  // (get_duration refuses more than the longest scenario)
    }
  } else if (h && h->is_scalar() && h->loc.on_command_line() && !h->scalar.empty() &&
             std::isdigit(static_cast<unsigned char>(h->scalar[0])) &&
             h->scalar.find_first_of("abcdfghijklmnopqrstuvwxyz") != std::string::npos) {
    // A duration on the command line for a format 1 file, whose horizon is in steps.
    diags_.error(h->loc, "a format 1 file takes its horizon in whole steps, got '" + h->scalar + "'",
                 "give a number of " + std::string(sc_.unit == StepUnit::Week ? "weeks" : "days") +
                     ", or --until a date; durations ('26 weeks') are format 2's");
  } else if (h) {
    sc_.horizon = get_int(root_, "horizon", sc_.horizon, 1, limits_.max_steps);
    if (sc_.format_version >= 2 && h->format == 1) f1_horizon_ = h;
  }
  if (u && start) {
    std::optional<Date> until = u->is_scalar() ? parse_date(u->scalar) : std::nullopt;
    if (!until)
      diags_.error(u->loc, "`until` must be a calendar date YYYY-MM-DD, got '" +
                               (u->is_scalar() ? u->scalar : u->type_name()) + "'");
    if (until) {
      if (!(sc_.start < *until))
        diags_.error(u->loc, "`until` " + until->str() + " is not after `start` " + sc_.start.str(),
                     "the horizon must come after the start date");
      else {
        int steps = static_cast<int>(std::ceil((until->days - sc_.start.days) / step_days_));
        if (steps > limits_.max_steps)
          diags_.error(u->loc, "`until` gives " + std::to_string(steps) + " steps, over the limit of " +
                                   std::to_string(limits_.max_steps));
        else
          sc_.horizon = steps;
      }
    }
  }
  // Dates are written YYYY-MM-DD: a run whose last day falls past 9999-12-31 would print
  // steps such as "10000-04-14..-04-20", which `geosim report` cannot read back.
  static const Date kLastDay = *parse_date("9999-12-31");
  if (start_ok_ && kLastDay < sc_.date_of_step(sc_.horizon).plus_days(-1)) {
    // At the key that made the run too long: the one given on the command line, if only one was.
    const YNode* st = root_.find("start");
    const YNode* length = h ? h : u;
    const YNode* at = length && !(st->loc.on_command_line() && !length->loc.on_command_line()) ? length : st;
    // Every dated item would be measured against dates that cannot be written: one error, as
    // for a start date that does not exist.
    start_ok_ = false;
    diags_.error(at->loc,
                 "the scenario runs past 9999-12-31 (" + std::to_string(sc_.horizon) + " " +
                     (sc_.unit == StepUnit::Week ? "weeks" : "days") + " from " + sc_.start.str() +
                     "), the last date a scenario can reach",
                 "start earlier or shorten the horizon");
  }
}

void Builder::read_issues() {
  const YNode* l = list("issues");
  std::set<std::string> seen;
  if (!l) {
    Issue is;
    is.id = "incumbent_rule";
    is.description = "-1: the incumbent goes, +1: the incumbent stays";
    is.noise = param_node(nullptr, "issues.incumbent_rule.noise", 0.0, {0, 1}, {}, "stance noise per step", root_.loc);
    sc_.issues.push_back(is);
    issue_ids_[is.id] = 0;
    return;
  }
  if (l->seq.empty()) diags_.error(l->loc, "`issues:` is empty", "list at least one issue, or leave the key out");
  for (const auto& n : l->seq) {
    if (!expect_map(n, "an issue")) continue;
    check_keys(n, "an issue",
               {"id", "description", "range", "stance_model", "noise", "bargaining_every", "evidence", "assumption"});
    Issue is;
    is.id = get_id(n, "issue", seen);
    is.description = get_string(n, "description", false, "an issue");
    if (const YNode* r = n.find("range")) {
      if (!r->is_seq() || r->seq.size() != 2 || !parse_number(r->seq[0], diags_, is.lo) ||
          !parse_number(r->seq[1], diags_, is.hi) || !(is.lo < is.hi))
        diags_.error(r->loc, "`range` must be [low, high] with low < high", "for example range: [-1, 1]");
      else if (!(std::fabs(is.lo) <= kMaxMagnitude && std::fabs(is.hi) <= kMaxMagnitude))
        diags_.error(r->loc, "`range` must lie within +-1e+09", "numbers in a scenario stay within +-1e+09");
    }
    std::string model = get_string(n, "stance_model", false, "an issue", "friedkin_johnsen");
    if (model == "friedkin_johnsen")
      is.model = StanceModel::FriedkinJohnsen;
    else if (model == "bargaining")
      is.model = StanceModel::Bargaining;
    else {
      std::string guess = closest_match(model, {"friedkin_johnsen", "bargaining"});
      diags_.error(n.find("stance_model")->loc, "unknown stance model '" + model + "'",
                   guess.empty() ? "one of friedkin_johnsen, bargaining" : "did you mean '" + guess + "'?");
    }
    Provenance prov = get_provenance(n);
    if (sc_.format_version >= 2 && !from_format1(n.find("noise"))) {
      // Format 2: noise is the sd the random drift of a stance accumulates over a year
      // (Brownian, scaled by the square root of the step); rounds come at a calendar interval.
      is.noise = param(n, "noise", "issues." + is.id + ".noise", 0.0, {0, 10}, prov,
                       "sd of the stance's random drift over a year");
      if (const YNode* b = n.find("bargaining_every"); b && b->format == 1) {
        is.bargaining_every = get_int(n, "bargaining_every", 4, 1, 100000);
        sc_.per_step_numbers.push_back(b->loc);
      } else if (b && b->is_scalar() && !b->scalar.empty() &&
                 b->scalar.find_first_not_of("0123456789") == std::string::npos)
        diags_.error(b->loc, "in format 2, `bargaining_every` is a duration, got '" + b->scalar + "'",
                     "write `bargaining_every: " + b->scalar + (sc_.unit == StepUnit::Week ? " weeks" : " days") + "`");
      else
        is.bargaining_every =
            std::max(1, get_duration(n, "bargaining_every").value_or(static_cast<int>(std::lround(28 / step_days_))));
    } else {
      // Format 1, or a format 1 file that a format 2 file extends: sd per step.
      is.noise_per_step = true;
      is.noise = param(n, "noise", "issues." + is.id + ".noise", 0.0, {0, 1}, prov, "sd of stance noise per step");
      is.bargaining_every = get_int(n, "bargaining_every", 4, 1, 100000);
      if (sc_.format_version >= 2)
        for (const char* key : {"noise", "bargaining_every"})
          if (const YNode* v = n.find(key)) sc_.per_step_numbers.push_back(v->loc);
    }
    issue_ids_[is.id] = static_cast<int>(sc_.issues.size());
    sc_.issues.push_back(is);
  }
}

void Builder::read_actors() {
  const YNode* l = list("actors");
  if (!l) {
    diags_.error(root_.loc, "the scenario needs `actors:`", "list who is involved: the incumbent, the challenger, ...");
    return;
  }
  std::set<std::string> seen;
  for (const auto& n : l->seq) {
    if (!expect_map(n, "an actor")) continue;
    check_keys(n, "an actor",
               {"id", "name", "kind", "stance", "salience", "capability", "stubbornness", "evidence", "assumption"});
    Actor a;
    a.id = get_id(n, "actor", seen);
    a.name = get_string(n, "name", false, "an actor", a.id);
    a.kind = get_string(n, "kind", false, "an actor", "other");
    const auto& kinds = actor_kinds();
    if (std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) {
      std::string guess = closest_match(a.kind, kinds);
      diags_.error(
          n.find("kind")->loc, "unknown actor kind '" + a.kind + "'",
          guess.empty() ? "one of " + join(kinds) : "did you mean '" + guess + "'? (one of " + join(kinds) + ")");
    }
    a.provenance = get_provenance(n);
    std::string base = "actors." + a.id + ".";
    const YNode* st = n.find("stance");
    a.stance.assign(sc_.issues.size(), kNoParam);
    if (st && st->is_map() && !st->find("dist")) {
      // One value per issue.
      std::vector<std::string> ids;
      for (const auto& is : sc_.issues) ids.push_back(is.id);
      check_keys(*st, "a stance map (one key per issue)", ids);
      for (size_t i = 0; i < sc_.issues.size(); ++i)
        a.stance[i] = param(*st, sc_.issues[i].id.c_str(), base + "stance." + sc_.issues[i].id, 0.0,
                            {sc_.issues[i].lo, sc_.issues[i].hi}, a.provenance, "stance on " + sc_.issues[i].id);
    } else if (!sc_.issues.empty()) {
      a.stance[0] = param(n, "stance", base + "stance", 0.0, {sc_.issues[0].lo, sc_.issues[0].hi}, a.provenance,
                          "stance on " + sc_.issues[0].id);
      for (size_t i = 1; i < sc_.issues.size(); ++i)
        a.stance[i] =
            param_node(nullptr, base + "stance." + sc_.issues[i].id, 0.0, {sc_.issues[i].lo, sc_.issues[i].hi},
                       a.provenance, "stance on " + sc_.issues[i].id, n.loc);
    }
    a.salience = param(n, "salience", base + "salience", 0.5, {0, 1}, a.provenance, "how much the actor cares");
    a.capability = param(n, "capability", base + "capability", 0.5, {0, 1}, a.provenance, "share of relevant power");
    a.stubbornness =
        param(n, "stubbornness", base + "stubbornness", 0.5, {0, 1}, a.provenance, "attachment to the first stance");
    a.regime_side = a.kind == "regime" || a.kind == "security_force";
    actor_ids_[a.id] = static_cast<int>(sc_.actors.size());
    sc_.actors.push_back(std::move(a));
  }
  if (sc_.actors.empty()) diags_.error(l->loc, "`actors:` is empty", "list at least the incumbent");
  const YNode* inc = root_.find("incumbent");
  if (!inc)
    diags_.error(root_.loc, "the scenario needs `incumbent:` naming the actor whose rule is the status quo");
  else
    sc_.incumbent = ActorId(resolve(root_, "incumbent", actor_ids_, "actor", true));
  if (sc_.incumbent.valid()) sc_.actors[sc_.incumbent.index()].regime_side = true;
  if (root_.find("challenger")) sc_.challenger = ActorId(resolve(root_, "challenger", actor_ids_, "actor", true));
}

void Builder::read_relations() {
  const YNode* l = list("relations");
  if (!l) return;
  for (const auto& n : l->seq) {
    if (!expect_map(n, "a relation")) continue;
    check_keys(n, "a relation", {"from", "to", "influence", "evidence", "assumption"});
    Relation r;
    r.from = ActorId(resolve(n, "from", actor_ids_, "actor", true));
    r.to = ActorId(resolve(n, "to", actor_ids_, "actor", true));
    if (!r.from.valid() || !r.to.valid()) continue;
    if (r.from == r.to) {
      diags_.error(n.loc, "a relation must link two different actors", "self-weight comes from stubbornness");
      continue;
    }
    Provenance prov = get_provenance(n);
    r.influence = param(n, "influence",
                        "relations." + sc_.actors[r.from.index()].id + "." + sc_.actors[r.to.index()].id + ".influence",
                        1.0, {0, 100}, prov, "how much `from` listens to `to`");
    sc_.relations.push_back(r);
  }
}

void Builder::read_cohorts() {
  const YNode* l = list("cohorts");
  if (!l) return;
  std::set<std::string> seen;
  for (const auto& n : l->seq) {
    if (!expect_map(n, "a cohort")) continue;
    check_keys(n, "a cohort",
               {"id", "name", "actor", "units", "weight", "threshold", "thresholds", "threshold_shift", "evidence",
                "assumption"});
    Cohort c;
    c.id = get_id(n, "cohort", seen);
    c.name = get_string(n, "name", false, "a cohort", c.id);
    c.actor = ActorId(resolve(n, "actor", actor_ids_, "actor", true));
    c.provenance = get_provenance(n);
    std::string base = "cohorts." + c.id + ".";
    const YNode* th = n.find("threshold");
    const YNode* ths = n.find("thresholds");
    if (th && ths) diags_.error(ths->loc, "give `threshold:` (a distribution) or `thresholds:` (a list), not both");
    if (ths) {
      if (!ths->is_seq() || ths->seq.empty())
        diags_.error(ths->loc, "`thresholds:` must be a non-empty list of numbers");
      else
        for (const auto& v : ths->seq) {
          // Within +-kMaxMagnitude like a `threshold:` distribution's values.
          double x;
          if (parse_bounded_number(v, diags_, x)) c.thresholds.push_back(x);
        }
      c.units = static_cast<int>(c.thresholds.size());
      if (n.find("units") && get_int(n, "units", 0, 1, limits_.max_units) != c.units)
        diags_.error(n.find("units")->loc,
                     "`units` differs from the length of `thresholds` (" + std::to_string(c.units) + ")",
                     "leave `units` out with an explicit list");
    } else {
      if (!th)
        diags_.error(n.loc, "a cohort needs `threshold:` (a distribution) or `thresholds:` (a list)");
      else if (!Distribution::parse(*th, Range{}, diags_, c.threshold))
        c.threshold = Distribution::constant(0.5);
      // The units' thresholds are drawn from this distribution one by one: it is not a
      // parameter, so it cannot follow a shared factor (the cohort's threshold_shift can).
      if (th && th->is_map())
        for (const char* key : {"factor", "correlation"})
          if (const YNode* k = th->find(key))
            diags_.error(k->loc, std::string("a cohort's `threshold` cannot take `") + key + ":`",
                         "the units' thresholds are drawn one by one; let the cohort's `threshold_shift` follow the "
                         "factor instead");
      c.units = get_int(n, "units", 1, 1, limits_.max_units);
    }
    c.weight = param(n, "weight", base + "weight", 1.0, {0, 1e6}, c.provenance, "share of the force (normalised)");
    c.threshold_shift =
        param(n, "threshold_shift", base + "threshold_shift", 0.0, {-10, 10}, c.provenance, "added to every threshold");
    c.first_unit = sc_.total_units;
    sc_.total_units += c.units;
    sc_.cohorts.push_back(std::move(c));
  }
  if (sc_.total_units > limits_.max_units)
    diags_.error(l->loc, std::to_string(sc_.total_units) + " units in all, over the limit of " +
                             std::to_string(limits_.max_units));
}

void Builder::read_levers() {
  const YNode* l = list("levers");
  if (!l) return;
  std::set<std::string> seen;
  auto kinds = lever_kind_names();
  for (const auto& n : l->seq) {
    if (!expect_map(n, "a lever")) continue;
    check_keys(n, "a lever",
               {"id", "name", "kind", "by", "target", "issue", "from", "until", "intensity", "credibility", "enabled",
                "stance_push", "evidence", "assumption", "when", "until_when", "after", "hold", "on"});
    // A variant that names a lever the base does not have (a misspelt id) merges in as a new
    // lever with no kind, actors or anything else: say that, not what such a lever lacks.
    if (const YNode* id = n.find("id");
        id && id->is_scalar() && !n.find("kind") && !n.find("by") && !n.find("target")) {
      std::vector<std::string> ids;
      for (const auto& other : l->seq)
        if (const YNode* oid = other.is_map() ? other.find("id") : nullptr;
            oid && oid->is_scalar() && oid != id && other.find("kind"))
          ids.push_back(oid->scalar);
      const std::string guess = closest_match(id->scalar, ids);
      diags_.error(id->loc, "no lever '" + id->scalar + "' in the scenario to change",
                   guess.empty() ? "a new lever needs kind:, by: and target:; levers: " + join(ids)
                                 : "did you mean '" + guess + "'?");
      continue;
    }
    Lever lv;
    lv.loc = n.loc;
    lv.id = get_id(n, "lever", seen);
    lv.name = get_string(n, "name", false, "a lever", lv.id);
    std::string kind = get_string(n, "kind", true, "a lever");
    lv.kind = find_lever_kind(kind);
    if (lv.kind < 0 && !kind.empty()) {
      std::string guess = closest_match(kind, kinds);
      diags_.error(n.find("kind")->loc, "unknown lever kind '" + kind + "'",
                   guess.empty() ? "one of " + join(kinds) : "did you mean '" + guess + "'?");
    }
    lv.by = ActorId(resolve(n, "by", actor_ids_, "actor", true));
    lv.target = ActorId(resolve(n, "target", actor_ids_, "actor", true));
    if (n.find("issue")) lv.issue = std::max(0, resolve(n, "issue", issue_ids_, "issue", true));
    lv.provenance = get_provenance(n);
    if (lv.kind >= 0 && lv.target.valid()) {
      const auto& info = lever_kinds()[lv.kind];
      bool regime = sc_.actors[lv.target.index()].regime_side;
      if ((regime ? info.on_regime : info.on_other).empty())
        diags_.error(n.find("target")->loc,
                     std::string("a ") + info.name + " lever acts only on the incumbent's side, but '" +
                         sc_.actors[lv.target.index()].id + "' is not on it",
                     "target the incumbent or an actor of kind regime or security_force");
    }
    lv.start_step = 0;
    lv.end_step = sc_.horizon;
    const auto from = get_date(n, "from"), until = get_date(n, "until");
    if (from) lv.start_step = std::max(0, step_of(*from));
    if (until) lv.end_step = std::min(sc_.horizon, step_of(*until) + 1);
    // Format 2: a window's first or last step that holds part of it acts for that part.
    window_shares(from, until, lv.start_step, lv.end_step, lv.from_frac, lv.until_frac, lv.first_at, lv.last_at,
                  lv.first_day, lv.last_day);
    if (until) {
      if (start_ok_ && until->days < sc_.start.days)
        diags_.error(n.find("until")->loc,
                     "the lever ends (" + until->str() + ") before the scenario starts (" + sc_.start.str() + ")");
      if (from && *until < *from)
        diags_.error(n.find("until")->loc, "`until` is before `from`",
                     "`from` is the lever's first day, `until` its last; swap them?");
    }
    // A lever that starts after the horizon would never act (as for an event's window); a
    // horizon shortened on the command line may leave it out on purpose. Format 2 only: a
    // format 1 file that validated keeps validating.
    if (from && start_ok_ && sc_.format_version >= 2 && lv.start_step >= sc_.horizon && !horizon_from_command_line_) {
      diags_.error(n.find("from")->loc,
                   "the lever starts (" + from->str() + ") after the horizon (" +
                       sc_.date_of_step(sc_.horizon).plus_days(-1).str() + ")",
                   "move `from` into the scenario's dates, or remove the lever");
      past_horizon_ = true;
    }
    std::string base = "levers." + lv.id + ".";
    lv.intensity = param(n, "intensity", base + "intensity", 1.0, {0, 1}, lv.provenance, "strength of the lever");
    lv.credibility =
        param(n, "credibility", base + "credibility", 1.0, {0, 1}, lv.provenance, "how far the target believes it");
    lv.enabled = param(n, "enabled", base + "enabled", 1.0, {0, 1}, lv.provenance, "1 on, 0 off");
    double push = lv.kind >= 0 ? lever_kinds()[lv.kind].stance_push : 0.0;
    lv.stance_push = param(n, "stance_push", base + "stance_push", push, {0, 100}, lv.provenance,
                           "pull on the target's stance toward the actor's, per year");
    read_reaction(n, lv);
    sc_.levers.push_back(std::move(lv));
  }
}

// Format 2: when:, until_when:, after: {event, delay} and hold: of a lever.
void Builder::read_reaction(const YNode& n, Lever& lv) {
  for (const char* key : {"when", "until_when", "after", "hold", "on"})
    if (const YNode* k = n.find(key); k && sc_.format_version < 2) {
      diags_.error(k->loc, std::string("a lever's `") + key + ":` is a format 2 key (levers that react)",
                   "write `geosim: 2` on the first line; a format 1 file means exactly what it meant before");
      return;
    }
  get_expr(n, "when", lv.when);
  get_expr(n, "until_when", lv.until_when);
  if (const YNode* on = n.find("on")) {
    if (!on->is_scalar() || (on->scalar != "leader" && on->scalar != "regime"))
      diags_.error(on->loc, "`on` must be leader or regime",
                   "leader: the lever follows the person (a bounty, an indictment) and ends when he goes; regime "
                   "(the default): it stays on the ruling coalition");
    else if (on->scalar == "leader") {
      lv.on_leader = true;
      if (!root_.find("leader"))
        diags_.error(on->loc, "`on: leader` needs the scenario's `leader:`",
                     "name the leader (docs/scenario-format.md)");
    }
  }
  if (n.find("hold")) {
    if (!n.find("when"))
      diags_.error(n.find("hold")->loc,
                   "`hold` says how long the lever stays on after its `when` stops holding; give a `when`");
    lv.hold_steps = get_duration(n, "hold").value_or(0);
  }
  if (const YNode* a = n.find("after"); a && expect_map(*a, "`after:`")) {
    check_keys(*a, "`after:`", {"event", "delay"});
    const YNode* ev = a->find("event");
    if (!ev || !ev->is_scalar())
      diags_.error(a->loc, "`after:` needs `event:` (the id of an event)");
    else
      pending_after_.push_back({sc_.levers.size(), ev->scalar, ev->loc});
    // The event fires during its step, after the levers of that step are set: the lever can
    // act at the earliest in the next step.
    lv.after_delay = std::max(1, get_duration(*a, "delay").value_or(1));
  }
}

void Builder::read_ladders() {
  const YNode* l = root_.find("ladders");
  if (!l) return;
  if (sc_.format_version < 2) {
    diags_.error(l->loc, "`ladders:` is a format 2 key (escalation ladders)",
                 "write `geosim: 2` on the first line; a format 1 file means exactly what it meant before");
    return;
  }
  l = list("ladders");
  if (!l) return;
  std::set<std::string> seen;
  std::map<std::string, int> lever_ids;
  for (size_t i = 0; i < sc_.levers.size(); ++i) lever_ids[sc_.levers[i].id] = static_cast<int>(i);
  for (const auto& n : l->seq) {
    if (!expect_map(n, "a ladder")) continue;
    check_keys(n, "a ladder", {"id", "name", "rungs", "evidence", "assumption"});
    Ladder ld;
    ld.id = get_id(n, "ladder", seen);
    ld.name = get_string(n, "name", false, "a ladder", ld.id);
    ld.provenance = get_provenance(n);
    const YNode* rs = n.find("rungs");
    if (!rs || !rs->is_seq() || rs->seq.empty()) {
      diags_.error(rs ? rs->loc : n.loc,
                   "a ladder needs `rungs:`, a list of {lever, up, down, sustained} from the lowest");
      continue;
    }
    const int index = static_cast<int>(sc_.ladders.size());
    for (const auto& r : rs->seq) {
      if (!expect_map(r, "a rung")) continue;
      check_keys(r, "a rung", {"lever", "up", "down", "sustained", "stays"});
      Rung rung;
      rung.lever = LeverId(resolve(r, "lever", lever_ids, "lever", true));
      if (!get_expr(r, "up", rung.up)) diags_.error(r.loc, "a rung needs `up:`, the condition to climb onto it");
      get_expr(r, "down", rung.down);
      rung.sustained = std::max(1, get_duration(r, "sustained").value_or(1));
      rung.stays = get_bool(r, "stays", false);
      if (rung.lever.valid()) {
        Lever& lv = sc_.levers[static_cast<size_t>(rung.lever)];
        if (lv.ladder >= 0)
          diags_.error(r.find("lever")->loc,
                       "lever '" + lv.id + "' is already a rung of ladder '" +
                           (lv.ladder < index ? sc_.ladders[static_cast<size_t>(lv.ladder)].id : ld.id) + "'",
                       "a lever stands on one rung of one ladder; give each rung its own lever");
        lv.ladder = index;
        lv.rung = static_cast<int>(ld.rungs.size()) + 1;
      }
      ld.rungs.push_back(std::move(rung));
    }
    sc_.ladders.push_back(std::move(ld));
  }
}

const char* const kRegimeFates[] = {"continues", "transition", "collapse"};

void Builder::read_leader() {
  const YNode* l = root_.find("leader");
  if (!l) {
    // Without a leader every outcome ends the run: `regime:` on an outcome means nothing.
    if (const YNode* os = root_.find("outcomes"); os && os->is_seq())
      for (const auto& n : os->seq)
        if (const YNode* r = n.is_map() ? n.find("regime") : nullptr)
          diags_.error(r->loc, "an outcome's `regime:` needs the scenario's `leader:`",
                       sc_.format_version < 2
                           ? "write `geosim: 2` on the first line and name the leader"
                           : "name the leader (docs/scenario-format.md, \"The leader and the regime\")");
    return;
  }
  if (sc_.format_version < 2) {
    diags_.error(l->loc, "`leader:` is a format 2 key (the leader and the regime)",
                 "write `geosim: 2` on the first line; a format 1 file means exactly what it meant before");
    return;
  }
  if (!expect_map(*l, "`leader:`")) return;
  check_keys(*l, "the leader",
             {"id", "name", "successors", "new_ruler_risk", "new_ruler_years", "evidence", "assumption"});
  Leadership& L = sc_.leadership;
  L.id = get_string(*l, "id", true, "the leader");
  if (!L.id.empty() && !valid_id(L.id))
    diags_.error(l->find("id")->loc, "'" + L.id + "' is not a valid id", "use lowercase letters, digits and '_'");
  L.name = get_string(*l, "name", false, "the leader", L.id);
  L.provenance = get_provenance(*l);
  if (L.id.empty()) L.id = "leader";
  // The `ruler` table (and a sweep's record.regime) names each ruler by id: the leader, the
  // successors, then `successor` (one the file does not name), the challenger and `none`.
  // What else an id in it would name ("" when nothing).
  const YNode* ch = root_.find("challenger");
  const std::string challenger = ch && ch->is_scalar() ? ch->scalar : "challenger";
  auto also = [&](const std::string& id, bool leader) -> std::string {
    if (!leader && id == L.id) return "the leader's id";
    if (id == "successor") return "the ruler table's name for a successor the file does not name";
    if (id == "none") return "the ruler table's name for nobody (a collapse)";
    if (id == challenger || id == "challenger") return "the challenger's id (who rules after a transition)";
    return "";
  };
  if (const std::string other = also(L.id, true); !other.empty() && l->find("id"))
    diags_.error(l->find("id")->loc, "the leader's id '" + L.id + "' is also " + other,
                 "give the leader an id of his own (the ruler table names each ruler by id)");
  {
    Provenance coup_trap;
    coup_trap.evidence.push_back({"", "", "Londregan & Poole 1990, World Politics 42(2)",
                                  "a coup raises the odds of another: a new ruler's first years are the riskiest",
                                  FileLoc{}});
    coup_trap.assumption =
        "geosim default: twice the hazard for two years (docs/model.md, \"The leader and the regime\")";
    L.new_ruler_risk = param(*l, "new_ruler_risk", "leader.new_ruler_risk", 2.0, {0, 100}, coup_trap,
                             "factor on the hazards of events that end a ruler's rule, in a new ruler's first years");
    L.new_ruler_years = param(*l, "new_ruler_years", "leader.new_ruler_years", 2.0, {0, 50}, coup_trap,
                              "how many years a new ruler's extra risk lasts");
  }
  std::set<std::string> seen;
  if (const YNode* ss = l->find("successors")) {
    if (!ss->is_seq())
      diags_.error(ss->loc, "`successors` must be a list of {id, name, after, stance}");
    else
      for (const auto& n : ss->seq) {
        if (!expect_map(n, "a successor")) continue;
        check_keys(n, "a successor", {"id", "name", "after", "stance", "salience", "exit", "evidence", "assumption"});
        Successor s;
        s.id = get_id(n, "successor", seen);
        if (const std::string other = s.id.empty() ? "" : also(s.id, false); !other.empty())
          diags_.error(n.find("id")->loc, "successor id '" + s.id + "' is also " + other,
                       "give the successor an id of his own");
        s.name = get_string(n, "name", false, "a successor", s.id);
        s.provenance = get_provenance(n);
        if (const YNode* a = n.find("after")) {
          if (!a->is_seq())
            diags_.error(a->loc, "`after` must be a list of outcome ids, e.g. [coup, negotiated_exit]");
          else
            for (const auto& o : a->seq) {
              int k = o.is_scalar() ? sc_.find_outcome(o.scalar) : -1;
              if (k < 0) {
                std::vector<std::string> ids;
                for (const auto& oc : sc_.outcomes) ids.push_back(oc.id);
                std::string guess = o.is_scalar() ? closest_match(o.scalar, ids) : "";
                diags_.error(o.loc, "unknown outcome '" + (o.is_scalar() ? o.scalar : o.type_name()) + "'",
                             guess.empty() ? "one of " + join(ids) : "did you mean '" + guess + "'?");
              } else if (sc_.outcomes[static_cast<size_t>(k)].is_default) {
                diags_.error(
                    o.loc, "the default outcome ('" + o.scalar + "') is the leader staying; nobody succeeds him then");
              } else {
                s.after.push_back(k);
              }
            }
        }
        if (n.find("stance")) {
          const Issue& first = sc_.issues.empty() ? Issue{} : sc_.issues[0];
          s.stance = param(n, "stance", "leader.successors." + s.id + ".stance", 0.0, {first.lo, first.hi},
                           s.provenance, "the incumbent's stance on the first issue once this successor rules");
        }
        if (n.find("salience"))
          s.salience = param(n, "salience", "leader.successors." + s.id + ".salience", 0.5, {0, 1}, s.provenance,
                             "how much the issue matters to the incumbent once this successor rules");
        if (const YNode* ex = n.find("exit"); ex && expect_map(*ex, "`exit:`")) {
          const auto& keys = Successor::kExitKeys;
          check_keys(*ex, "`exit:`", {keys[0], keys[1], keys[2], keys[3]});
          for (int k = 0; k < 4; ++k)
            if (ex->find(keys[k])) {
              const auto& info = mech_param_info(find_mech_param("exit", keys[k]));
              s.exit[k] = param(*ex, keys[k], "leader.successors." + s.id + ".exit." + keys[k], info.default_value,
                                info.range, s.provenance, std::string(info.doc) + " (this successor's)");
            }
        }
        L.successors.push_back(std::move(s));
      }
  }
  // What each way of leaving does to the regime.
  const YNode* os = root_.find("outcomes");
  for (size_t k = 0; k < sc_.outcomes.size(); ++k) {
    Outcome& o = sc_.outcomes[k];
    const YNode* node = nullptr;
    if (os && os->is_seq())
      for (const auto& n : os->seq)
        if (const YNode* id = n.is_map() ? n.find("id") : nullptr; id && id->is_scalar() && id->scalar == o.id)
          node = &n;
    const YNode* r = node ? node->find("regime") : nullptr;
    if (o.is_default) {
      // The default outcome is what stands at the horizon: no ruler left, nothing to follow.
      if (r)
        diags_.error(r->loc, "the default outcome '" + o.id + "' ends no rule, so `regime:` means nothing on it",
                     "give `regime:` to the outcomes by which the ruler goes, or remove it");
      continue;
    }
    // Defaults for the standard ids: about half of autocratic leader exits leave the regime in
    // place (Geddes, Wright & Frantz 2014); a defection collapse or a negotiated transition
    // ends it by definition.
    double cont = -1;
    int otherwise = kRegimeCollapse;
    if (o.id == "negotiated_exit")
      cont = 0.5, otherwise = kRegimeTransition;
    else if (o.id == "coup" || o.id == "foreign_intervention")
      cont = 0.5, otherwise = kRegimeCollapse;
    else if (o.id == "defection_collapse")
      cont = 0, otherwise = kRegimeCollapse;
    else if (o.id == "negotiated_transition")
      cont = 0, otherwise = kRegimeTransition;
    Provenance prov;
    if (cont == 0.5) {
      prov.evidence.push_back({"", "", "Geddes, Wright & Frantz 2014, Perspectives on Politics 12(2):313-31",
                               "about half of autocratic leader exits leave the regime in place", FileLoc{}});
      prov.assumption = "geosim default for '" + o.id + "': the base rate of all leader exits, not of this kind alone";
    } else if (cont == 0) {
      prov.assumption =
          "geosim default for '" + o.id + "': this way of leaving ends the ruling coalition by definition";
    }
    if (r && expect_map(*r, "`regime:`")) {
      check_keys(*r, "`regime:`", {"continues", "otherwise"});
      if (const YNode* ow = r->find("otherwise")) {
        if (!ow->is_scalar() || (ow->scalar != "transition" && ow->scalar != "collapse"))
          diags_.error(
              ow->loc, "`otherwise` must be transition or collapse",
              "transition: a negotiated or electoral change of regime; collapse: it falls by force or defection");
        else
          otherwise = ow->scalar == "transition" ? kRegimeTransition : kRegimeCollapse;
      }
      if (!r->find("continues") && cont < 0)
        diags_.error(r->loc, "`regime:` needs `continues:`, the probability that the regime outlives this exit");
      // An outcome of the scenario's own has no default for the other side: it was taken as
      // a collapse without a word.
      const YNode* c = r->find("continues");
      const bool always = c && c->is_scalar() && std::strtod(c->scalar.c_str(), nullptr) == 1.0;  // nothing else
      if (!r->find("otherwise") && cont < 0 && !always)
        diags_.error(
            r->loc,
            "`regime:` of outcome '" + o.id + "' needs `otherwise:`, what the regime becomes when it does not continue",
            "write otherwise: transition (a negotiated or electoral change) or otherwise: collapse (it falls by force "
            "or defection)");
      o.regime_continues =
          param(*r, "continues", "outcomes." + o.id + ".regime.continues", std::max(0.0, cont), {0, 1},
                r->find("continues") ? o.provenance : prov,
                "probability that the regime continues, under a successor, when the ruler leaves this way");
    } else if (cont < 0) {
      diags_.error(node ? node->loc : o.loc, "outcome '" + o.id + "': say what it does to the regime",
                   "add `regime: {continues: P, otherwise: transition or collapse}` (the standard ids have defaults)");
    } else {
      o.regime_continues =
          param_node(nullptr, "outcomes." + o.id + ".regime.continues", cont, {0, 1}, prov,
                     "probability that the regime continues, under a successor, when the ruler leaves this way", o.loc);
    }
    o.regime_otherwise = otherwise;
  }
}

void Builder::read_decisions() {
  const YNode* l = root_.find("decisions");
  if (!l) return;
  if (sc_.format_version < 2) {
    diags_.error(l->loc, "`decisions:` is a format 2 key (decisions by actors)",
                 "write `geosim: 2` on the first line; a format 1 file means exactly what it meant before");
    return;
  }
  l = list("decisions");
  if (!l) return;
  std::set<std::string> seen;
  std::map<std::string, int> lever_ids;
  for (size_t i = 0; i < sc_.levers.size(); ++i) lever_ids[sc_.levers[i].id] = static_cast<int>(i);
  for (const auto& n : l->seq) {
    if (!expect_map(n, "a decision")) continue;
    check_keys(n, "a decision",
               {"id", "name", "actor", "every", "from", "when", "rationality", "options", "evidence", "assumption"});
    Decision d;
    d.id = get_id(n, "decision", seen);
    d.name = get_string(n, "name", false, "a decision", d.id);
    d.provenance = get_provenance(n);
    d.actor = ActorId(resolve(n, "actor", actor_ids_, "actor", true));
    const std::string base = "decisions." + d.id + ".";
    // Default: once a week (a decision every step would come seven times as often in daily steps).
    d.every = std::max(1, get_duration(n, "every").value_or(static_cast<int>(std::lround(7 / step_days_))));
    if (auto from = get_date(n, "from")) {
      d.first_step = std::max(0, step_of(*from));
      // As for a lever: a decision first taken after the horizon would never be taken; a
      // horizon shortened on the command line may leave it out on purpose.
      if (start_ok_ && d.first_step >= sc_.horizon && !horizon_from_command_line_) {
        diags_.error(n.find("from")->loc,
                     "the decision is first taken (" + from->str() + ") after the horizon (" +
                         sc_.date_of_step(sc_.horizon).plus_days(-1).str() + ")",
                     "move `from` into the scenario's dates, or remove the decision");
        past_horizon_ = true;
      }
    }
    get_expr(n, "when", d.when);
    d.rationality = param(n, "rationality", base + "rationality", 1.0, {0, 1000}, d.provenance,
                          "how sharply the actor prefers the best option (0: at random)");
    const int index = static_cast<int>(sc_.decisions.size());
    const YNode* os = n.find("options");
    if (!os || !os->is_seq() || os->seq.size() < 2) {
      diags_.error(os ? os->loc : n.loc, "a decision needs `options:`, a list of at least two {id, lever, utility}");
    } else {
      std::set<std::string> opt_seen;
      for (const auto& o : os->seq) {
        if (!expect_map(o, "an option")) continue;
        check_keys(o, "an option", {"id", "lever", "utility"});
        DecisionOption opt;
        opt.id = get_id(o, "option", opt_seen);
        const std::string ob = base + "options." + opt.id + ".utility.";
        if (o.find("lever")) opt.lever = LeverId(resolve(o, "lever", lever_ids, "lever", true));
        const YNode* u = o.find("utility");
        if (u && expect_map(*u, "a utility")) {
          check_keys(*u, "a utility", {"constant", "drivers"});
          opt.constant =
              param(*u, "constant", ob + "constant", 0.0, {-1000, 1000}, d.provenance, "utility of the option");
          read_drivers(u->find("drivers"), ob + "drivers.", d.provenance, "utility per unit of the state variable",
                       opt.drivers);
        } else {
          opt.constant =
              param_node(nullptr, ob + "constant", 0.0, {-1000, 1000}, d.provenance, "utility of the option", o.loc);
        }
        if (opt.lever.valid()) {
          Lever& lv = sc_.levers[static_cast<size_t>(opt.lever)];
          if (lv.ladder >= 0 || lv.decision >= 0)
            diags_.error(o.find("lever")->loc,
                         "lever '" + lv.id + "' is already " +
                             (lv.ladder >= 0 ? "a rung of a ladder" : "an option of a decision"),
                         "a lever is the option of one decision or the rung of one ladder; give each its own lever");
          else if (d.actor.valid() && lv.by.valid() && lv.by != d.actor)  // a lever with no `by` has its own error
            diags_.error(o.find("lever")->loc,
                         "lever '" + lv.id + "' is applied by '" + sc_.actors[static_cast<size_t>(lv.by)].id +
                             "', not by '" + sc_.actors[static_cast<size_t>(d.actor)].id + "', who decides",
                         "an actor decides only on its own levers");
          lv.decision = index;
          lv.option = static_cast<int>(d.options.size()) + 1;
        }
        d.options.push_back(std::move(opt));
      }
    }
    sc_.decisions.push_back(std::move(d));
  }
}

void Builder::read_drivers(const YNode* dr, const std::string& base, const Provenance& prov, const char* doc,
                           std::vector<std::pair<int, ParamId>>& out) {
  if (!dr || !expect_map(*dr, "drivers")) return;
  for (size_t i = 0; i < dr->map.size(); ++i) {
    int v = sc_.find_var(dr->map[i].first);
    if (v < 0) {
      std::vector<std::string> names;
      for (const auto& vi : sc_.vars) names.push_back(vi.name);
      std::string guess = closest_match(dr->map[i].first, names);
      diags_.error(dr->key_locs[i], "unknown state variable '" + dr->map[i].first + "'",
                   guess.empty() ? "see the state variables in docs/model.md" : "did you mean '" + guess + "'?");
      continue;
    }
    out.emplace_back(v, param_node(&dr->map[i].second, base + dr->map[i].first, 0, {-1000, 1000}, prov, doc, dr->loc));
  }
}

void Builder::resolve_after() {
  for (const auto& pa : pending_after_) {
    auto it = event_ids_.find(pa.event);
    if (it == event_ids_.end()) {
      std::vector<std::string> ids;
      for (const auto& [id, i] : event_ids_) ids.push_back(id);
      std::string guess = closest_match(pa.event, ids);
      diags_.error(pa.loc, "unknown event '" + pa.event + "'",
                   guess.empty() ? (ids.empty() ? "the scenario has no events" : "one of " + join(ids))
                                 : "did you mean '" + guess + "'?");
      continue;
    }
    sc_.levers[pa.lever].after_event = EventId(it->second);
  }
}

Effects Builder::read_effects(const YNode& n, const std::string& path, const Provenance& prov) {
  Effects e;
  if (!expect_map(n, "effects")) return e;
  const bool v2 = sc_.format_version >= 2;
  if (v2)
    check_keys(n, "effects",
               {"defection_shock", "shock_for", "shock_steps", "talks", "resources_shock", "stance_shock"});
  else
    check_keys(n, "effects", {"defection_shock", "shock_steps", "talks", "resources_shock", "stance_shock"});
  if (n.find("defection_shock"))
    e.defection_shock = param(n, "defection_shock", path + ".defection_shock", 0, {-1, 1}, prov,
                              "added to every cohort's incentive to defect");
  // A format 1 file's `shock_steps` that a format 2 file extends holds, unless the format 2
  // file (or --set) gives the shock's length as `shock_for:`, which then replaces it.
  const YNode* f1_steps = from_format1(n.find("shock_steps")) ? n.find("shock_steps") : nullptr;
  if (!v2 || (f1_steps && !n.find("shock_for"))) {
    e.shock_steps = get_int(n, "shock_steps", 1, 1, limits_.max_steps);
    if (v2) sc_.per_step_numbers.push_back(f1_steps->loc);
    e.shock_span = e.shock_steps;
  } else if (const YNode* k = n.find("shock_steps"); k && !f1_steps) {
    diags_.error(k->loc, "in format 2, a shock lasts `shock_for:` a duration",
                 "write `shock_for: " + (k->is_scalar() ? k->scalar : std::string("1")) +
                     (sc_.unit == StepUnit::Week ? " weeks" : " days") +
                     "`, so that the scenario means the same in daily and weekly steps");
  } else {
    // shock_steps: at least one step (what the lint and descriptions read); the model holds
    // the shock for its days exactly, from the moment the event fires (shock_span).
    double days = -1;
    e.shock_steps = std::max(1, get_duration(n, "shock_for", &days).value_or(1));
    e.shock_span = days >= 0 ? days / step_days_ : 1.0;
  }
  if (n.find("resources_shock"))
    e.resources_shock = param(n, "resources_shock", path + ".resources_shock", 0, {-1, 1}, prov, "added to resources");
  std::string talks = get_string(n, "talks", false, "effects");
  if (talks == "open")
    e.talks = 1;
  else if (talks == "close")
    e.talks = -1;
  else if (!talks.empty())
    diags_.error(n.find("talks")->loc, "`talks` must be open or close, got '" + talks + "'");
  if (const YNode* ss = n.find("stance_shock")) {
    if (!expect_map(*ss, "stance_shock")) return e;
    for (size_t i = 0; i < ss->map.size(); ++i) {
      auto it = actor_ids_.find(ss->map[i].first);
      if (it == actor_ids_.end()) {
        std::vector<std::string> names;
        for (const auto& kv : actor_ids_) names.push_back(kv.first);
        std::string guess = closest_match(ss->map[i].first, names);
        diags_.error(ss->key_locs[i], "unknown actor '" + ss->map[i].first + "' in stance_shock",
                     guess.empty() ? "" : "did you mean '" + guess + "'?");
        continue;
      }
      e.stance_shock.emplace_back(it->second, param_node(&ss->map[i].second, path + ".stance_shock." + it->first, 0,
                                                         {-2, 2}, prov, "added to the actor's stance", ss->loc));
    }
  }
  return e;
}

void Builder::read_outcomes() {
  const YNode* l = list("outcomes");
  if (!l) {
    diags_.error(root_.loc, "the scenario needs `outcomes:`", "at least a default outcome such as status_quo");
    return;
  }
  std::set<std::string> seen;
  for (const auto& n : l->seq) {
    if (!expect_map(n, "an outcome")) continue;
    check_keys(n, "an outcome",
               {"id", "label", "when", "default", "removes_incumbent", "evidence", "assumption", "regime"});
    Outcome o;
    o.loc = n.loc;
    o.id = get_id(n, "outcome", seen);
    o.label = get_string(n, "label", false, "an outcome", o.id);
    o.is_default = get_bool(n, "default", false);
    o.removes_incumbent = get_bool(n, "removes_incumbent", !o.is_default);
    o.provenance = get_provenance(n);
    if (const YNode* w = n.find("when")) {
      if (!w->is_scalar())
        diags_.error(w->loc, "`when` must be an expression such as defected_share >= 0.5");
      else {
        o.when.text = w->scalar;
        o.when.loc = w->loc;
        if (w->quoted) o.when.loc.column += 1;
        o.when.places = w->places;
      }
      if (o.is_default) diags_.error(w->loc, "the default outcome happens at the horizon; it takes no `when`");
    }
    if (o.is_default) {
      if (sc_.default_outcome >= 0)
        diags_.error(
            n.loc, "more than one default outcome ('" + sc_.outcomes[sc_.default_outcome].id + "' and '" + o.id + "')",
            "exactly one outcome has `default: true`");
      else
        sc_.default_outcome = static_cast<int>(sc_.outcomes.size());
    }
    outcome_ids_[o.id] = static_cast<int>(sc_.outcomes.size());
    sc_.outcomes.push_back(std::move(o));
  }
  if (l->seq.empty())
    diags_.error(l->loc, "`outcomes:` is empty; a run must end in one",
                 "list at least the default outcome that holds at the horizon (status_quo, `default: true`)");
  else if (sc_.default_outcome < 0 && !sc_.outcomes.empty())
    diags_.error(l->loc, "no outcome has `default: true`", "mark the outcome that holds at the horizon (status_quo)");
}

void Builder::read_events() {
  const YNode* l = list("events");
  std::vector<bool> triggered(sc_.outcomes.size(), false);
  std::set<std::string> seen;
  if (l) {
    for (const auto& n : l->seq) {
      if (!expect_map(n, "an event")) continue;
      check_keys(n, "an event",
                 {"id", "name", "at", "hazard", "outcome", "success", "effects", "on_failure", "once", "max_fires",
                  "evidence", "assumption"});
      Event e;
      e.loc = n.loc;
      e.id = get_id(n, "event", seen);
      e.name = get_string(n, "name", false, "an event", e.id);
      e.provenance = get_provenance(n);
      std::string base = "events." + e.id;
      const YNode* at = n.find("at");
      const YNode* hz = n.find("hazard");
      if (at && hz) diags_.error(hz->loc, "an event is scheduled (`at:`) or random (`hazard:`), not both");
      if (!at && !hz) diags_.error(n.loc, "an event needs `at:` (a date) or `hazard:` (a rate)");
      if (at) {
        e.scheduled = true;
        if (auto d = get_date(n, "at")) {
          e.at_step = step_of(*d);
          if (sc_.format_version >= 2 && start_ok_)
            e.at_offset = ((d->days - sc_.start.days) - e.at_step * step_days_) / step_days_;
          if (start_ok_ && (e.at_step < 0 || (e.at_step >= sc_.horizon && !horizon_from_command_line_)))
            // The last day is the day before date_of_step(horizon), as lever, hazard and
            // observation messages say: a date on date_of_step(horizon) is outside.
            diags_.error(at->loc, "the event's date " + d->str() + " lies outside the scenario (" + sc_.start.str() +
                                      " to " + sc_.date_of_step(sc_.horizon).plus_days(-1).str() + ")");
          past_horizon_ = past_horizon_ || (e.at_step >= sc_.horizon && !horizon_from_command_line_);
        }
        e.max_fires = 1;
      }
      if (hz && expect_map(*hz, "a hazard")) {
        check_keys(*hz, "a hazard", {"annual", "per_step", "drivers", "when", "from", "until"});
        if (hz->find("annual") && hz->find("per_step"))
          diags_.error(hz->loc, "give `annual:` or `per_step:`, not both");
        else if (hz->find("per_step") && sc_.format_version >= 2 && !from_format1(hz->find("per_step")))
          diags_.error(hz->find("per_step")->loc,
                       "in format 2, a hazard's base rate is `annual:` (probability per year)",
                       "format 2 states every rate per year, so that a scenario means the same in daily and weekly "
                       "steps; a probability p per week is 1 - (1 - p)^52.18 per year");
        else if (hz->find("per_step")) {
          e.per_step = param(*hz, "per_step", base + ".hazard.per_step", 0, {0, 1}, e.provenance,
                             "probability per step before drivers");
          if (sc_.format_version >= 2) sc_.per_step_numbers.push_back(hz->find("per_step")->loc);
        } else if (hz->find("annual"))
          e.annual = param(*hz, "annual", base + ".hazard.annual", 0, {0, 1}, e.provenance,
                           "probability per year before drivers");
        else
          diags_.error(hz->loc, "a hazard needs `annual:` (probability per year) or `per_step:`");
        read_drivers(hz->find("drivers"), base + ".hazard.drivers.", e.provenance, "logit coefficient", e.drivers);
        if (const YNode* w = hz->find("when")) {
          if (!w->is_scalar())
            diags_.error(w->loc, "`when` must be an expression");
          else {
            e.gate.text = w->scalar;
            e.gate.loc = w->loc;
            if (w->quoted) e.gate.loc.column += 1;
            e.gate.places = w->places;
          }
        }
        e.from_step = 0;
        e.until_step = sc_.horizon;
        const auto f = get_date(*hz, "from"), u = get_date(*hz, "until");
        if (f) e.from_step = std::max(0, step_of(*f));
        if (u) e.until_step = std::min(sc_.horizon, step_of(*u) + 1);
        // Format 2: a window that begins or ends inside a step exposes that step for its own
        // days only (a weekly step holding one day of the window has 1/7 of the week's hazard),
        // so that the window holds the same hazard in daily and in weekly steps.
        window_shares(f, u, e.from_step, e.until_step, e.from_frac, e.until_frac, e.first_at, e.last_at, e.first_day,
                      e.last_day);
        // A window that holds no step of the run would silently never fire (as for levers).
        if (f && u && *u < *f)
          diags_.error(hz->find("until")->loc, "`until` is before `from`",
                       "`from` is the window's first day, `until` its last; swap them?");
        else if (start_ok_ && u && u->days < sc_.start.days)
          diags_.error(hz->find("until")->loc,
                       "the hazard ends (" + u->str() + ") before the scenario starts (" + sc_.start.str() + ")");
        else if (start_ok_ && f && e.from_step >= sc_.horizon && !horizon_from_command_line_) {
          diags_.error(hz->find("from")->loc,
                       "the hazard starts (" + f->str() + ") after the horizon (" +
                           sc_.date_of_step(sc_.horizon).plus_days(-1).str() + ")",
                       "move `from` into the scenario's dates, or remove the event");
          past_horizon_ = true;
        }
      }
      if (n.find("outcome")) {
        e.outcome = resolve(n, "outcome", outcome_ids_, "outcome", true);
        if (e.outcome >= 0) {
          triggered[e.outcome] = true;
          if (e.outcome == sc_.default_outcome)
            diags_.error(n.find("outcome")->loc, "an event cannot lead to the default outcome",
                         "the default outcome is what holds when nothing else happened");
        }
      }
      if (n.find("success")) {
        if (!n.find("outcome")) diags_.error(n.find("success")->loc, "`success` needs an `outcome` to succeed at");
        e.success = param(n, "success", base + ".success", 1.0, {0, 1}, e.provenance, "probability that it succeeds");
      }
      if (const YNode* ef = n.find("effects")) e.effects = read_effects(*ef, base + ".effects", e.provenance);
      if (const YNode* of = n.find("on_failure")) {
        if (!n.find("outcome")) diags_.error(of->loc, "`on_failure` needs an `outcome` that can fail");
        e.on_failure = read_effects(*of, base + ".on_failure", e.provenance);
      }
      if (get_bool(n, "once", false)) e.max_fires = 1;
      if (n.find("max_fires")) e.max_fires = get_int(n, "max_fires", 0, 0, 1000000);
      // Refused only if nothing reads its count either (check_idle_events).
      if (e.outcome < 0 && e.effects.empty() && !at) idle_events_.push_back(sc_.events.size());
      event_ids_[e.id] = static_cast<int>(sc_.events.size());
      sc_.events.push_back(std::move(e));
    }
  }
  for (size_t i = 0; i < sc_.outcomes.size(); ++i) {
    const Outcome& o = sc_.outcomes[i];
    if (!o.is_default && o.when.empty() && !triggered[i])
      diags_.error(o.loc, "outcome '" + o.id + "' can never happen",
                   "give it `when:` or name it in an event's `outcome:`");
  }
}

void Builder::read_mechanisms() {
  const YNode* m = root_.find("mechanisms");
  // The coefficients of this file's format, and those of a later one (whose terms a file of
  // this format leaves out: naming one is an error that says which format has it).
  std::map<std::string, std::vector<std::string>> groups, later;
  for (int i = 0; i < num_mech_params(); ++i) {
    const MechParamInfo& info = mech_param_info(i);
    (info.since_format <= sc_.format_version ? groups : later)[info.group].push_back(info.name);
  }
  auto later_format = [&](const std::string& group, const std::string& name, const FileLoc& loc) {
    for (int i = 0; i < num_mech_params(); ++i) {
      const MechParamInfo& info = mech_param_info(i);
      if (group == info.group && (name.empty() || name == info.name) && info.since_format > sc_.format_version) {
        diags_.error(loc,
                     "`mechanisms." + group + (name.empty() ? "" : "." + name) + "` is a format " +
                         std::to_string(info.since_format) + " term, which a format " +
                         std::to_string(sc_.format_version) + " file leaves out",
                     "write `geosim: " + std::to_string(info.since_format) +
                         "` on the first line; a format 1 file means exactly what it meant before");
        return;
      }
    }
  };
  std::vector<std::string> group_names;
  for (const auto& kv : groups) group_names.push_back(kv.first);
  std::vector<std::string> allowed = group_names;
  for (const auto& kv : later)
    if (!groups.count(kv.first)) allowed.push_back(kv.first);
  if (m && expect_map(*m, "`mechanisms:`")) {
    check_keys(*m, "mechanisms", allowed);
    for (size_t i = 0; i < m->map.size(); ++i) {
      const auto& [group, node] = m->map[i];
      if (!groups.count(group)) {
        if (later.count(group)) later_format(group, "", m->key_locs[i]);
        continue;
      }
      if (!expect_map(node, "mechanisms." + group)) continue;
      std::vector<std::string> names = groups[group];
      if (later.count(group)) names.insert(names.end(), later[group].begin(), later[group].end());
      check_keys(node, "mechanisms." + group, names);
      for (size_t j = 0; j < node.map.size(); ++j)
        if (std::find(groups[group].begin(), groups[group].end(), node.map[j].first) == groups[group].end())
          later_format(group, node.map[j].first, node.key_locs[j]);
    }
  }
  sc_.mech.assign(static_cast<size_t>(num_mech_params()), kNoParam);
  for (int i = 0; i < num_mech_params(); ++i) {
    const auto& info = mech_param_info(i);
    if (info.since_format > sc_.format_version) {
      sc_.mech[static_cast<size_t>(i)] = kNoParam;  // the term is not in this format's model
      continue;
    }
    const YNode* g = m && m->is_map() ? m->find(info.group) : nullptr;
    const YNode* v = g && g->is_map() ? g->find(info.name) : nullptr;
    Provenance prov;
    sc_.mech[static_cast<size_t>(i)] = param_node(v, std::string("mechanisms.") + info.group + "." + info.name,
                                                  info.default_value, info.range, prov, info.doc, root_.loc);
    if (!v) {
      Param& p = sc_.params.back();
      if (info.uniform_lo < info.uniform_hi) p.dist = Distribution::uniform(info.uniform_lo, info.uniform_hi);
      p.provenance.assumption =
          *info.cite ? std::string("geosim default (docs/model.md): ") + info.cite : "geosim default (docs/model.md)";
    }
  }
}

void Builder::build_vars() {
  sc_.vars = fixed_vars();
  sc_.stance_var0 = static_cast<int>(sc_.vars.size());
  const Issue& first = sc_.issues.empty() ? Issue{} : sc_.issues[0];
  for (const auto& a : sc_.actors)
    sc_.vars.push_back({"stance." + a.id, "stance of " + a.name + " on " + first.id, first.lo, first.hi});
  for (size_t i = 1; i < sc_.issues.size(); ++i)
    for (const auto& a : sc_.actors)
      sc_.vars.push_back({"stance." + sc_.issues[i].id + "." + a.id, "stance of " + a.name + " on " + sc_.issues[i].id,
                          sc_.issues[i].lo, sc_.issues[i].hi});
  sc_.fired_var0 = static_cast<int>(sc_.vars.size());
}

void Builder::read_report() {
  const YNode* r = root_.find("report");
  std::vector<std::string> fans = {"defected_share", "resources", "patronage", "fall_risk"};
  if (sc_.incumbent.valid()) fans.push_back("stance." + sc_.actors[sc_.incumbent.index()].id);
  if (r && expect_map(*r, "`report:`")) {
    check_keys(*r, "report", {"fans"});
    if (const YNode* f = r->find("fans")) {
      if (!f->is_seq())
        diags_.error(f->loc, "`fans` must be a list of state variables");
      else {
        fans.clear();
        for (const auto& v : f->seq) {
          if (!v.is_scalar()) continue;
          if (v.scalar == "t") {
            diags_.error(v.loc, "`t` (the steps elapsed) is the charts' own axis, not a quantity to chart",
                         "chart another state variable");
          } else if (sc_.find_var(v.scalar) < 0) {
            std::vector<std::string> names;
            for (const auto& vi : sc_.vars) names.push_back(vi.name);
            std::string guess = closest_match(v.scalar, names);
            diags_.error(v.loc, "unknown state variable '" + v.scalar + "'",
                         guess.empty() ? "" : "did you mean '" + guess + "'?");
          } else {
            fans.push_back(v.scalar);
          }
        }
      }
    }
  }
  for (const auto& name : fans) {
    int v = sc_.find_var(name);
    if (v >= 0 && v != kVarStep) sc_.fans.push_back(v);
  }
}

void Builder::check_expressions() {
  const VarNames names(sc_.var_names());
  for (const auto& o : sc_.outcomes)
    if (!o.when.empty()) check_expression(o.when.text, o.when.loc, names, diags_, o.when.places.get());
  for (const auto& e : sc_.events)
    if (!e.gate.empty()) check_expression(e.gate.text, e.gate.loc, names, diags_, e.gate.places.get());
  for (const auto& lv : sc_.levers) {
    if (!lv.when.empty()) check_expression(lv.when.text, lv.when.loc, names, diags_, lv.when.places.get());
    if (!lv.until_when.empty())
      check_expression(lv.until_when.text, lv.until_when.loc, names, diags_, lv.until_when.places.get());
  }
  for (const auto& d : sc_.decisions)
    if (!d.when.empty()) check_expression(d.when.text, d.when.loc, names, diags_, d.when.places.get());
  for (const auto& ld : sc_.ladders)
    for (const auto& r : ld.rungs) {
      if (!r.up.empty()) check_expression(r.up.text, r.up.loc, names, diags_, r.up.places.get());
      if (!r.down.empty()) check_expression(r.down.text, r.down.loc, names, diags_, r.down.places.get());
    }
}

// An event with no outcome, no effects and no date does something only through its count,
// fired.<id>: a hazard's or a decision's driver, a fan chart, or a name in an expression or an
// observation. One that nothing reads does nothing, which is refused (most likely an outcome
// or effects left out).
void Builder::check_idle_events() {
  std::vector<const std::string*> texts;
  for (const auto& o : sc_.outcomes) texts.push_back(&o.when.text);
  for (const auto& e : sc_.events) texts.push_back(&e.gate.text);
  for (const auto& lv : sc_.levers) {
    texts.push_back(&lv.when.text);
    texts.push_back(&lv.until_when.text);
  }
  for (const auto& d : sc_.decisions) texts.push_back(&d.when.text);
  for (const auto& ld : sc_.ladders)
    for (const auto& r : ld.rungs) {
      texts.push_back(&r.up.text);
      texts.push_back(&r.down.text);
    }
  for (const auto& ob : sc_.observations) texts.push_back(&ob.expr);
  auto named = [&texts](const std::string& name) {
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
    for (const std::string* t : texts)
      for (size_t at = t->find(name); at != std::string::npos; at = t->find(name, at + 1))
        if ((at == 0 || !word((*t)[at - 1])) && (at + name.size() == t->size() || !word((*t)[at + name.size()])))
          return true;
    return false;
  };
  for (size_t e : idle_events_) {
    const Event& ev = sc_.events[e];
    const int var = sc_.fired_var0 + static_cast<int>(e);
    bool read = std::find(sc_.fans.begin(), sc_.fans.end(), var) != sc_.fans.end() || named("fired." + ev.id);
    for (const auto& other : sc_.events)
      for (const auto& d : other.drivers) read = read || d.first == var;
    for (const auto& dc : sc_.decisions)
      for (const auto& o : dc.options)
        for (const auto& d : o.drivers) read = read || d.first == var;
    if (!read)
      diags_.error(ev.loc, "event '" + ev.id + "' does nothing",
                   "give it an `outcome:` or `effects:`, or read its count (fired." + ev.id +
                       ") in a hazard, a condition or an observation");
  }
}

// The counts that the limits bound, checked before anything is built: a file of a million
// actors is refused at once rather than after building them.
void Builder::check_sizes() {
  struct Limit {
    const char* key;
    int max;
    const char* what;
  };
  for (const Limit& lim :
       {Limit{"actors", limits_.max_actors, "actors"}, Limit{"cohorts", limits_.max_cohorts, "cohorts"},
        Limit{"levers", limits_.max_levers, "levers"}, Limit{"events", limits_.max_events, "events"},
        Limit{"outcomes", limits_.max_outcomes, "outcomes"}}) {
    const YNode* l = root_.find(lim.key);
    if (l && l->is_seq() && l->seq.size() > static_cast<size_t>(lim.max))
      diags_.error(l->loc,
                   std::to_string(l->seq.size()) + " " + lim.what + ", over the limit of " + std::to_string(lim.max));
  }
  diags_.throw_if_any();
}

// Cohort weights are normalised; when every one is 0, defection can never count.
void Builder::check_cohort_weights() {
  if (sc_.cohorts.empty()) return;
  for (const auto& c : sc_.cohorts)
    if (c.weight == kNoParam || sc_.params[static_cast<size_t>(c.weight)].dist.max() > 0) return;
  const YNode* l = root_.find("cohorts");
  diags_.error(l ? l->loc : root_.loc, "every cohort has weight 0, so defections can never count",
               "give at least one cohort a positive `weight:` (weights are shares of the force)");
}

Scenario Builder::build() {
  // A sweep spec given where a scenario is expected: one message, not one per key.
  if (root_.is_map() && root_.find("sweep") && !root_.find("geosim")) {
    diags_.error(root_.key_loc("sweep"), "this is a sweep spec (`sweep:`), not a scenario",
                 "run it with `geosim sweep " + sc_.file + " --output DIR`; its `scenario:` names the scenario");
    diags_.throw_if_any();
  }
  check_sizes();
  read_header();
  read_factors();
  read_issues();
  read_actors();
  build_vars();
  read_relations();
  read_cohorts();
  check_cohort_weights();
  read_levers();
  read_outcomes();
  // fired.<event> variables must exist before hazards name them: pre-register event ids.
  if (const YNode* l = root_.find("events"); l && l->is_seq())
    for (const auto& n : l->seq)
      if (const YNode* id = n.is_map() ? n.find("id") : nullptr; id && id->is_scalar())
        // An event fires at most once a step, so the horizon bounds the count (and a chart's bins);
        // in format 2 one whose hazard reads its own count may fire again within a step, and a
        // chart puts counts beyond the horizon's in its last bin.
        sc_.vars.push_back({"fired." + id->scalar, "times event " + id->scalar + " has fired", 0,
                            static_cast<double>(std::max(1, sc_.horizon))});
  // Format 2: lever.<id> is 1 while the lever acts (levers and hazards may read it).
  if (sc_.format_version >= 2) {
    // `days`: the calendar's clock, which a condition reads the same in daily and weekly steps
    // (`t` counts steps).
    sc_.days_var = static_cast<int>(sc_.vars.size());
    sc_.vars.push_back({"days", "days elapsed since the start (0 in the first step; t x the step's days)", 0,
                        std::max(1, sc_.horizon) * step_days_});
    sc_.lever_var0 = static_cast<int>(sc_.vars.size());
    for (const auto& lv : sc_.levers) sc_.vars.push_back({"lever." + lv.id, "1 while lever " + lv.id + " acts", 0, 1});
    read_ladders();
    sc_.ladder_var0 = static_cast<int>(sc_.vars.size());
    for (const auto& ld : sc_.ladders)
      sc_.vars.push_back({"ladder." + ld.id, "the rung ladder " + ld.id + " stands on (0: none)", 0,
                          static_cast<double>(ld.rungs.size())});
    if (root_.find("leader")) {
      sc_.succession_var0 = static_cast<int>(sc_.vars.size());
      sc_.vars.push_back({"successions", "times the ruler left while the regime went on (a successor took over)", 0,
                          static_cast<double>(std::max(1, sc_.horizon))});
      sc_.vars.push_back({"ruler_tenure", "years the present ruler has ruled in this run", 0,
                          std::max(1, sc_.horizon) * sc_.dt_years});
      sc_.vars.push_back({"new_ruler", "1 while a successor is in his first new_ruler_years, else 0", 0, 1});
    }
    sc_.decision_var0 = static_cast<int>(sc_.vars.size());
    if (const YNode* l = root_.find("decisions"); l && l->is_seq())
      for (const auto& n : l->seq) {
        const YNode* id = n.is_map() ? n.find("id") : nullptr;
        if (!id || !id->is_scalar()) continue;
        // The range (for charts) is the number of options.
        const YNode* os = n.find("options");
        const double options = os && os->is_seq() ? static_cast<double>(std::max<size_t>(1, os->seq.size())) : 1.0;
        sc_.vars.push_back(
            {"decision." + id->scalar, "the option decision " + id->scalar + " chose last (0: none yet)", 0, options});
      }
    read_decisions();
  } else {
    read_ladders();  // only to refuse the keys
    read_decisions();
  }
  read_events();
  resolve_after();
  read_leader();
  read_mechanisms();
  read_report();
  check_expressions();
  read_observations(root_, sc_, step_days_, diags_, [this](const YNode& n, std::string& summary) {
    Provenance p = get_provenance(n);
    if (!p.evidence.empty())
      summary = p.evidence[0].quote.empty() ? p.evidence[0].cite : p.evidence[0].quote;
    else
      summary = p.assumption;
    return !p.empty();
  });
  check_idle_events();
  if (past_horizon_ && f1_horizon_) {
    // Said where the step is chosen (`--set step=day`, or the format 2 file), which is what
    // turned the older file's weeks into days; quoting nothing of the older file but a number.
    const YNode* step = root_.find("step");
    const int n = sc_.horizon;
    diags_.error(
        step && step->format != 1 ? step->loc : f1_horizon_->loc,
        "the horizon is " + std::to_string(n) + " steps, as the format 1 file " + display_path(f1_horizon_->loc.file) +
            " counts it: " + std::to_string(n) + (sc_.unit == StepUnit::Week ? " weeks" : " days") + " in these steps",
        "give it as a duration in the format 2 file or on the command line (--set 'horizon=" + std::to_string(n) +
            " weeks', or days)");
  }
  if (unknown_keys_ > kMaxUnknownKeys)
    diags_.error(FileLoc{sc_.file, 0, 0},
                 "and " + std::to_string(unknown_keys_ - kMaxUnknownKeys) + " more unknown keys, not shown",
                 "fix the ones above first");
  diags_.throw_if_any();
  return std::move(sc_);
}

}  // namespace

// `--set PATH=~` clears a key: the scenario is built as if the key were not written (its
// default applies), while the hash covers the tree as given.
bool is_cleared(const YNode& n) { return n.is_null() && n.loc.on_command_line(); }

static bool has_cleared_key(const YNode& n) {
  for (const auto& [k, v] : n.map)
    if (is_cleared(v) || has_cleared_key(v)) return true;
  for (const auto& v : n.seq)
    if (has_cleared_key(v)) return true;
  return false;
}

void drop_cleared_keys(YNode& n) {
  for (size_t i = n.map.size(); i-- > 0;) {
    YNode& v = n.map[i].second;
    if (is_cleared(v)) {
      n.map.erase(n.map.begin() + static_cast<long>(i));
      n.key_locs.erase(n.key_locs.begin() + static_cast<long>(i));
    } else {
      drop_cleared_keys(v);
    }
  }
  for (auto& v : n.seq) drop_cleared_keys(v);
}

Scenario build_scenario(const YNode& root, const std::string& file, const LoadLimits& limits) {
  std::optional<YNode> pruned;
  if (has_cleared_key(root)) {
    pruned = root;
    drop_cleared_keys(*pruned);
  }
  Builder b(pruned ? *pruned : root, file, limits);
  Scenario sc = b.build();
  sc.content_hash = hash_hex(canonical_yaml(root));
  return sc;
}

ParamId Scenario::find_param(const std::string& path) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].path == path) return static_cast<ParamId>(i);
  return kNoParam;
}

std::vector<std::string> Scenario::var_names() const {
  std::vector<std::string> names;
  names.reserve(vars.size());
  for (const auto& v : vars) names.push_back(v.name);
  return names;
}

int Scenario::find_var(const std::string& name) const {
  for (size_t i = 0; i < vars.size(); ++i)
    if (vars[i].name == name) return static_cast<int>(i);
  return -1;
}

ActorId Scenario::find_actor(const std::string& aid) const {
  for (size_t i = 0; i < actors.size(); ++i)
    if (actors[i].id == aid) return ActorId(i);
  return ActorId();
}

const char* regime_fate_id(int fate) { return kRegimeFates[fate]; }

int Scenario::find_outcome(const std::string& oid) const {
  for (size_t i = 0; i < outcomes.size(); ++i)
    if (outcomes[i].id == oid) return static_cast<int>(i);
  return -1;
}

Date Scenario::date_of_step(int step) const { return start.plus_days(step * (unit == StepUnit::Week ? 7 : 1)); }

std::vector<ParamId> Scenario::independent_params() const {
  // Format 1 keeps every uncertain parameter, inert or not, so that its outputs keep their bytes.
  const std::vector<bool> inert = format_version >= 2 ? inert_params() : std::vector<bool>(params.size(), false);
  std::vector<ParamId> out;
  for (size_t i = 0; i < params.size(); ++i)
    if (!params[i].dist.is_constant() && params[i].factor < 0 && !inert[i]) out.push_back(static_cast<ParamId>(i));
  return out;
}

std::vector<ParamId> Scenario::uncertain_params() const {
  std::vector<ParamId> out;
  for (size_t i = 0; i < params.size(); ++i)
    if (!params[i].dist.is_constant()) out.push_back(static_cast<ParamId>(i));
  return out;
}

}  // namespace geosim
