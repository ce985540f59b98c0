// The sweep's database as a file: a results.sqlite that is not a sweep's (someone's data, a
// sweep's that lost its metadata, a symbolic link) is refused and left as it is, never
// dropped; a disk that fills while a point is committed is an input error that says to free
// space and resume, not an internal error from a second ROLLBACK.
#include <sqlite3.h>
#include <sys/resource.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

#include "analysis/sweep/store.h"
#include "engine/core/error.h"
#include "helpers.h"
#include "sql_helpers.h"

using namespace geosim;
using namespace geosim::test;

namespace {

StoreOptions options(bool resume) {
  StoreOptions o;
  o.resume = resume;
  return o;
}

// The first column of the first row of `query`, or "" (no row, or no such table).
std::string first_value(const std::string& db_path, const std::string& query) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      if (const unsigned char* t = sqlite3_column_text(s, 0)) out = reinterpret_cast<const char*>(t);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("a foreign database named results.sqlite is refused and kept, with and without --resume", "[sweep][files]") {
  const std::string dir = fresh_dir("foreign-db");
  const std::string spec = spec_in(dir), out = dir + "/out", db = out + "/results.sqlite";
  std::filesystem::create_directories(out);
  sql(db, "CREATE TABLE results(id INTEGER, note TEXT); INSERT INTO results VALUES(1, 'my data');");
  SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  for (bool resume : {false, true}) {
    REQUIRE_THROWS_WITH(ResultStore(out, plan, options(resume)),
                        Catch::Contains("results.sqlite: this database is not a sweep's") &&
                            Catch::Contains("geosim does not overwrite it") &&
                            Catch::Contains("choose another --output directory"));
    CHECK(first_value(db, "SELECT note FROM results WHERE id=1") == "my data");
  }
  CHECK(run_geosim({"sweep", spec, "--output", out, "-q"}) == 3);
  CHECK(run_geosim({"sweep", spec, "--output", out, "-q", "--resume"}) == 3);
  CHECK(first_value(db, "SELECT note FROM results WHERE id=1") == "my data");
  // (its journal mode is not changed either)
  CHECK(first_value(db, "PRAGMA journal_mode") == "delete");
}

TEST_CASE("a sweep's database that lost its metadata table is refused, not started over", "[sweep][files]") {
  const std::string dir = fresh_dir("no-metadata");
  const std::string spec = spec_in(dir), out = dir + "/out", db = out + "/results.sqlite";
  REQUIRE(run_geosim({"sweep", spec, "--output", out, "-q"}) == 0);
  sql(db, "DROP TABLE metadata");
  SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  REQUIRE_THROWS_WITH(ResultStore(out, plan, options(true)), Catch::Contains("this database is not a sweep's"));
  CHECK(first_value(db, "SELECT count(*) FROM points WHERE status='ok'") == "2");
}

TEST_CASE("an empty results.sqlite becomes the sweep's database", "[sweep][files]") {
  const std::string dir = fresh_dir("empty-db");
  const std::string spec = spec_in(dir), out = dir + "/out";
  std::filesystem::create_directories(out);
  write_text(out + "/results.sqlite", "");
  CHECK(run_geosim({"sweep", spec, "--output", out, "-q"}) == 0);
  CHECK(first_value(out + "/results.sqlite", "SELECT count(*) FROM points WHERE status='ok'") == "2");
}

TEST_CASE("a results.sqlite that is a symbolic link is refused and its target kept", "[sweep][files]") {
  const std::string dir = fresh_dir("linked-db");
  const std::string spec = spec_in(dir), out = dir + "/out", elsewhere = dir + "/mine.sqlite";
  std::filesystem::create_directories(out);
  sql(elsewhere, "CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES('kept');");
  std::filesystem::create_symlink(elsewhere, out + "/results.sqlite");
  SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  REQUIRE_THROWS_WITH(ResultStore(out, plan, options(false)),
                      Catch::Contains("results.sqlite: is a symbolic link") && Catch::Contains("remove the link"));
  // (an empty file behind the link is refused too: SQLite would write through it)
  std::filesystem::remove(out + "/results.sqlite");
  write_text(dir + "/empty.sqlite", "");
  std::filesystem::create_symlink(dir + "/empty.sqlite", out + "/results.sqlite");
  REQUIRE_THROWS_WITH(ResultStore(out, plan, options(false)), Catch::Contains("is a symbolic link"));
  CHECK(std::filesystem::file_size(dir + "/empty.sqlite") == 0);
  CHECK(first_value(elsewhere, "SELECT t FROM notes") == "kept");
}

TEST_CASE("a disk that fills while a point is committed is an input error that says to resume", "[sweep][files]") {
  const std::string dir = fresh_dir("disk-full");
  const std::string spec = spec_in(dir), out = dir + "/out";
  SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  std::string message;
  {
    ResultStore store(out, plan, options(false));
    // The file-size limit stands in for a full disk (SIGXFSZ ignored: the write fails instead).
    struct rlimit old {};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old;
    small.rlim_cur = 256 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    PointResult r;
    r.point = 0;
    r.ok = false;
    r.reason = std::string(600 * 1024, 'x');  // more than the limit: the commit cannot be written
    try {
      store.commit(r);
    } catch (const InputError& e) {
      message = e.what();
    } catch (const std::exception& e) {
      message = std::string("not an input error: ") + e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    // The store still works once there is room: the point was not half committed.
    CHECK(store.pending().size() == 2);
  }
  INFO(message);
  CHECK(message.find("results.sqlite:") != std::string::npos);
  CHECK(message.find("run again with --resume") != std::string::npos);
  CHECK(message.find("not an input error") == std::string::npos);
  CHECK(message.find("rollback") == std::string::npos);
  // And the sweep resumes.
  CHECK(run_geosim({"sweep", spec, "--output", out, "-q", "--resume"}) == 0);
}
