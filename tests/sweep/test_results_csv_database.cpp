// results.csv read with the sweep's database beside it: a file short of its last rows (which
// no cell of it shows) is refused by `report` and `discover` alike, as the database records
// how many points the sweep has; and a results.csv that Excel saved with a byte order mark
// reads as the same table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include "analysis/sweep/results_csv.h"
#include "engine/core/error.h"
#include "helpers.h"

using namespace geosim;
using namespace geosim::test;

namespace {

std::string error_of_read(const std::string& path) {
  try {
    read_sweep_results(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a results.csv with fewer or more points than its sweep's database is refused", "[sweep][results_csv]") {
  namespace fs = std::filesystem;
  const std::string dir = fresh_dir("csv-vs-db");
  const std::string spec = write_text(dir + "/spec.yaml", "sweep: 1\nid: t\nscenario: " + kTeachingPath +
                                                              "\nparameters:\n  - {path: levers.sanctions.intensity, "
                                                              "values: [0, 0.5, 1]}\nruns: 20\n");
  const std::string out = dir + "/out", csv = out + "/results.csv", db = out + "/results.sqlite";
  REQUIRE(run_geosim({"sweep", spec, "--output", out, "-q"}) == 0);
  const std::string whole = read_text(csv);
  REQUIRE(read_sweep_results(out).rows.size() == 3);

  // The last row cut: every row left is right, and the points 0, 1 are in order.
  std::string cut = whole.substr(0, whole.size() - 1);
  cut = cut.substr(0, cut.rfind('\n') + 1);
  write_text(csv, cut);
  const std::string hint = "write it again from the database with `geosim sweep SPEC --output DIR --resume`";
  CHECK(error_of_read(out) == csv + ": holds 2 points, but the sweep's database beside it (" + db +
                                  ") records 3: the file was cut short or changed outside geosim; " + hint);
  CHECK(error_of_read(csv) == error_of_read(out));  // the file named itself
  CHECK(run_geosim({"discover", out, "--outcome", "coup", "--threshold", "0.1"}) == 3);
  CHECK(run_geosim({"discover", csv, "--outcome", "coup", "--threshold", "0.1"}) == 3);
  CHECK(run_geosim({"report", out, "-o", dir + "/page.html"}) == 3);
  CHECK_FALSE(fs::exists(dir + "/page.html"));

  // A row more (a point the sweep does not have).
  size_t header = 0;
  while (whole[header] == '#') header = whole.find('\n', header) + 1;
  const std::string head = whole.substr(header, whole.find('\n', header) - header);
  const auto commas = static_cast<size_t>(std::count(head.begin(), head.end(), ','));
  write_text(csv, whole + "3,failed" + std::string(commas - 1, ',') + "\n");
  REQUIRE(parse_sweep_results(read_text(csv), csv).rows.size() == 4);  // a well-formed file
  CHECK(error_of_read(out) == csv + ": holds 4 points, but the sweep's database beside it (" + db +
                                  ") records 3: the file was changed outside geosim; " + hint);
  CHECK(run_geosim({"report", out, "-o", dir + "/page.html"}) == 3);

  // As the hint says: --resume writes it again from the database, and it reads.
  REQUIRE(run_geosim({"sweep", spec, "--output", out, "-q", "--resume"}) == 0);
  CHECK(read_text(csv) == whole);
  CHECK(read_sweep_results(out).rows.size() == 3);
  CHECK(run_geosim({"report", out, "-o", dir + "/page.html"}) == 0);

  // Copied without its database, the file is read alone.
  const std::string alone = dir + "/alone";
  fs::create_directories(alone);
  write_text(alone + "/results.csv", cut);
  CHECK(read_sweep_results(alone).rows.size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("a results.csv saved with a UTF-8 byte order mark reads as without it", "[sweep][results_csv]") {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string table = "point,status,levers.a.intensity,runs,p_coup,lo_coup,hi_coup\n0,ok,0.1,100,0.5,0.4,0.6\n";
  const SweepResults plain = parse_sweep_results(table, "r.csv");
  const SweepResults marked = parse_sweep_results(bom + table, "r.csv");
  CHECK(marked.parameters == plain.parameters);
  CHECK(marked.outcomes == plain.outcomes);
  REQUIRE(marked.rows.size() == 1);
  CHECK(marked.rows[0].p == plain.rows[0].p);
  CHECK(marked.rows[0].line == 2);
  // Before geosim's comment lines (as Excel saves a sweep's file), which are still read.
  const SweepResults commented = parse_sweep_results(
      bom + "# geosim 1.0, seed 7, scenario abc\n# reproduce: geosim sweep s.yaml\n" + table, "r.csv");
  CHECK(commented.seed == "7");
  CHECK(commented.command == "geosim sweep s.yaml");
  REQUIRE(commented.rows.size() == 1);
  CHECK(commented.rows[0].line == 4);
}
