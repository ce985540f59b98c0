// Reading a sweep's results.csv back: the one parser that `geosim report` and
// `geosim discover` (and anything else that reads a finished sweep) share.
//
// `geosim sweep` writes DIR/results.csv (ResultStore::csv(), docs/sweep-format.md) with
// the header
//   point,status,<path 1>,...,<path K>,runs,p_<o>,lo_<o>,hi_<o>,...,q05_<v>,q50_<v>,q95_<v>,...
// after two comment lines (`# geosim VERSION, seed S, scenario HASH` and `# reproduce:
// COMMAND`), and one row per point in point order: `point` the 0-based index, `status` `ok` or
// `failed`, the swept parameters' values (K >= 1 columns, named by their paths), `runs`
// (0 for a failed point), then for each recorded outcome its probability and Wilson 95 %
// interval, and for each recorded state variable the 5 %, 50 % and 95 % quantiles at the
// horizon. Outcome and state cells are empty for a failed point.
//
// The reader accepts what any CSV writer may produce from that table (RFC 4180 quoting,
// including line breaks inside quotes; LF or CRLF line ends; blank lines), and rejects
// anything else with an InputError at `file:line:col` naming the cell and what would be
// valid, so a damaged or foreign file says where it went wrong.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;

namespace geosim {

// One row of results.csv.
struct SweepResultRow {
  int64_t point = 0;
  bool ok = false;                           // status `ok` (else `failed`)
  std::vector<double> x;                     // per parameter; NaN where a failed row leaves it empty
  uint64_t runs = 0;
  std::vector<double> p, lo, hi;             // per outcome; empty vectors for a failed row
  std::vector<std::array<double, 3>> state;  // per state variable: q05, q50, q95; NaN when empty
  int line = 0;                              // 1-based line of the row in the file
};

struct SweepResults {
  std::string file;                     // the CSV read (as named in error messages)
  std::vector<std::string> parameters;  // swept parameter paths, in column order
  std::vector<std::string> outcomes;    // outcome ids (p_<id>), in column order
  std::vector<std::string> states;      // state variable names (q05_<name>), in column order
  std::vector<SweepResultRow> rows;     // every row, ok and failed, in file order
  // From the comment lines at the top (geosim writes them; empty when absent).
  std::string command, seed, scenario_hash;

  int failed() const;  // rows with status `failed`
};

// Parses the text of a results.csv; `file` names it in error messages.
SweepResults parse_sweep_results(const std::string& text, const std::string& file);

// A sweep's output folder names its results.csv; anything else is taken as the CSV itself.
std::string sweep_results_path(const std::string& results);

// Reads and parses DIR/results.csv or the CSV itself. InputError when it cannot be read, or
// when the sweep's database beside it records another number of points
// (check_rows_against_database).
SweepResults read_sweep_results(const std::string& results);

// results.csv gives no reason for a failed point; the sweep's database keeps them in its
// `failed` table. The database beside a results.csv (DIR/results.sqlite), and the shell
// command that lists those reasons: sqlite3 DIR/results.sqlite 'SELECT point, reason FROM failed'.
std::string sweep_database_path(const std::string& results_csv);
std::string failed_reasons_command(const std::string& db_path);

// The hint for a results.csv that is not there: where the sweep's database is (a sweep that
// stopped before its end writes no results.csv), how to finish the sweep; else `otherwise`.
std::string missing_results_hint(const std::string& results_csv, const std::string& otherwise);

// Opens a sweep's results.sqlite to read it, leaving nothing behind in the folder. The sweep
// writes it in WAL mode (analysis/sweep/store.cpp), and a plain read-only connection to such
// a database creates results.sqlite-wal and -shm beside it, which a reader cannot remove.
// - No -wal file: the sweep has ended (its last close moved everything into the main file
//   and removed the WAL): the file is opened immutable, which reads it without locks, WAL
//   or shared memory, and creates nothing.
// - -wal and -shm both there: a sweep is writing (or was killed): the file is opened read
//   only, as any reader of a live WAL database, which reads the points committed so far and
//   creates nothing that is not there already.
// - A -wal without its -shm (a folder copied without it): the main file alone, immutable;
//   the points still in the WAL are not seen.
// (A sweep that ends between the check and the open leaves the two files that its close
// would have removed: the window is that of one open.) nullptr when it cannot be opened.
sqlite3* open_sweep_database(const std::string& file);

// The number of points the sweep's database `db_path` records (its metadata `points`); -1
// when there is none, or it cannot be read, or it is not a sweep's.
int64_t sweep_database_points(const std::string& db_path);

// A results.csv of `rows` points beside a sweep's database that records another number is
// refused (InputError naming the file): the sweep writes one row per point of its design, so
// a short file lost its last rows (a row missing in the middle is refused by the parser).
// Nothing is checked when no sweep's database is there: the file is read on its own.
void check_rows_against_database(size_t rows, const std::string& csv_file);

}  // namespace geosim
