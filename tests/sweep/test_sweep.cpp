// Sweeps: spec validation, failed points, determinism, refusal of a foreign directory, and
// resuming after kill -9 with byte-identical results.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "analysis/sweep/design.h"
#include "analysis/sweep/store.h"
#include "engine/core/parallel.h"
#include "helpers.h"

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
                      Catch::Contains("holds 2 of the sweep's 3 points: it was changed outside geosim"));
  CHECK(run_geosim({"sweep", spec, "--output", dir + "/out", "--resume", "--quiet"}) == 3);
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

  CHECK(run_geosim({"sweep", spec, "--output", out, "--resume", "--quiet", "--threads", "2"}) == 0);
  CHECK(committed_points(db) == 100);
  CHECK(read_text(out + "/results.csv") == ref);
}
