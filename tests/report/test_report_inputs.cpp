// Damaged and impossible report inputs: every field of a real result, damaged in turn, is
// refused with the file and the field's place (InputError, exit code 3) or drawn, never an
// internal error; impossible values are refused; an outcome whose indices are undefined is
// said in words; a sweep's folder is read without leaving files in it, and its failed points
// are listed with the reasons from its database.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "analysis/report/report.h"
#include "analysis/report/report_page.h"
#include "engine/core/error.h"
#include "engine/output/numbers.h"
#include "tests/cli.h"

using namespace geosim;
using geosim::test::cli_run;
using geosim::test::error_of;
using geosim::test::read_text;

namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("geosim-report-inputs-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// Runs geosim (from the source folder); the test stops when it fails.
void run_geosim(const std::string& args) {
  const auto r = cli_run(args);
  INFO("geosim " << args << "\n" << r.err);
  REQUIRE(r.code == 0);
}

ReportJson load(const std::string& path) { return ReportJson::parse(read_text(path)); }

// Every file in a folder, hidden ones included.
std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

// The places to damage in a document: every member of every object and, of a list, the first
// two and the last elements (the others are read as these are).
void places(const ReportJson& j, const ReportJson::json_pointer& at, std::vector<ReportJson::json_pointer>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      out.push_back(at / k);
      places(v, at / k, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i)
      if (i < 2 || i + 1 == j.size()) {
        out.push_back(at / i);
        places(j[i], at / i, out);
      }
  }
}

// The sections of a page as render_report() writes them, without the page around them (whose
// charting library alone is 840 KB: writing it thousands of times would be most of the test).
void draw(const ReportInput& in) {
  report::Page page;
  switch (in.kind) {
    case ReportKind::Run:
      report::run_sections(page, in, true);
      break;
    case ReportKind::Compare:
      report::compare_sections(page, in, true);
      break;
    case ReportKind::Sweep:
      report::sweep_sections(page, in, true);
      break;
    case ReportKind::Sensitivity:
      report::sensitivity_sections(page, in, true);
      break;
    case ReportKind::Discovery:
      report::discovery_sections(page, in, true);
      break;
    case ReportKind::Calibration:
      report::calibration_sections(page, in, true);
      break;
  }
  (void)page.charts().dump();
}

// Outcomes of damaging every place of `doc` in every way.
struct Damage {
  int refused = 0, drawn = 0;
};

// Each place replaced by a value of each kind (null, wrong types, out of range, a list of the
// wrong length) and then removed: report_input_from_json() and the sections must either draw
// the page or throw an InputError that names the file; anything else is a bug.
Damage damage_everywhere(const ReportJson& doc, const std::string& name) {
  const std::vector<std::pair<std::string, ReportJson>> values = {
      {"null", ReportJson(nullptr)},          {"a string", ReportJson("x")},
      {"a fraction", ReportJson(1.5)},        {"a negative number", ReportJson(-1)},
      {"a boolean", ReportJson(true)},        {"an empty object", ReportJson::object()},
      {"an empty list", ReportJson::array()}, {"a list of one number", ReportJson::array({0.5})},
      {"a huge number", ReportJson(1e300)},
  };
  std::vector<ReportJson::json_pointer> at;
  places(doc, ReportJson::json_pointer(), at);
  Damage d;
  auto attempt = [&](const ReportJson& j, const std::string& what) {
    try {
      draw(report_input_from_json(j, name));
      ++d.drawn;
    } catch (const InputError& e) {
      ++d.refused;
      const std::string msg = e.what();
      INFO(what << ": " << msg);
      CHECK(msg.rfind(name + ": ", 0) == 0);
    } catch (const std::exception& e) {
      FAIL_CHECK(name << ": " << what << " gives '" << e.what() << "', not an InputError");
    }
  };
  ReportJson j = doc;  // damaged in place, one place at a time, and mended after
  for (const auto& p : at) {
    const ReportJson kept = j[p];
    for (const auto& [kind, v] : values) {
      j[p] = v;
      attempt(j, p.to_string() + " replaced by " + kind);
    }
    j[p] = kept;
    ReportJson removed = doc;
    ReportJson& parent = removed[p.parent_pointer()];
    if (parent.is_object())
      parent.erase(p.back());
    else
      parent.erase(static_cast<size_t>(std::stoul(p.back())));
    attempt(removed, p.to_string() + " removed");
  }
  return d;
}

