// Reports of paired comparisons: a table for people, JSON and CSV for programs.
#include <cstdio>

#include "analysis/sweep/paired.h"
#include "engine/core/version.h"

namespace geosim {

namespace {

std::string pts(double d) {  // a difference in percentage points
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f", 100 * d);
  return buf;
}

std::string pct(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * p);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

Json compare_json(const CompareReport& r) {
  Json j;
  j["geosim_version"] = kGeosimVersion;
  j["scenario"] = r.scenario;
  j["runs"] = r.runs;
  j["seed"] = r.seed;
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
  return j;
}

std::string compare_table(const CompareReport& r) {
  std::string s = "Paired effects on '" + r.scenario + "': " + std::to_string(r.runs) +
                  " runs per arm, seed " + std::to_string(r.seed) +
                  ".\nBoth arms use the same random numbers for each run, so the change is measured run by run.\n";
  if (!r.parameters_from.empty())
    s += "Parameters drawn from the posterior in " + r.parameters_from + " (the same particle in both arms of a run).\n";
  char buf[256];
  for (const auto& c : r.comparisons) {
    s += "\n" + c.variant_name + "  vs  " + c.base_name + "\n";
    std::snprintf(buf, sizeof buf, "  %-24s %9s %9s %8s  %-17s %-17s %s\n", "outcome", "base", "variant", "change",
                  "95% paired", "95% unpaired", "width ratio");
    s += buf;
    for (const auto& e : c.effects) {
      std::string paired = "[" + pts(e.paired.lo) + ", " + pts(e.paired.hi) + "]";
      std::string unpaired = "[" + pts(e.unpaired.lo) + ", " + pts(e.unpaired.hi) + "]";
      double wp = e.paired.hi - e.paired.lo, wu = e.unpaired.hi - e.unpaired.lo;
      char ratio[32];
      if (wu > 0) std::snprintf(ratio, sizeof ratio, "%.2f", wp / wu);
      else std::snprintf(ratio, sizeof ratio, "-");
      std::snprintf(buf, sizeof buf, "  %-24s %9s %9s %8s  %-17s %-17s %s\n", e.outcome.c_str(), pct(e.p_base).c_str(),
                    pct(e.p_variant).c_str(), pts(e.diff).c_str(), paired.c_str(), unpaired.c_str(), ratio);
      s += buf;
    }
  }
  s += "\nChanges are in percentage points (variant - base). 'width ratio' is the paired interval's\n"
       "width over the unpaired one: below 1, common random numbers sharpened the estimate.\n";
  return s;
}

std::string compare_csv(const CompareReport& r) {
  std::string s = "base,variant,outcome,runs,p_base,p_variant,difference,paired_lo,paired_hi,unpaired_lo,unpaired_hi\n";
  for (const auto& c : r.comparisons)
    for (const auto& e : c.effects)
      s += csv_field(c.base_name) + "," + csv_field(c.variant_name) + "," + csv_field(e.outcome) + "," +
           std::to_string(r.runs) + "," + num(e.p_base) + "," + num(e.p_variant) + "," + num(e.diff) + "," +
           num(e.paired.lo) + "," + num(e.paired.hi) + "," + num(e.unpaired.lo) + "," + num(e.unpaired.hi) + "\n";
  return s;
}

std::string compare_text(const CompareReport& r, const std::string& format) {
  if (format == "json") return compare_json(r).dump(2) + "\n";
  if (format == "csv") return compare_csv(r);
  return compare_table(r);
}

}  // namespace geosim
