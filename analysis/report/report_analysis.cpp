// Sections for batch analyses: a sweep's results (line chart for one swept parameter, heat
// map for two on a grid, one panel per parameter otherwise), Sobol and Morris sensitivity
// indices, and PRIM boxes from scenario discovery.
#include <algorithm>
#include <cctype>
#include <set>

#include "analysis/report/report_page.h"

namespace geosim::report {

namespace {

void simple_header(Page& page, const std::string& kind, const std::string& title, const std::string& line,
                   const std::string& command) {
  page.html("<header>\n<p class=\"meta\">geosim " + esc(kind) + " report</p>\n<h1>" + esc(title) + "</h1>\n");
  if (!line.empty()) page.html("<p class=\"meta\">" + line + "</p>\n");
  page.html("<p>To reproduce:</p>\n<pre class=\"command\">" + esc(command) + "</pre>\n</header>\n<!--toc-->\n");
}

std::string number_list(const Json& j) { return j.is_array() ? std::to_string(j.size()) : "0"; }

}  // namespace

void sweep_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  const auto& params = j["params"];
  const auto& outcomes = j["outcomes"];
  const auto& points = j["points"];
  if (head)
    simple_header(page, "sweep", "Sweep: " + in.source,
                  number_list(points) + " points over " + std::to_string(params.size()) + " parameter(s)",
                  str_or(j, "command", "geosim sweep SPEC.yaml --output " + in.source));
  page.h2("How the outcomes change across the sweep" + (head ? std::string() : " (" + in.source + ")"), "sweep");
  int failed = j.contains("failed") ? j["failed"].get<int>() : 0;
  if (failed > 0)
    page.p("<span class=\"note\">" + std::to_string(failed) + " point(s) failed and are left out; results.csv "
           "gives the reason for each.</span>");
  if (points.empty() || params.empty()) {
    page.p("The sweep has no finished points to show.");
    return;
  }
  size_t np = params.size();
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
    Json s = base_spec("Outcome probabilities along " + p0);
    s["data"] = {{"values", rows}};
    Json x = {{"field", field(0)}, {"type", "quantitative"}, {"title", p0}};
    Json color = {{"field", "outcome"}, {"type", "nominal"}, {"legend", {{"orient", "bottom"}}}};
    s["layer"] = Json::array(
        {{{"mark", {{"type", "area"}, {"opacity", 0.2}}},
          {"encoding", {{"x", x}, {"color", color}, {"y", {{"field", "lo"}, {"type", "quantitative"}}}, {"y2", {{"field", "hi"}}}}}},
         {{"mark", {{"type", "line"}, {"point", true}}},
          {"encoding", {{"x", x}, {"color", color},
                        {"y", {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"}, {"axis", {{"format", ".0%"}}}}},
                        {"tooltip", Json::array({{{"field", "outcome"}}, {{"field", field(0)}, {"title", p0}},
                                                 {{"field", "p"}, {"format", ".1%"}}})}}}}});
    page.chart("sweep-line", s,
               "Each line is one outcome's probability as <code>" + esc(p0) + "</code> varies, all else held as in "
               "the scenario; points are the swept values and the shaded band is each point's 95% interval. "
               "Where a line rises or falls steeply, the outcome is sensitive to this parameter.");
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
    s["facet"] = {{"field", "outcome"}, {"type", "nominal"}, {"title", nullptr}};
    Json tooltip = Json::array({{{"field", field(0)}, {"title", p0}}, {{"field", field(1)}, {"title", p1}},
                                {{"field", "p"}, {"format", ".1%"}}, {{"field", "lo"}, {"format", ".1%"}},
                                {{"field", "hi"}, {"format", ".1%"}}});
    Json color = {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"},
                  {"scale", {{"scheme", "viridis"}, {"domain", {0, 1}}}}, {"legend", {{"format", ".0%"}}}};
    Json inner = {{"width", 300}, {"height", 220}};
    if (grid) {
      inner["mark"] = "rect";
      inner["encoding"] = {{"x", {{"field", field(0)}, {"type", "ordinal"}, {"title", p0}, {"axis", {{"format", ".3~g"}}}}},
                           {"y", {{"field", field(1)}, {"type", "ordinal"}, {"title", p1}, {"sort", "descending"}, {"axis", {{"format", ".3~g"}}}}},
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
                   "outcome's probability there (yellow high, purple low). Look for where the colour changes "
                   "fast: that is the boundary between regimes of the scenario.");
    return;
  }
  // Three or more parameters: one panel per parameter, probability against its value.
  Json lrows = Json::array();
  for (const auto& pt : points)
    for (size_t k = 0; k < np; ++k)
      for (size_t o = 0; o < outcomes.size(); ++o)
        lrows.push_back({{"parameter", params[k]}, {"value", pt["x"][k]}, {"outcome", outcomes[o]}, {"p", pt["p"][o]}});
  Json s;
  s["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
  s["title"] = "Outcome probability against each swept parameter";
  s["data"] = {{"values", lrows}};
  s["columns"] = 2;
  s["facet"] = {{"field", "parameter"}, {"type", "nominal"}, {"title", nullptr}};
  s["resolve"] = {{"scale", {{"x", "independent"}}}};
  s["spec"] = {{"width", 300}, {"height", 180}, {"mark", {{"type", "circle"}, {"size", 18}, {"opacity", 0.6}}},
               {"encoding", {{"x", {{"field", "value"}, {"type", "quantitative"}, {"title", nullptr}}},
                             {"y", {{"field", "p"}, {"type", "quantitative"}, {"title", "probability"}, {"axis", {{"format", ".0%"}}}}},
                             {"color", {{"field", "outcome"}, {"type", "nominal"}, {"legend", {{"orient", "bottom"}}}}}}}};
  s["config"] = base_spec("")["config"];
  page.chart("sweep-panels", s,
             "One panel per swept parameter: each dot is one sweep point, placed by that parameter's value and the "
             "outcome's probability there. A clear upward or downward trend in a panel means the parameter matters "
             "for that outcome even while the others vary; a shapeless cloud means it matters little.");
}

void sensitivity_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  std::string method = str_or(j, "method", "sobol");
  const auto& params = j["parameters"];
  if (head) {
    std::string line = method + ", " + (j.contains("samples") ? j["samples"].dump() : std::string("?")) + " samples, " +
                       std::to_string(params.size()) + " parameters";
    simple_header(page, "sensitivity", str_or(j, "title", "Sensitivity analysis (" + method + ")"), esc(line),
                  str_or(j, "command", "geosim sensitivity SCENARIO --method " + method));
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
    page.chart(name, s, cap);
  }
}

void discovery_sections(Page& page, const ReportInput& in, bool head) {
  const Json& j = in.data;
  std::string outcome = str_or(j, "outcome", "the outcome");
  if (head)
    simple_header(page, "scenario discovery", "Scenario discovery: when does " + outcome + " happen?",
                  j.contains("threshold") ? "PRIM, threshold " + j["threshold"].dump() : "PRIM",
                  str_or(j, "command", "geosim discover RESULTS --outcome " + outcome));
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
             "fewer cases. The red diamond is the chosen box.");
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
