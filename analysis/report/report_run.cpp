// Sections for one run's summary (`geosim run --format json`) and for a comparison of two
// arms (`geosim compare --format json`): headline findings, outcome odds, timing, survival,
// fan charts, lever effects and the provenance of every number.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "analysis/report/report_page.h"
#include "engine/core/dates.h"
#include "engine/output/numbers.h"
#include "engine/scenario/registry.h"

namespace geosim::report {

namespace {

double num_or(const Json& j, const char* key, double fallback) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

std::string count_str(uint64_t n) {
  std::string s = std::to_string(n), o;
  int k = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it, ++k) {
    if (k && k % 3 == 0) o += ',';
    o += *it;
  }
  return std::string(o.rbegin(), o.rend());
}

// A change in probability as signed percentage points ("+3.2", "-0.4", "0.0").
std::string pts(const Json& v) { return v.is_number() ? points(v.get<double>()) : std::string("-"); }
std::string pct_of(const Json& v) { return v.is_number() ? pct(v.get<double>()) : std::string("-"); }
std::string interval_pts(const Json& pair) {
  if (!pair.is_array() || pair.size() != 2) return "-";
  return pts(pair[0]) + " to " + pts(pair[1]);
}
std::string interval_pct(const Json& pair) {
  if (!pair.is_array() || pair.size() != 2) return "-";
  return pct_of(pair[0]) + " to " + pct_of(pair[1]);
}

std::string label_of(const Json& o) {
  std::string label = str_or(o, "label", "");
  std::string id = str_or(o, "id", "?");
  return label.empty() ? id : label;
}

// What the page calls each outcome of `outs`, in their order: its label, and where two
// outcomes share one, the label with the id ("Regime falls (coup)"), so that no bar, layer
// or column of one outcome merges with another's (ids are unique, labels need not be).
std::vector<std::string> outcome_names(const Json& outs) {
  std::vector<std::string> names;
  for (const auto& o : outs) names.push_back(label_of(o));
  for (int round = 0; round < 4; ++round) {  // ("A (b)" may itself be another's label)
    std::map<std::string, int> count;
    for (const auto& n : names) ++count[n];
    bool clash = false;
    for (size_t i = 0; i < names.size(); ++i)
      if (count[names[i]] > 1) {
        names[i] += " (" + str_or(outs[i], "id", "?") + ")";
        clash = true;
      }
    if (!clash) break;
  }
  return names;
}

// The last day of the last step (one calendar, docs/output.md): `last_day`, or in older
// files without it the day before `until` (the day after the last step).
std::string last_day_of(const Json& j, const std::string& fallback) {
  if (j.contains("last_day") && j["last_day"].is_string()) return j["last_day"].get<std::string>();
  if (j.contains("until") && j["until"].is_string()) return date_plus(j["until"].get<std::string>(), -1);
  return fallback;
}

// Wilson score interval at 95% for a proportion p of n runs (the survival band).
std::pair<double, double> wilson(double p, double n) {
  if (n <= 0) return {0, 1};
  const double z = 1.959963984540054, z2 = z * z;
  double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::string when_text(const Json& run, const Json& o) {
  if (!o.contains("time_to_outcome") || !o["time_to_outcome"].is_object()) return "-";
  const auto& t = o["time_to_outcome"];
  if (!t.contains("median") || !t["median"].is_number_integer()) return "-";
  // The one calendar (docs/output.md, "Dates"): the median step as the days it covers, and
  // the days from the 10% quantile's step to the 90% quantile's.
  auto d = parse_date(str_or(run, "start", ""));
  if (!d) return "-";
  const StepCalendar cal{*d, step_days(run)};
  std::string s = cal.range(t["median"].get<int>());
  if (t.contains("p10") && t["p10"].is_number_integer() && t.contains("p90") && t["p90"].is_number_integer())
    s += " (" + cal.span(t["p10"].get<int>(), t["p90"].get<int>()) + ")";
  return s;
}

void header(Page& page, const Json& j, const std::string& kind_word, const std::string& command) {
  std::string title = str_or(j, "title", str_or(j, "scenario", "geosim result"));
  page.html("<header>\n<p class=\"meta\">geosim " + esc(kind_word) + " report");
  if (j.contains("geosim_version")) page.html(" &middot; geosim " + esc(str_or(j, "geosim_version", "")));
  page.html("</p>\n<h1>" + esc(title) + "</h1>\n");
  std::string line;
  if (j.contains("scenario")) line += "Scenario <code>" + esc(str_or(j, "scenario", "")) + "</code>";
  // The last day of the last step (one calendar, docs/output.md), or `until` in older files.
  if (j.contains("start") && (j.contains("until") || j.contains("last_day")))
    line += (line.empty() ? "" : " &middot; ") + esc(str_or(j, "start", "")) + " to " + esc(last_day_of(j, ""));
  if (j.contains("horizon") && j["horizon"].is_number_integer())
    line += " (" + std::to_string(j["horizon"].get<int>()) + " " + esc(str_or(j, "step", "week")) + "s)";
  if (j.contains("runs") && j["runs"].is_number_unsigned())
    line += (line.empty() ? "" : " &middot; ") + count_str(j["runs"].get<uint64_t>()) + " runs";
  if (j.contains("seed") && j["seed"].is_number_unsigned())
    line += " &middot; seed " + std::to_string(j["seed"].get<uint64_t>());
  if (!line.empty()) page.html("<p class=\"meta\">" + line + "</p>\n");
  page.html("<p>To reproduce exactly these numbers:</p>\n<pre class=\"command\">" + esc(command) + "</pre>\n");
  if (j.contains("scenario_hash") && j["scenario_hash"].is_string())
    page.html("<p class=\"meta\">scenario hash <code>" + esc(str_or(j, "scenario_hash", "")) + "</code>" +
              (j.contains("variant_hash") ? " (variant <code>" + esc(str_or(j, "variant_hash", "")) + "</code>)" : "") +
              "</p>\n");
  page.html("</header>\n<!--toc-->\n");
}

std::string run_command_of(const Json& j) {
  if (j.contains("command") && j["command"].is_string()) return j["command"].get<std::string>();
  std::string c = "geosim run <" + str_or(j, "scenario", "scenario") + " file>";
  if (j.contains("runs")) c += " --runs " + j["runs"].dump();
  if (j.contains("seed")) c += " --seed " + j["seed"].dump();
  return c;
}

void findings(Page& page, const Json& j) {
  const auto& outs = j["outcomes"];
  std::vector<size_t> order(outs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return num_or(outs[a], "probability", 0) > num_or(outs[b], "probability", 0);
  });
  const std::vector<std::string> names = outcome_names(outs);
  page.html("<div class=\"findings\"><strong>In short</strong>\n<ul>\n");
  for (size_t i : order) {
    const auto& o = outs[i];
    double p = num_or(o, "probability", 0);
    std::string li = "<li><strong>" + esc(names[i]) + "</strong>: " + pct(p) + " of runs (95% interval " +
                     pct(o["ci95"][0].get<double>()) + " to " + pct(o["ci95"][1].get<double>()) + ")";
    bool is_default = o.contains("default") && o["default"].is_boolean() && o["default"].get<bool>();
    std::string when = when_text(j, o);
    if (!is_default && p > 0 && when != "-") li += "; typically around " + when;
    page.html(li + ".</li>\n");
  }
  const auto& surv = j["survival"];
  if (!surv.empty() && surv.back().is_number())
    page.html("<li>The incumbent still rules at " + esc(last_day_of(j, "the horizon")) + " in " +
              pct(surv.back().get<double>()) + " of runs.</li>\n");
  page.html("</ul></div>\n");
}

void outcome_chart(Page& page, const Json& j) {
  Json values = Json::array();
  const std::vector<std::string> names = outcome_names(j["outcomes"]);
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& o = j["outcomes"][i];
    values.push_back({{"outcome", names[i]},
                      {"id", str_or(o, "id", "")},
                      {"p", num_or(o, "probability", 0)},
                      {"label", pct(num_or(o, "probability", 0))},  // as in the table, same rounding
                      {"lo", o["ci95"][0]},
                      {"hi", o["ci95"][1]}});
  }
  Json s = base_spec("How likely is each outcome?", 560, std::max(80, 38 * static_cast<int>(values.size())));
  s["data"] = {{"values", values}};
  Json y = {{"field", "outcome"}, {"type", "nominal"}, {"sort", nullptr}, {"title", nullptr}, {"axis", {{"labelLimit", 300}}}};
  Json x = {{"field", "p"}, {"type", "quantitative"}, {"title", "probability (share of runs)"},
            {"axis", {{"format", ".0%"}}}, {"scale", {{"domain", {0, 1}}}}};
  Json tooltip = Json::array({{{"field", "outcome"}, {"type", "nominal"}},
                              {{"field", "p"}, {"type", "quantitative"}, {"format", ".1%"}, {"title", "probability"}},
                              {{"field", "lo"}, {"type", "quantitative"}, {"format", ".1%"}, {"title", "95% low"}},
                              {{"field", "hi"}, {"type", "quantitative"}, {"format", ".1%"}, {"title", "95% high"}}});
  s["layer"] = Json::array(
      {{{"mark", {{"type", "bar"}, {"color", "#4c78a8"}}}, {"encoding", {{"y", y}, {"x", x}, {"tooltip", tooltip}}}},
       {{"mark", {{"type", "errorbar"}, {"ticks", true}, {"color", "#1d2430"}}},
        {"encoding", {{"y", y}, {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", nullptr}}}, {"x2", {{"field", "hi"}}}}}},
       {{"mark", {{"type", "text"}, {"align", "left"}, {"dx", 6}, {"fontSize", 11}}},
        {"encoding", {{"y", y}, {"x", {{"field", "hi"}, {"type", "quantitative"}, {"title", nullptr}}},
                      {"text", {{"field", "label"}, {"type", "nominal"}}}}}}});
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : values)
    rows.push_back({esc(v["outcome"].get<std::string>()), pct_of(v["p"]), pct_of(v["lo"]), pct_of(v["hi"])});
  page.chart("outcomes", s,
             "Each bar is the share of simulated runs that ended in that outcome. The black whisker is the 95% "
             "interval: with this many runs, the true model probability lies within it 19 times out of 20. Bars "
             "whose whiskers overlap may not really differ. These are the odds <em>under the scenario's "
             "assumptions</em>, not a forecast of the world.",
             data_table({"outcome", "probability", "95% low", "95% high"}, rows, "lnnn"));
}

void when_table(Page& page, const Json& j) {
  page.html("<table>\n<tr><th>outcome</th><th>probability</th><th>95% interval</th><th>runs</th>"
            "<th>when: median date (10% to 90% of those runs)</th></tr>\n");
  for (const auto& o : j["outcomes"]) {
    bool is_default = o.contains("default") && o["default"].is_boolean() && o["default"].get<bool>();
    std::string count = o.contains("count") && o["count"].is_number_unsigned() ? count_str(o["count"].get<uint64_t>()) : "-";
    page.html("<tr><td>" + esc(label_of(o)) + " <code>" + esc(str_or(o, "id", "")) + "</code>" +
              (is_default ? " <span class=\"tag\">if nothing else happens</span>" : "") + "</td><td class=\"n\">" +
              pct(num_or(o, "probability", 0)) + "</td><td class=\"n\">" + pct(o["ci95"][0].get<double>()) + " to " +
              pct(o["ci95"][1].get<double>()) + "</td><td class=\"n\">" + count + "</td><td>" +
              esc(is_default ? std::string("at the horizon") : when_text(j, o)) + "</td></tr>\n");
  }
  page.html("</table>\n");
}

// Format 2 with a leader: what became of the regime and who rules at the horizon, in a
// sentence and two tables (the run JSON's `regime`, `joint` and `ruler`).
void regime_section(Page& page, const Json& j) {
  if (!j.contains("regime") || !j["regime"].is_array() || !j.contains("ruler") || !j["ruler"].is_array()) return;
  const std::string leader =
      j.contains("leader") && j["leader"].is_object() ? str_or(j["leader"], "name", str_or(j["leader"], "id", "the leader"))
                                                       : std::string("the leader");
  page.h2("If he goes, who rules?", "regime");
  double runs = j.contains("runs") && j["runs"].is_number() ? j["runs"].get<double>() : 0;
  double gone = 0, gone_stays = 0;
  std::set<std::string> stays_ids;
  for (const auto& o : j["outcomes"])
    if (o.contains("default") && o["default"].is_boolean() && o["default"].get<bool>()) stays_ids.insert(str_or(o, "id", ""));
  if (j.contains("joint") && j["joint"].is_array())
    for (const auto& p : j["joint"]) {
      if (stays_ids.count(str_or(p, "leader", ""))) continue;
      gone += num_or(p, "count", 0);
      if (str_or(p, "regime", "") == "continues") gone_stays += num_or(p, "count", 0);
    }
  std::string text = esc(leader) + " goes in " + pct(runs > 0 ? gone / runs : 0) + " of runs";
  if (gone > 0) text += "; in " + pct(gone_stays / gone) + " of those the regime stays, under a successor";
  page.p(text + ". The outcomes above say how <em>his</em> rule ends; after he goes the run goes on under his "
                "successor, who may fall in turn. Below: what became of the regime by the horizon, and who rules then.");
  page.html("<table>\n<tr><th>the regime at the horizon</th><th>probability</th><th>95% interval</th><th>runs</th></tr>\n");
  for (const auto& r : j["regime"])
    page.html("<tr><td><code>" + esc(str_or(r, "id", "")) + "</code></td><td class=\"n\">" + pct(num_or(r, "probability", 0)) +
              "</td><td class=\"n\">" + pct(r["ci95"][0].get<double>()) + " to " + pct(r["ci95"][1].get<double>()) +
              "</td><td class=\"n\">" + count_str(static_cast<uint64_t>(num_or(r, "count", 0))) + "</td></tr>\n");
  page.html("</table>\n<table>\n<tr><th>who rules at the horizon</th><th>probability</th><th>95% interval</th></tr>\n");
  for (const auto& r : j["ruler"])
    page.html("<tr><td>" + esc(str_or(r, "name", "")) + " <code>" + esc(str_or(r, "id", "")) + "</code></td><td class=\"n\">" +
              pct(num_or(r, "probability", 0)) + "</td><td class=\"n\">" + pct(r["ci95"][0].get<double>()) + " to " +
              pct(r["ci95"][1].get<double>()) + "</td></tr>\n");
  page.html("</table>\n");
  if (j.contains("joint") && j["joint"].is_array()) {
    page.html("<table>\n<tr><th>how the leader left</th><th>the regime</th><th>probability</th><th>runs</th></tr>\n");
    for (const auto& p : j["joint"])
      page.html("<tr><td><code>" + esc(str_or(p, "leader", "")) + "</code></td><td><code>" + esc(str_or(p, "regime", "")) +
                "</code></td><td class=\"n\">" + pct(num_or(p, "probability", 0)) + "</td><td class=\"n\">" +
                count_str(static_cast<uint64_t>(num_or(p, "count", 0))) + "</td></tr>\n");
    page.html("</table>\n");
  }
}

void survival_chart(Page& page, const Json& j) {
  std::string start = str_or(j, "start", "1970-01-01");
  int d = step_days(j);
  double n = j.contains("runs") && j["runs"].is_number() ? j["runs"].get<double>() : 0;
  Json values = Json::array();
  const auto& surv = j["survival"];
  for (size_t s = 0; s < surv.size(); ++s) {
    double p = surv[s].is_number() ? surv[s].get<double>() : 0;
    auto [lo, hi] = wilson(p, n);
    values.push_back({{"date", date_plus(start, static_cast<int>(s) * d - 1)}, {"p", p}, {"lo", lo}, {"hi", hi}});
  }
  Json s = base_spec("Is the incumbent still in power?");
  s["data"] = {{"values", values}};
  Json x = {{"field", "date"}, {"type", "temporal"}, {"title", nullptr}, {"scale", {{"type", "utc"}}},
            {"axis", {{"format", "%b %Y"}}}};
  s["layer"] = Json::array(
      {{{"mark", {{"type", "area"}, {"opacity", 0.25}, {"color", "#4c78a8"}, {"interpolate", "step-after"}}},
        {"encoding", {{"x", x}, {"y", {{"field", "lo"}, {"type", "quantitative"}}}, {"y2", {{"field", "hi"}}}}}},
       {{"mark", {{"type", "line"}, {"color", "#4c78a8"}, {"interpolate", "step-after"}}},
        {"encoding", {{"x", x},
                      {"y", {{"field", "p"}, {"type", "quantitative"}, {"title", "probability still in power"},
                             {"axis", {{"format", ".0%"}}}, {"scale", {{"domain", {0, 1}}}}}},
                      {"tooltip", Json::array({{{"field", "date"}, {"type", "temporal"}, {"format", "%Y-%m-%d"}, {"scale", {{"type", "utc"}}}},
                                               {{"field", "p"}, {"type", "quantitative"}, {"format", ".1%"}}})}}}}});
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : values)
    rows.push_back({esc(v["date"].get<std::string>()), pct_of(v["p"]), pct_of(v["lo"]) + " to " + pct_of(v["hi"])});
  page.chart("survival", s,
             "The line is the share of runs in which the incumbent still rules on each date; it can only go "
             "down. A steep drop means many runs end around that date. The shaded band is the 95% interval "
             "from the number of runs.",
             data_table({"date", "still in power", "95% interval"}, rows, "lnn"));
}

void cumulative_chart(Page& page, const Json& j) {
  std::string start = str_or(j, "start", "1970-01-01");
  int d = step_days(j);
  Json values = Json::array();
  // Keyed by id (the chart's `outcome` is the page's name for it, one per id).
  const std::vector<std::string> names = outcome_names(j["outcomes"]);
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& o = j["outcomes"][i];
    bool is_default = o.contains("default") && o["default"].is_boolean() && o["default"].get<bool>();
    if (is_default || !o.contains("cumulative") || !o["cumulative"].is_array()) continue;
    const auto& c = o["cumulative"];
    for (size_t s = 0; s < c.size(); ++s)
      values.push_back({{"date", date_plus(start, static_cast<int>(s) * d - 1)},
                        {"outcome", names[i]},
                        {"id", str_or(o, "id", "?")},
                        {"p", c[s].is_number() ? c[s].get<double>() : 0.0}});
  }
  if (values.empty()) return;
  Json s = base_spec("Which outcome has happened by each date?");
  s["data"] = {{"values", values}};
  s["mark"] = {{"type", "area"}, {"interpolate", "step-after"}, {"opacity", 0.85}};
  s["encoding"] = {
      {"x", {{"field", "date"}, {"type", "temporal"}, {"title", nullptr}, {"scale", {{"type", "utc"}}}, {"axis", {{"format", "%b %Y"}}}}},
      {"y", {{"field", "p"}, {"type", "quantitative"}, {"stack", "zero"}, {"title", "share of runs (stacked)"},
             {"axis", {{"format", ".0%"}}}}},
      {"color", {{"field", "outcome"}, {"type", "nominal"}, {"sort", nullptr}, {"legend", {{"orient", "bottom"}, {"columns", 1}}}}},
      {"order", {{"field", "outcome"}, {"sort", "ascending"}}},
      {"tooltip", Json::array({{{"field", "outcome"}}, {{"field", "date"}, {"type", "temporal"}, {"format", "%Y-%m-%d"}, {"scale", {{"type", "utc"}}}},
                               {{"field", "p"}, {"type", "quantitative"}, {"format", ".1%"}}})}};
  // The table: one row per date, one column per outcome (in the order of the values).
  std::vector<std::string> header = {"date"}, ids, dates;
  std::set<std::string> seen;
  std::map<std::string, std::map<std::string, std::string>> cell;  // date -> outcome id -> text
  for (const auto& v : values) {
    const std::string date = v["date"].get<std::string>(), id = v["id"].get<std::string>();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
      header.push_back(v["outcome"].get<std::string>());
    }
    if (seen.insert(date).second) dates.push_back(date);
    cell[date][id] = pct_of(v["p"]);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& date : dates) {
    std::vector<std::string> r = {esc(date)};
    for (const auto& id : ids) r.push_back(cell[date].count(id) ? cell[date][id] : "-");
    rows.push_back(r);
  }
  page.chart("cumulative", s,
             "Each coloured layer is the share of runs that have ended in that outcome by the date on the "
             "horizontal axis; the layers are stacked, so the top edge is the share of runs decided so far. "
             "The white space above it is the share still undecided. A layer that thickens early is an "
             "outcome that comes early when it comes at all.",
             data_table(header, rows, "l" + std::string(header.size() - 1, 'n')));
}

