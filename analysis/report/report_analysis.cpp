// Sections for batch analyses: a sweep's results (line chart for one swept parameter, heat
// map for two on a grid, one panel per parameter otherwise), Sobol and Morris sensitivity
// indices, and PRIM boxes from scenario discovery.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <set>

#include "engine/output/numbers.h"
#include "analysis/report/report_page.h"

namespace geosim::report {

namespace {

void simple_header(Page& page, const std::string& kind, const std::string& title, const std::string& line,
                   const std::string& command, const std::string& hash = "") {
  page.html("<header>\n<p class=\"meta\">geosim " + esc(kind) + " report</p>\n<h1>" + esc(title) + "</h1>\n");
  if (!line.empty()) page.html("<p class=\"meta\">" + line + "</p>\n");
  page.html("<p>To reproduce:</p>\n<pre class=\"command\">" + esc(command) + "</pre>\n");
  // The scenario's content hash (docs/output.md, "Reproducing a result"), when recorded.
  if (!hash.empty()) page.html("<p class=\"meta\">scenario hash <code>" + esc(hash) + "</code></p>\n");
  page.html("</header>\n<!--toc-->\n");
}

std::string number_list(const Json& j) { return j.is_array() ? std::to_string(j.size()) : "0"; }

// A number as a short label: up to 4 significant digits, no trailing zeros.
std::string short_num(const Json& v) {
  if (!v.is_number()) return "-";
  return general(v.get<double>(), 4);
}

std::string pct_of(const Json& v) { return v.is_number() ? pct(v.get<double>()) : std::string("-"); }

// What a sweep swept, for its title: "Sweep of A and B", "Sweep of A, B, C and 2 more".
std::string sweep_title(const Json& params) {
  std::vector<std::string> names;
  for (const auto& p : params) names.push_back(p.is_string() ? p.get<std::string>() : p.dump());
  if (names.empty()) return "Sweep";
  size_t shown = std::min<size_t>(names.size(), names.size() > 4 ? 3 : 4);
  std::string t = "Sweep of ";
  for (size_t i = 0; i < shown; ++i)
    t += (i == 0 ? "" : (i + 1 == shown && shown == names.size() ? " and " : ", ")) + names[i];
  if (shown < names.size()) t += " and " + std::to_string(names.size() - shown) + " more";
  return t;
}

// "seed 1 · 1,000 runs per point": the seed from the sweep's store, the runs from the points.
std::string sweep_line(const Json& j, const std::string& source) {
  const Json& points = j["points"];
  std::string line = number_list(points) + " points over " + std::to_string(j["params"].size()) + " parameter(s)";
  const Json meta = j.contains("meta") && j["meta"].is_object() ? j["meta"] : Json::object();
  if (meta.contains("design")) line += " (" + esc(str_or(meta, "design", "")) + ")";
  if (meta.contains("seed")) line += " &middot; seed " + esc(str_or(meta, "seed", ""));
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& pt : points)
    if (pt.contains("runs") && pt["runs"].is_number_unsigned()) {
      lo = std::min(lo, pt["runs"].get<uint64_t>());
      hi = std::max(hi, pt["runs"].get<uint64_t>());
    }
  if (hi > 0) line += " &middot; " + (lo == hi ? std::to_string(hi) : std::to_string(lo) + " to " + std::to_string(hi)) + " runs per point";
  else if (meta.contains("runs_per_point")) line += " &middot; " + esc(str_or(meta, "runs_per_point", "")) + " runs per point";
  if (meta.contains("scenario")) line += " &middot; scenario <code>" + esc(str_or(meta, "scenario", "")) + "</code>";
  line += " &middot; results in <code>" + esc(source) + "</code>";
  return line;
}

// The sweep's numbers, one row per point: its parameter values, then each outcome's
// probability with its 95% interval.
std::string sweep_table(const Json& params, const Json& outcomes, const Json& points) {
  std::vector<std::string> header = {"point"};
  for (const auto& p : params) header.push_back(p.is_string() ? p.get<std::string>() : p.dump());
  for (const auto& o : outcomes) header.push_back((o.is_string() ? o.get<std::string>() : o.dump()) + " (95% interval)");
  std::vector<std::vector<std::string>> rows;
  for (const auto& pt : points) {
    std::vector<std::string> r = {pt.contains("point") ? esc(pt["point"].dump()) : std::string("-")};
    for (size_t k = 0; k < params.size(); ++k) r.push_back(short_num(pt["x"][k]));
    for (size_t o = 0; o < outcomes.size(); ++o)
      r.push_back(pct_of(pt["p"][o]) + " (" + pct_of(pt["lo"][o]) + " to " + pct_of(pt["hi"][o]) + ")");
    rows.push_back(r);
  }
  return data_table(header, rows, std::string(header.size(), 'n'));
}

// The points that failed, each with its parameter values and why it failed. results.csv
// says only that a point failed; the reason is in the sweep's database (results.sqlite,
// table `failed`), which read_report_input() reads when the input is the sweep's folder.
void failed_points(Page& page, const Json& j) {
  const int64_t failed = j.contains("failed") && j["failed"].is_number_integer() ? j["failed"].get<int64_t>() : 0;
  if (failed <= 0) return;
  const Json listed = j.contains("failed_points") && j["failed_points"].is_array() ? j["failed_points"] : Json::array();
  const bool store = j.contains("store") && j["store"].is_boolean() && j["store"].get<bool>();
  std::string text = std::to_string(failed) + (failed == 1 ? " point failed and is" : " points failed and are") +
                     " left out of the charts. ";
  if (store)
    text += "Why, from the sweep's database (<code>results.sqlite</code>, table <code>failed</code>):";
  else
    text +=
        "<code>results.csv</code> records only that a point failed, not why; the reasons are in the sweep's "
        "database, <code>results.sqlite</code> (table <code>failed</code>), which is not beside this "
        "<code>results.csv</code> or is not a sweep's database. The failed points:";
  page.p("<span class=\"note\">" + text + "</span>");
  std::string h = "<table class=\"failed\">\n<tr><th>point</th>";
  for (const auto& p : j["params"]) h += "<th>" + esc(p.is_string() ? p.get<std::string>() : p.dump()) + "</th>";
  if (store) h += "<th>why it failed</th>";
  h += "</tr>\n";
  for (const auto& f : listed) {
    h += "<tr><td class=\"n\">" + (f.contains("point") ? esc(f["point"].dump()) : std::string("-")) + "</td>";
    for (size_t k = 0; k < j["params"].size(); ++k)
      h += "<td class=\"n\">" + (f.contains("x") && k < f["x"].size() ? short_num(f["x"][k]) : std::string("-")) +
           "</td>";
    if (store)
      h += "<td>" +
           (f.contains("reason") && f["reason"].is_string()
                ? esc(f["reason"].get<std::string>())
                : std::string("<span class=\"note\">not recorded in results.sqlite</span>")) +
           "</td>";
    h += "</tr>\n";
  }
  page.html(h + "</table>\n");
  if (failed > static_cast<int64_t>(listed.size()))
    page.p("<span class=\"note\">The first " + std::to_string(listed.size()) + " of the " + std::to_string(failed) +
           " are listed" +
           (store ? std::string("; the table <code>failed</code> of <code>results.sqlite</code> holds the reason of "
                                "every one.")
                  : std::string(".")) +
           "</span>");
}
}  // namespace

