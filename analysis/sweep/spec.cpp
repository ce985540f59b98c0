#include "analysis/sweep/spec.h"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "analysis/sweep/design.h"
#include "engine/core/version.h"
#include "engine/runner/summary.h"
#include "engine/scenario/loader.h"

namespace geosim {

namespace {

const std::vector<std::string> kTopKeys = {"sweep", "id", "description", "scenario", "set", "parameters", "design",
                                           "points", "runs", "seed", "common_random_numbers", "record", "posterior"};

class SpecReader {
 public:
  SpecReader(Diagnostics& d, const SweepLimits& l) : diags_(d), limits_(l) {}

  void keys(const YNode& n, const std::string& what, const std::vector<std::string>& allowed) {
    for (size_t i = 0; i < n.map.size(); ++i) {
      const std::string& key = n.map[i].first;
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string guess = closest_match(key, allowed);
      diags_.error(n.key_locs[i], "unknown key '" + key + "' in " + what,
                   guess.empty() ? "allowed keys: " + join(allowed) : "did you mean '" + guess + "'?");
    }
  }

  // `item`: n is an item of the list `what`.
  bool string(const YNode& n, const std::string& what, std::string& out, bool item = false) {
    if (n.is_scalar() && !n.scalar.empty()) {
      out = n.scalar;
      return true;
    }
    diags_.error(n.loc,
                 (item ? "each item of `" + what + "`" : "`" + what + "`") + " must be a text, got " + n.type_name());
    return false;
  }

  // A whole number in [lo, hi].
  bool count(const YNode& n, const std::string& what, uint64_t lo, uint64_t hi, uint64_t& out) {
    double v = 0;
    if (!parse_number(n, diags_, v)) return false;
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      diags_.error(n.loc, "`" + what + "` must be a whole number from " + std::to_string(lo) + " to " +
                              std::to_string(hi) + ", got " + n.scalar);
      return false;
    }
    out = static_cast<uint64_t>(v);
    return true;
  }

  // A list of names, each once: `what` is record.outcomes or record.states, `one` says
  // what a name is (outcome, state variable).
  void names(const YNode& n, const std::string& what, const std::string& one,
             std::vector<std::pair<std::string, FileLoc>>& out) {
    if (!n.is_seq()) {
      diags_.error(n.loc, "`" + what + "` must be a list of names, got " + n.type_name(), "e.g. [a, b]");
      return;
    }
    for (const auto& item : n.seq) {
      std::string s;
      if (!string(item, what, s, true)) continue;
      if (std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.first == s; })) {
        diags_.error(item.loc, one + " '" + s + "' is listed twice in `" + what + "`", "list each " + one + " once");
        continue;
      }
      out.emplace_back(s, item.loc);
    }
  }

  void parameter(const YNode& n, const DesignKind* design, SweepParam& p) {
    if (!n.is_map()) {
      diags_.error(n.loc, "each parameter must be a map such as {path: levers.x.intensity, values: [0, 1]}, got " +
                              n.type_name());
      return;
    }
    keys(n, "a sweep parameter", {"path", "values", "min", "max", "steps"});
    p.loc = n.loc;
    if (const YNode* path = n.find("path")) {
      string(*path, "path", p.path);
      p.loc = path->loc;
    } else {
      diags_.error(n.loc, "a sweep parameter needs `path:`", "the parameter's path as for --set, e.g. levers.x.intensity");
    }
    const YNode *values = n.find("values"), *mn = n.find("min"), *mx = n.find("max"), *steps = n.find("steps");
    bool ok_min = mn && parse_number(*mn, diags_, p.min), ok_max = mx && parse_number(*mx, diags_, p.max);
    if (ok_min && ok_max && !(p.min <= p.max))
      diags_.error(mn->loc, "`min` must not exceed `max`", "swap them");
    if (!design) return;
    if (design->uses_values) {
      if (values && (mn || mx || steps)) {
        diags_.error(values->loc, "give `values:` or `min:`, `max:` and `steps:`, not both");
      } else if (values) {
        if (!values->is_seq() || values->seq.empty()) {
          diags_.error(values->loc,
                       "`values` must be a non-empty list of numbers, got " +
                           (values->is_seq() ? std::string("an empty list") : values->type_name()),
                       "e.g. values: [0, 0.5, 1]");
        } else {
          for (const auto& v : values->seq) {
            double x = 0;
            if (parse_number(v, diags_, x)) p.values.push_back(x);
          }
        }
      } else if (mn && mx && steps) {
        uint64_t k = 0;
        if (count(*steps, "steps", 1, 1000000, k) && ok_min && ok_max) {
          if (k == 1 && p.min != p.max)
            diags_.error(steps->loc, "one step cannot cover min < max", "use steps: 2 or more, or `values:`");
          p.steps = k;  // the values once the grid's size is known to be within the limits
        }
      } else {
        diags_.error(n.loc, "a grid parameter needs `values: [...]`, or `min:`, `max:` and `steps:`",
                     "e.g. {path: " + (p.path.empty() ? std::string("levers.x.intensity") : p.path) +
                         ", min: 0, max: 1, steps: 5}");
      }
    } else {
      if (values || steps)
        diags_.error((values ? values : steps)->loc,
                     "design '" + std::string(design->name) + "' samples between `min` and `max`; `" +
                         (values ? "values" : "steps") + "` belongs to the grid design",
                     "give min: and max:, and the number of points as `points:` at the top");
      if (!mn || !mx)
        diags_.error(n.loc, "design '" + std::string(design->name) + "' needs `min:` and `max:` for every parameter");
    }
  }

  Diagnostics& diags_;
  const SweepLimits& limits_;
};

}  // namespace