// A state variable as a reader sees it: a label ("Exit gain", "Stance of the government"),
// its meaning and its scale. The meaning and the range come with the run's JSON (the text
// `geosim describe variables` prints); for a file without them, from the model's own list.
struct VarText {
  std::string label, doc, scale;
};

VarText var_text(const Json& f) {
  const std::string var = str_or(f, "var", "?");
  VarText t;
  t.doc = str_or(f, "doc", "");
  double lo = 0, hi = 0;
  bool range = f.contains("range") && f["range"].is_array() && f["range"].size() == 2 && f["range"][0].is_number() &&
               f["range"][1].is_number();
  if (range) {
    lo = f["range"][0].get<double>();
    hi = f["range"][1].get<double>();
  }
  for (const auto& v : fixed_vars())
    if (v.name == var) {
      if (t.doc.empty()) t.doc = v.doc;
      if (!range) lo = v.lo, hi = v.hi, range = true;
    }
  if (range) {
    auto g = [](double x) {
      std::string s = num(x, 3);
      while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) s.pop_back();
      return s;
    };
    t.scale = "scale " + g(lo) + " to " + g(hi);
  }
  // "stance of NAME on ISSUE" names the actor better than the variable's id does.
  if (var.rfind("stance.", 0) == 0 && t.doc.rfind("stance of ", 0) == 0) {
    std::string who = t.doc.substr(10);
    auto on = who.rfind(" on ");
    t.label = "Stance of " + (on == std::string::npos ? who : who.substr(0, on));
  } else {
    t.label = var;
    for (char& c : t.label)
      if (c == '_' || c == '.') c = ' ';
    if (!t.label.empty()) t.label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t.label[0])));
  }
  if (t.doc.empty()) t.doc = "a state variable of the model (see geosim describe variables)";
  return t;
}