// A sweep of the teaching scenario over one lever, two of whose values the model refuses.
const char* kFailingSweep =
    "sweep: 1\nid: failing\nscenario: SCENARIO\nparameters:\n  - path: levers.sanctions.intensity\n"
    "    values: [0, 0.5, 1.5, 2]\nruns: 20\nseed: 1\nrecord:\n  outcomes: [coup, status_quo]\n";

std::string failing_sweep(const std::string& dir) {
  std::string spec = kFailingSweep;
  spec.replace(spec.find("SCENARIO"), 8, test::source_path("scenarios/teaching.yaml"));
  std::ofstream(dir + "/failing.yaml") << spec;
  run_geosim("sweep " + dir + "/failing.yaml --output " + dir + "/sweep -q");
  return dir + "/sweep";
}

}  // namespace

TEST_CASE("every field of a real result, damaged in turn, is refused with its place or drawn", "[report][damaged]") {
  const std::string d = temp_dir("damaged");
  // Real outputs of every kind: a run with a leader (regime, ruler, joint), fan charts and lever
  // effects; a comparison; lever effects alone; Sobol indices (some undefined) and Morris
  // screening; PRIM boxes from a sweep; a calibration. (A run's JSON with its lever effects is
  // what `run --lever-effects --report` wrote as its output before it wrote that of the
  // command it records; a report still reads it: built here from the two real documents.)
  run_geosim("run scenarios/teaching-leader.yaml --runs 100 -q -f json -o " + d + "/run.json");
  run_geosim("run scenarios/teaching-leader.yaml --runs 100 --lever-effects -q -f json -o " + d +
             "/leader-levers.json --report " + d + "/run.html");
  {
    ReportJson combined = load(d + "/run.json");
    combined["lever_effects"] = load(d + "/leader-levers.json");
    std::ofstream(d + "/run.json") << combined.dump(2) << "\n";
  }
  run_geosim(
      "compare scenarios/venezuela-2019.yaml scenarios/variants/2019-no-russian-aid.yaml --runs 100 -q -f json -o " +
      d + "/compare.json");
  run_geosim("run scenarios/teaching.yaml --runs 100 --lever-effects -q -f json -o " + d + "/levers.json");
  run_geosim("sensitivity scenarios/teaching.yaml -N 16 -r 5 -b 50 -q -f json -o " + d + "/sobol.json");
  run_geosim("sensitivity --test-function ishigami --method morris -r 10 -q -f json -o " + d + "/morris.json");
  const std::string sweep = failing_sweep(d);
  std::ofstream(d + "/grid.yaml") << "sweep: 1\nid: grid\nscenario: " << test::source_path("scenarios/teaching.yaml")
                                  << "\nparameters:\n  - path: levers.sanctions.intensity\n    min: 0\n    max: 1\n"
                                     "    steps: 3\n  - path: levers.amnesty_for_officers.credibility\n    min: 0\n"
                                     "    max: 1\n    steps: 3\nruns: 50\nseed: 1\nrecord:\n"
                                     "  outcomes: [defection_collapse, status_quo]\n";
  run_geosim("sweep " + d + "/grid.yaml --output " + d + "/grid -q");
  run_geosim("discover " + d + "/grid --outcome defection_collapse --threshold 0.1 -f json -o " + d + "/prim.json");
  run_geosim("calibrate scenarios/venezuela-2019.yaml --output " + d + "/cal --particles 20 --max-generations 1 -q");
  const ReportJson run = load(d + "/run.json");
  REQUIRE(run.contains("regime"));
  REQUIRE(run.contains("lever_effects"));
  REQUIRE(load(d + "/sobol.json")["outputs"][1]["S1"][0].is_null());  // coup never happens: undefined
  for (const char* file :
       {"run.json", "compare.json", "levers.json", "sobol.json", "morris.json", "prim.json", "cal/summary.json"}) {
    const ReportJson doc = load(d + "/" + file);
    INFO(file);
    // The file as written is drawn.
    CHECK_NOTHROW(render_report({report_input_from_json(doc, file)}));
    const Damage r = damage_everywhere(doc, file);
    CHECK(r.refused > 100);
    CHECK(r.drawn > 0);  // (a damaged field the report does not read changes nothing)
  }
  fs::remove_all(d);
}

