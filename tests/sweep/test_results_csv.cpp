// The reader of a sweep's results.csv (analysis/sweep/results_csv.h): a real sweep's file
// read back against its database, and damaged files rejected at file:line:col.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "analysis/sweep/results_csv.h"
#include "analysis/sweep/store.h"
#include "engine/runner/summary.h"
#include "helpers.h"

using namespace geosim;
using namespace geosim::test;

namespace {

const std::string kHeader =
    "point,status,levers.a.intensity,levers.b.credibility,runs,p_coup,lo_coup,hi_coup,p_status_quo,lo_status_quo,"
    "hi_status_quo\n";

std::string error_of(const std::string& text) {
  try {
    parse_sweep_results(text, "results.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Runs the query and returns column 0 (and 1, 2 ...) of each row as doubles, keyed by
// the text of the first `keys` columns.
std::map<std::string, std::vector<double>> query(sqlite3* db, const std::string& sql, int keys) {
  std::map<std::string, std::vector<double>> out;
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string key;
    for (int k = 0; k < keys; ++k) key += std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, k))) + "|";
    std::vector<double> v;
    for (int c = keys; c < sqlite3_column_count(s); ++c) v.push_back(sqlite3_column_double(s, c));
    out[key] = v;
  }
  sqlite3_finalize(s);
  return out;
}

}  // namespace

