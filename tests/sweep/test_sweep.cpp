// Sweeps: spec validation, failed points, determinism, refusal of a foreign directory, and
// resuming after kill -9 with byte-identical results.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "analysis/sweep/design.h"
#include "analysis/sweep/results_csv.h"
#include "analysis/sweep/store.h"
#include "engine/core/parallel.h"
#include "engine/model/model.h"
#include "engine/runner/monte_carlo.h"
#include "engine/runner/summary.h"
#include "engine/scenario/loader.h"
#include "helpers.h"
#include "sql_helpers.h"

using namespace geosim;

namespace {
StoreOptions store_options(bool resume) {
  StoreOptions o;
  o.resume = resume;
  return o;
}
}  // namespace
using namespace geosim::test;

namespace {

std::string spec_text(const std::string& body) {
  return "sweep: 1\nid: t\nscenario: " + kTeachingPath + "\n" + body;
}

std::string spec_error(const std::string& dir, const std::string& body) {
  std::string path = write_text(dir + "/spec.yaml", spec_text(body));
  try {
    load_sweep_plan(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a sweep spec's errors come all at once, its own and its names in the scenario", "[sweep][errors]") {
  const std::string dir = fresh_dir("spec-all-errors");
  const std::string err = spec_error(dir,
                                     "parameters:\n"
                                     "  - {path: levers.sanctoins.intensity, values: [0.1]}\n"
                                     "  - {path: levers.sanctions.credibility, min: 1, max: 0, steps: 3}\n"
                                     "runs: -5\n"
                                     "design: weird\n"
                                     "record: {outcomes: [cuop]}\n");
  INFO(err);
  // The spec's own mistakes...
  CHECK(err.find("unknown design 'weird'") != std::string::npos);
  CHECK(err.find("`min` must not exceed `max`") != std::string::npos);
  CHECK(err.find("`runs` must be a whole number") != std::string::npos);
  // ...and, in the same message, the names its scenario does not have.
  CHECK(err.find("'levers.sanctoins.intensity' is not a numeric parameter") != std::string::npos);
  CHECK(err.find("did you mean 'levers.sanctions.intensity'?") != std::string::npos);
  CHECK(err.find("'cuop' is not an outcome") != std::string::npos);
}

namespace {

std::string sweep_csv(const std::string& spec_path, const std::string& dir, bool resume = false) {
  SweepPlan plan = plan_sweep(load_sweep_spec(spec_path));
  ResultStore store(dir, plan, store_options(resume));
  ListDealer dealer(store.pending());
  run_sweep(plan, dealer, store, {});
  store.finish();
  return read_text(dir + "/results.csv");
}

int64_t committed_points(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM points WHERE status!='pending'", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

// Polls until at least `n` points are committed (or the child has ended).
bool wait_for_points(const std::string& db, int64_t n, pid_t child) {
  for (int i = 0; i < 6000; ++i) {
    if (committed_points(db) >= n) return true;
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("sweep spec errors point at file line and column with a hint", "[sweep][errors]") {
  std::string dir = fresh_dir("errors");
  std::string f = dir + "/spec.yaml";
  CHECK(spec_error(dir, "parameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\nrunz: 10\n") ==
        f + ":6:1: unknown key 'runz' in the sweep spec; did you mean 'runs'?");
  CHECK(spec_error(dir, "parameters:\n  - {path: levers.sanctons.intensity, values: [0, 1]}\n") ==
        f + ":5:12: 'levers.sanctons.intensity' is not a numeric parameter of " + kTeachingPath +
            "; did you mean 'levers.sanctions.intensity'?");
  CHECK(spec_error(dir, "design: lhs\nparameters:\n  - {path: levers.sanctions.intensity, min: 0, max: 1}\n") ==
        f + ":1:1: design 'lhs' needs `points:` (how many points to sample)");
  CHECK(spec_error(dir, "design: grd\nparameters:\n  - {path: levers.sanctions.intensity, values: [0]}\n") ==
        f + ":4:9: unknown design 'grd'; did you mean 'grid'?");
  CHECK(spec_error(dir, "points: 3\nparameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\n") ==
        f + ":4:9: `points: 3` but the grid has 2 points; remove `points:` or make it match the grid");
  CHECK(spec_error(dir, "parameters:\n  - {path: levers.sanctions.intensity, values: [0]}\n"
                        "record: {outcomes: [cuop]}\n") ==
        f + ":6:21: 'cuop' is not an outcome of " + kTeachingPath + "; did you mean 'coup'?");
}

TEST_CASE("designs give the requested number of points inside their ranges", "[sweep][design]") {
  for (const char* name : {"lhs", "sobol", "random"}) {
    SweepSpec s;
    s.design = name;
    s.points = 64;
    s.seed = 2;
    s.params = {{"a", {}, {}, 0.0, 1.0}, {"b", {}, {}, -2.0, 2.0}};
    auto v = find_design(name)->generate(s);
    REQUIRE(v.size() == 128);
    for (size_t i = 0; i < 64; ++i) {
      CHECK((v[2 * i] >= 0.0 && v[2 * i] <= 1.0));
      CHECK((v[2 * i + 1] >= -2.0 && v[2 * i + 1] <= 2.0));
    }
    if (std::string(name) == "lhs") {
      // One point in each of the 64 strata of each parameter.
      std::vector<int> hit(64, 0);
      for (size_t i = 0; i < 64; ++i) ++hit[static_cast<size_t>(v[2 * i] * 64)];
      CHECK(std::count(hit.begin(), hit.end(), 1) == 64);
    }
  }
}

TEST_CASE("a point with an out-of-range value is recorded as failed and the sweep continues", "[sweep]") {
  std::string dir = fresh_dir("failed");
  std::string spec = write_text(dir + "/spec.yaml",
                                spec_text("parameters:\n  - {path: levers.sanctions.intensity, values: [0.5, 1.5, 0.2]}\n"
                                          "runs: 300\n"));
  std::string csv = sweep_csv(spec, dir + "/out");
  std::istringstream lines(csv);
  std::string header, l0, l1, l2;
  do std::getline(lines, header);  // after the comment lines
  while (header.rfind("#", 0) == 0);
  std::getline(lines, l0);
  std::getline(lines, l1);
  std::getline(lines, l2);
  CHECK(header.rfind("point,status,levers.sanctions.intensity,runs,p_defection_collapse,lo_defection_collapse,"
                     "hi_defection_collapse,p_coup,",
                     0) == 0);
  CHECK(l0.rfind("0,ok,0.5,300,", 0) == 0);
  CHECK(l1 == "1,failed,1.5,0,,,,,,,,,,,,");
  CHECK(l2.rfind("2,ok,0.2,300,", 0) == 0);
  // The reason is in the database.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/out/results.sqlite").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT point, reason FROM failed", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(sqlite3_column_int64(s, 0) == 1);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 1))) ==
        "levers.sanctions.intensity = 1.5 is outside its range [0, 1]");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_CASE("sweep results are byte-identical for 1 and 2 threads", "[sweep][determinism]") {
  std::string dir = fresh_dir("threads");
  std::string spec = write_text(dir + "/spec.yaml",
                                spec_text("design: lhs\npoints: 6\nparameters:\n"
                                          "  - {path: levers.sanctions.intensity, min: 0, max: 1}\n"
                                          "  - {path: levers.amnesty_for_officers.credibility, min: 0, max: 1}\n"
                                          "runs: 2000\nrecord: {states: [defected_share]}\n"));
  set_threads(1);
  std::string one = sweep_csv(spec, dir + "/one");
  set_threads(2);
  std::string two = sweep_csv(spec, dir + "/two");
  CHECK(one == two);
  // Two comment lines, one header line and one row per point.
  CHECK(std::count(one.begin(), one.end(), '\n') == 8);
}

TEST_CASE("a directory holding another sweep's results is refused", "[sweep][errors]") {
  std::string dir = fresh_dir("mismatch");
  std::string a = write_text(dir + "/a.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, values: [0]}\nruns: 50\n"));
  std::string b = write_text(dir + "/b.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, values: [1]}\nruns: 50\n"));
  sweep_csv(a, dir + "/out");
  SweepPlan pb = plan_sweep(load_sweep_spec(b));
  REQUIRE_THROWS_WITH(ResultStore(dir + "/out", pb, store_options(true)),
                      Catch::Contains("this directory holds the results of another sweep") &&
                          Catch::Contains("choose another --output directory, or delete this one to start over"));
  SweepPlan pa = plan_sweep(load_sweep_spec(a));
  REQUIRE_THROWS_WITH(ResultStore(dir + "/out", pa, store_options(false)),
                      Catch::Contains("already holds results of this sweep (1 of 1 points done)") &&
                          Catch::Contains("add --resume"));
  // The command line exits with 3 (invalid input).
  CHECK(run_geosim({"sweep", b, "--output", dir + "/out", "--resume", "--quiet"}) == 3);
}

TEST_CASE("a database lacking a point's row is refused on --resume, not written without it", "[sweep][resume]") {
  std::string dir = fresh_dir("lost-row");
  std::string spec = write_text(dir + "/spec.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, "
                                                              "values: [0, 0.5, 1]}\nruns: 50\n"));
  sweep_csv(spec, dir + "/out");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/out/results.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DELETE FROM points WHERE point=1", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  REQUIRE_THROWS_WITH(ResultStore(dir + "/out", plan, store_options(true)),
                      Catch::Contains("holds 2 of the sweep's 3 points: the database was changed outside geosim"));
  CHECK(run_geosim({"sweep", spec, "--output", dir + "/out", "--resume", "--quiet"}) == 3);
}

namespace {

// Runs `sql` on a sweep's database.
void change_database(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("a database changed outside geosim is refused on --resume, naming the point", "[sweep][resume]") {
  const std::string dir = fresh_dir("changed");
  // Point 1 fails (an intensity of 1.5), the others are ok.
  const std::string spec =
      write_text(dir + "/spec.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, "
                                               "values: [0, 1.5, 0.5, 1]}\nruns: 50\nrecord: {states: [resources]}\n"));
  struct Change {
    const char* sql;
    const char* message;
  };
  const Change changes[] = {
      // A point marked ok whose results are gone would be written with every probability 0.
      {"DELETE FROM results WHERE point=2", "point 2 is ok but `results` holds 0 of its 4 outcome rows"},
      {"DELETE FROM results WHERE point=2 AND outcome='coup'",
       "point 2 is ok but `results` holds 3 of its 4 outcome rows"},
      {"DELETE FROM results WHERE point IN (0, 3)",
       "point 0 is ok but `results` holds 0 of its 4 outcome rows (and 1 "
       "more point lacks them)"},
      {"DELETE FROM states WHERE point=3", "point 3 is ok but `states` holds 0 of its 1 state variable rows"},
      {"DELETE FROM failed", "point 1 is failed but has no reason in `failed`"},
      // A pending point whose value changed would be computed at the spec's value but
      // written with the stored one.
      {"UPDATE points SET levers_sanctions_intensity=0.9, status='pending' WHERE point=2",
       "point 2 has levers.sanctions.intensity = 0.9 in `points`, but the spec gives 0.5"},
      {"UPDATE points SET levers_sanctions_intensity=0.25 WHERE point=3",
       "point 3 has levers.sanctions.intensity = 0.25 in `points`, but the spec gives 1"},
      {"UPDATE points SET runs=49 WHERE point=0", "point 0 is ok with 49 runs, but the spec asks for 50"},
      {"UPDATE points SET status='done' WHERE point=0",
       "point 0 has status 'done' (geosim writes pending, ok or failed)"},
      {"UPDATE points SET point=7 WHERE point=3", "point 3 has no row in `points` (there is a row numbered 7 instead)"},
      // Counts results.csv would turn into probabilities outside [0, 1], or that no run made.
      {"UPDATE results SET count=900 WHERE point=0 AND outcome='coup'",
       "point 0 is ok with 50 runs, but `results` gives outcome 'coup' a count of 900 (a count is a whole number "
       "from 0 to the runs)"},
      {"UPDATE results SET count=-1 WHERE point=3 AND outcome='coup'",
       "point 3 is ok with 50 runs, but `results` gives outcome 'coup' a count of -1 (a count is a whole number "
       "from 0 to the runs)"},
      {"UPDATE results SET count='many' WHERE point=0 AND outcome='coup'",
       "point 0 is ok with 50 runs, but `results` gives outcome 'coup' a count of many (a count is a whole number "
       "from 0 to the runs)"},
      {"UPDATE results SET runs=40 WHERE point=0 AND outcome='coup'",
       "point 0 is ok with 50 runs, but its row of outcome 'coup' in `results` says 40 runs"},
      {"UPDATE results SET count=count-1 WHERE point=2 AND outcome=(SELECT outcome FROM results WHERE point=2 "
       "ORDER BY count DESC LIMIT 1)",
       "point 2 is ok with 50 runs, but the counts of its outcomes in `results` add up to 49 (every run ends in "
       "exactly one outcome)"},
  };
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  for (const Change& c : changes) {
    INFO(c.sql);
    const std::string out = fresh_dir("changed-out");
    sweep_csv(spec, out);
    const std::string csv = read_text(out + "/results.csv");
    change_database(out + "/results.sqlite", c.sql);
    REQUIRE_THROWS_WITH(ResultStore(out, plan, store_options(true)),
                        Catch::StartsWith(out + "/results.sqlite: " + c.message +
                                          ": the database was changed outside geosim; delete this folder and run the "
                                          "sweep again without --resume, or choose another --output directory"));
    CHECK(run_geosim({"sweep", spec, "--output", out, "--resume", "--quiet"}) == 3);
    CHECK(read_text(out + "/results.csv") == csv);  // not rewritten
  }
  // Unchanged, it resumes (every point done: results.csv is written again, the same).
  const std::string out = fresh_dir("changed-out");
  REQUIRE(run_geosim({"sweep", spec, "--output", out, "--quiet"}) == 0);
  const std::string csv = read_text(out + "/results.csv");
  CHECK(run_geosim({"sweep", spec, "--output", out, "--resume", "--quiet"}) == 0);
  CHECK(read_text(out + "/results.csv") == csv);
}

TEST_CASE("results.csv is not written with a missing result read as 0", "[sweep][resume]") {
  const std::string dir = fresh_dir("csv-missing-row");
  const std::string spec = write_text(
      dir + "/spec.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\nruns: 50\n"));
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  ResultStore store(dir + "/out", plan, store_options(false));
  ListDealer dealer(store.pending());
  run_sweep(plan, dealer, store, {});
  change_database(dir + "/out/results.sqlite", "DELETE FROM results WHERE point=1 AND outcome='coup'");
  REQUIRE_THROWS_WITH(store.csv(), Catch::Contains("point 1 is ok but `results` has no row for outcome 'coup'"));
}

TEST_CASE("the failed points and their reasons are read from the database", "[sweep]") {
  const std::string dir = fresh_dir("failed-points");
  const std::string spec =
      write_text(dir + "/spec.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, "
                                               "values: [2, 0.5, 3, 4]}\nruns: 20\n"));
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  ResultStore store(dir + "/out", plan, store_options(false));
  ListDealer dealer(store.pending());
  run_sweep(plan, dealer, store, {});
  const ResultStore::Failed f = store.failed_points(2);
  CHECK(f.count == 3);
  REQUIRE(f.first.size() == 2);
  CHECK(f.first[0].first == 0);
  CHECK(f.first[0].second == "levers.sanctions.intensity = 2 is outside its range [0, 1]");
  CHECK(f.first[1].first == 2);
  CHECK(failed_reasons_command(store.path()) ==
        "sqlite3 " + dir + "/out/results.sqlite 'SELECT point, reason FROM failed'");
  CHECK(failed_reasons_command("my sweep/it's.sqlite") ==
        "sqlite3 'my sweep/it'\\''s.sqlite' 'SELECT point, reason FROM failed'");
  CHECK(sweep_database_path("out/grid/results.csv") == "out/grid/results.sqlite");
  CHECK(sweep_database_path("results.csv") == "results.sqlite");
}

TEST_CASE("record lists each outcome and state variable once", "[sweep][errors]") {
  const std::string dir = fresh_dir("record-twice");
  const std::string f = dir + "/spec.yaml";
  CHECK(spec_error(dir,
                   "parameters:\n  - {path: levers.sanctions.intensity, values: [0]}\n"
                   "record:\n  outcomes: [coup, status_quo, coup]\n  states: [resources, resources]\n") ==
        f + ":7:32: outcome 'coup' is listed twice in `record.outcomes`; list each outcome once\n" + f +
            ":8:23: state variable 'resources' is listed twice in `record.states`; list each state variable once");
}

TEST_CASE("a grid too large to count says so rather than overflowing", "[sweep][errors]") {
  const std::string dir = fresh_dir("grid-overflow");
  const std::string f = dir + "/spec.yaml";
  // 65536^4 = 2^64 points: one more than a 64-bit count holds.
  std::string params;
  for (const char* path : {"levers.sanctions.intensity", "levers.sanctions.credibility",
                           "levers.amnesty_for_officers.credibility", "levers.exit_deal.intensity"})
    params += "  - {path: " + std::string(path) + ", min: 0, max: 1, steps: 65536}\n";
  CHECK(spec_error(dir, "parameters:\n" + params) ==
        f + ":5:3: the grid has more than 18446744073709551615 points; at most 10000000; use fewer values or a "
            "sampling design");
  // One fewer value: 65535 x 65536^3 points, counted.
  params.replace(params.find("65536"), 5, "65535");
  CHECK(spec_error(dir, "parameters:\n" + params) ==
        f + ":5:3: the grid has 18446462598732840960 points; at most 10000000; use fewer values or a sampling design");
}

TEST_CASE("grid values from min, max and steps are the decimals they stand for", "[sweep][design]") {
  const std::string dir = fresh_dir("grid-decimals");
  auto values = [&](const std::string& param) {
    const std::string path = write_text(dir + "/spec.yaml", spec_text("parameters:\n  - {path: x, " + param + "}\n"));
    const SweepSpec s = load_sweep_spec(path);
    REQUIRE(s.params.size() == 1);
    return s.params[0].values;
  };
  // Each as if the decimal were written out (0.1, not 0.09999999999999998).
  CHECK(values("min: -0.3, max: 0.3, steps: 7") == std::vector<double>{-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3});
  CHECK(values("min: 0.1, max: 1, steps: 10") == std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1});
  CHECK(values("min: 0.45, max: 1, steps: 12") ==
        std::vector<double>{0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1});
  CHECK(values("min: -0.1, max: 0.2, steps: 4") == std::vector<double>{-0.1, 0, 0.1, 0.2});
  CHECK(values("min: 1e-7, max: 3e-7, steps: 3") == std::vector<double>{1e-7, 2e-7, 3e-7});
  CHECK(values("min: 1.5e6, max: 2.5e6, steps: 5") == std::vector<double>{1.5e6, 1.75e6, 2e6, 2.25e6, 2.5e6});
  CHECK(values("min: -2, max: -1, steps: 3") == std::vector<double>{-2, -1.5, -1});
  CHECK(values("min: 0.5, max: 0.5, steps: 3") == std::vector<double>{0.5, 0.5, 0.5});
  // A value that is no decimal is its nearest double; these were exact before and stay.
  CHECK(values("min: 0, max: 1, steps: 4") == std::vector<double>{0, 1.0 / 3, 2.0 / 3, 1});
  CHECK(values("min: 0, max: 1, steps: 11") == std::vector<double>{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1});
  CHECK(values("min: 0, max: 2, steps: 7") == std::vector<double>{0, 1.0 / 3, 2.0 / 3, 1, 4.0 / 3, 5.0 / 3, 2});
  // Ends too far apart to share an exponent: the formula, ends included.
  const std::vector<double> wide = values("min: 1e-300, max: 1e300, steps: 3");
  CHECK(wide == std::vector<double>{1e-300, 1e-300 + (1e300 - 1e-300) / 2, 1e300});
}

TEST_CASE("grid_value is the double nearest to the exact decimal", "[sweep][design]") {
  // Grids whose every value is a decimal with `places` places: value i is the whole number
  // a + i (b - a) / (steps - 1) times 10^-places, read from its text as the oracle.
  for (int places = 0; places <= 4; ++places)
    for (int64_t a = -40; a <= 40; a += 7)
      for (int64_t b = a; b <= a + 90; b += 3)
        for (uint64_t steps = 2; steps <= 31; ++steps) {
          const int64_t span = b - a, d = static_cast<int64_t>(steps) - 1;
          if (span % d != 0) continue;
          const double min = std::stod(std::to_string(a) + "e-" + std::to_string(places));
          const double max = std::stod(std::to_string(b) + "e-" + std::to_string(places));
          for (uint64_t i = 0; i < steps; ++i) {
            const int64_t whole = a + static_cast<int64_t>(i) * (span / d);
            const double want = std::stod(std::to_string(whole) + "e-" + std::to_string(places));
            INFO(a << "e-" << places << " .. " << b << "e-" << places << " in " << steps << " steps, value " << i);
            REQUIRE(grid_value(min, max, steps, i) == want);
          }
        }
  // Thirds: the nearest doubles, not 15-digit decimals.
  CHECK(grid_value(0.1, 0.2, 4, 1) == std::stod("0.13333333333333333333333"));
  CHECK(grid_value(0.1, 0.2, 4, 2) == std::stod("0.16666666666666666666667"));
  CHECK(grid_value(-1, 1, 4, 1) == std::stod("-0.333333333333333333333333"));
}

TEST_CASE("a sweep killed with SIGKILL and resumed writes the same results.csv", "[sweep][resume]") {
  std::string dir = fresh_dir("kill");
  // 100 points of 800 runs: long enough to be killed in the middle.
  std::string spec = write_text(dir + "/spec.yaml",
                                spec_text("parameters:\n"
                                          "  - {path: levers.sanctions.intensity, min: 0, max: 1, steps: 10}\n"
                                          "  - {path: levers.amnesty_for_officers.credibility, min: 0, max: 1, steps: 10}\n"
                                          "runs: 800\nrecord: {states: [defected_share]}\n"));
  REQUIRE(run_geosim({"sweep", spec, "--output", dir + "/ref", "--quiet", "--threads", "1"}) == 0);
  std::string ref = read_text(dir + "/ref/results.csv");
  REQUIRE(std::count(ref.begin(), ref.end(), '\n') == 103);  // two comment lines, the header, 100 points

  std::string out = dir + "/killed", db = out + "/results.sqlite";
  pid_t child = spawn_geosim({"sweep", spec, "--output", out, "--quiet", "--threads", "2"});
  REQUIRE(wait_for_points(db, 10, child));
  kill(child, SIGKILL);
  CHECK(wait_child(child) == 128 + SIGKILL);
  int64_t after_kill = committed_points(db);
  CHECK(after_kill >= 10);
  CHECK(after_kill < 100);
  CHECK_FALSE(std::filesystem::exists(out + "/results.csv"));

  // SIGTERM stops cleanly after the current point (exit 130), keeping what was committed.
  child = spawn_geosim({"sweep", spec, "--output", out, "--resume", "--quiet", "--threads", "1"});
  REQUIRE(wait_for_points(db, after_kill + 5, child));
  kill(child, SIGTERM);
  CHECK(wait_child(child) == 130);
  int64_t after_term = committed_points(db);
  CHECK(after_term >= after_kill + 5);
  CHECK(after_term < 100);

  // Finished with the spec's path spelt otherwise: results.csv names the command as started.
  const std::string spelt = dir + "/./spec.yaml";
  CHECK(run_geosim({"sweep", spelt, "--output", out, "--resume", "--quiet", "--threads", "2"}) == 0);
  CHECK(committed_points(db) == 100);
  CHECK(read_text(out + "/results.csv") == ref);
}

TEST_CASE("a second interrupt abandons the point a sweep is computing, which stays to be computed", "[sweep][resume]") {
  std::string dir = fresh_dir("abandon");
  // Two points of 10^8 runs: minutes each, so the command ends soon only if the point is abandoned.
  std::string spec =
      write_text(dir + "/spec.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\n"
                                               "runs: 100000000\n"));
  std::string out = dir + "/out", db = out + "/results.sqlite";
  pid_t child = spawn_geosim({"sweep", spec, "--output", out, "--quiet", "--threads", "1"});
  for (int i = 0; i < 3000 && !std::filesystem::exists(db); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(std::filesystem::exists(db));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // past the signal handlers' installation
  const auto start = std::chrono::steady_clock::now();
  kill(child, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(child, SIGINT);
  // Without the second request's abandon, the point would run for minutes: killed at 60 s.
  int status = 0;
  while (waitpid(child, &status, WNOHANG) != child) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(60)) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      FAIL("the sweep was still computing its point 60 s after the second interrupt");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  // Neither point is committed (the abandoned one is not recorded as failed): --resume computes both.
  CHECK(committed_points(db) == 0);
}

namespace {

// The count `results` holds for `name` at `point` (-1 when there is no such row).
int64_t stored_count(const std::string& db_path, int64_t point, const std::string& name) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count FROM results WHERE point=? AND outcome=?", -1, &st, nullptr) ==
        SQLITE_OK) {
      sqlite3_bind_int64(st, 1, point);
      sqlite3_bind_text(st, 2, name.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST_CASE("record.regime records the regime's fate and who rules at each point, as geosim run counts them",
          "[sweep]") {
  const std::string dir = fresh_dir("regime");
  const std::string scenario = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching-leader.yaml";
  const std::vector<double> risks = {0, 1, 5};
  const std::string spec = write_text(
      dir + "/spec.yaml", "sweep: 1\nid: t\nscenario: " + scenario +
                              "\nparameters:\n  - {path: leader.new_ruler_risk, values: [0, 1, 5]}\n"
                              "runs: 3000\nseed: 4\nrecord: {outcomes: [coup], regime: true}\n");
  const std::string out = dir + "/out";
  const std::string csv = sweep_csv(spec, out);
  // The header: the recorded outcome, then the fates, then every ruler slot.
  CHECK(csv.find(",runs,p_coup,lo_coup,hi_coup,p_regime.continues,lo_regime.continues,hi_regime.continues,"
                 "p_regime.transition,") != std::string::npos);
  CHECK(csv.find(",p_ruler.president,") != std::string::npos);
  CHECK(csv.find(",p_ruler.junta,") != std::string::npos);
  CHECK(csv.find(",p_ruler.none,lo_ruler.none,hi_ruler.none\n") != std::string::npos);
  // Each point's counts are those of the scenario run with the point's value at the spec's seed.
  bool differs = false;
  std::vector<uint64_t> first;
  for (size_t p = 0; p < risks.size(); ++p) {
    INFO("point " << p);
    LoadOptions lo;
    lo.sets = {"leader.new_ruler_risk=" + std::to_string(static_cast<int>(risks[p]))};
    Scenario sc = load_scenario(scenario, lo);
    Model model(sc);
    RunOptions ro;
    ro.runs = 3000;
    ro.seed = 4;
    Summary s = summarize(sc, run_monte_carlo(model, ro), ro.seed);
    REQUIRE(s.regime.size() == 3);
    std::vector<uint64_t> counts;
    for (const auto& r : s.regime) {
      CHECK(stored_count(out + "/results.sqlite", static_cast<int64_t>(p), "regime." + r.id) ==
            static_cast<int64_t>(r.count));
      counts.push_back(r.count);
    }
    for (size_t k = 0; k < sc.leadership.rulers(); ++k) {
      const std::string id = ruler_label(sc, k).id;
      auto it = std::find_if(s.ruler.begin(), s.ruler.end(), [&](const RulerSummary& r) { return r.id == id; });
      const int64_t want = it == s.ruler.end() ? 0 : static_cast<int64_t>(it->count);  // listed when it occurs
      CHECK(stored_count(out + "/results.sqlite", static_cast<int64_t>(p), "ruler." + id) == want);
      counts.push_back(static_cast<uint64_t>(want));
    }
    if (p == 0) first = counts;
    differs = differs || counts != first;
  }
  CHECK(differs);  // the parameter moves who rules, which the outcomes' columns alone do not show
  // Counts that no longer add up to the runs are refused on --resume, as the outcomes' are.
  sql(out + "/results.sqlite", "UPDATE results SET count=count-1 WHERE point=1 AND outcome='ruler.president'");
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  REQUIRE_THROWS_WITH(ResultStore(out, plan, store_options(true)),
                      Catch::Contains("point 1 is ok with 3000 runs, but the counts of its rulers in `results` add up "
                                      "to 2999 (every run has exactly one)"));
  // A scenario without a leader has nothing to record.
  const std::string plain =
      write_text(dir + "/plain.yaml", spec_text("parameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\n"
                                                "record: {regime: true}\n"));
  REQUIRE_THROWS_WITH(
      load_sweep_plan(plain),
      Catch::Contains("plain.yaml:6:18: `record.regime` records the regime's fate and who rules, but "));
}
