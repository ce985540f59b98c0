// Reports of paired comparisons: a table for people, JSON and CSV for programs.

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analysis/compare/paired.h"
#include "engine/output/numbers.h"
#include "engine/output/output.h"  // reproduction_lines

namespace geosim {

namespace {

struct Ranked {
  const Comparison* c;
  const PairedEffect* e;
};

// Every (comparison, outcome) pair, largest change first (ties: by comparison, then outcome
// order, so the order is the same bytes every time).
std::vector<Ranked> ranked(const CompareReport& r) {
  std::vector<Ranked> out;
  for (const auto& c : r.comparisons)
    for (const auto& e : c.effects) out.push_back({&c, &e});
  std::stable_sort(out.begin(), out.end(),
                   [](const Ranked& a, const Ranked& b) { return std::fabs(a.e->diff) > std::fabs(b.e->diff); });
  return out;
}

bool excludes_zero(const PairedEffect& e) { return e.paired.lo > 0 || e.paired.hi < 0; }

// A comparison's name in the ranked summary: the lever of a lever effect ("with X" against
// "without X"), else "B vs A".
std::string label(const Comparison& c) {
  const std::string& a = c.base_name;
  const std::string& b = c.variant_name;
  if (a.rfind("without ", 0) == 0 && b.rfind("with ", 0) == 0 && a.substr(8) == b.substr(5)) return a.substr(8);
  return b + " vs " + a;
}

// "BASE_HASH" or "BASE_HASH vs VARIANT_HASH", for the reproduction lines.
std::string hashes(const CompareReport& r) {
  return r.variant_hash.empty() ? r.base_hash : r.base_hash + " vs " + r.variant_hash;
}

}  // namespace

Json compare_json(const CompareReport& r) {
  Json j = result_head(r.scenario, nullptr, r.runs, r.seed, r.base_hash);
  if (!r.variant_hash.empty()) j["variant_hash"] = r.variant_hash;
  if (!r.command.empty()) j["command"] = r.command;
  if (!r.parameters_from.empty()) j["parameters_from"] = r.parameters_from;
  j["interval"] = "95% Newcombe hybrid score (method 10), paired and unpaired";
  Json comps = Json::array();
  for (const auto& c : r.comparisons) {
    Json jc;
    jc["base"] = c.base_name;
    jc["variant"] = c.variant_name;
    Json outs = Json::array();
    for (const auto& e : c.effects) {
      Json o;
      o["id"] = e.outcome;
      o["base"] = {{"count", e.base_count}, {"probability", e.p_base}, {"ci95", {e.ci_base.lo, e.ci_base.hi}}};
      o["variant"] = {{"count", e.variant_count}, {"probability", e.p_variant},
                      {"ci95", {e.ci_variant.lo, e.ci_variant.hi}}};
      o["difference"] = e.diff;
      o["paired_ci95"] = {e.paired.lo, e.paired.hi};
      o["unpaired_ci95"] = {e.unpaired.lo, e.unpaired.hi};
      o["discordant"] = {{"variant_only", e.discordant_up}, {"base_only", e.discordant_down}};
      outs.push_back(o);
    }
    jc["outcomes"] = outs;
    comps.push_back(jc);
  }
  j["comparisons"] = comps;
  if (r.has_changes) j["changes"] = variant_changes_json(r.changes);
  if (r.comparisons.size() > 1) {
    // All effects, largest change first: the ranked summary of the table.
    Json rk = Json::array();
    for (const auto& x : ranked(r))
      rk.push_back({{"base", x.c->base_name},
                    {"variant", x.c->variant_name},
                    {"outcome", x.e->outcome},
                    {"difference", x.e->diff},
                    {"paired_ci95", {x.e->paired.lo, x.e->paired.hi}}});
    j["ranked"] = rk;
  }
  return j;
}

std::string compare_table(const CompareReport& r) {
  std::string s = "Paired effects on '" + r.scenario + "': " + std::to_string(r.runs) +
                  " runs per arm, seed " + std::to_string(r.seed) +
                  ".\nBoth arms use the same random numbers for each run, so the change is measured run by run.\n";
  if (!r.parameters_from.empty())
    s += "Parameters drawn from the posterior in " + r.parameters_from + " (the same particle in both arms of a run).\n";
  if (r.comparisons.size() > 1) {
    // The ranked summary: the largest changes first, those whose interval excludes zero.
    std::vector<Ranked> rk = ranked(r);
    size_t shown = 0, w = 8;
    for (const auto& x : rk) w = std::max(w, label(*x.c).size());
    s += "\nLargest effects, whose 95% paired interval excludes 0 (a lever: the change it makes, with it minus "
         "without it):\n";
    s += fmt::format("  {:<{}}  {:<24} {:>8}  {}\n", "comparison", w, "outcome", "change", "95% paired");
    for (const auto& x : rk) {
      if (!excludes_zero(*x.e) || shown == 20) continue;
      ++shown;
      std::string name = label(*x.c);
      std::string paired = "[" + points(x.e->paired.lo) + ", " + points(x.e->paired.hi) + "]";
      s += fmt::format("  {:<{}}  {:<24} {:>8}  {}\n", name, w, x.e->outcome, points(x.e->diff), paired);
    }
    if (shown == 0) s += "  (none: every interval includes 0)\n";
  }
  if (r.has_changes) {
    // What the variant (B) changes against the base (A), before the numbers it moves.
    s += "\nWhat B changes against A:\n";
    if (r.changes.empty())
      s += "  nothing that this list compares: the same parameters, items, lever and event dates, kinds, actors and "
           "conditions (other parts, such as observations or an outcome's condition, are not compared)\n";
    size_t shown = 0;
    for (const auto& ch : r.changes) {
      if (shown++ == 40) {
        s += "  ... and " + std::to_string(r.changes.size() - 40) + " more (the JSON lists them all)\n";
        break;
      }
      s += "  " + ch.path + ": " + ch.change;
      if (!ch.base.empty() || !ch.variant.empty())
        s += " (" + (ch.base.empty() ? std::string("-") : ch.base) + " -> " +
             (ch.variant.empty() ? std::string("-") : ch.variant) + ")";
      s += "\n";
    }
  }
  for (const auto& c : r.comparisons) {
    s += "\nA: " + c.base_name + "\nB: " + c.variant_name + "\n";
    s += fmt::format("  {:<24} {:>9} {:>9} {:>8}  {:<17} {:<17} {}\n", "outcome", "A", "B", "B - A", "95% paired",
                     "95% unpaired", "width ratio");
    for (const auto& e : c.effects) {
      std::string paired = "[" + points(e.paired.lo) + ", " + points(e.paired.hi) + "]";
      std::string unpaired = "[" + points(e.unpaired.lo) + ", " + points(e.unpaired.hi) + "]";
      double wp = e.paired.hi - e.paired.lo, wu = e.unpaired.hi - e.unpaired.lo;
      const std::string ratio = wu > 0 ? fixed(wp / wu, 2) : "-";
      s += fmt::format("  {:<24} {:>9} {:>9} {:>8}  {:<17} {:<17} {}\n", e.outcome, percent(e.p_base),
                       percent(e.p_variant), points(e.diff), paired, unpaired, ratio);
    }
  }
  s += "\nChanges are in percentage points (B - A). 'width ratio' is the paired interval's\n"
       "width over the unpaired one: below 1, common random numbers sharpened the estimate.\n\n";
  s += reproduction_lines(r.command, r.seed, hashes(r), "");
  return s;
}

std::string compare_csv(const CompareReport& r) {
  std::string s = reproduction_lines(r.command, r.seed, hashes(r), "# ");
  s += "base,variant,outcome,runs,p_base,p_variant,difference,paired_lo,paired_hi,unpaired_lo,unpaired_hi,seed,"
       "scenario_hash,variant_hash\n";
  const std::string tail = "," + std::to_string(r.seed) + "," + r.base_hash + "," + r.variant_hash + "\n";
  for (const auto& c : r.comparisons)
    for (const auto& e : c.effects) {
      s += csv_field(c.base_name) + "," + csv_field(c.variant_name) + "," + csv_field(e.outcome) + "," +
           std::to_string(r.runs);
      for (double v : {e.p_base, e.p_variant, e.diff, e.paired.lo, e.paired.hi, e.unpaired.lo, e.unpaired.hi})
        s += "," + shortest_double(v);
      s += tail;
    }
  return s;
}

std::string compare_text(const CompareReport& r, const std::string& format) {
  if (format == "json") return compare_json(r).dump(2) + "\n";
  if (format == "csv") return compare_csv(r);
  return compare_table(r);
}

}  // namespace geosim