void fan_charts(Page& page, const Json& j) {
  if (!j.contains("fans") || !j["fans"].is_array() || j["fans"].empty()) return;
  std::string start = str_or(j, "start", "1970-01-01");
  int d = step_days(j);
  page.h2("How the situation evolves", "fans");
  page.p("Each chart follows one state variable of the model over time, across all runs. The dark line is the "
         "median run; the darker band holds the middle half of runs (25th to 75th percentile), the lighter band "
         "90% of runs (5th to 95th percentile). A wide band means the scenario's uncertainty leaves that "
         "variable open. Runs that have already ended keep their last value.");
  for (const auto& f : j["fans"]) {
    if (!f.contains("steps") || !f["steps"].is_array()) continue;
    Json values = Json::array();
    const auto& st = f["steps"];
    bool ok = true;
    for (const char* k : {"p5", "p25", "p50", "p75", "p95"})
      ok = ok && f.contains(k) && f[k].is_array() && f[k].size() == st.size();
    if (!ok) continue;
    for (size_t i = 0; i < st.size(); ++i)
      values.push_back({{"date", date_plus(start, st[i].get<int>() * d - 1)}, {"p5", f["p5"][i]}, {"p25", f["p25"][i]},
                        {"p50", f["p50"][i]}, {"p75", f["p75"][i]}, {"p95", f["p95"][i]}});
    std::string var = str_or(f, "var", "?");
    const VarText vt = var_text(f);
    Json s = base_spec("", 640, 200);
    s["title"] = {{"text", vt.label}, {"subtitle", vt.doc + (vt.scale.empty() ? "" : "; " + vt.scale)}};
    s["data"] = {{"values", values}};
    Json x = {{"field", "date"}, {"type", "temporal"}, {"title", nullptr}, {"scale", {{"type", "utc"}}}, {"axis", {{"format", "%b %Y"}}}};
    s["layer"] = Json::array(
        {{{"mark", {{"type", "area"}, {"color", "#9ecae9"}, {"opacity", 0.5}}},
          {"encoding", {{"x", x}, {"y", {{"field", "p5"}, {"type", "quantitative"}, {"title", vt.label}}}, {"y2", {{"field", "p95"}}}}}},
         {{"mark", {{"type", "area"}, {"color", "#4c78a8"}, {"opacity", 0.5}}},
          {"encoding", {{"x", x}, {"y", {{"field", "p25"}, {"type", "quantitative"}}}, {"y2", {{"field", "p75"}}}}}},
         {{"mark", {{"type", "line"}, {"color", "#1d3557"}}},
          {"encoding", {{"x", x}, {"y", {{"field", "p50"}, {"type", "quantitative"}}},
                        {"tooltip", Json::array({{{"field", "date"}, {"type", "temporal"}, {"format", "%Y-%m-%d"}, {"scale", {{"type", "utc"}}}},
                                                 {{"field", "p50"}, {"title", "median"}, {"format", ".3f"}},
                                                 {{"field", "p5"}, {"title", "5%"}, {"format", ".3f"}},
                                                 {{"field", "p95"}, {"title", "95%"}, {"format", ".3f"}}})}}}}});
    std::string name = "fan-";
    for (char c : var) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    std::vector<std::vector<std::string>> rows;
    for (const auto& v : values) {
      std::vector<std::string> r = {esc(v["date"].get<std::string>())};
      for (const char* k : {"p5", "p25", "p50", "p75", "p95"})
        r.push_back(v[k].is_number() ? num(v[k].get<double>(), 3) : std::string("-"));
      rows.push_back(r);
    }
    page.chart(name, s,
               "<strong>" + esc(vt.label) + "</strong> (<code>" + esc(var) + "</code>" +
                   (vt.scale.empty() ? std::string() : ", " + esc(vt.scale)) + "): " + esc(vt.doc) +
                   ". Median (line), middle 50% of runs (dark band), 90% of runs (light band).",
               data_table({"date", "5%", "25%", "median", "75%", "95%"}, rows, "lnnnnn"));
  }
}