TEST_CASE("results.csv of a real sweep reads back as its database holds it", "[sweep][results_csv]") {
  const std::string dir = fresh_dir("results-csv");
  // 3 x 2 grid; intensity 1.5 is out of range, so two points fail.
  const std::string spec = write_text(dir + "/spec.yaml",
                                      "sweep: 1\nid: t\nscenario: " + kTeachingPath +
                                          "\nparameters:\n"
                                          "  - {path: levers.sanctions.intensity, values: [0.5, 1.5, 0.2]}\n"
                                          "  - {path: levers.amnesty_for_officers.credibility, values: [0.1, 0.9]}\n"
                                          "runs: 200\nrecord:\n  outcomes: [coup, status_quo]\n"
                                          "  states: [defected_share, resources]\n");
  REQUIRE(run_geosim({"sweep", spec, "--output", dir + "/out", "--quiet"}) == 0);
  const SweepResults t = read_sweep_results(dir + "/out");  // the folder names its results.csv
  CHECK(t.file == dir + "/out/results.csv");
  CHECK(t.parameters == std::vector<std::string>{"levers.sanctions.intensity", "levers.amnesty_for_officers.credibility"});
  CHECK(t.outcomes == std::vector<std::string>{"coup", "status_quo"});
  CHECK(t.states == std::vector<std::string>{"defected_share", "resources"});
  REQUIRE(t.rows.size() == 6);
  CHECK(t.failed() == 2);
  // The comment lines record what reproduces the results (docs/sweep-format.md).
  CHECK(t.command == "geosim sweep " + spec + " --output DIR");
  CHECK(t.seed == "1");
  CHECK(t.scenario_hash.size() == 16);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((dir + "/out/results.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  const auto points = query(db,
                            "SELECT point, status, runs, levers_sanctions_intensity, "
                            "levers_amnesty_for_officers_credibility FROM points",
                            2);
  const auto counts = query(db, "SELECT point, outcome, count FROM results", 2);
  const auto states = query(db, "SELECT point, var, p5, median, p95 FROM states", 2);
  sqlite3_close(db);

  for (size_t i = 0; i < t.rows.size(); ++i) {
    const SweepResultRow& r = t.rows[i];
    INFO("row " << i);
    CHECK(r.point == static_cast<int64_t>(i));
    CHECK(r.line == static_cast<int>(i) + 4);  // after the two comment lines and the header
    const std::string key = std::to_string(r.point) + "|" + (r.ok ? "ok" : "failed") + "|";
    REQUIRE(points.count(key) == 1);
    const auto& db_row = points.at(key);
    // Parameter values are written as the shortest text that reads back as the same double.
    CHECK(r.x[0] == db_row[1]);
    CHECK(r.x[1] == db_row[2]);
    CHECK(r.ok == (r.x[0] <= 1.0));
    if (!r.ok) {
      CHECK(r.runs == 0);
      CHECK(r.p.empty());
      CHECK(r.state.empty());
      continue;
    }
    CHECK(r.runs == 200);
    CHECK(static_cast<double>(r.runs) == db_row[0]);
    for (size_t k = 0; k < t.outcomes.size(); ++k) {
      const uint64_t c = static_cast<uint64_t>(counts.at(std::to_string(r.point) + "|" + t.outcomes[k] + "|")[0]);
      const Interval ci = wilson95(c, r.runs);
      // Six decimals: each value is within half a unit of the sixth.
      CHECK(std::abs(r.p[k] - static_cast<double>(c) / static_cast<double>(r.runs)) <= 5e-7);
      CHECK(std::abs(r.lo[k] - ci.lo) <= 5e-7);
      CHECK(std::abs(r.hi[k] - ci.hi) <= 5e-7);
    }
    for (size_t k = 0; k < t.states.size(); ++k) {
      const auto& q = states.at(std::to_string(r.point) + "|" + t.states[k] + "|");
      // Six significant digits (%.6g).
      for (size_t j = 0; j < 3; ++j) CHECK(std::abs(r.state[k][j] - q[j]) <= 5e-6 * std::abs(q[j]) + 1e-300);
    }
  }
  // The outcomes of a point are exhaustive here only if the scenario's others did not
  // happen; at least the two recorded ones cannot add past 1.
  for (const auto& r : t.rows)
    if (r.ok) CHECK(r.p[0] + r.p[1] <= 1.0 + 1e-6);

  // --format long: the same sweep into another folder writes the same results.csv (neither
  // the folder nor the format is part of the numbers) and results_long.csv, one row per
  // finished point and outcome, whose counts are the database's.
  REQUIRE(run_geosim({"sweep", spec, "--output", dir + "/long", "--quiet", "--format", "long"}) == 0);
  CHECK(read_text(dir + "/long/results.csv") == read_text(dir + "/out/results.csv"));
  std::istringstream in(read_text(dir + "/long/results_long.csv"));
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line ==
        "point,levers_sanctions_intensity,levers_amnesty_for_officers_credibility,outcome,runs,count,p,lo,hi,seed,"
        "scenario_hash");
  size_t rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
    REQUIRE(f.size() == 11);
    INFO(line);
    const uint64_t c = static_cast<uint64_t>(counts.at(f[0] + "|" + f[3] + "|")[0]);
    CHECK(std::stoull(f[5]) == c);
    CHECK(std::stod(f[6]) == static_cast<double>(c) / 200.0);
    CHECK(f[10] == t.scenario_hash);
  }
  CHECK(rows == static_cast<size_t>(t.rows.size() - t.failed()) * t.outcomes.size());
  // Its closing lines name every file it wrote.
  const std::string err = dir + "/long-said.err";
  REQUIRE(std::system((std::string(GEOSIM_BINARY) + " sweep " + spec + " --output " + dir +
                       "/long-said --format long 2> " + err)
                          .c_str()) == 0);
  const std::string said = read_text(err);
  for (const char* f : {"/results.sqlite\n", "/results.csv\n", "/results_long.csv\n"})
    CHECK(said.find("  " + dir + "/long-said" + f) != std::string::npos);
}

