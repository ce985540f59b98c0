// Reading `observations:` (engine/scenario/observations.h).
#include "engine/scenario/observations.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "engine/model/expr.h"
#include "engine/scenario/distribution.h"
#include "engine/scenario/scenario.h"

namespace geosim {

namespace {

bool valid_obs_id(const std::string& s) {
  if (s.empty() || s.size() > 64 || !std::islower(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

}  // namespace

void read_observations(const YNode& root, Scenario& sc, double step_days, Diagnostics& diags,
                       const std::function<bool(const YNode&, std::string&)>& provenance) {
  const YNode* l = root.find("observations");
  if (!l || l->is_null()) return;
  if (!l->is_seq()) {
    diags.error(l->loc, "`observations:` must be a list (items start with `- `), got " + l->type_name());
    return;
  }
  const VarNames names(sc.var_names());
  std::vector<std::string> outcome_ids;
  for (const auto& o : sc.outcomes) outcome_ids.push_back(o.id);
  static const std::vector<std::string> allowed = {"id", "date", "holds", "outcome", "measure", "value",
                                                   "tolerance", "evidence", "assumption"};
  std::set<std::string> seen;
  for (const auto& n : l->seq) {
    if (!n.is_map()) {
      diags.error(n.loc, "an observation must be a map of `key: value` lines, got " + n.type_name());
      continue;
    }
    for (size_t i = 0; i < n.map.size(); ++i) {
      const std::string& key = n.map[i].first;
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string guess = closest_match(key, allowed);
      diags.error(n.key_locs[i], "unknown key '" + key + "' in an observation",
                  guess.empty() ? "allowed keys: " + join(allowed) : "did you mean '" + guess + "'?");
    }
    Observation ob;
    ob.loc = n.loc;
    const YNode* id = n.find("id");
    if (!id || !id->is_scalar() || id->scalar.empty()) {
      diags.error(n.loc, "an observation needs `id:`", "a short name such as still_in_power_may");
    } else {
      ob.id = id->scalar;
      if (!valid_obs_id(ob.id))
        diags.error(id->loc, "id '" + ob.id + "' is not a valid name",
                    "ids start with a lowercase letter and use a-z, 0-9 and _ (for example still_in_power_may)");
      else if (!seen.insert(ob.id).second)
        diags.error(id->loc, "duplicate observation id '" + ob.id + "'", "each observation needs its own id");
    }
    const YNode* d = n.find("date");
    if (!d) {
      diags.error(n.loc, "observation '" + ob.id + "' needs `date:`", "the day the fact was reported, YYYY-MM-DD");
    } else {
      auto date = d->is_scalar() ? parse_date(d->scalar) : std::nullopt;
      if (!date) {
        diags.error(d->loc, "`date` must be a calendar date YYYY-MM-DD, got '" +
                                (d->is_scalar() ? d->scalar : d->type_name()) + "'");
      } else {
        ob.date = *date;
        ob.steps = static_cast<int>(std::floor((date->days - sc.start.days) / step_days)) + 1;
        if (*date < sc.start || ob.steps > sc.horizon)
          diags.error(d->loc,
                      "the observation's date " + date->str() + " lies outside the scenario (" + sc.start.str() +
                          " to " + sc.date_of_step(sc.horizon).plus_days(-1).str() + ")",
                      "an observation reports what was known between the start and the horizon");
      }
    }
    const YNode* holds = n.find("holds");
    const YNode* outcome = n.find("outcome");
    const YNode* measure = n.find("measure");
    int forms = (holds ? 1 : 0) + (outcome ? 1 : 0) + (measure ? 1 : 0);
    if (forms != 1) {
      diags.error(forms == 0 ? n.loc : (measure ? measure->loc : outcome->loc),
                  forms == 0 ? "observation '" + ob.id + "' says nothing"
                             : "an observation is one of `holds:`, `outcome:` or `measure:`, not several",
                  "holds: \"defected_share < 0.01\", outcome: status_quo, or measure: defected_share with "
                  "value: and tolerance:");
    }
    auto take_expr = [&](const YNode* e) {
      if (!e->is_scalar() || e->scalar.empty()) {
        diags.error(e->loc, "expected an expression over the state variables such as defected_share < 0.01");
        return;
      }
      ob.expr = e->scalar;
      ob.expr_loc = e->loc;
      if (e->quoted) ob.expr_loc.column += 1;
      ob.expr_places = e->places;
      check_expression(ob.expr, ob.expr_loc, names, diags, ob.expr_places.get());
    };
    if (holds) {
      ob.kind = Observation::Kind::Holds;
      take_expr(holds);
    } else if (outcome) {
      ob.kind = Observation::Kind::Outcome;
      if (!outcome->is_scalar()) {
        diags.error(outcome->loc, "`outcome` must name an outcome");
      } else {
        ob.outcome = sc.find_outcome(outcome->scalar);
        if (ob.outcome < 0) {
          std::string guess = closest_match(outcome->scalar, outcome_ids);
          diags.error(outcome->loc, "unknown outcome '" + outcome->scalar + "'",
                      guess.empty() ? "known: " + join(outcome_ids) : "did you mean '" + guess + "'?");
        }
      }
    } else if (measure) {
      ob.kind = Observation::Kind::Measure;
      take_expr(measure);
    }
    const YNode* value = n.find("value");
    const YNode* tol = n.find("tolerance");
    if (ob.kind == Observation::Kind::Measure && forms == 1) {
      if (!value) diags.error(n.loc, "a `measure:` observation needs `value:`", "the value the documents report");
      else if (parse_number(*value, diags, ob.value) && !std::isfinite(ob.value))
        diags.error(value->loc, "`value` must be a finite number");
      if (!tol)
        diags.error(n.loc, "a `measure:` observation needs `tolerance:`",
                    "how far a run may be from the value and still agree with it, > 0");
      else if (parse_number(*tol, diags, ob.tolerance) && !(ob.tolerance > 0 && std::isfinite(ob.tolerance)))
        diags.error(tol->loc, "`tolerance` must be a number > 0, got " + tol->scalar,
                    "a measurement is never exact; say how far off it may be");
    } else {
      if (value) diags.error(value->loc, "`value:` belongs to a `measure:` observation");
      if (tol) diags.error(tol->loc, "`tolerance:` belongs to a `measure:` observation");
    }
    if (!provenance(n, ob.evidence_summary))
      diags.error(n.loc, "observation '" + ob.id + "' needs `evidence:`",
                  "quote the document that reports it ({seed:, quote:}), or cite a source");
    sc.observations.push_back(std::move(ob));
  }
}

}  // namespace geosim
