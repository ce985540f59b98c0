// The HTML report: deterministic bytes, nothing fetched from outside, every chart present,
// inputs told apart, and bad inputs answered with located errors. The page is drawn in a
// real browser by tests.cmake (browser_check.py).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "analysis/report/report.h"
#include "analysis/report/report_page.h"
#include "engine/core/error.h"
#include "engine/model/model.h"
#include "engine/output/output.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"
#include "tests/cli.h"

using namespace geosim;
using geosim::test::error_of;

namespace {

ReportJson teaching_run_json(uint64_t runs = 400, const std::string& file = "teaching.yaml") {
  Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/" + file, LoadOptions{});
  Model model(sc);
  RunOptions ro;
  ro.runs = runs;
  ro.seed = 7;
  Summary s = summarize(sc, run_monte_carlo(model, ro), 7);
  ReportJson j = summary_json(sc, s);
  j["command"] = "geosim run scenarios/teaching.yaml --runs " + std::to_string(runs) + " --seed 7";
  return j;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("geosim-report-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

int shell(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const char* kSweepHeader =
    "point,status,levers.a.intensity,levers.b.credibility,runs,p_coup,lo_coup,hi_coup,p_status_quo,lo_status_quo,"
    "hi_status_quo\n";

}  // namespace

TEST_CASE("a run's report is the same bytes every time and has every chart", "[report]") {
  ReportJson j = teaching_run_json();
  std::string a = render_report({report_input_from_json(j, "run.json")});
  std::string b = render_report({report_input_from_json(teaching_run_json(), "run.json")});
  REQUIRE(a == b);
  for (const char* chart : {"data-chart=\"outcomes\"", "data-chart=\"survival\"", "data-chart=\"cumulative\"",
                            "data-chart=\"fan-defected-share\"", "data-chart=\"fan-resources\""})
    CHECK(a.find(chart) != std::string::npos);
  CHECK(a.find(j["title"].get<std::string>()) != std::string::npos);
  CHECK(a.find("geosim run scenarios/teaching.yaml --runs 400 --seed 7") != std::string::npos);
  CHECK(a.find("Where every number comes from") != std::string::npos);
  // Every parameter appears in the provenance table.
  for (const auto& p : j["parameters"]) CHECK(a.find("<code>" + p["path"].get<std::string>() + "</code>") != std::string::npos);
  // No lever effects were given, so no tornado.
  CHECK(a.find("data-chart=\"lever-effects\"") == std::string::npos);
}

TEST_CASE("a run with a leader says who rules, from the run's own numbers", "[report][leader]") {
  const ReportJson j = teaching_run_json(2000, "teaching-leader.yaml");
  const std::string page = render_report({report_input_from_json(j, "run.json")});
  CHECK(page.find("If he goes, who rules?") != std::string::npos);
  // Every ruler and regime fate, with the probability the JSON gives, in the page's rounding.
  for (const char* key : {"ruler", "regime"})
    for (const auto& r : j[key]) {
      INFO(r.dump());
      CHECK(page.find("<code>" + r["id"].get<std::string>() + "</code>") != std::string::npos);
      CHECK(page.find(report::pct(r["probability"].get<double>())) != std::string::npos);
    }
  // A run without a leader has no such section.
  CHECK(render_report({report_input_from_json(teaching_run_json(), "run.json")}).find("If he goes") == std::string::npos);
}

TEST_CASE("the report loads nothing from outside the page", "[report]") {
  std::string h = render_report({report_input_from_json(teaching_run_json(), "run.json")});
  CHECK(h.find("Content-Security-Policy\" content=\"default-src 'none'") != std::string::npos);
  CHECK_FALSE(std::regex_search(h, std::regex("<script[^>]*\\ssrc=", std::regex::icase)));
  CHECK_FALSE(std::regex_search(h, std::regex("<link[\\s>]", std::regex::icase)));
  CHECK_FALSE(std::regex_search(h, std::regex("<img[^>]*\\ssrc=\"?https?:", std::regex::icase)));
  CHECK(h.find("sourceMappingURL") == std::string::npos);
  // Exactly three script elements close: the library, the chart data, the drawing code.
  size_t closes = 0;
  for (size_t at = h.find("</script>"); at != std::string::npos; at = h.find("</script>", at + 1)) ++closes;
  CHECK(closes == 3);
}

TEST_CASE("the embedded chart scripts are the vendored files byte for byte", "[report]") {
  std::string expected;
  for (const char* f : {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"}) {
    std::string text = read(std::string(GEOSIM_SOURCE_DIR) + "/third_party/vega/" + f);
    REQUIRE(!text.empty());
    text = std::regex_replace(text, std::regex("\n//# sourceMappingURL=[^\n]*"), "\n");
    expected += text + "\n";
  }
  CHECK(report_scripts().size() == expected.size());
  CHECK(report_scripts() == expected);
}

TEST_CASE("text from a scenario cannot break out of the page", "[report]") {
  ReportJson j = teaching_run_json(50);
  j["title"] = "A <b>bold</b> & </script><script>alert(1)</script> title";
  j["outcomes"][0]["label"] = "ends </script> here";
  std::string h = render_report({report_input_from_json(j, "run.json")});
  CHECK(h.find("A &lt;b&gt;bold&lt;/b&gt; &amp; &lt;/script&gt;") != std::string::npos);
  CHECK(h.find("ends \\u003c/script> here") != std::string::npos);
  size_t closes = 0;
  for (size_t at = h.find("</script>"); at != std::string::npos; at = h.find("</script>", at + 1)) ++closes;
  CHECK(closes == 3);
}

TEST_CASE("report inputs are told apart by their contents", "[report]") {
  CHECK(report_input_from_json(teaching_run_json(50), "r").kind == ReportKind::Run);
  ReportJson sobol = {{"method", "sobol"}, {"samples", 64}, {"parameters", {"x1", "x2"}},
                      {"outputs", {{{"id", "f"}, {"S1", {0.3, 0.4}}, {"S1_ci95", {{0.2, 0.4}, {0.3, 0.5}}},
                                    {"ST", {0.5, 0.4}}, {"ST_ci95", {{0.4, 0.6}, {0.3, 0.5}}}}}}};
  CHECK(report_input_from_json(sobol, "s").kind == ReportKind::Sensitivity);
  ReportJson morris = {{"method", "morris"}, {"parameters", {"x1"}},
                       {"outputs", {{{"id", "f"}, {"mu_star", {0.3}}, {"mu_star_ci95", {{0.2, 0.4}}}, {"sigma", {0.1}}}}}};
  CHECK(report_input_from_json(morris, "m").kind == ReportKind::Sensitivity);
  ReportJson prim = {{"method", "prim"}, {"outcome", "coup"}, {"trajectory", {{{"coverage", 1.0}, {"density", 0.4}}}}};
  CHECK(report_input_from_json(prim, "p").kind == ReportKind::Discovery);
  ReportJson cmp = {{"scenario", "t"},
                    {"comparisons", {{{"base", "a"}, {"variant", "b"},
                                      {"outcomes", {{{"id", "coup"}, {"difference", 0.1}, {"paired_ci95", {0.05, 0.15}}}}}}}}};
  CHECK(report_input_from_json(cmp, "c").kind == ReportKind::Compare);
  // Every kind renders, alone and together.
  std::string h = render_report({report_input_from_json(teaching_run_json(50), "r"), report_input_from_json(cmp, "c"),
                                 report_input_from_json(sobol, "s"), report_input_from_json(morris, "m"),
                                 report_input_from_json(prim, "p")});
  for (const char* chart : {"\"compare-diff\"", "\"sensitivity-f\"", "\"prim-trajectory\""})
    CHECK(h.find(std::string("data-chart=") + chart) != std::string::npos);
}

TEST_CASE("a sweep's results.csv is read with its parameters outcomes and failed points", "[report]") {
  std::string csv = std::string(kSweepHeader) +
                    "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n"
                    "1,failed,2,0.5,,,,,,,\n"
                    "2,ok,1,0.5,100,0.3,0.22,0.4,0.7,0.6,0.78\n";
  ReportJson s = parse_sweep_csv(csv, "results.csv");
  CHECK(s["params"] == ReportJson({"levers.a.intensity", "levers.b.credibility"}));
  CHECK(s["outcomes"] == ReportJson({"coup", "status_quo"}));
  REQUIRE(s["points"].size() == 2);
  CHECK(s["failed"] == 1);
  CHECK(s["points"][1]["x"] == ReportJson({1.0, 0.5}));
  CHECK(s["points"][1]["p"] == ReportJson({0.3, 0.7}));
  // A folder is a sweep; two parameters on a grid give a heat map.
  std::string dir = temp_dir("sweep");
  std::ofstream(dir + "/results.csv") << csv;
  ReportInput in = read_report_input(dir);
  CHECK(in.kind == ReportKind::Sweep);
  std::string h = render_report({in});
  CHECK(h.find("data-chart=\"sweep-heatmap\"") != std::string::npos);
  CHECK(h.find("1 point failed and is left out of the charts.") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad report inputs are named with where and what is wrong", "[report]") {
  std::string dir = temp_dir("bad");
  std::ofstream(dir + "/broken.json") << "{\n  \"runs\": 5,\n  \"outcomes\": [\n}\n";
  CHECK_THAT(error_of([&] { read_report_input(dir + "/broken.json"); }),
             Catch::StartsWith(dir + "/broken.json:4:1: not valid JSON"));
  std::ofstream(dir + "/other.json") << "{\"hello\": 1}";
  CHECK(error_of([&] { read_report_input(dir + "/other.json"); }) ==
        dir + "/other.json: this is not a result geosim can report on; expected the JSON of 'geosim run --format json', "
              "'geosim compare --format json', 'geosim sensitivity --format json' or 'geosim discover', a sweep's "
              "output folder, or a calibration's folder (or its summary.json)");
  CHECK_THAT(error_of([&] { read_report_input(dir + "/missing.json"); }),
             Catch::StartsWith(dir + "/missing.json: cannot open the file"));
  CHECK_THAT(error_of([&] { read_report_input(dir); }), Catch::StartsWith(dir + ": the folder has no results.csv"));
  ReportJson run = teaching_run_json(20);
  run["outcomes"][0].erase("ci95");
  CHECK_THAT(error_of([&] { report_input_from_json(run, "r.json"); }),
             Catch::StartsWith("r.json: outcomes[0].ci95 is missing; the file is not as 'geosim run --format json' "
                               "writes it (damaged or edited?); write it again"));
  CHECK_THAT(error_of([&] { parse_sweep_csv("x,y\n", "results.csv"); }),
             Catch::StartsWith("results.csv:1:1: the header does not start with point,status"));
  CHECK_THAT(error_of([&] { parse_sweep_csv(std::string(kSweepHeader) + "0,ok,1,2,100,0.1\n", "results.csv"); }),
             Catch::StartsWith("results.csv:2:1: this row has 6 fields, the header 11"));
  CHECK_THAT(error_of([&] {
               parse_sweep_csv(std::string(kSweepHeader) + "0,ok,1,2,100,1.5,0.1,0.2,0.9,0.8,0.95\n", "results.csv");
             }),
             Catch::StartsWith("results.csv:2:14: p_coup = '1.5' is not a probability"));
  CHECK_THAT(error_of([&] { parse_sweep_csv(std::string(kSweepHeader) + "0,\"ok,1\n", "results.csv"); }),
             Catch::StartsWith("results.csv:2:3: a quoted field is never closed"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the reproducing command keeps what changes results and drops where output goes", "[report]") {
  CHECK(reproduce_command("run", {"s.yaml", "--runs", "500", "-t", "4", "--report", "r.html", "-o", "x.json",
                                  "--format=json", "-q", "--set", "levers.a.intensity=0.2", "--timing", "-fjson"}) ==
        "geosim run s.yaml --runs 500 --set levers.a.intensity=0.2");
  CHECK(reproduce_command("run", {"my file.yaml", "--set", "x='a'"}) == "geosim run 'my file.yaml' --set 'x='\\''a'\\'''");
  // A sweep needs a folder, but which one never changes the numbers: the command says DIR.
  CHECK(reproduce_command("sweep", {"spec.yaml", "--output", "out", "--threads", "2", "--format", "long"}) ==
        "geosim sweep spec.yaml --output DIR");
  CHECK(reproduce_command("calibrate", {"s.yaml", "-o", "out", "--particles", "100"}) ==
        "geosim calibrate s.yaml --particles 100 --output DIR");
}

TEST_CASE("geosim report and run --report write the same page from the same run", "[report][cli]") {
  std::string dir = temp_dir("cli");
  std::string g = GEOSIM_BINARY, sc = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml";
  REQUIRE(shell(g + " run " + sc + " --runs 300 -q -t 1 -f json -o " + dir + "/run.json --report " + dir + "/a.html") == 0);
  REQUIRE(shell(g + " run " + sc + " --runs 300 -q -t 2 --report " + dir + "/b.html > /dev/null") == 0);
  REQUIRE(shell(g + " report " + dir + "/run.json -o " + dir + "/c.html") == 0);
  std::string a = read(dir + "/a.html");
  CHECK(a.size() > 500000);  // the charting library is inside
  CHECK(a == read(dir + "/b.html"));  // same seed, any thread count
  CHECK(a == read(dir + "/c.html"));
  CHECK(shell(g + " report " + dir + "/nothing.json -o " + dir + "/d.html 2> /dev/null") == kExitInvalidInput);
  CHECK_FALSE(std::filesystem::exists(dir + "/d.html"));
  CHECK(shell(g + " report 2> /dev/null") == kExitUsage);
  std::filesystem::remove_all(dir);
}

TEST_CASE("JSON inputs are bounded in nesting and size, only regular files are read", "[report]") {
  std::string dir = temp_dir("limits");
  // 200,000 nested objects once overflowed the stack.
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "{\"a\":";
  std::ofstream(dir + "/deep.json") << deep;
  CHECK(error_of([&] { read_report_input(dir + "/deep.json"); }) ==
        dir + "/deep.json:1:321: JSON nested deeper than " + std::to_string(kReportInputLimits.depth) +
            " levels; this is not a result geosim wrote; expected the JSON of 'geosim run --format json', "
            "'geosim compare --format json', 'geosim sensitivity --format json' or 'geosim discover', a sweep's "
            "output folder, or a calibration's folder (or its summary.json)");
  // Brackets inside strings do not count.
  std::ofstream(dir + "/strings.json") << "{\"hello\": \"" + std::string(1000, '[') + "\\\"{\"}";
  CHECK_THAT(error_of([&] { read_report_input(dir + "/strings.json"); }),
             Catch::Contains("this is not a result geosim can report on"));
  // A sparse file over the byte limit is refused before it is read.
  {
    std::ofstream big(dir + "/big.json");
  }
  std::filesystem::resize_file(dir + "/big.json", kReportInputLimits.bytes + 1);
  CHECK_THAT(error_of([&] { read_report_input(dir + "/big.json"); }),
             Catch::Contains("file is " + std::to_string(kReportInputLimits.bytes + 1) + " bytes, over the limit of " +
                             std::to_string(kReportInputLimits.bytes) + " bytes"));
  // Devices and FIFOs (a FIFO with no writer would block forever).
  CHECK_THAT(error_of([&] { read_report_input("/dev/zero"); }), Catch::Contains("is not a regular file"));
  REQUIRE(shell("mkfifo '" + dir + "/fifo.json'") == 0);
  CHECK_THAT(error_of([&] { read_report_input(dir + "/fifo.json"); }), Catch::Contains("is not a regular file"));
  std::filesystem::create_directories(dir + "/sweep");
  REQUIRE(shell("mkfifo '" + dir + "/sweep/results.csv'") == 0);
  CHECK_THAT(error_of([&] { read_report_input(dir + "/sweep"); }), Catch::Contains("is not a regular file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("names from a results.csv never reach Vega as field names", "[report]") {
  const std::string payload = "x]<img src=x onerror=document.body.dataset.pwned=1>";
  ReportInput in;
  in.kind = ReportKind::Sweep;
  in.source = "injection";
  in.data = parse_sweep_csv("point,status," + payload +
                                ",runs,p_win,lo_win,hi_win\n0,ok,0,100,0.1,0.05,0.2\n1,ok,1,100,0.6,0.5,0.7\n",
                            "results.csv");
  const std::string h = render_report({in});
  // The charts' data names the parameter x0; the name itself is only a title.
  CHECK(h.find("\"field\":\"x0\"") != std::string::npos);
  CHECK(h.find("\"field\":\"x]") == std::string::npos);
  CHECK(h.find("\"title\":\"x]\\u003cimg") != std::string::npos);
  // No markup from the name, in the page or in the chart data (the charting library itself
  // mentions <img in its code, so only the page's own parts are searched).
  const size_t scripts = h.find("<script>");
  const size_t data = h.find("<script id=\"geosim-charts\"");
  REQUIRE(scripts != std::string::npos);
  REQUIRE(data != std::string::npos);
  CHECK(h.substr(0, scripts).find("<img") == std::string::npos);
  CHECK(h.substr(data, h.find("</script>", data) - data).find("<img") == std::string::npos);
}

TEST_CASE("the page's scripts run by their hashes, no inline script or handler is allowed", "[report]") {
  const std::string h = render_report({report_input_from_json(teaching_run_json(50), "run.json")});
  std::smatch m;
  REQUIRE(std::regex_search(h, m, std::regex("script-src ([^;]*);")));
  const std::string sources = m[1];
  CHECK(sources.find("'unsafe-inline'") == std::string::npos);
  size_t hashes = 0;
  const std::regex hash("'sha256-[A-Za-z0-9+/]{43}='");
  for (auto it = std::sregex_iterator(sources.begin(), sources.end(), hash);
       it != std::sregex_iterator(); ++it)
    ++hashes;
  CHECK(hashes == 2);  // the charting library and the drawing code; the data is not a script
  // Messages are put in the page as text, never as markup.
  const size_t draw = h.rfind("<script>");
  REQUIRE(draw != std::string::npos);
  CHECK(h.find("innerHTML", draw) == std::string::npos);
  CHECK(h.find("textContent", draw) != std::string::npos);
}

namespace {

// The spec of the chart named `name` in a page's charts.
const ReportJson* chart_spec(const report::Page& page, const std::string& name) {
  for (const auto& c : page.charts())
    if (c["id"].get<std::string>().size() > name.size() &&
        c["id"].get<std::string>().compare(c["id"].get<std::string>().size() - name.size(), name.size(), name) == 0)
      return &c["spec"];
  return nullptr;
}

size_t count_of(const std::string& h, const std::string& what) {
  size_t n = 0;
  for (size_t at = h.find(what); at != std::string::npos; at = h.find(what, at + 1)) ++n;
  return n;
}

// A comparison as `geosim compare --format json` writes it, with two outcomes and `changes`.
ReportJson compare_json_with_changes() {
  ReportJson o1 = {{"id", "coup"}, {"base", {{"count", 10}, {"probability", 0.02}, {"ci95", {0.01, 0.04}}}},
                   {"variant", {{"count", 30}, {"probability", 0.06}, {"ci95", {0.04, 0.08}}}},
                   {"difference", 0.04}, {"paired_ci95", {0.021, 0.059}}, {"unpaired_ci95", {0.012, 0.068}}};
  ReportJson o2 = {{"id", "status_quo"}, {"base", {{"count", 490}, {"probability", 0.98}, {"ci95", {0.96, 0.99}}}},
                   {"variant", {{"count", 470}, {"probability", 0.94}, {"ci95", {0.92, 0.96}}}},
                   {"difference", -0.04}, {"paired_ci95", {-0.059, -0.021}}, {"unpaired_ci95", {-0.068, -0.012}}};
  return {{"scenario", "t"}, {"runs", 500}, {"seed", 1},
          {"comparisons", {{{"base", "base.yaml"}, {"variant", "variant.yaml"}, {"outcomes", {o1, o2}}}}},
          {"changes", {{{"kind", "lever"}, {"change", "switched off"}, {"path", "levers.russian_oil_trade"},
                        {"base", "on"}, {"variant", "off"}},
                       {{"kind", "parameter"}, {"change", "changed"}, {"path", "levers.amnesty.credibility"},
                        {"base", "0.3"}, {"variant", "uniform(0.6, 0.9)"}},
                       {{"kind", "lever"}, {"change", "added"}, {"path", "levers.x<img src=x onerror=alert(1)>"},
                        {"base", nullptr}, {"variant", "New </script> lever"}}}}};
}

}  // namespace

TEST_CASE("every chart has the table of its numbers beside it", "[report][tables]") {
  ReportJson run = teaching_run_json(200);
  ReportJson cmp = compare_json_with_changes();
  std::string dir = temp_dir("tables");
  std::ofstream(dir + "/results.csv") << std::string(kSweepHeader) +
                                             "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n"
                                             "1,ok,1,0.5,100,0.3,0.22,0.4,0.7,0.6,0.78\n";
  std::string h = render_report({report_input_from_json(run, "r.json"), report_input_from_json(cmp, "c.json"),
                                 read_report_input(dir)});
  size_t charts = count_of(h, "<div class=\"chart\"");
  REQUIRE(charts >= 8);
  CHECK(count_of(h, "<details class=\"data\"") == charts);
  // Each chart names its table, and the table follows it inside the same figure.
  // (Scanned by hand: std::regex recurses per character and overflows the stack on a page
  // this long under AddressSanitizer.)
  size_t well_formed = 0;
  const std::string open = "<figure>\n<div class=\"chart\" id=\"";
  for (size_t at = h.find(open); at != std::string::npos; at = h.find(open, at + 1)) {
    const size_t id_from = at + open.size(), id_to = h.find('"', id_from);
    REQUIRE(id_to != std::string::npos);
    const std::string id = h.substr(id_from, id_to - id_from);
    const size_t end = h.find("</figure>", at);
    REQUIRE(end != std::string::npos);
    const std::string fig = h.substr(at, end + 9 - at);
    const size_t div_end = fig.find("></div>\n<figcaption>");
    const size_t cap_end = fig.find("</figcaption>\n<details class=\"data\" id=\"" + id + "-data\"><summary>");
    const size_t table = fig.find("</summary>\n<table class=\"chart-data\">\n<tr><th>");
    INFO(id);
    const bool ok = div_end != std::string::npos &&
                    fig.substr(0, div_end).find("aria-describedby=\"" + id + "-data\"") != std::string::npos &&
                    cap_end != std::string::npos && div_end < cap_end && table != std::string::npos && cap_end < table &&
                    fig.size() >= 30 && fig.compare(fig.size() - 29, 29, "</table>\n</details>\n</figure>") == 0;
    CHECK(ok);
    well_formed += ok;
  }
  CHECK(well_formed == charts);
  // The numbers are those of the JSON, in the page's rounding.
  for (const auto& o : run["outcomes"]) CHECK(h.find("<td class=\"n\">" + report::pct(o["probability"].get<double>()) + "</td>") != std::string::npos);
  // The comparison's paired intervals, in percentage points, with the width ratio.
  CHECK(h.find("<td>coup</td><td class=\"n\">2.0%</td><td class=\"n\">6.0%</td><td class=\"n\">+4.0</td>"
               "<td class=\"n\">+2.1 to +5.9</td><td class=\"n\">+1.2 to +6.8</td><td class=\"n\">0.68</td>") !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a comparison report says what the variant changes, every string escaped", "[report][compare]") {
  ReportJson cmp = compare_json_with_changes();
  std::string h = render_report({report_input_from_json(cmp, "c.json")});
  CHECK(h.find("<h2 id=\"changes\">What this variant changes</h2>") != std::string::npos);
  CHECK(h.find("<td>lever</td><td>switched off</td><td><code>levers.russian_oil_trade</code></td><td>on</td><td>off</td>") !=
        std::string::npos);
  CHECK(h.find("<td>uniform(0.6, 0.9)</td>") != std::string::npos);
  CHECK(h.find("levers.x&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(h.find("<img src=x") == std::string::npos);
  CHECK(h.find("New &lt;/script&gt; lever") != std::string::npos);
  CHECK(count_of(h, "</script>") == 3);
  // The absent side of an added item is said as such.
  CHECK(h.find("<td><span class=\"note\">absent</span></td><td>New") != std::string::npos);
  // No list: an older file says so; an empty list: the scenarios are the same.
  cmp.erase("changes");
  CHECK(render_report({report_input_from_json(cmp, "c.json")}).find("does not list what the variant changes") != std::string::npos);
  cmp["changes"] = ReportJson::array();
  CHECK(render_report({report_input_from_json(cmp, "c.json")}).find("Nothing that this list compares differs between") != std::string::npos);
}

TEST_CASE("each outcome has its own scale in lever effects and in a sweep", "[report][scales]") {
  // Lever effects: one panel per outcome, each with its own x scale.
  ReportJson cmp = compare_json_with_changes();
  cmp.erase("changes");
  ReportJson second = cmp["comparisons"][0];
  cmp["comparisons"][0]["base"] = "without a";
  cmp["comparisons"][0]["variant"] = "with a";
  second["base"] = "without b";
  second["variant"] = "with b";
  cmp["comparisons"].push_back(second);
  report::Page page;
  report::compare_sections(page, report_input_from_json(cmp, "c.json"), true);
  const ReportJson* tornado = chart_spec(page, "lever-effects");
  REQUIRE(tornado != nullptr);
  CHECK((*tornado)["resolve"]["scale"]["x"] == "independent");
  // A comparison of two files: the difference of each outcome on its own scale too.
  report::Page cp;
  report::compare_sections(cp, report_input_from_json(compare_json_with_changes(), "c.json"), true);
  const ReportJson* diff = chart_spec(cp, "compare-diff");
  REQUIRE(diff != nullptr);
  CHECK((*diff)["facet"]["field"] == "outcome");
  CHECK((*diff)["resolve"]["scale"]["x"] == "independent");
  // Panels in the JSON's (the scenario's) order, not alphabetical.
  ReportJson reversed = compare_json_with_changes();
  auto& outs = reversed["comparisons"][0]["outcomes"];
  std::swap(outs[0], outs[1]);
  report::Page rp;
  report::compare_sections(rp, report_input_from_json(reversed, "c.json"), true);
  REQUIRE(chart_spec(rp, "compare-diff") != nullptr);
  CHECK((*chart_spec(rp, "compare-diff"))["facet"]["sort"] == ReportJson({"status_quo", "coup"}));
  // A 2x2 grid sweep: one colour scale (and legend) per outcome, none fixed to 0-100%.
  std::string dir = temp_dir("scales");
  std::ofstream(dir + "/results.csv") << std::string(kSweepHeader) +
                                             "0,ok,0,0,100,0.01,0.0,0.05,0.99,0.95,1\n"
                                             "1,ok,0,1,100,0.02,0.0,0.07,0.98,0.93,1\n"
                                             "2,ok,1,0,100,0.03,0.01,0.08,0.97,0.92,0.99\n"
                                             "3,ok,1,1,100,0.04,0.01,0.1,0.96,0.9,0.99\n";
  report::Page sp;
  report::sweep_sections(sp, read_report_input(dir), true);
  const ReportJson* heat = chart_spec(sp, "sweep-heatmap");
  REQUIRE(heat != nullptr);
  CHECK((*heat)["resolve"]["scale"]["color"] == "independent");
  CHECK_FALSE((*heat)["spec"]["encoding"]["color"]["scale"].contains("domain"));
  CHECK((*heat)["spec"]["encoding"]["y"]["axis"]["labelOverlap"] == "greedy");
  // One swept parameter: one panel per outcome, each with its own y scale.
  std::ofstream(dir + "/results.csv", std::ios::trunc)
      << "point,status,levers.a.intensity,runs,p_coup,lo_coup,hi_coup,p_status_quo,lo_status_quo,hi_status_quo\n"
         "0,ok,0,100,0.01,0.0,0.05,0.99,0.95,1\n1,ok,1,100,0.03,0.01,0.08,0.97,0.92,0.99\n";
  report::Page lp;
  report::sweep_sections(lp, read_report_input(dir), true);
  const ReportJson* line = chart_spec(lp, "sweep-line");
  REQUIRE(line != nullptr);
  CHECK((*line)["resolve"]["scale"]["y"] == "independent");
  CHECK((*line)["facet"]["field"] == "outcome");
  // Three parameters: a row of panels per outcome, each row with its own y scale.
  std::ofstream(dir + "/results.csv", std::ios::trunc)
      << "point,status,a,b,c,runs,p_coup,lo_coup,hi_coup,p_status_quo,lo_status_quo,hi_status_quo\n"
         "0,ok,0,0,0,100,0.01,0.0,0.05,0.99,0.95,1\n1,ok,1,1,1,100,0.03,0.01,0.08,0.97,0.92,0.99\n";
  report::Page pp;
  report::sweep_sections(pp, read_report_input(dir), true);
  const ReportJson* panels = chart_spec(pp, "sweep-panels");
  REQUIRE(panels != nullptr);
  CHECK((*panels)["facet"]["row"]["field"] == "outcome");
  CHECK((*panels)["resolve"]["scale"]["y"] == "independent");
  std::filesystem::remove_all(dir);
}

TEST_CASE("fan charts name their variable, its meaning and its scale", "[report][fans]") {
  ReportJson run = teaching_run_json(100);
  report::Page page;
  report::run_sections(page, report_input_from_json(run, "r.json"), true);
  const ReportJson* fan = chart_spec(page, "fan-defected-share");
  REQUIRE(fan != nullptr);
  CHECK((*fan)["title"]["text"] == "Defected share");
  CHECK((*fan)["title"]["subtitle"] == "weighted share of security-force units that have defected; scale 0 to 1");
  CHECK(page.body().find("<strong>Defected share</strong> (<code>defected_share</code>, scale 0 to 1): weighted share "
                         "of security-force units that have defected.") != std::string::npos);
  // The run's JSON carries the meaning and the range (docs/output.md).
  bool stance = false;
  for (const auto& f : run["fans"]) {
    INFO(f.dump().substr(0, 200));
    CHECK(f["doc"].is_string());
    CHECK(f["range"].size() == 2);
    if (f["var"].get<std::string>().rfind("stance.", 0) == 0) {
      stance = true;
      std::string name = "fan-";
      for (char c : f["var"].get<std::string>()) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
      const ReportJson* s = chart_spec(page, name);
      REQUIRE(s != nullptr);
      CHECK((*s)["title"]["text"].get<std::string>().rfind("Stance of ", 0) == 0);
    }
  }
  CHECK(stance);
  // No raw variable name is a chart's title.
  for (const auto& c : page.charts())
    if (c["spec"].contains("title") && c["spec"]["title"].is_object())
      CHECK(c["spec"]["title"]["text"].get<std::string>().find('_') == std::string::npos);
}

TEST_CASE("a sweep's page says what was swept, with the seed and the runs per point", "[report][sweep]") {
  std::string dir = temp_dir("title");
  std::ofstream(dir + "/results.csv") << std::string(kSweepHeader) + "0,ok,0,0.5,250,0.1,0.05,0.17,0.9,0.83,0.95\n"
                                                                     "1,ok,1,0.5,250,0.3,0.22,0.4,0.7,0.6,0.78\n";
  std::string h = render_report({read_report_input(dir)});
  CHECK(h.find("<h1>Sweep of levers.a.intensity and levers.b.credibility</h1>") != std::string::npos);
  CHECK(h.find("Sweep: ") == std::string::npos);
  CHECK(h.find("2 points over 2 parameter(s) &middot; 250 runs per point") != std::string::npos);
  // With the sweep's store beside it, the seed and the design from its metadata.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/results.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE metadata(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                       "INSERT INTO metadata VALUES('seed', '42'), ('design', 'grid'), ('scenario', 'teach<b>');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  h = render_report({read_report_input(dir)});
  CHECK(h.find("2 points over 2 parameter(s) (grid) &middot; seed 42 &middot; 250 runs per point &middot; scenario "
               "<code>teach&lt;b&gt;</code>") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("two outcomes with one label keep their own bar, layer and column", "[report][labels]") {
  ReportJson j = teaching_run_json(400);
  REQUIRE(j["outcomes"][0]["id"] == "defection_collapse");
  REQUIRE(j["outcomes"][1]["id"] == "coup");
  j["outcomes"][0]["label"] = "Regime falls";
  j["outcomes"][1]["label"] = "Regime falls";
  const std::string h = render_report({report_input_from_json(j, "dup.json")});
  // Named apart wherever the label alone would merge them: the findings, the outcome chart
  // and its table, the cumulative chart and its table (one column each).
  for (const char* name : {"Regime falls (defection_collapse)", "Regime falls (coup)"}) {
    CHECK(h.find(std::string("<li><strong>") + name + "</strong>") != std::string::npos);
    CHECK(h.find(std::string("\"outcome\":\"") + name + "\"") != std::string::npos);
    CHECK(h.find(std::string("<th>") + name + "</th>") != std::string::npos);
    CHECK(h.find(std::string("<td>") + name + "</td>") != std::string::npos);
  }
  CHECK(h.find("\"outcome\":\"Regime falls\"") == std::string::npos);
  CHECK(h.find("<th>Regime falls</th>") == std::string::npos);
  // The cumulative table: a date column and one per outcome that is not the default.
  CHECK(h.find("<tr><th>date</th><th>Regime falls (defection_collapse)</th><th>Regime falls (coup)</th><th>The "
               "incumbent leaves under a deal</th></tr>") != std::string::npos);
  // Distinct labels stay as they are.
  const std::string plain = render_report({report_input_from_json(teaching_run_json(400), "run.json")});
  CHECK(plain.find("<li><strong>The army abandons the government</strong>") != std::string::npos);
  CHECK(plain.find("(coup)") == std::string::npos);
}

TEST_CASE("the findings give the last day the header gives, also from a file without last_day", "[report][dates]") {
  ReportJson j = teaching_run_json(200);
  const std::string last = j["last_day"].get<std::string>(), until = j["until"].get<std::string>();
  REQUIRE(last != until);
  std::string h = render_report({report_input_from_json(j, "run.json")});
  CHECK(h.find("The incumbent still rules at " + last + " in ") != std::string::npos);
  CHECK(h.find(" to " + last + " (") != std::string::npos);  // the header
  CHECK(h.find(until) == std::string::npos);
  // An older file without last_day: the day before `until`, in the header and the findings.
  j.erase("last_day");
  h = render_report({report_input_from_json(j, "old.json")});
  CHECK(h.find("The incumbent still rules at " + last + " in ") != std::string::npos);
  CHECK(h.find(" to " + last + " (") != std::string::npos);
  CHECK(h.find("still rules at " + until) == std::string::npos);
}

TEST_CASE("a Morris table heads an interval only over the index that has one", "[report][morris]") {
  ReportJson morris = {
      {"method", "morris"},
      {"parameters", {"x1", "x2"}},
      {"outputs",
       {{{"id", "f"}, {"mu_star", {0.3, 0.1}}, {"mu_star_ci95", {{0.2, 0.4}, {0.05, 0.15}}}, {"sigma", {0.1, 0.02}}}}}};
  const std::string h = render_report({report_input_from_json(morris, "m.json")});
  CHECK(h.find("<th>input</th><th>mu* (mean |effect|) (95% interval)</th><th>sigma (interactions)</th></tr>") !=
        std::string::npos);
  CHECK(h.find("sigma (interactions) (95% interval)") == std::string::npos);
  CHECK(h.find("<td class=\"n\">0.300 (0.200 to 0.400)</td><td class=\"n\">0.100</td>") != std::string::npos);
}

TEST_CASE("a sweep's results.csv given to report reads as its folder", "[report][sweep][cli]") {
  std::string dir = temp_dir("csvfile");
  std::string csv = std::string(kSweepHeader) +
                    "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n"
                    "1,ok,1,0.5,100,0.3,0.22,0.4,0.7,0.6,0.78\n";
  std::ofstream(dir + "/results.csv") << csv;
  ReportInput in = read_report_input(dir + "/results.csv");
  CHECK(in.kind == ReportKind::Sweep);
  CHECK(in.data["points"].size() == 2);
  CHECK(in.data["store"] == false);
  const std::string g = GEOSIM_BINARY;
  CHECK(shell(g + " report " + dir + "/results.csv -o " + dir + "/a.html") == 0);
  CHECK(shell(g + " report " + dir + " -o " + dir + "/b.html") == 0);
  // The same page but for where the results were read from.
  std::string a = read(dir + "/a.html");
  const std::string b = read(dir + "/b.html");
  CHECK(a.find("results in <code>" + dir + "/results.csv</code>") != std::string::npos);
  for (size_t at = a.find(dir + "/results.csv"); at != std::string::npos; at = a.find(dir + "/results.csv", at))
    a.replace(at, dir.size() + 12, dir);
  CHECK(a == b);
  std::filesystem::remove_all(dir);
}

TEST_CASE("bytes that are not UTF-8 in a sweep's results.csv are refused at their place", "[report][sweep][cli]") {
  std::string dir = temp_dir("utf8");
  const std::string g = GEOSIM_BINARY;
  for (const std::string header :
       {"point,status,\xff\xfe,runs,p_x,lo_x,hi_x\n", "point,status,a,runs,p_\xff,lo_\xff,hi_\xff\n"}) {
    std::ofstream(dir + "/results.csv") << header << "0,ok,0.1,100,0.5,0.4,0.6\n";
    const std::string col = header[13] == '\xff' ? "14" : "23";
    CHECK(error_of([&] { read_report_input(dir); }) ==
          dir + "/results.csv:1:" + col + ": invalid UTF-8; save the file as UTF-8");
    CHECK(shell(g + " report " + dir + " -o " + dir + "/r.html 2> " + dir + "/err") == kExitInvalidInput);
    CHECK(read(dir + "/err") == dir + "/results.csv:1:" + col + ": invalid UTF-8; save the file as UTF-8\n");
    CHECK(shell(g + " discover " + dir + " --outcome x --threshold 0.1 -f json > " + dir + "/out 2> " + dir + "/err") ==
          kExitInvalidInput);
    CHECK(read(dir + "/err").find("results.csv:1:" + col + ": invalid UTF-8") != std::string::npos);
    CHECK(read(dir + "/err").find("internal error") == std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