TEST_CASE("each kind of field the report reads, damaged, is named by its JSON path", "[report][damaged]") {
  const std::string d = temp_dir("paths");
  run_geosim("run scenarios/venezuela-2019.yaml --runs 100 -q -f json -o " + d + "/run.json");
  run_geosim(
      "compare scenarios/venezuela-2019.yaml scenarios/variants/2019-no-russian-aid.yaml --runs 100 -q -f json -o " +
      d + "/compare.json");
  run_geosim("run scenarios/teaching.yaml --runs 100 --lever-effects -q -f json -o " + d + "/levers.json");
  run_geosim("sensitivity --test-function ishigami -N 32 -q -f json -o " + d + "/sobol.json");
  run_geosim("sensitivity --test-function ishigami --method morris -r 10 -q -f json -o " + d + "/morris.json");
  const ReportJson run = load(d + "/run.json"), compare = load(d + "/compare.json"), levers = load(d + "/levers.json"),
                   sobol = load(d + "/sobol.json"), morris = load(d + "/morris.json");
  const std::string hint_run =
      "; the file is not as 'geosim run --format json' writes it (damaged or edited?); write it again";
  const std::string hint_cmp =
      "; the file is not as 'geosim compare --format json' writes it (damaged or edited?); write it again";
  const std::string hint_gsa =
      "; the file is not as 'geosim sensitivity --format json' writes it (damaged or edited?); write it again";
  struct Case {
    const ReportJson* doc;
    std::string pointer;  // what to damage ("" with `remove`: the member named by pointer)
    ReportJson value;
    bool remove;
    std::string message;  // the whole message after "B.json: "
  };
  const std::vector<Case> cases = {
      // A run: wrong type, null, missing, wrong length, in every kind of field.
      {&run, "/regime/0/ci95", ReportJson::array({0.5}), false,
       "regime[0].ci95 must be two numbers [lo, hi] in [0, 1], got [0.5]" + hint_run},
      {&run, "/ruler/0/ci95", nullptr, true, "ruler[0].ci95 is missing" + hint_run},
      {&run, "/outcomes/3/ci95/0", ReportJson::object(), false,
       "outcomes[3].ci95 must be two numbers [lo, hi] in [0, 1], got " +
           ReportJson::array({ReportJson::object(), run["outcomes"][3]["ci95"][1]}).dump() + hint_run},
      {&run, "/fans/3/steps/4", "x", false, "fans[3].steps[4] must be a whole number in [0, 52], got \"x\"" + hint_run},
      {&run, "/ruler/1", nullptr, false, "ruler[1] must be an object, got null" + hint_run},
      {&run, "/outcomes/0/id", 7, false, "outcomes[0].id must be a string, got 7" + hint_run},
      {&run, "/outcomes/5/time_to_outcome/median", "x", false,
       "outcomes[5].time_to_outcome.median must be a whole number in [0, 52], got \"x\"" + hint_run},
      {&run, "/outcomes/0/cumulative", "x", false, "outcomes[0].cumulative must be a list, got \"x\"" + hint_run},
      {&run, "/outcomes", ReportJson::object(), false, "outcomes must be a list, got {}" + hint_run},
      {&run, "/survival", nullptr, true, "survival is missing" + hint_run},
      {&run, "/runs", -1, false, "runs must be a whole number in [0, 1099511627776], got -1" + hint_run},
      {&run, "/horizon", 1.5, false, "horizon must be a whole number in [0, 100000], got 1.5" + hint_run},
      {&run, "/step", "month", false, "step must be \"week\" or \"day\", got \"month\"" + hint_run},
      {&run, "/fans/0/p50", ReportJson::array({0.5}), false,
       "fans[0].p50 must be a list of 52 numbers, one per step, got [0.5]" + hint_run},
      {&run, "/fans/0/var", nullptr, false, "fans[0].var must be a string, got null" + hint_run},
      {&run, "/parameters/0/evidence", "x", false, "parameters[0].evidence must be a list, got \"x\"" + hint_run},
      {&run, "/parameters/0/uncertain", "yes", false,
       "parameters[0].uncertain must be true or false, got \"yes\"" + hint_run},
      {&run, "/joint/0/regime", ReportJson::array(), false, "joint[0].regime must be a string, got []" + hint_run},
      // A comparison.
      {&compare, "/comparisons/0/outcomes/0/base/probability", nullptr, false,
       "comparisons[0].outcomes[0].base.probability must be a probability, a number in [0, 1], got null" + hint_cmp},
      {&compare, "/comparisons/0/outcomes/0/difference", "x", false,
       "comparisons[0].outcomes[0].difference must be a number in [-1, 1], got \"x\"" + hint_cmp},
      {&compare, "/comparisons/0/outcomes/0/paired_ci95", nullptr, true,
       "comparisons[0].outcomes[0].paired_ci95 is missing" + hint_cmp},
      {&compare, "/comparisons/0/outcomes/0/unpaired_ci95", ReportJson::array({0.1, 0.2, 0.3}), false,
       "comparisons[0].outcomes[0].unpaired_ci95 must be two numbers [lo, hi] in [-1, 1], got [0.1,0.2,0.3]" +
           hint_cmp},
      {&compare, "/comparisons", ReportJson::array(), false,
       "comparisons must be a list of one or more items, got []" + hint_cmp},
      {&compare, "/changes/0/variant", 3, false, "changes[0].variant must be a string, got 3" + hint_cmp},
      // Lever effects.
      {&levers, "/comparisons/1/outcomes/1/paired_ci95/1", nullptr, false,
       "comparisons[1].outcomes[1].paired_ci95 must be two numbers [lo, hi] in [-1, 1], got " +
           ReportJson::array({levers["comparisons"][1]["outcomes"][1]["paired_ci95"][0], nullptr}).dump() + hint_cmp},
      {&levers, "/comparisons/0/base", ReportJson::object(), false,
       "comparisons[0].base must be a string, got {}" + hint_cmp},
      // Sobol and Morris.
      {&sobol, "/outputs/0/S1", ReportJson::array({0.5}), false,
       "outputs[0].S1 must be a list of 3 values, one per parameter, got [0.5]" + hint_gsa},
      {&sobol, "/outputs/0/ST/1", "x", false,
       "outputs[0].ST[1] must be a number, or null where it is undefined, got \"x\"" + hint_gsa},
      {&sobol, "/outputs/0/S1_ci95/2", ReportJson::array({0.5, 0.1}), false,
       "outputs[0].S1_ci95[2] must be an interval [lo, hi] with lo <= hi, got [0.5,0.1]" + hint_gsa},
      {&sobol, "/parameters/1", nullptr, false, "parameters[1] must be a string, got null" + hint_gsa},
      {&sobol, "/outputs/0/S1", nullptr, true, "outputs[0].S1 is missing" + hint_gsa},
      {&morris, "/outputs/0/mu_star/0", -0.5, false,
       "outputs[0].mu_star[0] must be a number, 0 or more, or null where it is undefined, got -0.5" + hint_gsa},
      {&morris, "/outputs/0/sigma", "x", false,
       "outputs[0].sigma must be a list of 3 values, one per parameter, got \"x\"" + hint_gsa},
      {&morris, "/outputs/0/mu_star_ci95/0", ReportJson::array({0.5}), false,
       "outputs[0].mu_star_ci95[0] must be two numbers [lo, hi], or [null, null] where it is undefined, got [0.5]" +
           hint_gsa},
  };
  for (const auto& c : cases) {
    ReportJson j = *c.doc;
    const ReportJson::json_pointer p(c.pointer);
    if (c.remove)
      j[p.parent_pointer()].erase(p.back());
    else
      j[p] = c.value;
    INFO(c.pointer);
    const std::string msg = error_of([&] { render_report({report_input_from_json(j, "B.json")}); });
    CHECK(msg == "B.json: " + c.message);
  }
  // From the command line: exit code 3 and the message, for a file on disk.
  ReportJson j = run;
  j["regime"][0]["ci95"] = ReportJson::array({0.5});
  std::ofstream(d + "/B.json") << j.dump();
  const auto r = cli_run("report " + d + "/B.json -o " + d + "/B.html");
  CHECK(r.code == kExitInvalidInput);
  CHECK(r.err == d + "/B.json: regime[0].ci95 must be two numbers [lo, hi] in [0, 1], got [0.5]" + hint_run + "\n");
  CHECK_FALSE(fs::exists(d + "/B.html"));
  fs::remove_all(d);
}

