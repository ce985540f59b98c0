// What a sweep finds in its --output folder before it writes there: a results table it did
// not write (no sweep's database beside it) is the user's and is never replaced; a folder
// name that is a file, and a `metadata` table that is not a sweep's, are refused with a
// message that says so; a sweep that records some outcomes only may count fewer runs.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <filesystem>

#include "analysis/sweep/results_csv.h"
#include "analysis/sweep/store.h"
#include "engine/core/error.h"
#include "helpers.h"
#include "sql_helpers.h"

using namespace geosim;
using namespace geosim::test;

namespace {

StoreOptions options(bool resume, bool long_format = false) {
  StoreOptions o;
  o.resume = resume;
  o.long_format = long_format;
  return o;
}

}  // namespace

TEST_CASE("a results table in a folder without a sweep's database is kept, not replaced", "[sweep][files]") {
  namespace fs = std::filesystem;
  const std::string dir = fresh_dir("foreign-csv");
  const std::string spec = spec_in(dir);
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  for (const char* name : {"results.csv", "results_long.csv"}) {
    INFO(name);
    const std::string out = dir + "/o2", file = out + "/" + name;
    fs::remove_all(out);
    fs::create_directories(out);
    write_text(file, "my own notes\n");
    REQUIRE_THROWS_WITH(ResultStore(out, plan, options(false)),
                        Catch::StartsWith(file + ": is already there, but the folder holds no sweep's database "
                                                 "(results.sqlite) that wrote it; geosim does not replace it; move it "
                                                 "out of the folder, or choose another --output directory"));
    CHECK(run_geosim({"sweep", spec, "--output", out, "-q"}) == 3);
    CHECK(run_geosim({"sweep", spec, "--output", out, "-q", "--resume"}) == 3);
    CHECK(read_text(file) == "my own notes\n");
    CHECK_FALSE(fs::exists(out + "/results.sqlite"));  // nothing made in the folder
    // An empty results.sqlite (a new database) is no sweep's either.
    write_text(out + "/results.sqlite", "");
    CHECK(run_geosim({"sweep", spec, "--output", out, "-q"}) == 3);
    CHECK(read_text(file) == "my own notes\n");
  }
  // A link there, to a file elsewhere: the file it names is kept too.
  const std::string out = dir + "/o3", mine = dir + "/notes.csv";
  fs::create_directories(out);
  write_text(mine, "my own notes\n");
  fs::create_symlink(mine, out + "/results.csv");
  CHECK(run_geosim({"sweep", spec, "--output", out, "-q"}) == 3);
  CHECK(read_text(mine) == "my own notes\n");
  CHECK(fs::is_symlink(out + "/results.csv"));
  // A sweep's own folder, its tables written: run again with --resume, it writes them again.
  const std::string done = dir + "/done";
  REQUIRE(run_geosim({"sweep", spec, "--output", done, "-q", "--format", "long"}) == 0);
  const std::string csv = read_text(done + "/results.csv");
  CHECK(run_geosim({"sweep", spec, "--output", done, "-q", "--format", "long", "--resume"}) == 0);
  CHECK(read_text(done + "/results.csv") == csv);
}

TEST_CASE("a sweep whose --output names a file is refused with a hint", "[sweep][files]") {
  const std::string dir = fresh_dir("output-file");
  const std::string spec = spec_in(dir), file = write_text(dir + "/afile", "x\n");
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  REQUIRE_THROWS_WITH(ResultStore(file, plan, options(false)),
                      file + ": --output names a file, not a folder; name a folder for the sweep");
  CHECK(run_geosim({"sweep", spec, "--output", file, "-q"}) == 3);
  CHECK(read_text(file) == "x\n");
}

TEST_CASE("a database whose metadata table is not a sweep's is called so", "[sweep][files]") {
  const std::string dir = fresh_dir("foreign-metadata");
  const std::string spec = spec_in(dir);
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  for (const char* tables : {"CREATE TABLE metadata(key TEXT, value TEXT); INSERT INTO metadata VALUES('a', 'b');",
                             "CREATE TABLE metadata(id INTEGER, note TEXT);"}) {
    INFO(tables);
    const std::string out = dir + "/out";
    std::filesystem::remove_all(out);
    std::filesystem::create_directories(out);
    sql(out + "/results.sqlite", tables);
    for (bool resume : {false, true})
      REQUIRE_THROWS_WITH(ResultStore(out, plan, options(resume)),
                          out +
                              "/results.sqlite: this database is not a sweep's (its `metadata` table records no "
                              "geosim sweep format); geosim does not overwrite it; move it out of the folder, or "
                              "choose another --output directory");
  }
}

TEST_CASE("a sweep that records some outcomes resumes with counts below its runs, not above", "[sweep][resume]") {
  const std::string dir = fresh_dir("some-outcomes");
  const std::string spec = spec_in(dir, "record: {outcomes: [coup, status_quo]}\n"), out = dir + "/out";
  REQUIRE(run_geosim({"sweep", spec, "--output", out, "-q"}) == 0);
  const SweepPlan plan = plan_sweep(load_sweep_spec(spec));
  CHECK_NOTHROW(ResultStore(out, plan, options(true)));
  // Each count within the runs, but together more than them.
  sql(out + "/results.sqlite", "UPDATE results SET count=20 WHERE point=1");
  REQUIRE_THROWS_WITH(ResultStore(out, plan, options(true)),
                      Catch::Contains("point 1 is ok with 20 runs, but the counts of its outcomes in `results` add up "
                                      "to 40, more than its runs (every run ends in exactly one outcome)"));
}