TEST_CASE("results.csv with CRLF line ends quotes and blank lines reads as with LF", "[sweep][results_csv]") {
  const std::string lf = kHeader + "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n\n1,failed,2,0.5,0,,,,,,\n";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  // A quoted cell with a doubled quote inside is one cell.
  const std::string quoted =
      "point,status,\"levers.a.intensity\",levers.b.credibility,runs,p_coup,lo_coup,hi_coup,p_status_quo,"
      "lo_status_quo,hi_status_quo\r\n\"0\",ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\r\n1,failed,2,0.5,0,,,,,,";
  for (const std::string& text : {lf, crlf, quoted}) {
    const SweepResults t = parse_sweep_results(text, "results.csv");
    CHECK(t.parameters == std::vector<std::string>{"levers.a.intensity", "levers.b.credibility"});
    CHECK(t.outcomes == std::vector<std::string>{"coup", "status_quo"});
    CHECK(t.states.empty());
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].ok);
    CHECK(t.rows[0].x == std::vector<double>{0, 0.5});
    CHECK(t.rows[0].p == std::vector<double>{0.1, 0.9});
    CHECK(t.rows[0].lo == std::vector<double>{0.05, 0.83});
    CHECK(t.rows[0].hi == std::vector<double>{0.17, 0.95});
    CHECK_FALSE(t.rows[1].ok);
    CHECK(t.rows[1].point == 1);
    CHECK(t.failed() == 1);
  }
  // Line numbers count the blank line (LF and CRLF alike).
  CHECK(parse_sweep_results(lf, "r").rows[1].line == 4);
  CHECK(parse_sweep_results(crlf, "r").rows[1].line == 4);
  // ...and a bad cell after CRLF lines is still located by line and column.
  std::string bad = crlf;
  bad.replace(bad.find("0.83"), 4, "abcd");
  CHECK(error_of(bad) == "results.csv:2:34: lo_status_quo = 'abcd' is not a probability; a number in [0, 1]");
}

TEST_CASE("a header-only results.csv is a sweep with no points", "[sweep][results_csv]") {
  const SweepResults t = parse_sweep_results(kHeader, "results.csv");
  CHECK(t.parameters.size() == 2);
  CHECK(t.outcomes.size() == 2);
  CHECK(t.rows.empty());
  CHECK(t.failed() == 0);
}

TEST_CASE("damaged results.csv files are rejected at file line and column", "[sweep][results_csv][errors]") {
  const std::string hint =
      "; a sweep's results.csv starts with point,status,<parameter paths>,runs,p_<outcome>,lo_<outcome>,"
      "hi_<outcome>,...";
  // Empty, or only blank lines.
  CHECK(error_of("") == "results.csv:1:1: the file is empty" + hint);
  CHECK(error_of("\n\r\n") == "results.csv:1:1: the file is empty" + hint);
  // A truncated row (the file cut off mid-row).
  CHECK(error_of(kHeader + "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n1,ok,1,0.5,100,0.3") ==
        "results.csv:3:1: this row has 6 fields, the header 11; each row needs one value per header column");
  // A cell that is not a number, with its line and column.
  CHECK(error_of(kHeader + "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n1,ok,1,abc,100,0.3,0.2,0.4,0.7,0.6,0.8\n") ==
        "results.csv:3:8: value 'abc' of levers.b.credibility is not a number");
  CHECK(error_of(kHeader + "0,ok,0,0.5,100,1.5,0.05,0.17,0.9,0.83,0.95\n") ==
        "results.csv:2:16: p_coup = '1.5' is not a probability; a number in [0, 1]");
  CHECK(error_of(kHeader + "x,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n") ==
        "results.csv:2:1: point 'x' is not a whole number; the point's index, 0, 1, ...");
  CHECK(error_of(kHeader + "0,done,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n") ==
        "results.csv:2:3: unknown status 'done'; status is ok or failed");
  CHECK(error_of(kHeader + "0,ok,0,0.5,1e2.5,0.1,0.05,0.17,0.9,0.83,0.95\n") ==
        "results.csv:2:12: runs '1e2.5' is not a whole number; the point's runs, 0 or more");
  // Missing columns.
  CHECK(error_of("point,status,a,runs,p_coup,lo_coup\n") ==
        "results.csv:1:21: column 'p_coup' must be followed by lo_coup and hi_coup, found the end of the header" + hint);
  CHECK(error_of("point,status,a,runs,p_coup,hi_coup,lo_coup\n") ==
        "results.csv:1:28: column 'p_coup' must be followed by lo_coup and hi_coup, found 'hi_coup'" + hint);
  CHECK(error_of("point,status,a,b,p_coup,lo_coup,hi_coup\n") == "results.csv:1:1: the header has no 'runs' column" + hint);
  CHECK(error_of("point,status,runs,p_coup,lo_coup,hi_coup\n") ==
        "results.csv:1:14: the header names no swept parameter" + hint);
  CHECK(error_of("point,status,a,runs\n") == "results.csv:1:1: the header has no p_<outcome> column after 'runs'" + hint);
  CHECK(error_of("point,status,a,runs,p_c,lo_c,hi_c,extra\n") ==
        "results.csv:1:35: unexpected column 'extra'; after 'runs' come p_/lo_/hi_ triples per outcome, then "
        "q05_/q50_/q95_ triples per state variable");
  CHECK(error_of("Actor,Capability,Position,Salience\n") ==
        "results.csv:1:1: the header does not start with point,status, so this is not a sweep's results table" + hint);
  // Rows are the points 0, 1, 2, ... in order, each once: a repeated, missing or misplaced
  // row is located at its point's cell (no cell of it is wrong on its own).
  const std::string row0 = "0,ok,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n";
  const std::string row1 = "1,ok,1,0.5,100,0.3,0.2,0.4,0.7,0.6,0.8\n";
  const std::string order = "; the rows of results.csv are the points 0, 1, 2, ... in order, each once";
  CHECK(error_of(kHeader + row0 + row1 + row0) == "results.csv:4:1: point 0 is listed twice (first on line 2)" + order);
  CHECK(error_of(kHeader + row1) == "results.csv:2:1: point 0 is missing: this row is point 1" + order);
  CHECK(error_of(kHeader + row0 + "2" + row1.substr(1) + row1) ==
        "results.csv:3:1: point 2 comes before point 1 (on line 4)" + order);
  CHECK(error_of(kHeader + row0 + "3" + row1.substr(1)) ==
        "results.csv:3:1: point 1 and the ones after it up to 2 are missing: this row is point 3" + order);
  // An unclosed quote is located at the quote.
  CHECK(error_of(kHeader + "0,\"ok,1\n") == "results.csv:2:3: a quoted field is never closed; add the closing '\"'");
  // A failed row may leave runs empty (runs 0), an ok row may not.
  CHECK(parse_sweep_results(kHeader + "0,failed,,,,,,,,,\n", "r").rows.at(0).runs == 0);
  CHECK(error_of(kHeader + "0,ok,0,0.5,,0.1,0.05,0.17,0.9,0.83,0.95\n") ==
        "results.csv:2:12: runs '' is not a whole number; the point's runs, 0 or more");
  // A file that cannot be read.
  CHECK_THROWS_WITH(read_sweep_results("/nonexistent/results.csv"),
                    "/nonexistent/results.csv: cannot read the sweep results; give a sweep's output directory or its "
                    "results.csv");
}