SweepSpec load_sweep_spec(const std::string& path, const SweepLimits& limits) {
  Diagnostics diags;
  SweepSpec s = read_sweep_spec(path, limits, diags);
  diags.throw_if_any();
  return s;
}

SweepSpec read_sweep_spec(const std::string& path, const SweepLimits& limits, Diagnostics& diags) {
  YNode root = parse_yaml_file(path);
  SpecReader r(diags, limits);
  SweepSpec s;
  s.file = path;
  if (!root.is_map()) {
    diags.error(root.loc, "a sweep spec must be a map of `key: value` lines, got " + root.type_name(),
                "see docs/sweep-format.md");
    diags.throw_if_any();
  }
  // A scenario given where a spec is expected: one message, not one per key.
  if (root.find("geosim") && !root.find("sweep")) {
    diags.error(
        root.key_loc("geosim"), "this is a scenario (`geosim:`), not a sweep spec",
        "run it with `geosim run " + path + "`; a sweep spec names it with `scenario: FILE` (docs/sweep-format.md)");
    diags.throw_if_any();
  }
  s.canonical = canonical_yaml(root);
  r.keys(root, "the sweep spec", kTopKeys);
  if (const YNode* v = root.find("sweep")) {
    if (!v->is_scalar() || v->scalar != "1")
      diags.error(v->loc, "unsupported sweep format version '" + v->scalar + "'", "this geosim reads `sweep: 1`");
  } else {
    diags.error(root.loc, "missing `sweep: 1` (the format version) at the top", "add the line `sweep: 1`");
  }
  if (const YNode* v = root.find("id")) r.string(*v, "id", s.id);
  if (const YNode* v = root.find("description")) r.string(*v, "description", s.description);
  // A file the spec names, relative to the spec's folder.
  auto file_key = [&](const YNode& v, const char* key, std::string& out, FileLoc& loc) {
    if (!r.string(v, key, out)) return;
    std::filesystem::path p(out);
    if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
    out = p.lexically_normal().string();
    loc = v.loc;
  };
  if (const YNode* v = root.find("scenario")) {
    file_key(*v, "scenario", s.scenario, s.scenario_loc);
  } else {
    diags.error(root.loc, "missing `scenario:`", "the base scenario file, relative to this spec");
  }
  if (const YNode* v = root.find("posterior")) file_key(*v, "posterior", s.posterior, s.posterior_loc);
  if (const YNode* v = root.find("set")) {
    if (!v->is_seq()) diags.error(v->loc, "`set` must be a list of PATH=VALUE texts, got " + v->type_name());
    else
      for (const auto& item : v->seq) {
        std::string a;
        if (r.string(item, "set", a, true)) {
          if (a.find('=') == std::string::npos)
            diags.error(item.loc, "'" + a + "' is not PATH=VALUE", "e.g. levers.sanctions.credibility=0.5");
          else {
            s.sets.push_back(a);
            s.set_locs.push_back(item.loc);
            s.set_quoted.push_back(item.quoted);
          }
        }
      }
  }
  const DesignKind* design = nullptr;
  if (const YNode* v = root.find("design")) {
    s.design_loc = v->loc;
    if (r.string(*v, "design", s.design)) {
      design = find_design(s.design);
      if (!design) {
        std::string guess = closest_match(s.design, design_names());
        diags.error(v->loc, "unknown design '" + s.design + "'",
                    guess.empty() ? "designs: " + join(design_names()) : "did you mean '" + guess + "'?");
      }
    }
  } else {
    s.design_loc = root.loc;
    design = find_design("grid");
  }
  const YNode* params = root.find("parameters");
  if (!params || !params->is_seq() || params->seq.empty()) {
    diags.error(params ? params->loc : root.loc, "`parameters` must be a non-empty list of parameters to vary",
                "e.g. parameters: [{path: levers.sanctions.intensity, values: [0, 0.5, 1]}]");
  } else if (static_cast<int>(params->seq.size()) > limits.max_params) {
    diags.error(params->loc, "too many parameters (" + std::to_string(params->seq.size()) + ")",
                "at most " + std::to_string(limits.max_params));
  } else {
    for (const auto& item : params->seq) {
      SweepParam p;
      r.parameter(item, design, p);
      for (const auto& q : s.params)
        if (!p.path.empty() && q.path == p.path)
          diags.error(p.loc, "parameter '" + p.path + "' is listed twice", "list each path once");
      s.params.push_back(std::move(p));
    }
  }
  uint64_t u = 0;
  const YNode* points = root.find("points");
  if (points && r.count(*points, "points", 1, static_cast<uint64_t>(limits.max_points), u))
    s.points = static_cast<int64_t>(u);
  if (design && design->uses_values && diags.empty()) {
    // The grid's size is the product of the value counts (which may not fit in 64 bits);
    // `points:` may confirm it.
    uint64_t prod = 1;
    bool overflow = false;
    for (const auto& p : s.params)
      overflow = overflow || __builtin_mul_overflow(prod, p.steps ? p.steps : p.values.size(), &prod);
    if (overflow || prod > static_cast<uint64_t>(limits.max_points)) {
      diags.error(
          params->loc,
          "the grid has " + (overflow ? "more than " + std::to_string(UINT64_MAX) : std::to_string(prod)) + " points",
          "at most " + std::to_string(limits.max_points) + "; use fewer values or a sampling design");
    } else if (points && s.points != static_cast<int64_t>(prod)) {
      diags.error(points->loc,
                  "`points: " + std::to_string(s.points) + "` but the grid has " + std::to_string(prod) + " points",
                  "remove `points:` or make it match the grid");
    } else {
      s.points = static_cast<int64_t>(prod);
      for (auto& p : s.params)
        for (uint64_t i = 0; i < p.steps; ++i) p.values.push_back(grid_value(p.min, p.max, p.steps, i));
    }
  } else if (design && !design->uses_values) {
    if (!points) diags.error(root.loc, "design '" + s.design + "' needs `points:` (how many points to sample)");
    if (std::string(design->name) == "sobol" &&
        s.params.size() > static_cast<size_t>(boost::random::default_sobol_table::max_dimension))
      diags.error(params->loc, "the sobol design supports at most " +
                                   std::to_string(boost::random::default_sobol_table::max_dimension) + " parameters");
  }
  if (const YNode* v = root.find("runs")) r.count(*v, "runs", 1, limits.max_runs, s.runs);
  if (const YNode* v = root.find("seed")) r.count(*v, "seed", 0, UINT64_MAX >> 11, s.seed);
  if (const YNode* v = root.find("common_random_numbers")) {
    if (v->is_scalar() && (v->scalar == "true" || v->scalar == "false")) s.common_random_numbers = v->scalar == "true";
    else diags.error(v->loc, "`common_random_numbers` must be true or false, got '" + v->scalar + "'");
  }
  if (const YNode* rec = root.find("record")) {
    if (!rec->is_map()) {
      diags.error(rec->loc, "`record` must be a map with `outcomes:`, `states:` and/or `regime:`, got " +
                                rec->type_name());
    } else {
      r.keys(*rec, "record", {"outcomes", "states", "regime"});
      if (const YNode* v = rec->find("regime")) {
        if (v->is_scalar() && (v->scalar == "true" || v->scalar == "false")) s.regime = v->scalar == "true";
        else diags.error(v->loc, "`record.regime` must be true or false, got '" + v->scalar + "'");
        s.regime_loc = v->loc;
      }
      if (const YNode* v = rec->find("outcomes")) r.names(*v, "record.outcomes", "outcome", s.outcomes);
      if (const YNode* v = rec->find("states")) r.names(*v, "record.states", "state variable", s.states);
    }
  }
  return s;
}