std::string evidence_html(const Json& p) {
  std::string h;
  if (p.contains("evidence") && p["evidence"].is_array())
    for (const auto& e : p["evidence"]) {
      if (e.contains("seed")) {
        h += "<div>seed document <code>" + esc(str_or(e, "seed", "")) + "</code><blockquote>" +
             esc(str_or(e, "quote", "")) + "</blockquote></div>";
      } else if (e.contains("cite")) {
        h += "<div>" + esc(str_or(e, "cite", ""));
        if (e.contains("note")) h += " (" + esc(str_or(e, "note", "")) + ")";
        h += "</div>";
      }
    }
  if (p.contains("assumption") && p["assumption"].is_string())
    h += "<div><span class=\"tag\">assumption</span> " + esc(p["assumption"].get<std::string>()) + "</div>";
  if (h.empty()) return "<span class=\"note\">no evidence given</span>";
  // Evidence written on the entry (the actor, the lever) rather than on this value.
  if (str_or(p, "evidence_of", "") == "entry")
    h = "<div class=\"note\">the entry's evidence, not this value's own:</div>" + h;
  return h;
}

// Where a value comes from, in words (the JSON's `source`).
std::string source_html(const Json& p) {
  if (!p.contains("source") || !p["source"].is_object()) return "";
  const Json& s = p["source"];
  const std::string kind = str_or(s, "kind", ""), at = str_or(s, "at", "");
  if (kind == "default") return "the model's default";
  if (kind == "set") return "the command line: <code>" + esc(at) + "</code>";
  if (kind == "extends") return "inherited from <code>" + esc(at) + "</code> (<code>extends:</code>)";
  if (kind == "posterior") return "drawn from the posterior <code>" + esc(at) + "</code>";
  return "<code>" + esc(at) + "</code>";
}