TEST_CASE("impossible values in a run's JSON and a sweep's results.csv are refused with their place",
          "[report][damaged]") {
  const std::string d = temp_dir("impossible");
  run_geosim("run scenarios/teaching.yaml --runs 100 -q -f json -o " + d + "/run.json");
  const ReportJson run = load(d + "/run.json");
  const std::string hint =
      "; the file is not as 'geosim run --format json' writes it (damaged or edited?); write it again";
  auto refused = [&](const std::string& pointer, const ReportJson& v) {
    ReportJson j = run;
    j[ReportJson::json_pointer(pointer)] = v;
    return error_of([&] { render_report({report_input_from_json(j, "r.json")}); });
  };
  CHECK(refused("/outcomes/0/probability", 1.5) ==
        "r.json: outcomes[0].probability must be a probability, a number in [0, 1], got 1.5" + hint);
  CHECK(refused("/outcomes/0/probability", -0.5) ==
        "r.json: outcomes[0].probability must be a probability, a number in [0, 1], got -0.5" + hint);
  CHECK(refused("/outcomes/0/ci95", ReportJson::array({0.9, 0.1})) ==
        "r.json: outcomes[0].ci95 must be an interval [lo, hi] with lo <= hi, got [0.9,0.1]" + hint);
  CHECK(refused("/outcomes/0/ci95", ReportJson::array({0.5, 1.5})) ==
        "r.json: outcomes[0].ci95 must be two numbers [lo, hi] in [0, 1], got [0.5,1.5]" + hint);
  CHECK(refused("/outcomes/1/ci95", ReportJson::array({0.6, 0.7})) ==
        "r.json: outcomes[1].probability (" + general(run["outcomes"][1]["probability"].get<double>(), 6) +
            ") lies outside its ci95 [0.6, 0.7]" + hint);
  CHECK(refused("/outcomes/0/count", 101) ==
        "r.json: outcomes[0].count must be a whole number in [0, 100], got 101" + hint);
  CHECK(refused("/survival/3", 5) == "r.json: survival[3] must be a probability, a number in [0, 1], got 5" + hint);
  CHECK(refused("/start", "hello") == "r.json: start must be a date (YYYY-MM-DD), got \"hello\"" + hint);
  CHECK(refused("/start", "2019-02-30") == "r.json: start must be a date (YYYY-MM-DD), got \"2019-02-30\"" + hint);
  CHECK(refused("/fans/0/range", ReportJson::array({1, 0})) ==
        "r.json: fans[0].range must be an interval [lo, hi] with lo <= hi, got [1,0]" + hint);
  CHECK(refused("/fans/0/p5/0", 2) == "r.json: fans[0].p25[0] (" + general(run["fans"][0]["p25"][0].get<double>(), 6) +
                                          ") is below the percentile before it, fans[0].p5[0] (2)" + hint);
  CHECK(refused("/outcomes/0/cumulative/2", -0.1) ==
        "r.json: outcomes[0].cumulative[2] must be a probability, a number in [0, 1], got -0.1" + hint);

  // results.csv: what its reader accepts but no sweep writes.
  const std::string head = "point,status,levers.a.intensity,runs,p_coup,lo_coup,hi_coup\n";
  auto csv_error = [&](const std::string& text) { return error_of([&] { parse_sweep_csv(text, "results.csv"); }); };
  CHECK(csv_error(head + "0,ok,0,100,0.1,0.05,0.17\n1,ok,1,100,0.3,0.4,0.2\n") ==
        "results.csv:3:16: lo_coup = 0.4 is above hi_coup = 0.2; lo_coup and hi_coup are the ends of the 95% interval "
        "of p_coup, with lo <= p <= hi");
  CHECK(csv_error(head + "0,ok,0,100,0.5,0.05,0.17\n") ==
        "results.csv:2:12: p_coup = 0.5 lies outside its 95% interval [0.05, 0.17]; lo_coup and hi_coup are the ends "
        "of the 95% interval of p_coup, with lo <= p <= hi");
  CHECK(csv_error("point,status,levers.a.intensity,runs,p_coup,lo_coup,hi_coup,p_coup,lo_coup,hi_coup\n"
                  "0,ok,0,100,0.1,0.05,0.17,0.1,0.05,0.17\n") ==
        "results.csv:1:61: columns p_coup, lo_coup, hi_coup repeat columns 5 to 7: an outcome has one p_/lo_/hi_ "
        "group; a sweep's results.csv starts with point,status,<parameter paths>,runs,p_<outcome>,lo_<outcome>,"
        "hi_<outcome>,...");
  CHECK(csv_error(
            "# geosim 0.1.0, seed 1\npoint,status,a,b,a,runs,p_coup,lo_coup,hi_coup\n0,ok,0,1,0,100,0.1,0.05,0.17\n") ==
        "results.csv:2:18: column 'a' repeats column 3: a swept parameter has one column; a sweep's results.csv "
        "starts with point,status,<parameter paths>,runs,p_<outcome>,lo_<outcome>,hi_<outcome>,...");
  // (docs/report.md quotes this one.)
  CHECK(csv_error(head + "0,ok,0,100,1.5,0.05,0.17\n") ==
        "results.csv:2:12: p_coup = '1.5' is not a probability; a number in [0, 1]");
  // Each of them from the command line is exit code 3.
  fs::create_directories(d + "/sweep");
  std::ofstream(d + "/sweep/results.csv") << head + "0,ok,0,100,0.3,0.4,0.2\n";
  const auto r = cli_run("report " + d + "/sweep -o " + d + "/s.html");
  CHECK(r.code == kExitInvalidInput);
  CHECK_THAT(r.err, Catch::StartsWith(d + "/sweep/results.csv:2:16: lo_coup = 0.4 is above hi_coup = 0.2"));
  fs::remove_all(d);
}