uint64_t SweepPlan::point_seed(int64_t point) const {
  if (spec.common_random_numbers) return spec.seed;
  // splitmix64 of (seed, point): distinct, well-mixed seeds per point.
  uint64_t z = spec.seed ^ (0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(point) + 1));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (z ^ (z >> 31)) >> 11;
}

ParamValues SweepPlan::fixed(int64_t point) const {
  ParamValues f(scenario.params.size(), std::nan(""));
  for (size_t k = 0; k < ids.size(); ++k) f[static_cast<size_t>(ids[k])] = value(point, k);
  return f;
}

namespace {
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  return a == b || std::filesystem::weakly_canonical(a, ea) == std::filesystem::weakly_canonical(b, eb);
}
}  // namespace

SweepPlan load_sweep_plan(const std::string& path, const SweepLimits& limits) {
  Diagnostics diags;
  SweepSpec spec = read_sweep_spec(path, limits, diags);
  if (spec.scenario.empty()) diags.throw_if_any();  // nothing to check the names against
  return plan_sweep(spec, &diags);
}

SweepPlan plan_sweep(const SweepSpec& spec, const Diagnostics* earlier) {
  SweepPlan plan;
  plan.spec = spec;
  LoadOptions lo;
  lo.sets = spec.sets;
  try {
    plan.scenario = load_scenario(spec.scenario, lo);
  } catch (const InputError& e) {
    // The spec's own errors first, then the scenario's: all at once. A scenario file that
    // cannot be read at all (missing, a device, too large) is the spec's mistake: say where
    // the spec names it. Errors inside the scenario keep their own places.
    std::vector<Diagnostic> ds = earlier ? earlier->items() : std::vector<Diagnostic>{};
    for (const Diagnostic& d : e.diagnostics()) ds.push_back(d);
    for (size_t i = earlier ? earlier->size() : 0; i < ds.size(); ++i) {
      Diagnostic& d = ds[i];
      // An override's mistake is the spec's: say where the spec writes it (the column of
      // the mistake within the text when it is written on one line).
      for (size_t k = 0; k < spec.sets.size() && k < spec.set_locs.size(); ++k) {
        if (d.loc.file != "--set " + spec.sets[k]) continue;
        const int within = d.loc.line == 1 && d.loc.column > 0 ? d.loc.column - 1 : 0;
        d.message = "set: '" + spec.sets[k] + "': " + d.message;
        d.loc = spec.set_locs[k];
        if (d.loc.column > 0) d.loc.column += within + (spec.set_quoted[k] ? 1 : 0);
        break;
      }
      if (d.loc.line == 0 && d.message.find("more unknown keys") == std::string::npos &&
          same_file(d.loc.file, spec.scenario)) {
        d.message = "scenario '" + spec.scenario + "': " + d.message;
        d.loc = spec.scenario_loc;
      }
    }
    throw InputError(std::move(ds));
  }
  const Scenario& sc = plan.scenario;
  Diagnostics diags;
  if (earlier) diags.append(*earlier);
  std::vector<std::string> paths;
  for (const auto& p : sc.params) paths.push_back(p.path);
  for (const auto& p : spec.params) {
    ParamId id = sc.find_param(p.path);
    if (id == kNoParam) {
      std::string guess = closest_match(p.path, paths);
      diags.error(p.loc, "'" + p.path + "' is not a numeric parameter of " + spec.scenario,
                  guess.empty() ? std::string("docs/scenario-format.md lists the parameter paths")
                                : "did you mean '" + guess + "'?");
    }
    plan.ids.push_back(id);
  }
  std::vector<std::string> outcome_ids;
  for (const auto& o : sc.outcomes) outcome_ids.push_back(o.id);
  std::vector<char> want(sc.outcomes.size(), spec.outcomes.empty() ? 1 : 0);
  for (const auto& [name, loc] : spec.outcomes) {
    int k = sc.find_outcome(name);
    if (k < 0) {
      std::string guess = closest_match(name, outcome_ids);
      diags.error(loc, "'" + name + "' is not an outcome of " + spec.scenario,
                  guess.empty() ? "outcomes: " + join(outcome_ids) : "did you mean '" + guess + "'?");
    } else {
      want[static_cast<size_t>(k)] = 1;
    }
  }
  for (size_t k = 0; k < want.size(); ++k)
    if (want[k]) {
      plan.outcomes.push_back(static_cast<int>(k));
      plan.tallies.push_back(sc.outcomes[k].id);
    }
  if (spec.regime && !sc.leadership.named())
    diags.error(spec.regime_loc, "`record.regime` records the regime's fate and who rules, but " + spec.scenario +
                                     " names no leader",
                "give the scenario a `leader:` (format 2, docs/scenario-format.md), or leave record.regime out");
  else if (spec.regime) {
    for (int f = 0; f < kNumRegimeFates; ++f) plan.tallies.push_back(std::string("regime.") + regime_fate_id(f));
    plan.rulers = sc.leadership.rulers();
    for (size_t k = 0; k < plan.rulers; ++k) plan.tallies.push_back("ruler." + ruler_label(sc, k).id);
  }
  std::vector<std::string> fan_names;
  for (int v : sc.fans) fan_names.push_back(sc.vars[static_cast<size_t>(v)].name);
  for (const auto& [name, loc] : spec.states) {
    auto it = std::find(fan_names.begin(), fan_names.end(), name);
    if (it == fan_names.end()) {
      std::string guess = closest_match(name, fan_names);
      diags.error(loc, "'" + name + "' is not a recorded state variable of " + spec.scenario,
                  guess.empty() ? "recorded (the scenario's report.fans): " + join(fan_names)
                                : "did you mean '" + guess + "'?");
    } else {
      plan.states.push_back(static_cast<int>(it - fan_names.begin()));
    }
  }
  diags.throw_if_any();
  plan.points = spec.points;
  plan.values = find_design(spec.design)->generate(spec);
  YNode tree = load_scenario_tree(spec.scenario);
  std::string sets;
  for (const auto& s : spec.sets) sets += s + "\n";
  plan.hash = hash_hex(std::string("geosim ") + kGeosimVersion + "\n" + spec.canonical + "\n" + canonical_yaml(tree) +
                       "\n" + sets);
  return plan;
}

}  // namespace geosim