void provenance(Page& page, const Json& j) {
  if (!j.contains("parameters") || !j["parameters"].is_array()) return;
  const auto& ps = j["parameters"];
  int uncertain = 0, own = 0, entry = 0, set = 0, inherited = 0, defaults = 0;
  for (const auto& p : ps) {
    if (p.contains("uncertain") && p["uncertain"].is_boolean() && p["uncertain"].get<bool>()) ++uncertain;
    const std::string of = str_or(p, "evidence_of", "");
    own += of == "value";
    entry += of == "entry";
    const std::string kind = p.contains("source") && p["source"].is_object() ? str_or(p["source"], "kind", "") : "";
    set += kind == "set";
    inherited += kind == "extends";
    defaults += kind == "default";
  }
  page.h2("Where every number comes from", "provenance");
  std::string counts = std::to_string(ps.size()) + " parameters; " + std::to_string(uncertain) +
                       " are uncertain (drawn anew in each run). " + std::to_string(own) +
                       " have evidence of their own (a quote, a source or a stated assumption written beside the "
                       "value); " + std::to_string(entry) + " carry only the evidence of their entry (the actor, lever "
                       "or event they belong to), shown as such; " + std::to_string(defaults) +
                       " are the model's defaults (docs/model.md)";
  if (inherited > 0) counts += "; " + std::to_string(inherited) + " come from a file this one extends";
  if (set > 0) counts += "; " + std::to_string(set) + " were set on the command line (the file's evidence for them no longer applies)";
  page.p("Every number the model uses, with the value or the probability distribution it is drawn from in each "
         "run, where it is written, and its evidence. " + counts + ". Change any of them with "
         "<code>--set PATH=VALUE</code> to see how the results move.");
  page.html("<table class=\"provenance\">\n<tr><th>parameter</th><th>value or distribution</th><th>meaning</th>"
            "<th>from</th><th>evidence</th></tr>\n");
  for (const auto& p : ps) {
    bool unc = p.contains("uncertain") && p["uncertain"].is_boolean() && p["uncertain"].get<bool>();
    page.html("<tr><td><code>" + esc(str_or(p, "path", "?")) + "</code></td><td>" +
              esc(str_or(p, "distribution", str_or(p, "value", ""))) +
              (unc ? " <span class=\"tag\">uncertain</span>" : "") + "</td><td>" + esc(str_or(p, "doc", "")) +
              "</td><td>" + source_html(p) + "</td><td>" + evidence_html(p) + "</td></tr>\n");
  }
  page.html("</table>\n");
}

}  // namespace