void sweep_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  const auto& params = j["params"];
  const auto& outcomes = j["outcomes"];
  const auto& points = j["points"];
  if (head)
    simple_header(page, "sweep", sweep_title(params), sweep_line(j, in.source),
                  str_or(j, "command", "geosim sweep SPEC.yaml --output " + in.source), str_or(j, "scenario_hash", ""));
  page.h2("How the outcomes change across the sweep" + (head ? std::string() : " (" + in.source + ")"), "sweep");
  failed_points(page, j);
  if (points.empty() || params.empty()) {
    page.p("The sweep has no finished points to show.");
    return;
  }
  size_t np = params.size();
  const std::string table = sweep_table(params, outcomes, points);
  // Facets in the outcomes' order (not alphabetical).
  Json outcome_order = Json::array();
  for (const auto& o : outcomes) outcome_order.push_back(o);
  // Long form: one row per point and outcome. Parameter k is the field "xK": a name from
  // results.csv never reaches Vega as a field name (where '.', '[' or ']' are syntax and
  // a crafted name could inject markup through an error message); it is shown as a title.
  auto field = [](size_t k) { return "x" + std::to_string(k); };
  Json rows = Json::array();
  for (const auto& pt : points)
    for (size_t o = 0; o < outcomes.size(); ++o) {
      Json r;
      for (size_t k = 0; k < np; ++k) r[field(k)] = pt["x"][k];
      r["outcome"] = outcomes[o];
      r["p"] = pt["p"][o];
      r["lo"] = pt["lo"][o];
      r["hi"] = pt["hi"][o];
      r["runs"] = pt["runs"];
      rows.push_back(r);
    }
  if (np == 1) {
    std::string p0 = params[0].get<std::string>();
    // One panel per outcome, each on its own vertical scale: a 2% outcome that doubles must
    // not look flat beside a 60% one.
    Json s;
    s["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
    s["title"] = "Outcome probabilities along " + p0;
    s["data"] = {{"values", rows}};
    s["columns"] = outcomes.size() > 1 ? 2 : 1;
    s["facet"] = {{"field", "outcome"}, {"type", "nominal"}, {"title", nullptr}, {"sort", outcome_order},
                  {"header", {{"labelFontSize", 12}, {"labelFontWeight", "bold"}}}};
    Json x = {{"field", field(0)}, {"type", "quantitative"}, {"title", p0}};
    s["spec"] = {{"width", 300}, {"height", 170},
                 {"layer", Json::array(
                     {{{"mark", {{"type", "area"}, {"opacity", 0.2}, {"color", "#4c78a8"}}},
                       {"encoding", {{"x", x}, {"y", {{"field", "lo"}, {"type", "quantitative"}}}, {"y2", {{"field", "hi"}}}}}},
                      {{"mark", {{"type", "line"}, {"point", true}, {"color", "#4c78a8"}}},
                       {"encoding", {{"x", x},
                                     {"y", {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"},
                                            {"scale", {{"zero", false}}}, {"axis", {{"format", ".1~%"}}}}},
                                     {"tooltip", Json::array({{{"field", "outcome"}}, {{"field", field(0)}, {"title", p0}},
                                                              {{"field", "p"}, {"format", ".1%"}},
                                                              {{"field", "lo"}, {"format", ".1%"}},
                                                              {{"field", "hi"}, {"format", ".1%"}}})}}}}})}};
    if (outcomes.size() > 1) s["resolve"] = {{"scale", {{"y", "independent"}}}};
    s["config"] = base_spec("")["config"];
    page.chart("sweep-line", s,
               "One panel per outcome: the line is its probability as <code>" + esc(p0) + "</code> varies, all else "
               "held as in the scenario; points are the swept values and the shaded band is each point's 95% "
               "interval. Each panel has its own vertical scale, so that a rare outcome's changes show: read the "
               "axis before comparing panels. Where a line rises or falls steeply, the outcome is sensitive to this "
               "parameter.",
               table);
    return;
  }
  std::set<double> v0, v1;
  for (const auto& pt : points) {
    v0.insert(pt["x"][0].get<double>());
    v1.insert(pt["x"][1].get<double>());
  }
  bool grid = np == 2 && v0.size() * v1.size() == points.size() && v0.size() <= 40 && v1.size() <= 40;
  if (np == 2) {
    std::string p0 = params[0].get<std::string>(), p1 = params[1].get<std::string>();
    Json s;
    s["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
    s["title"] = "Outcome probabilities over " + p0 + " and " + p1;
    s["data"] = {{"values", rows}};
    s["columns"] = 2;
    s["facet"] = {{"field", "outcome"}, {"type", "nominal"}, {"title", nullptr}, {"sort", outcome_order},
                  {"header", {{"labelFontSize", 12}, {"labelFontWeight", "bold"}}}};
    // One colour scale and legend per outcome: on a shared 0-100% scale an outcome that
    // moves between 1% and 3% would be one flat colour.
    if (outcomes.size() > 1) s["resolve"] = {{"scale", {{"color", "independent"}}}};
    Json tooltip = Json::array({{{"field", field(0)}, {"title", p0}}, {{"field", field(1)}, {"title", p1}},
                                {{"field", "p"}, {"format", ".1%"}}, {{"field", "lo"}, {"format", ".1%"}},
                                {{"field", "hi"}, {"format", ".1%"}}});
    Json color = {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"},
                  {"scale", {{"scheme", "viridis"}, {"zero", false}}},
                  {"legend", {{"format", ".2~%"}, {"gradientLength", 160}}}};
    Json inner = {{"width", 260}, {"height", 220}};
    if (grid) {
      // Labels sized by how many there are: at least 14 px per row or column, smaller type
      // and upright column labels when they are many, and any label that would still
      // collide left out rather than drawn on top of another.
      auto axis = [](size_t n, bool columns) {
        Json a = {{"format", ".3~g"}, {"formatType", "number"}, {"labelOverlap", "greedy"}, {"labelLimit", 60},
                  {"labelFontSize", n > 24 ? 9 : (n > 14 ? 10 : 11)}};
        if (columns) a["labelAngle"] = n > 12 ? -90 : 0;
        return a;
      };
      if (v0.size() * 14 > 260) inner["width"] = Json{{"step", 14}};
      if (v1.size() * 14 > 220) inner["height"] = Json{{"step", 14}};
      inner["mark"] = "rect";
      inner["encoding"] = {{"x", {{"field", field(0)}, {"type", "ordinal"}, {"title", p0}, {"axis", axis(v0.size(), true)}}},
                           {"y", {{"field", field(1)}, {"type", "ordinal"}, {"title", p1}, {"sort", "descending"},
                                  {"axis", axis(v1.size(), false)}}},
                           {"color", color}, {"tooltip", tooltip}};
    } else {
      inner["mark"] = {{"type", "circle"}, {"size", 60}, {"opacity", 0.9}};
      inner["encoding"] = {{"x", {{"field", field(0)}, {"type", "quantitative"}, {"title", p0}}},
                           {"y", {{"field", field(1)}, {"type", "quantitative"}, {"title", p1}}},
                           {"color", color}, {"tooltip", tooltip}};
    }
    s["spec"] = inner;
    s["config"] = base_spec("")["config"];
    page.chart("sweep-heatmap", s,
               std::string(grid ? "A heat map for each outcome: each cell is one combination"
                                : "For each outcome, each dot is one sampled combination") +
                   " of <code>" + esc(p0) + "</code> (across) and <code>" + esc(p1) + "</code> (up), coloured by the "
                   "outcome's probability there (yellow high, purple low). Each outcome has its own colour scale, "
                   "from its lowest to its highest probability in the sweep, with its own legend: read the legend "
                   "before comparing colours across panels. Look for where the colour changes fast: that is the "
                   "boundary between regimes of the scenario.",
               table);
    return;
  }
  // Three or more parameters: a row of panels per outcome, one panel per parameter, the
  // outcome's probability against the parameter's value. Each row has its own vertical
  // scale, so that a rare outcome's trend shows.
  Json lrows = Json::array();
  Json param_order = Json::array();
  for (const auto& p : params) param_order.push_back(p);
  for (const auto& pt : points)
    for (size_t k = 0; k < np; ++k)
      for (size_t o = 0; o < outcomes.size(); ++o)
        lrows.push_back({{"parameter", params[k]}, {"value", pt["x"][k]}, {"outcome", outcomes[o]}, {"p", pt["p"][o]}});
  Json s;
  s["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
  s["title"] = "Outcome probability against each swept parameter";
  s["data"] = {{"values", lrows}};
  s["facet"] = {{"row", {{"field", "outcome"}, {"type", "nominal"}, {"title", nullptr}, {"sort", outcome_order},
                         {"header", {{"labelFontWeight", "bold"}, {"labelLimit", 160}}}}},
                {"column", {{"field", "parameter"}, {"type", "nominal"}, {"title", nullptr}, {"sort", param_order},
                            {"header", {{"labelLimit", 220}}}}}};
  s["resolve"] = {{"scale", {{"x", "independent"}, {"y", "independent"}}}};
  const int width = std::max(110, 660 / static_cast<int>(np));
  s["spec"] = {{"width", width}, {"height", 110}, {"mark", {{"type", "circle"}, {"size", 14}, {"opacity", 0.6}, {"color", "#4c78a8"}}},
               {"encoding", {{"x", {{"field", "value"}, {"type", "quantitative"}, {"title", nullptr}}},
                             {"y", {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"},
                                    {"scale", {{"zero", false}}}, {"axis", {{"format", ".1~%"}}}}}}}};
  s["config"] = base_spec("")["config"];
  page.chart("sweep-panels", s,
             "One row of panels per outcome and one panel per swept parameter: each dot is one sweep point, placed by "
             "that parameter's value and the outcome's probability there. Each row has its own vertical scale, so "
             "that a rare outcome's trend shows: read the axis before comparing rows. A clear upward or downward "
             "trend in a panel means the parameter matters for that outcome even while the others vary; a "
             "shapeless cloud means it matters little.",
             table);
}

void sensitivity_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  std::string method = str_or(j, "method", "sobol");
  const auto& params = j["parameters"];
  if (head) {
    std::string line = method + ", " + (j.contains("samples") ? j["samples"].dump() : std::string("?")) + " samples, " +
                       std::to_string(params.size()) + " parameters";
    simple_header(page, "sensitivity", str_or(j, "title", "Sensitivity analysis (" + method + ")"), esc(line),
                  str_or(j, "command", "geosim sensitivity SCENARIO --method " + method), str_or(j, "scenario_hash", ""));
  }
  page.h2(method == "sobol" ? "Which uncertain inputs drive each outcome (Sobol indices)"
                            : "Which uncertain inputs matter (Morris screening)",
          "sensitivity-" + method);
  for (const auto& o : j["outputs"]) {
    std::string id = o.contains("id") && o["id"].is_string() ? o["id"].get<std::string>() : o.value("id", Json()).dump();
    Json rows = Json::array();
    for (size_t k = 0; k < params.size(); ++k) {
      std::string name = params[k].is_string() ? params[k].get<std::string>() : params[k].dump();
      auto add = [&](const char* index, const char* key, const char* ci) {
        if (!o.contains(key) || !o[key].is_array() || k >= o[key].size() || !o[key][k].is_number()) return;
        Json r = {{"parameter", name}, {"index", index}, {"value", o[key][k]}};
        if (o.contains(ci) && o[ci].is_array() && k < o[ci].size() && o[ci][k].is_array() && o[ci][k].size() == 2) {
          r["lo"] = o[ci][k][0];
          r["hi"] = o[ci][k][1];
        }
        rows.push_back(r);
      };
      if (method == "sobol") {
        add("first-order S1", "S1", "S1_ci95");
        add("total ST", "ST", "ST_ci95");
      } else {
        add("mu* (mean |effect|)", "mu_star", "mu_star_ci95");
        add("sigma (interactions)", "sigma", "sigma_ci95");
      }
    }
    if (rows.empty()) {
      const double mean = o.contains("mean") && o["mean"].is_number() ? o["mean"].get<double>() : -1;
      const bool rare = j.contains("runs_per_point") && j["runs_per_point"].is_number() &&
                        j["runs_per_point"].get<double>() > 0 && (mean == 0 || mean == 1);
      // Every index null: a Sobol index is a share of the outcome's variance, and an outcome
      // that is the same at every design point has none to share. Said in words, as
      // `geosim sensitivity` says it, rather than drawn as an empty chart.
      page.p("<strong>" + std::string(method == "sobol" ? "Sobol indices for " : "Morris screening for ") + "<code>" +
             esc(id) + "</code></strong>: " +
             (method == "sobol" && !params.empty()
                  ? "the outcome is the same at every design point: no input moves it, so its indices are "
                    "undefined (there is no variance to share out) and there is no chart to draw." +
                        std::string(rare ? " It happened in " + std::string(mean == 0 ? "none" : "every one") +
                                               " of the runs of any design point, which all use the same runs: an "
                                               "outcome " +
                                               (mean == 0 ? "rarer" : "whose absence is rarer") +
                                               " than one in the runs per point needs more "
                                               "<code>--runs-per-point</code>."
                                         : "")
                  : "no index could be computed for this output (every value is undefined), so there is no chart "
                    "to draw."));
      continue;
    }
    Json s = base_spec(method == "sobol" ? "Sobol indices for " + id : "Morris screening for " + id, 560,
                       std::max(90, 34 * static_cast<int>(params.size())));
    s["data"] = {{"values", rows}};
    Json y = {{"field", "parameter"}, {"type", "nominal"}, {"sort", nullptr}, {"title", nullptr}, {"axis", {{"labelLimit", 300}}}};
    Json yoff = {{"field", "index"}, {"type", "nominal"}};
    s["layer"] = Json::array(
        {{{"mark", "bar"},
          {"encoding", {{"y", y}, {"yOffset", yoff},
                        {"x", {{"field", "value"}, {"type", "quantitative"}, {"title", method == "sobol" ? "share of the outcome's variance" : "effect on the probability"}}},
                        {"color", {{"field", "index"}, {"type", "nominal"}, {"legend", {{"orient", "bottom"}}}}},
                        {"tooltip", Json::array({{{"field", "parameter"}}, {{"field", "index"}}, {{"field", "value"}, {"format", ".3f"}},
                                                 {{"field", "lo"}, {"format", ".3f"}}, {{"field", "hi"}, {"format", ".3f"}}})}}}},
         {{"mark", {{"type", "errorbar"}, {"ticks", true}, {"color", "#1d2430"}}},
          {"encoding", {{"y", y}, {"yOffset", yoff}, {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", nullptr}}}, {"x2", {{"field", "hi"}}}}}}});
    std::string cap = method == "sobol"
        ? "How much of the run-to-run variation in <code>" + esc(id) + "</code> each uncertain input explains. "
          "The first-order index S1 is the share it explains on its own; the total index ST adds its "
          "interactions with the other inputs. An input with ST near zero can be fixed at any plausible value "
          "without changing the answer. Whiskers are bootstrap 95% intervals: if they are wide compared with "
          "the bar, more samples are needed."
        : "Morris screening for <code>" + esc(id) + "</code>: mu* is the average size of the change in the output "
          "when the input moves across its range; a large mu* marks an input that matters. A sigma as large as "
          "mu* means its effect depends on the other inputs (interactions or non-linearity). Whiskers are 95% "
          "intervals.";
    std::string name = "sensitivity-";
    for (char c : id) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    // The table: one row per input, each index with its interval.
    std::vector<std::string> header = {"input"};
    std::vector<std::string> indices;
    for (const auto& r : rows)
      if (std::find(indices.begin(), indices.end(), r["index"].get<std::string>()) == indices.end())
        indices.push_back(r["index"].get<std::string>());
    // "(95% interval)" only over an index that has one (Morris's sigma comes without).
    for (const auto& ix : indices) {
      bool interval = false;
      for (const auto& r : rows) interval = interval || (r["index"].get<std::string>() == ix && r.contains("lo"));
      header.push_back(interval ? ix + " (95% interval)" : ix);
    }
    std::vector<std::vector<std::string>> t;
    for (size_t k = 0; k < params.size(); ++k) {
      std::string pname = params[k].is_string() ? params[k].get<std::string>() : params[k].dump();
      std::vector<std::string> row = {"<code>" + esc(pname) + "</code>"};
      for (const auto& ix : indices) {
        std::string cell = "-";
        for (const auto& r : rows)
          if (r["parameter"].get<std::string>() == pname && r["index"].get<std::string>() == ix) {
            cell = num(r["value"].get<double>(), 3);
            if (r.contains("lo") && r["lo"].is_number() && r["hi"].is_number())
              cell += " (" + num(r["lo"].get<double>(), 3) + " to " + num(r["hi"].get<double>(), 3) + ")";
          }
        row.push_back(cell);
      }
      t.push_back(row);
    }
    page.chart(name, s, cap, data_table(header, t, "l" + std::string(indices.size(), 'n')));
  }
}

void discovery_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  std::string outcome = str_or(j, "outcome", "the outcome");
  if (head)
    simple_header(page, "scenario discovery", "Scenario discovery: when does " + outcome + " happen?",
                  j.contains("threshold") ? "PRIM, threshold " + j["threshold"].dump() : "PRIM",
                  str_or(j, "command", "geosim discover RESULTS --outcome " + outcome), str_or(j, "scenario_hash", ""));
  page.h2("Conditions under which " + outcome + " is likely (PRIM)", "prim");
  Json rows = Json::array();
  int step = 0;
  for (const auto& t : j["trajectory"]) {
    if (!t.is_object() || !t.contains("coverage") || !t.contains("density")) continue;
    Json r = {{"step", step++}, {"coverage", t["coverage"]}, {"density", t["density"]}};
    if (t.contains("dims") || t.contains("restricted")) r["restricted"] = t.contains("dims") ? t["dims"] : t["restricted"];
    rows.push_back(r);
  }
  const Json* box = j.contains("chosen") && j["chosen"].is_object() ? &j["chosen"]
                    : (j.contains("box") && j["box"].is_object() ? &j["box"] : nullptr);
  Json s = base_spec("Peeling trajectory: coverage against density", 480, 300);
  s["data"] = {{"values", rows}};
  Json layers = Json::array(
      {{{"mark", {{"type", "line"}, {"point", true}, {"color", "#4c78a8"}}},
        {"encoding", {{"x", {{"field", "coverage"}, {"type", "quantitative"}, {"scale", {{"domain", {0, 1}}}}, {"axis", {{"format", ".0%"}}}}},
                      {"y", {{"field", "density"}, {"type", "quantitative"}, {"scale", {{"domain", {0, 1}}}}, {"axis", {{"format", ".0%"}}}}},
                      {"order", {{"field", "step"}}},
                      {"tooltip", Json::array({{{"field", "step"}}, {{"field", "coverage"}, {"format", ".1%"}}, {{"field", "density"}, {"format", ".1%"}}})}}}}});
  if (box && box->contains("coverage") && box->contains("density"))
    layers.push_back({{"data", {{"values", Json::array({{{"coverage", (*box)["coverage"]}, {"density", (*box)["density"]}}})}}},
                      {"mark", {{"type", "point"}, {"shape", "diamond"}, {"size", 220}, {"color", "#e45756"}, {"filled", true}}},
                      {"encoding", {{"x", {{"field", "coverage"}, {"type", "quantitative"}}}, {"y", {{"field", "density"}, {"type", "quantitative"}}}}}});
  s["layer"] = layers;
  page.chart("prim-trajectory", s,
             "PRIM shrinks a box over the swept parameters step by step. Coverage (across) is the share of all "
             "the sweep's points where " + esc(outcome) + " is likely that fall inside the box; density (up) is "
             "the share of points inside the box where it is likely. Moving left, boxes get purer but explain "
             "fewer cases. The red diamond is the chosen box.",
             [&] {
               std::vector<std::vector<std::string>> t;
               for (const auto& r : rows)
                 t.push_back({std::to_string(r["step"].get<int>()), pct_of(r["coverage"]), pct_of(r["density"]),
                              r.contains("restricted") ? esc(r["restricted"].dump()) : std::string("-")});
               if (box && box->contains("coverage") && box->contains("density"))
                 t.push_back({"chosen box", pct_of((*box)["coverage"]), pct_of((*box)["density"]), "-"});
               return data_table({"step", "coverage", "density", "parameters restricted"}, t, "nnnl");
             }());
  const char* lk = box && box->contains("restrictions") ? "restrictions" : "limits";
  if (box && box->contains(lk) && (*box)[lk].is_array()) {
    page.html("<table>\n<tr><th>parameter</th><th>from</th><th>to</th><th>swept range</th></tr>\n");
    for (const auto& l : (*box)[lk]) {
      std::string name = str_or(l, "param", str_or(l, "parameter", str_or(l, "name", "?")));
      auto bound = [&](const char* a, const char* b) {
        if (l.contains(a) && l[a].is_number()) return num(l[a].get<double>(), 4);
        if (l.contains(b) && l[b].is_number()) return num(l[b].get<double>(), 4);
        return std::string("-");
      };
      page.html("<tr><td><code>" + esc(name) + "</code></td><td class=\"n\">" + bound("lo", "min") +
                "</td><td class=\"n\">" + bound("hi", "max") + "</td><td class=\"n\">" +
                bound("swept_lo", "swept_lo") + " to " + bound("swept_hi", "swept_hi") + "</td></tr>\n");
    }
    page.html("</table>\n");
    page.p("Read the chosen box as a sentence: " + esc(outcome) + " is likely when every parameter above lies in "
           "its range; parameters not listed do not matter much for it.");
  }
}

}  // namespace geosim::report

namespace geosim::report {

// A calibration (`geosim calibrate`, DIR/summary.json): prior against posterior per
// parameter, the generations' tolerance and acceptance, and the posterior predictive check of
// every observation (how often runs drawn from the prior and from the posterior agree with it).
void calibration_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  const std::string scenario = str_or(j, "scenario", "the scenario");
  if (head) {
    std::string line = (j.contains("particles") ? j["particles"].dump() + " particles" : std::string("")) +
                       (j.contains("seed") ? ", seed " + j["seed"].dump() : std::string("")) +
                       (j.contains("simulations") ? ", " + j["simulations"].dump() + " simulations" : std::string("")) +
                       (j.contains("stopped_because") ? "; stopped: " + esc(str_or(j, "stopped_because", "")) : "");
    simple_header(page, "calibration", "Calibration of " + scenario + ": what the observations rule out", line,
                  str_or(j, "command", "geosim calibrate " + str_or(j, "file", "SCENARIO") + " --output DIR"), str_or(j, "scenario_hash", ""));
  }
  // Prior and posterior per parameter, each on its prior's 90% range (0 = the prior's 5th
  // percentile, 1 = its 95th), so that parameters of any scale share one axis.
  page.h2("Prior and posterior, per parameter", "calibration-parameters");
  Json rows = Json::array();
  std::string table =
      "<table>\n<tr><th>parameter</th><th>prior median [5%, 95%]</th><th>posterior median [5%, 95%]</th>"
      "<th>posterior sd / prior sd</th></tr>\n";
  for (const auto& p : j["parameters"]) {
    const Json& pr = p["prior"];
    const Json& po = p["posterior"];
    auto get = [](const Json& s, const char* k) { return s.contains(k) && s[k].is_number() ? s[k].get<double>() : 0.0; };
    const double lo = get(pr, "q05"), hi = get(pr, "q95");
    const double w = hi > lo ? hi - lo : 1.0;
    const std::string path = str_or(p, "path", "?");
    for (const auto& [which, s] : {std::pair<const char*, const Json*>{"prior", &pr}, {"posterior", &po}})
      rows.push_back({{"parameter", path}, {"which", which}, {"lo", (get(*s, "q05") - lo) / w},
                      {"mid", (get(*s, "q50") - lo) / w}, {"hi", (get(*s, "q95") - lo) / w},
                      {"median", get(*s, "q50")}, {"q05", get(*s, "q05")}, {"q95", get(*s, "q95")}});
    const double ratio = get(pr, "sd") > 0 ? get(po, "sd") / get(pr, "sd") : 0.0;
    table += "<tr><td><code>" + esc(path) + "</code></td><td class=\"n\">" + num(get(pr, "q50"), 4) + " [" +
             num(lo, 4) + ", " + num(hi, 4) + "]</td><td class=\"n\">" + num(get(po, "q50"), 4) + " [" +
             num(get(po, "q05"), 4) + ", " + num(get(po, "q95"), 4) + "]</td><td class=\"n\">" + num(ratio, 2) +
             "</td></tr>\n";
  }
  table += "</table>\n";
  Json s = base_spec("Where the posterior lies within the prior", 560,
                     std::max(80, 26 * static_cast<int>(j["parameters"].size())));
  s["data"] = {{"values", rows}};
  Json color = {{"field", "which"}, {"type", "nominal"}, {"title", ""},
                {"scale", {{"domain", {"prior", "posterior"}}, {"range", {"#bbbbbb", "#4c78a8"}}}}};
  Json y = {{"field", "parameter"}, {"type", "nominal"}, {"title", ""}, {"sort", nullptr}};
  Json yoff = {{"field", "which"}, {"sort", {"prior", "posterior"}}};
  Json tip = Json::array({{{"field", "parameter"}}, {{"field", "which"}}, {{"field", "median"}, {"format", ".4g"}},
                          {{"field", "q05"}, {"format", ".4g"}, {"title", "5%"}},
                          {{"field", "q95"}, {"format", ".4g"}, {"title", "95%"}}});
  s["layer"] = Json::array(
      {{{"mark", {{"type", "rule"}, {"strokeWidth", 3}}},
        {"encoding", {{"y", y}, {"yOffset", yoff}, {"color", color},
                      {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", "position within the prior's 5%-95% range"}}},
                      {"x2", {{"field", "hi"}}}, {"tooltip", tip}}}},
       {{"mark", {{"type", "point"}, {"filled", true}, {"size", 50}}},
        {"encoding", {{"y", y}, {"yOffset", yoff}, {"color", color}, {"x", {{"field", "mid"}, {"type", "quantitative"}}},
                      {"tooltip", tip}}}}});
  page.chart("calibration-parameters", s,
             "Each parameter's prior (grey) and posterior (blue): the line spans the 5th to 95th percentile, the dot "
             "is the median, on the prior's own 90% range (0 to 1), so parameters of any scale share the axis. A "
             "posterior as wide as its prior says the observations do not speak to that parameter; a narrow one, "
             "that they rule much of the prior out. The table gives the values.",
             table, true);

  page.h2("Generations", "calibration-generations");
  Json g = Json::array();
  std::string gt = "<table>\n<tr><th>generation</th><th>tolerance</th><th>acceptance</th><th>effective sample size</th>"
                   "<th>simulations</th></tr>\n";
  for (const auto& x : j["generations"]) {
    if (!x.is_object()) continue;
    for (const char* k : {"tolerance", "acceptance_rate"})
      if (x.contains(k) && x[k].is_number())
        g.push_back(
            {{"generation", x.contains("generation") ? x["generation"] : Json(0)}, {"measure", k}, {"value", x[k]}});
    // (report_check.cpp: each is a number when present; a tolerance or an ESS may be null)
    auto cell = [&](const char* k, auto f) {
      return x.contains(k) && x[k].is_number() ? f(x[k].get<double>()) : std::string("-");
    };
    gt += "<tr><td class=\"n\">" + cell("generation", [](double v) { return num(v, 0); }) + "</td><td class=\"n\">" +
          cell("tolerance", [](double v) { return num(v, 3); }) + "</td><td class=\"n\">" +
          cell("acceptance_rate", [](double v) { return pct(v); }) + "</td><td class=\"n\">" +
          cell("ess", [](double v) { return num(v, 0); }) + "</td><td class=\"n\">" +
          cell("simulations", [](double v) { return num(v, 0); }) + "</td></tr>\n";
  }
  gt += "</table>\n";
  Json gs = base_spec("Tolerance and acceptance per generation", 480, 220);
  gs["data"] = {{"values", g}};
  gs["mark"] = {{"type", "line"}, {"point", true}};
  gs["encoding"] = {{"x", {{"field", "generation"}, {"type", "ordinal"}}},
                    {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", ""}}},
                    {"color", {{"field", "measure"}, {"type", "nominal"}, {"title", ""}}},
                    {"tooltip", Json::array({{{"field", "generation"}}, {{"field", "measure"}}, {{"field", "value"}, {"format", ".3g"}}})}};
  page.chart("calibration-generations", gs,
             "The tolerance (the largest distance from the observations a kept run may have; 1 is the edge of an "
             "observation) should fall from one generation to the next, and the acceptance rate with it; the run "
             "stops when too few new runs are kept or the tolerance reaches its target.",
             gt, true);

  page.h2("Posterior predictive check: does the posterior reproduce each observation?", "calibration-check");
  Json o = Json::array();
  std::string ot = "<table>\n<tr><th>observation</th><th>date</th><th>kind</th><th>runs from the prior that agree</th>"
                   "<th>runs from the posterior that agree</th></tr>\n";
  for (const auto& x : j["observations"]) {
    if (!x.is_object()) continue;
    const std::string id = str_or(x, "id", "?");
    for (const char* k : {"prior_agreement", "posterior_agreement"})
      if (x.contains(k) && x[k].is_number())
        o.push_back({{"observation", id}, {"from", std::string(k) == "prior_agreement" ? "prior" : "posterior"},
                     {"agree", x[k]}});
    ot += "<tr><td><code>" + esc(id) + "</code></td><td>" + esc(str_or(x, "date", "")) + "</td><td>" +
          esc(str_or(x, "kind", "")) + "</td><td class=\"n\">" + pct_of(x.value("prior_agreement", Json(nullptr))) +
          "</td><td class=\"n\">" + pct_of(x.value("posterior_agreement", Json(nullptr))) + "</td></tr>\n";
  }
  ot += "</table>\n";
  Json os = base_spec("Share of runs that agree with each observation", 480,
                      std::max(80, 30 * static_cast<int>(j["observations"].size())));
  os["data"] = {{"values", o}};
  os["mark"] = "bar";
  os["encoding"] = {{"y", {{"field", "observation"}, {"type", "nominal"}, {"title", ""}, {"sort", nullptr}}},
                    {"yOffset", {{"field", "from"}, {"sort", {"prior", "posterior"}}}},
                    {"x", {{"field", "agree"}, {"type", "quantitative"}, {"title", "share of runs that agree"},
                           {"scale", {{"domain", {0, 1}}}}, {"axis", {{"format", ".0%"}}}}},
                    {"color", {{"field", "from"}, {"type", "nominal"}, {"title", ""},
                               {"scale", {{"domain", {"prior", "posterior"}}, {"range", {"#bbbbbb", "#4c78a8"}}}}}},
                    {"tooltip", Json::array({{{"field", "observation"}}, {{"field", "from"}}, {{"field", "agree"}, {"format", ".1%"}}})}};
  page.chart("calibration-check", os,
             "For each observation, the share of runs drawn from the prior (grey) and from the posterior (blue) that "
             "agree with it. The posterior should agree far more often; an observation it still rarely matches is "
             "one the model cannot reproduce (the model, or the observation, is wrong).",
             ot, true);
}

}  // namespace geosim::report
