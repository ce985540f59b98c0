#include "analysis/lint/lint.h"

#include <algorithm>
#include <set>

#include "analysis/compare/paired.h"
#include "engine/model/expr.h"
#include "engine/model/mechanism.h"

namespace geosim {

std::string LintWarning::str() const { return loc.str() + ": warning: " + message + (hint.empty() ? "" : "; " + hint); }

namespace {

// Whether a parameter is the constant 0 in every run.
bool always_zero(const Scenario& sc, ParamId id) {
  if (id == kNoParam) return false;
  const Distribution& d = sc.params[static_cast<size_t>(id)].dist;
  return d.is_constant() && d.min() == 0.0;
}

// The model's dependencies between state variables: edge a -> b when b is computed from a.
struct Graph {
  explicit Graph(size_t n) : into(n) {}
  std::vector<std::vector<int>> into;  // into[b]: the variables b is computed from
  std::vector<char> reaches;           // per variable: some path leads to an outcome
  void edge(int from, int to) {
    if (from >= 0 && to >= 0) into[static_cast<size_t>(to)].push_back(from);
  }
};

}  // namespace

std::vector<LintWarning> lint_structure(const Scenario& sc) {
  std::vector<LintWarning> out;
  const VarNames names(sc.var_names());
  const size_t nv = sc.vars.size();
  Graph g(nv);
  std::vector<int> sinks;  // variables an outcome is decided on
  auto reads = [&](const Expr& e) { return e.empty() ? std::vector<int>{} : expression_vars(e.text, names); };

  // The built-in mechanisms, unless a coefficient cuts the edge.
  for (const auto& e : mechanism_edges())
    if (e.coef == kNoCoef ||
        (sc.mech[static_cast<size_t>(e.coef)] != kNoParam && !always_zero(sc, sc.mech[static_cast<size_t>(e.coef)])))
      g.edge(e.from, e.to);
  // Stances: each listens to those it has a relation to; the derived variables read them.
  const int n = static_cast<int>(sc.actors.size());
  for (const auto& r : sc.relations)
    if (!always_zero(sc, r.influence)) g.edge(sc.stance_var(r.to), sc.stance_var(r.from));
  for (int a = 0; a < n; ++a) g.edge(sc.stance_var0 + a, kVarMeanStance);
  if (sc.challenger.valid()) {
    g.edge(sc.stance_var(sc.incumbent), kVarStanceGap);
    g.edge(sc.stance_var(sc.challenger), kVarStanceGap);
  }
  // The scenario's coefficient mechanisms.<group>.<name>, or kNoParam where its format has none.
  auto mech = [&](const char* group, const char* name) {
    return sc.mech[static_cast<size_t>(find_mech_param(group, name))];
  };
  if (!always_zero(sc, mech("defection", "stance")))
    for (const auto& c : sc.cohorts) g.edge(sc.stance_var(c.actor), kVarDefectedShare);
  // Format 2: sanctions rally the actors at home toward the incumbent; coups read the
  // insiders' stances (Model::insiders_against).
  auto kind_is = [&](int a, std::initializer_list<const char*> kinds) {
    for (const char* k : kinds)
      if (sc.actors[static_cast<size_t>(a)].kind == k) return ActorId(a) != sc.incumbent;
    return false;
  };
  const ParamId rally = mech("stance", "rally"), coup = mech("coup", "stance");
  if (rally != kNoParam && !always_zero(sc, rally))
    for (int a = 0; a < n; ++a)
      if (kind_is(a, {"regime", "security_force", "opposition", "other"}))
        g.edge(ch_var(kRevenuePressure), sc.stance_var0 + a);
  const bool coup_stance = coup != kNoParam && !always_zero(sc, coup);
  // Events: what they read decides whether they fire; what they change follows. An event
  // with an outcome decides one.
  for (size_t e = 0; e < sc.events.size(); ++e) {
    const Event& ev = sc.events[e];
    std::vector<int> in;
    for (const auto& [var, coef] : ev.drivers)
      if (!always_zero(sc, coef)) in.push_back(var);
    for (int v : reads(ev.gate)) in.push_back(v);
    if (coup_stance && ev.outcome >= 0 && sc.outcomes[static_cast<size_t>(ev.outcome)].id == "coup")
      for (int a = 0; a < n; ++a)
        if (kind_is(a, {"regime", "security_force"})) in.push_back(sc.stance_var0 + a);
    std::vector<int> changes = {sc.fired_var0 + static_cast<int>(e)};
    for (const Effects* fx : {&ev.effects, &ev.on_failure}) {
      if (fx->talks != 0) changes.push_back(kVarTalks);
      if (fx->defection_shock != kNoParam) changes.push_back(kVarShock);
      if (fx->resources_shock != kNoParam) changes.push_back(kVarResources);
      for (const auto& [actor, delta] : fx->stance_shock) changes.push_back(sc.stance_var0 + actor);
    }
    for (int c : changes)
      for (int v : in) g.edge(v, c);
    if (ev.outcome >= 0) sinks.insert(sinks.end(), in.begin(), in.end());
  }
  for (const auto& o : sc.outcomes)
    for (int v : reads(o.when)) sinks.push_back(v);
  // Reacting levers (format 2): lever.<id> follows its conditions.
  for (size_t l = 0; l < sc.levers.size() && sc.lever_var0 >= 0; ++l) {
    const Lever& lv = sc.levers[l];
    const int me = sc.lever_var0 + static_cast<int>(l);
    for (const Expr* e : {&lv.when, &lv.until_when})
      for (int v : reads(*e)) g.edge(v, me);
    if (lv.after_event.valid()) g.edge(sc.fired_var(lv.after_event), me);
  }
  for (const auto& ld : sc.ladders)
    for (const auto& r : ld.rungs)
      for (const Expr* e : {&r.up, &r.down})
        for (int v : reads(*e))
          if (r.lever.valid() && sc.lever_var0 >= 0) g.edge(v, sc.lever_var(r.lever));
  for (const auto& d : sc.decisions)
    for (const auto& o : d.options)
      for (const auto& [var, coef] : o.drivers)
        if (o.lever.valid() && sc.lever_var0 >= 0) g.edge(var, sc.lever_var(o.lever));

  // Backwards from the sinks: a variable reaches an outcome if one it feeds does.
  g.reaches.assign(nv, 0);
  std::vector<int> todo;
  auto mark = [&](int v) {
    if (v < 0 || g.reaches[static_cast<size_t>(v)]) return;
    g.reaches[static_cast<size_t>(v)] = 1;
    todo.push_back(v);
  };
  for (int v : sinks) mark(v);
  while (!todo.empty()) {
    const int b = todo.back();
    todo.pop_back();
    for (int a : g.into[static_cast<size_t>(b)]) mark(a);
  }
  auto reaches = [&](int v) { return v >= 0 && g.reaches[static_cast<size_t>(v)]; };

  // Levers: through their channels, their pull on the target's stance, or another lever's
  // condition on lever.<id>.
  std::vector<std::string> dead_prefixes;
  for (size_t l = 0; l < sc.levers.size(); ++l) {
    const Lever& lv = sc.levers[l];
    if (lv.kind < 0) continue;
    // Format 1 lets a lever start after the horizon (format 2 refuses it): it never acts. A
    // horizon shortened on the command line may leave it out on purpose.
    if (lv.start_step >= sc.horizon && !sc.horizon_from_command_line) {
      out.push_back({lv.loc,
                     "lever '" + lv.id + "' starts after the run's last day (" +
                         sc.date_of_step(sc.horizon).plus_days(-1).str() + "): it never acts",
                     "move `from` into the scenario's dates, or remove the lever"});
      dead_prefixes.push_back("levers." + lv.id + ".");
      continue;
    }
    const LeverKindInfo& info = lever_kinds()[static_cast<size_t>(lv.kind)];
    const bool regime = lv.target.valid() && sc.actors[lv.target.index()].regime_side;
    std::vector<std::string> channels;
    bool any = false;
    for (const auto& cw : regime ? info.on_regime : info.on_other) {
      if (cw.weight <= 0) continue;
      channels.push_back(channel_info(cw.channel).name);
      any = any || reaches(ch_var(cw.channel));
    }
    // stance.<actor> on the first issue, stance.<issue>.<actor> after it: issue-major.
    const int stance = sc.stance_var(lv.target, lv.issue);
    if (!always_zero(sc, lv.stance_push)) any = any || reaches(stance);
    // On an issue decided by bargaining, its effect on the target's capability and salience
    // moves every stance of the issue.
    if (sc.issues[static_cast<size_t>(lv.issue)].model == StanceModel::Bargaining &&
        (info.bargaining.capability != 0 || info.bargaining.salience != 0))
      for (int a = 0; a < n; ++a) any = any || reaches(sc.stance_var0 + lv.issue * n + a);
    if (sc.lever_var0 >= 0) any = any || reaches(sc.lever_var0 + static_cast<int>(l));
    if (always_zero(sc, lv.enabled) || any) continue;
    std::string via = channels.empty() ? "no channel" : "its channels (";
    for (size_t i = 0; i < channels.size(); ++i) via += (i ? ", " : "") + channels[i];
    if (!channels.empty()) via += ")";
    out.push_back({lv.loc,
                   "lever '" + lv.id + "' can reach no outcome: " + via + " and its pull on " +
                       sc.actors[static_cast<size_t>(lv.target)].id +
                       "'s stance feed no mechanism, event or condition that decides one",
                   "give an event a driver or a `when:` on what it changes, or remove the lever"});
    dead_prefixes.push_back("levers." + lv.id + ".");
  }
  // Events without an outcome whose effects and firing feed nothing that decides one.
  for (size_t e = 0; e < sc.events.size(); ++e) {
    const Event& ev = sc.events[e];
    if (ev.outcome >= 0) {
      // One that can never fire or never succeed decides nothing. A hazard of 0 stays 0
      // whatever its drivers (Model::event_base): they scale a hazard, they cannot start one.
      const bool never = !ev.scheduled && ((ev.per_step != kNoParam && always_zero(sc, ev.per_step)) ||
                                           (ev.annual != kNoParam && always_zero(sc, ev.annual)));
      if (never || always_zero(sc, ev.success))
        out.push_back(
            {ev.loc,
             "event '" + ev.id + "' can never end a rule: its " + (never ? "hazard" : "success") + " is 0 in every run",
             never ? "give it a hazard above 0 (drivers scale a hazard, they cannot start one), or remove it"
                   : "give it a chance of success above 0, or remove it"});
      continue;
    }
    bool any = reaches(sc.fired_var0 + static_cast<int>(e));
    for (const Effects* fx : {&ev.effects, &ev.on_failure}) {
      any = any || (fx->talks != 0 && reaches(kVarTalks)) || (fx->defection_shock != kNoParam && reaches(kVarShock)) ||
            (fx->resources_shock != kNoParam && reaches(kVarResources));
      for (const auto& [actor, delta] : fx->stance_shock) any = any || reaches(sc.stance_var0 + actor);
    }
    if (any) continue;
    out.push_back({ev.loc,
                   "event '" + ev.id +
                       "' can change no outcome: what it does feeds no mechanism, event or "
                       "condition that decides one",
                   "give it effects that matter, or let an outcome or a hazard read fired." + ev.id});
    dead_prefixes.push_back("events." + ev.id + ".");
  }
  // Uncertain parameters of those levers and events: sampling them is wasted work, and a
  // sensitivity analysis will find them inert.
  for (ParamId id : sc.uncertain_params()) {
    const Param& p = sc.params[static_cast<size_t>(id)];
    for (const auto& prefix : dead_prefixes)
      if (p.path.rfind(prefix, 0) == 0) {
        out.push_back({p.loc,
                       "uncertain parameter '" + p.path + "' can change no outcome (it belongs to " +
                           prefix.substr(0, prefix.size() - 1) + ", above)",
                       "make it a number, or make what it belongs to matter"});
        break;
      }
  }
  return out;
}

std::vector<LintWarning> lint_pilot(const Model& model, uint64_t runs, uint64_t seed) {
  const Scenario& sc = model.scenario();
  PairOptions po;
  po.runs = runs;
  po.seed = seed;
  const CompareReport rep = lever_effects(model, po);
  std::vector<LintWarning> out;
  for (const auto& c : rep.comparisons) {
    uint64_t moved = 0;
    for (const auto& e : c.effects) moved += e.discordant_up + e.discordant_down;
    if (moved > 0) continue;
    // "without <lever>" is the base arm's name.
    const std::string id = c.base_name.rfind("without ", 0) == 0 ? c.base_name.substr(8) : c.base_name;
    FileLoc loc{sc.file, 0, 0};
    for (const auto& lv : sc.levers)
      if (lv.id == id) loc = lv.loc;
    out.push_back({loc,
                   "lever '" + id + "' changed the outcome of none of " + std::to_string(runs) +
                       " paired runs (the lever switched off, the same random numbers)",
                   "its effect is at most a few in " + std::to_string(runs) +
                       " runs; check its window, strength and what it feeds (geosim run --lever-effects)"});
  }
  return out;
}

}  // namespace geosim
