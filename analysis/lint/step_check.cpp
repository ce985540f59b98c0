#include "analysis/lint/step_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>

#include "engine/output/numbers.h"

namespace geosim {

std::string step_check_refusal(const Scenario& sc) {
  if (sc.format_version == 1)
    return "needs format 2: a format 1 file's numbers are per step, so another step length is another scenario; "
           "move it to format 2 (`geosim: 2` as its first line, what validate then names in format 2's units, an "
           "issue's stance noise per year: docs/scenario-format.md, \"What changed in format 2\")";
  if (sc.unit == StepUnit::Day) return "finds the file already in daily steps, nothing to compare";
  return "";
}

std::vector<std::string> daily_steps_sets(const Scenario& sc) {
  const int days = sc.unit == StepUnit::Week ? 7 : 1;
  return {"step=day", "horizon=" + std::to_string(sc.horizon * days) + " days", "until=~"};
}

void add_daily_steps(LoadOptions& lo, const Scenario& sc, const std::string& who) {
  for (const std::string& set : daily_steps_sets(sc)) {
    lo.set_labels.resize(lo.sets.size());
    lo.sets.push_back(set);
    lo.set_labels.push_back("--set " + set + " (" + who + ")");
  }
}

double mcnemar_exact_p(uint64_t up, uint64_t down) {
  const uint64_t n = up + down, k = std::min(up, down);
  if (up == down) return 1.0;
  // P(X <= k) for X ~ Binomial(n, 1/2) is the regularized incomplete beta I_{1/2}(n - k, k + 1).
  const double tail = boost::math::ibeta(static_cast<double>(n - k), static_cast<double>(k + 1), 0.5);
  return std::min(1.0, 2 * tail);
}

StepCheck step_check(const Model& own, const Model& daily, const PairOptions& options, double alpha) {
  const Scenario& sc = own.scenario();
  const PairCounts pc = run_paired({"own", &own}, {"daily", &daily}, options);
  const std::vector<PairedEffect> effects = paired_effects(sc, pc);
  StepCheck c;
  c.file = sc.file;
  c.step = sc.unit == StepUnit::Week ? "week" : "day";
  c.runs = options.runs;
  c.seed = options.seed;
  c.alpha = alpha;
  c.per_step_numbers = sc.per_step_numbers;
  const double each = alpha / static_cast<double>(std::max<size_t>(1, effects.size()));
  for (size_t o = 0; o < effects.size(); ++o) {
    const PairedEffect& e = effects[o];
    StepCheckRow r;
    r.outcome = e.outcome;
    r.loc = sc.outcomes[o].loc;
    r.own = e.base_count;
    r.daily = e.variant_count;
    r.up = e.discordant_up;
    r.down = e.discordant_down;
    r.difference = e.diff;
    r.interval = e.paired;
    r.p_value = mcnemar_exact_p(r.up, r.down);
    r.differs = r.p_value < each;
    c.rows.push_back(std::move(r));
  }
  return c;
}

namespace {

std::string share(uint64_t k, uint64_t n) { return percent(n ? static_cast<double>(k) / static_cast<double>(n) : 0.0); }

std::string p_text(double p) { return p < 1e-6 ? "< 1e-6" : general(p, 2); }

std::string family(const StepCheck& c) {
  return "exact McNemar tests, Bonferroni over " + std::to_string(c.rows.size()) + " outcome" +
         (c.rows.size() == 1 ? "" : "s") + ", family-wise " + general(c.alpha);
}

}  // namespace

std::vector<LintWarning> step_check_warnings(const StepCheck& c) {
  std::vector<LintWarning> out;
  std::string hint =
      "something is read once a step that daily steps read each day (a reacting lever's condition, a driver read "
      "through another variable, a condition on `t`: docs/model.md, \"Units\"); give results in daily steps (--set "
      "step=day), or change what the step decides";
  if (!c.per_step_numbers.empty()) {
    // The likelier cause: numbers that mean per step, taken over from a format 1 file.
    std::string places;
    const size_t shown = std::min<size_t>(3, c.per_step_numbers.size());
    for (size_t i = 0; i < shown; ++i) places += (i ? ", " : "") + c.per_step_numbers[i].str();
    if (c.per_step_numbers.size() > shown)
      places += " and " + std::to_string(c.per_step_numbers.size() - shown) + " more";
    hint = "this scenario reads " + std::to_string(c.per_step_numbers.size()) + " number" +
           (c.per_step_numbers.size() == 1 ? "" : "s") + " per step from a format 1 file it extends (" + places +
           "), which daily steps read as per day; give them in this file in format 2's units (`shock_for:` a "
           "duration, an issue's noise per year, a hazard's `annual:`; docs/model.md, \"Units\"), or " +
           hint.substr(hint.find("give results"));
  }
  for (const auto& r : c.rows) {
    if (!r.differs) continue;
    out.push_back({r.loc,
                   "outcome '" + r.outcome + "' comes out at " + share(r.own, c.runs) + " in " + c.step +
                       "ly steps against " + share(r.daily, c.runs) + " in daily ones (" + std::to_string(c.runs) +
                       " paired runs, p " + (r.p_value < 1e-6 ? "" : "= ") + p_text(r.p_value) + "; " + family(c) + ")",
                   hint});
  }
  return out;
}

std::string step_check_table(const StepCheck& c) {
  size_t wide = 7;
  for (const auto& r : c.rows) wide = std::max(wide, r.outcome.size());
  const std::string own = c.step + "ly";
  std::string s = c.file + ": step check, " + own + " steps against daily ones (" + std::to_string(c.runs) +
                  " paired runs, seed " + std::to_string(c.seed) + ")\n";
  s += fmt::format("  {:<{}} {:>8} {:>8}  {:<30} {:>8}\n", "outcome", wide, own, "daily",
                   "daily - " + own + ", points [95%]", "p");
  size_t differ = 0;
  for (const auto& r : c.rows) {
    const std::string diff = points(r.difference) + " [" + points(r.interval.lo) + ", " + points(r.interval.hi) + "]";
    s += fmt::format("  {:<{}} {:>8} {:>8}  {:<30} {:>8}{}\n", r.outcome, wide, share(r.own, c.runs),
                     share(r.daily, c.runs), diff, p_text(r.p_value), r.differs ? "  differs" : "");
    differ += r.differs ? 1 : 0;
  }
  s += "  " +
       (differ == 0 ? std::string("no outcome differs beyond Monte Carlo noise")
                    : std::to_string(differ) + " outcome" + (differ == 1 ? " differs" : "s differ") +
                          " beyond Monte Carlo noise") +
       " (" + family(c) + ")\n";
  return s;
}

Json step_check_json(const StepCheck& c) {
  Json j;
  j["file"] = c.file;
  j["step"] = c.step;
  j["runs"] = c.runs;
  j["seed"] = c.seed;
  j["alpha"] = c.alpha;
  j["test"] = family(c);
  Json outs = Json::array();
  const double n = static_cast<double>(std::max<uint64_t>(1, c.runs));
  for (const auto& r : c.rows) {
    Json o;
    o["id"] = r.outcome;
    o["own"] = {{"count", r.own}, {"probability", static_cast<double>(r.own) / n}};
    o["daily"] = {{"count", r.daily}, {"probability", static_cast<double>(r.daily) / n}};
    o["difference"] = r.difference;
    o["paired_ci95"] = {r.interval.lo, r.interval.hi};
    o["discordant"] = {{"daily_only", r.up}, {"own_only", r.down}};
    o["p_value"] = r.p_value;
    o["differs"] = r.differs;
    outs.push_back(o);
  }
  j["outcomes"] = outs;
  Json places = Json::array();
  for (const auto& l : c.per_step_numbers) places.push_back(l.str());
  j["per_step_numbers"] = places;
  Json ws = Json::array();
  for (const auto& w : step_check_warnings(c)) ws.push_back(w.str());
  j["warnings"] = ws;
  return j;
}

}  // namespace geosim