void tornado(Page& page, const std::string& name, const Json& rows, const std::string& caption, const std::string& table) {
  // rows: [{"lever", "outcome", "diff", "lo", "hi", optionally "ulo", "uhi"}]; levers ordered by their largest effect.
  std::map<std::string, double> biggest;
  bool unpaired = false;
  for (const auto& r : rows) {
    double& b = biggest[r["lever"].get<std::string>()];
    b = std::max(b, std::abs(r["diff"].get<double>()));
    unpaired = unpaired || r.contains("ulo");
  }
  std::vector<std::pair<std::string, double>> order(biggest.begin(), biggest.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Json sort = Json::array();
  for (const auto& o : order) sort.push_back(o.first);
  // Panels in the outcomes' order as the rows give them (the scenario's), not alphabetical.
  std::set<std::string> outcomes;
  Json outcome_order = Json::array();
  for (const auto& r : rows)
    if (outcomes.insert(r["outcome"].get<std::string>()).second) outcome_order.push_back(r["outcome"]);
  // One small panel per outcome (levers down the side, shared across panels), so that
  // many levers times many outcomes stay readable.
  Json s;
  s["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
  s["data"] = {{"values", rows}};
  s["columns"] = outcomes.size() > 1 ? 2 : 1;
  s["facet"] = {{"field", "outcome"}, {"type", "nominal"}, {"title", nullptr}, {"sort", outcome_order},
                {"header", {{"labelFontSize", 12}, {"labelFontWeight", "bold"}}}};
  Json y = {{"field", "lever"}, {"type", "nominal"}, {"sort", sort}, {"title", nullptr}, {"axis", {{"labelLimit", 200}}}};
  Json x_title = {{"field", "diff"}, {"type", "quantitative"}, {"title", "change in probability"}, {"axis", {{"format", "+.1~%"}}}};
  Json layers = Json::array();
  if (unpaired)
    layers.push_back({{"mark", {{"type", "rule"}, {"color", "#b8bec8"}, {"strokeWidth", 7}, {"opacity", 0.7}}},
                      {"encoding", {{"y", y}, {"x", {{"field", "ulo"}, {"type", "quantitative"}, {"title", nullptr}}}, {"x2", {{"field", "uhi"}}}}}});
  layers.push_back(
      {{"mark", {{"type", "bar"}, {"height", {{"band", 0.55}}}}},
       {"encoding", {{"y", y}, {"x", x_title},
                     {"color", {{"condition", {{"test", "datum.diff < 0"}, {"value", "#e45756"}}}, {"value", "#4c78a8"}}},
                     {"tooltip", Json::array({{{"field", "lever"}}, {{"field", "outcome"}},
                                              {{"field", "diff"}, {"format", "+.2%"}, {"title", "difference"}},
                                              {{"field", "lo"}, {"format", "+.2%"}, {"title", "paired 95% low"}},
                                              {{"field", "hi"}, {"format", "+.2%"}, {"title", "paired 95% high"}}})}}}});
  layers.push_back({{"mark", {{"type", "errorbar"}, {"ticks", true}, {"color", "#1d2430"}}},
                    {"encoding", {{"y", y}, {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", nullptr}}}, {"x2", {{"field", "hi"}}}}}});
  layers.push_back({{"mark", {{"type", "rule"}, {"color", "#666"}}}, {"encoding", {{"x", {{"datum", 0}, {"type", "quantitative"}}}}}});
  s["spec"] = {{"width", 300}, {"height", {{"step", 16}}}, {"layer", layers}};
  // Each outcome on its own scale: a lever that moves a rare outcome by a point must not
  // look like nothing beside one that moves a common outcome by thirty.
  if (outcomes.size() > 1) s["resolve"] = {{"scale", {{"x", "independent"}}}};
  s["config"] = base_spec("")["config"];
  page.chart(name, s, caption, table);
}

Json effect_rows(const Json& comparisons, bool levers) {
  Json rows = Json::array();
  for (const auto& c : comparisons) {
    std::string base = str_or(c, "base", "base"), variant = str_or(c, "variant", "variant");
    std::string label = variant + " vs " + base;
    if (levers && base.rfind("without ", 0) == 0) label = base.substr(8);
    if (!c.contains("outcomes") || !c["outcomes"].is_array()) continue;
    for (const auto& o : c["outcomes"]) {
      Json r = {{"lever", label}, {"outcome", str_or(o, "id", "?")}, {"diff", o["difference"]},
                {"lo", o["paired_ci95"][0]}, {"hi", o["paired_ci95"][1]}};
      if (o.contains("unpaired_ci95") && o["unpaired_ci95"].is_array() && o["unpaired_ci95"].size() == 2) {
        r["ulo"] = o["unpaired_ci95"][0];
        r["uhi"] = o["unpaired_ci95"][1];
      }
      rows.push_back(r);
    }
  }
  return rows;
}

// The lever effects as a table, largest change first (the ranked summary of the chart).
std::string effects_table(const Json& rows) {
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::abs(rows[a]["diff"].get<double>()) > std::abs(rows[b]["diff"].get<double>());
  });
  bool unpaired = false;
  for (const auto& r : rows) unpaired = unpaired || r.contains("ulo");
  std::vector<std::vector<std::string>> t;
  for (size_t i : order) {
    const Json& r = rows[i];
    std::vector<std::string> row = {esc(r["lever"].get<std::string>()), esc(r["outcome"].get<std::string>()),
                                    pts(r["diff"]), pts(r["lo"]) + " to " + pts(r["hi"])};
    if (unpaired) row.push_back(r.contains("ulo") ? pts(r["ulo"]) + " to " + pts(r["uhi"]) : std::string("-"));
    t.push_back(row);
  }
  std::vector<std::string> header = {"lever", "outcome", "change (points)", "paired 95% interval"};
  if (unpaired) header.push_back("unpaired 95% interval");
  return data_table(header, t, unpaired ? "llnnn" : "llnn");
}

const char* kLeverCaption =
    "Each bar is what the lever changes in an outcome's probability: the scenario as written minus the same "
    "scenario with only that lever switched off. Both arms use the same random numbers run by run, so the "
    "difference is due to the lever alone. Blue bars to the right: the lever makes the outcome more likely; red "
    "bars to the left: less likely. The "
    "black whisker is the 95% interval of the paired difference; the wide grey band behind it is the interval two "
    "independent experiments of the same size would give. A whisker that crosses the grey zero line is not "
    "distinguishable from no effect. Levers are sorted by their largest effect. Each outcome's panel has its own "
    "scale, so that small changes in rare outcomes can be seen: read the axis of each panel (or the table) "
    "before comparing bars across panels.";

void run_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  if (head) header(page, j, "run", run_command_of(j));
  else page.h2("Run: " + str_or(j, "title", in.source), "run-" + str_or(j, "scenario", "x"));
  findings(page, j);
  page.h2("How likely is each outcome, and when?", "outcomes");
  outcome_chart(page, j);
  when_table(page, j);
  regime_section(page, j);
  page.h2("When does it happen?", "timing");
  survival_chart(page, j);
  cumulative_chart(page, j);
  fan_charts(page, j);
  if (j.contains("lever_effects") && j["lever_effects"].is_object() && j["lever_effects"].contains("comparisons")) {
    Json rows = effect_rows(j["lever_effects"]["comparisons"], true);
    if (!rows.empty()) {
      page.h2("Why: what each lever changes", "levers");
      tornado(page, "lever-effects", rows, kLeverCaption, effects_table(rows));
    }
  } else if (j.contains("command") && j["command"].is_string()) {
    // Lever effects cost one paired run per lever, so they are asked for, not assumed.
    page.h2("Why: what each lever changes", "levers");
    page.p("This report was made without lever effects. To see how much each lever moves each outcome (each "
           "lever switched off in turn, with the same random numbers), run:");
    page.html("<pre class=\"command\">" + esc(j["command"].get<std::string>()) + " --lever-effects --report report.html</pre>\n");
  }
  provenance(page, j);
}

// "What this variant changes": the compare JSON's `changes` (analysis/compare/variant_diff.h).
void variant_changes(Page& page, const Json& j, const std::string& base, const std::string& variant) {
  page.h2("What this variant changes", "changes");
  if (!j.contains("changes") || !j["changes"].is_array()) {
    page.p("This comparison's file does not list what the variant changes (it was written by an older geosim); "
           "run <code>geosim compare</code> again to see it.");
    return;
  }
  const Json& cs = j["changes"];
  if (cs.empty()) {
    page.p("Nothing that this list compares differs between <code>" + esc(base) + "</code> and <code>" + esc(variant) +
           "</code> as loaded: the same parameters, items, lever and event dates, kinds, actors and "
           "conditions. Other parts (observations, an outcome's condition, a ladder's rungs) are not compared; where "
           "they are equal too, every difference below is chance.");
    return;
  }
  page.p("Every value in which <code>" + esc(variant) + "</code> differs from <code>" + esc(base) +
         "</code>, as loaded (after <code>extends:</code> and <code>--set</code>): the parameters by their path "
         "(as for <code>--set</code>), the levers, events and other items added, removed, switched on or off "
         "or moved to other dates, and the kinds, actors and conditions of levers and events. " +
         std::to_string(cs.size()) + (cs.size() == 1 ? " difference." : " differences."));
  auto text = [](const Json& c, const char* k) {
    return c.contains(k) && c[k].is_string() ? esc(c[k].get<std::string>()) : std::string("<span class=\"note\">absent</span>");
  };
  std::string h = "<table class=\"changes\">\n<tr><th>what</th><th>change</th><th>path</th><th>base</th><th>variant</th></tr>\n";
  for (const auto& c : cs)
    h += "<tr><td>" + esc(str_or(c, "kind", "")) + "</td><td>" + esc(str_or(c, "change", "")) + "</td><td><code>" +
         esc(str_or(c, "path", "")) + "</code></td><td>" + text(c, "base") + "</td><td>" + text(c, "variant") + "</td></tr>\n";
  page.html(h + "</table>\n");
}

void compare_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  const Json& comps = j["comparisons"];
  bool levers = comps.size() > 1;
  for (const auto& c : comps) levers = levers || str_or(c, "base", "").rfind("without ", 0) == 0;
  if (head) {
    Json h = j;
    if (!h.contains("title"))
      h["title"] = levers ? "What each lever of '" + str_or(j, "scenario", "?") + "' changes"
                          : str_or(comps[0], "variant", "variant") + " vs " + str_or(comps[0], "base", "base");
    header(page, h, "comparison", str_or(j, "command", levers ? "geosim run SCENARIO --lever-effects" : "geosim compare BASE.yaml VARIANT.yaml"));
  }
  if (levers) {
    page.h2("Why: what each lever changes", "levers");
    Json rows = effect_rows(comps, true);
    tornado(page, "lever-effects", rows, kLeverCaption, effects_table(rows));
    return;
  }
  const Json& c = comps[0];
  // The arms are named by their files; prefixes keep them apart when the files are the same.
  std::string base = "base: " + str_or(c, "base", "?"), variant = "variant: " + str_or(c, "variant", "?");
  variant_changes(page, j, str_or(c, "base", "?"), str_or(c, "variant", "?"));
  page.h2("What changes between the two scenarios", "compare");
  page.p("<strong>" + esc(base) + "</strong>; <strong>" + esc(variant) + "</strong>.");
  Json arms = Json::array();
  for (const auto& o : c["outcomes"])
    for (const char* arm : {"base", "variant"}) {
      if (!o.contains(arm) || !o[arm].is_object()) continue;
      const auto& a = o[arm];
      Json r = {{"outcome", str_or(o, "id", "?")}, {"arm", arm == std::string("base") ? base : variant},
                {"p", a.value("probability", 0.0)}};
      if (a.contains("ci95") && a["ci95"].is_array() && a["ci95"].size() == 2) {
        r["lo"] = a["ci95"][0];
        r["hi"] = a["ci95"][1];
      }
      arms.push_back(r);
    }
  if (!arms.empty()) {
    Json s = base_spec("Probability of each outcome in each scenario", 560, std::max(100, 26 * static_cast<int>(arms.size())));
    s["data"] = {{"values", arms}};
    Json y = {{"field", "outcome"}, {"type", "nominal"}, {"sort", nullptr}, {"title", nullptr}, {"axis", {{"labelLimit", 300}}}};
    Json yoff = {{"field", "arm"}, {"type", "nominal"}, {"sort", {base, variant}}};
    s["layer"] = Json::array(
        {{{"mark", "bar"},
          {"encoding", {{"y", y}, {"yOffset", yoff},
                        {"x", {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"}, {"axis", {{"format", ".0%"}}}}},
                        {"color", {{"field", "arm"}, {"type", "nominal"}, {"sort", {base, variant}}, {"title", nullptr}, {"legend", {{"orient", "bottom"}}}}}}}},
         {{"mark", {{"type", "errorbar"}, {"ticks", true}, {"color", "#1d2430"}}},
          {"encoding", {{"y", y}, {"yOffset", yoff}, {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", nullptr}}}, {"x2", {{"field", "hi"}}}}}}});
    std::vector<std::vector<std::string>> rows;
    for (const auto& o : c["outcomes"]) {
      auto arm = [&](const char* k) {
        if (!o.contains(k) || !o[k].is_object()) return std::string("-");
        const Json& a = o[k];
        std::string t = pct_of(a.value("probability", Json(nullptr)));
        if (a.contains("ci95")) t += " (" + interval_pct(a["ci95"]) + ")";
        return t;
      };
      rows.push_back({esc(str_or(o, "id", "?")), arm("base"), arm("variant")});
    }
    page.chart("compare-arms", s,
               "For each outcome, one bar per scenario; whiskers are the 95% intervals of each probability on its own.",
               data_table({"outcome", "base: probability (95% interval)", "variant: probability (95% interval)"}, rows, "lnn"));
  }
  Json rows = effect_rows(comps, false);
  for (auto& r : rows) r["lever"] = "variant minus base";  // one panel per outcome, each on its own scale
  // The paired intervals, outcome by outcome: the numbers of the chart below.
  std::vector<std::vector<std::string>> t;
  for (const auto& o : c["outcomes"]) {
    auto prob = [&](const char* k) {
      return o.contains(k) && o[k].is_object() ? pct_of(o[k].value("probability", Json(nullptr))) : std::string("-");
    };
    std::string ratio = "-";
    if (o.contains("unpaired_ci95") && o["unpaired_ci95"].is_array() && o["unpaired_ci95"].size() == 2 &&
        o["unpaired_ci95"][0].is_number() && o["unpaired_ci95"][1].is_number() && o["paired_ci95"][0].is_number() &&
        o["paired_ci95"][1].is_number()) {
      double wu = o["unpaired_ci95"][1].get<double>() - o["unpaired_ci95"][0].get<double>();
      double wp = o["paired_ci95"][1].get<double>() - o["paired_ci95"][0].get<double>();
      if (wu > 0) ratio = num(wp / wu, 2);
    }
    t.push_back({esc(str_or(o, "id", "?")), prob("base"), prob("variant"), pts(o["difference"]),
                 interval_pts(o["paired_ci95"]), o.contains("unpaired_ci95") ? interval_pts(o["unpaired_ci95"]) : "-", ratio});
  }
  tornado(page, "compare-diff", rows,
          "The change in each outcome's probability, variant minus base, one panel per outcome, each on its own "
          "scale (read its axis: a small change in a rare outcome is drawn as large as a big one in a common "
          "outcome). Both scenarios were run with the same "
          "random numbers for each run index, so the 95% interval of the difference (black whisker) is much "
          "narrower than the interval two independent experiments would give (grey band). A whisker that does "
          "not cross the grey zero line is a change the runs can tell apart from chance. In the table, changes are in "
          "percentage points; the width ratio is the paired interval's width over the unpaired one (below 1: the "
          "common random numbers sharpened the estimate).",
          data_table({"outcome", "base", "variant", "change (points)", "paired 95% interval", "unpaired 95% interval",
                      "width ratio"},
                     t, "lnnnnnn"));
}

}  // namespace geosim::report