TEST_CASE("an outcome whose sensitivity indices are undefined is said in words, not drawn empty",
          "[report][sensitivity]") {
  // As `geosim sensitivity` writes an outcome that is the same at every design point.
  ReportJson sobol = {{"method", "sobol"},
                      {"samples", 16},
                      {"parameters", {"x1", "x2"}},
                      {"outputs",
                       {{{"id", "moves"},
                         {"S1", {0.3, 0.4}},
                         {"S1_ci95", {{0.2, 0.4}, {0.3, 0.5}}},
                         {"ST", {0.5, 0.4}},
                         {"ST_ci95", {{0.4, 0.6}, {0.3, 0.5}}}},
                        {{"id", "coup"},
                         {"S1", {nullptr, nullptr}},
                         {"S1_ci95", {{nullptr, nullptr}, {nullptr, nullptr}}},
                         {"ST", {nullptr, nullptr}},
                         {"ST_ci95", {{nullptr, nullptr}, {nullptr, nullptr}}}}}}};
  const std::string h = render_report({report_input_from_json(sobol, "s.json")});
  CHECK(h.find("data-chart=\"sensitivity-moves\"") != std::string::npos);
  CHECK(h.find("data-chart=\"sensitivity-coup\"") == std::string::npos);  // no empty chart
  CHECK(h.find("<p><strong>Sobol indices for <code>coup</code></strong>: the outcome is the same at every design "
               "point: no input moves it, so its indices are undefined") != std::string::npos);
  // From a real analysis (coup never happens in the teaching scenario at these settings).
  const std::string d = temp_dir("undefined");
  run_geosim("sensitivity scenarios/teaching.yaml -N 16 -r 5 -b 50 -q -f json -o " + d + "/sx.json");
  const std::string real = render_report({read_report_input(d + "/sx.json")});
  CHECK(real.find("data-chart=\"sensitivity-coup\"") == std::string::npos);
  CHECK(real.find("<code>coup</code></strong>: the outcome is the same at every design point") != std::string::npos);
  CHECK(real.find("data-chart=\"sensitivity-defection-collapse\"") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("reading a sweep's folder leaves no file in it, also while a sweep writes its database", "[report][sweep]") {
  const std::string d = temp_dir("nothing-left");
  const std::string sweep = failing_sweep(d);
  const std::set<std::string> before = files_in(sweep);
  REQUIRE(before.count("results.sqlite") == 1);
  CHECK(before.count("results.sqlite-wal") == 0);
  // A finished sweep: nothing beside what was there.
  const ReportInput in = read_report_input(sweep);
  CHECK(in.data["meta"]["seed"] == "1");
  CHECK(files_in(sweep) == before);
  const auto r = cli_run("report " + sweep + " -o " + d + "/sweep.html");
  CHECK(r.code == 0);
  CHECK(files_in(sweep) == before);

  // A sweep still writing: its connection holds the WAL open (as ResultStore does). The reader
  // sees the points committed so far and adds nothing; when the writer closes, the folder is
  // as it was.
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open((sweep + "/results.sqlite").c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer,
                       "PRAGMA journal_mode=WAL; UPDATE failed SET reason = 'written while a sweep runs' "
                       "WHERE point = 3",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  const std::set<std::string> live = files_in(sweep);
  CHECK(live.count("results.sqlite-wal") == 1);
  const std::string page = render_report({read_report_input(sweep)});
  CHECK(page.find("written while a sweep runs") != std::string::npos);
  CHECK(files_in(sweep) == live);
  sqlite3_close(writer);
  CHECK(files_in(sweep) == before);

  // A sweep killed while writing leaves its WAL and shared memory: read as they are, and
  // nothing more is left.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    sqlite3* db = nullptr;
    sqlite3_open((sweep + "/results.sqlite").c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; UPDATE failed SET reason = 'left in the WAL' WHERE point = 2", nullptr,
                 nullptr, nullptr);
    _exit(0);  // killed: no close, no checkpoint
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  const std::set<std::string> killed = files_in(sweep);
  CHECK(killed.count("results.sqlite-wal") == 1);
  CHECK(killed.count("results.sqlite-shm") == 1);
  CHECK(render_report({read_report_input(sweep)}).find("left in the WAL") != std::string::npos);
  CHECK(files_in(sweep) == killed);
  fs::remove_all(d);
}

TEST_CASE("failed sweep points are listed with the reasons from the sweep's database", "[report][sweep]") {
  const std::string d = temp_dir("reasons");
  const std::string sweep = failing_sweep(d);
  std::string h = render_report({read_report_input(sweep)});
  CHECK(h.find("2 points failed and are left out of the charts. Why, from the sweep's database") != std::string::npos);
  CHECK(h.find("<tr><td class=\"n\">2</td><td class=\"n\">1.5</td><td>levers.sanctions.intensity = 1.5 is outside its "
               "range [0, 1]</td></tr>") != std::string::npos);
  CHECK(h.find("<tr><td class=\"n\">3</td><td class=\"n\">2</td><td>levers.sanctions.intensity = 2 is outside its "
               "range [0, 1]</td></tr>") != std::string::npos);
  CHECK(h.find("gives the reason for each") == std::string::npos);
  // Without the database, the page says where the reasons are and lists the failed points.
  fs::remove(sweep + "/results.sqlite");
  h = render_report({read_report_input(sweep)});
  CHECK(h.find("<code>results.csv</code> records only that a point failed, not why; the reasons are in the sweep's "
               "database, <code>results.sqlite</code> (table <code>failed</code>), which is not beside this "
               "<code>results.csv</code> or is not a sweep's database.") != std::string::npos);
  CHECK(h.find("<tr><td class=\"n\">2</td><td class=\"n\">1.5</td></tr>") != std::string::npos);
  // A point the database does not know is said to be so.
  std::ofstream(sweep + "/results.sqlite") << "";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((sweep + "/results.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE metadata(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                       "CREATE TABLE failed(point INTEGER PRIMARY KEY, reason TEXT NOT NULL);"
                       "INSERT INTO failed VALUES(2, 'out of <range>');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  h = render_report({read_report_input(sweep)});
  CHECK(h.find("<td>out of &lt;range&gt;</td>") != std::string::npos);
  CHECK(h.find("<tr><td class=\"n\">3</td><td class=\"n\">2</td><td><span class=\"note\">not recorded in "
               "results.sqlite</span></td></tr>") != std::string::npos);
  fs::remove_all(d);
}