TEST_CASE("results.csv with bytes that are not UTF-8 is refused at the byte", "[sweep][results_csv][errors]") {
  const std::string utf8 = "; save the file as UTF-8";
  // In a parameter's column name (the crash of `report` and `discover -f json`).
  CHECK(error_of("point,status,\xff\xfe,runs,p_x,lo_x,hi_x\n0,ok,0.1,100,0.5,0.4,0.6\n") ==
        "results.csv:1:14: invalid UTF-8" + utf8);
  // In an outcome's name.
  CHECK(error_of("point,status,a,runs,p_\xff,lo_\xff,hi_\xff\n0,ok,0.1,100,0.5,0.4,0.6\n") ==
        "results.csv:1:23: invalid UTF-8" + utf8);
  // A cut sequence in a row, and in the recorded command of the comment lines.
  CHECK(error_of(kHeader + "0,ok\xc3,0,0.5,100,0.1,0.05,0.17,0.9,0.83,0.95\n") ==
        "results.csv:2:5: invalid UTF-8" + utf8);
  CHECK(error_of("# reproduce: geosim sweep \xe9.yaml\n" + kHeader) == "results.csv:1:27: invalid UTF-8" + utf8);
  // Valid UTF-8 names read as they are.
  const SweepResults r =
      parse_sweep_results("point,status,\xc3\xa9t\xc3\xa9,runs,p_x,lo_x,hi_x\n0,ok,0.1,100,0.5,0.4,0.6\n", "r");
  CHECK(r.parameters == std::vector<std::string>{"\xc3\xa9t\xc3\xa9"});
}
