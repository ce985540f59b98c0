#include "analysis/sweep/results_csv.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "engine/core/csv.h"
#include "engine/core/error.h"
#include "engine/core/number_text.h"
#include "engine/core/text_file.h"
#include "engine/output/files.h"
#include "engine/output/numbers.h"

namespace geosim {

namespace {
constexpr uint64_t kMaxSweepResultsBytes = uint64_t{1} << 30;
}  // namespace

namespace {

const char* kHeaderHint =
    "a sweep's results.csv starts with point,status,<parameter paths>,runs,p_<outcome>,lo_<outcome>,hi_<outcome>,...";

using Cell = CsvCell;
using Row = CsvRow;

FileLoc at(const std::string& file, const Cell& c) { return FileLoc{file, c.line, c.column}; }

bool parse_double(const std::string& s, double& out) { return parse_finite(s, out); }

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The header's layout: where the parameter, runs, outcome and state columns are.
struct Layout {
  size_t runs = 0;                   // column of `runs`; parameters are 2..runs-1
  std::vector<size_t> outcome, state;  // first column of each p/lo/hi and q05/q50/q95 triple
};

// Reads the triple that starts at column c: names prefix0<id>, prefix1<id>, prefix2<id>.
// Returns the id, or throws naming the column that breaks the pattern.
std::string triple(const Row& h, size_t c, const std::array<const char*, 3>& prefix, const std::string& file) {
  const std::string id = h[c].text.substr(std::string(prefix[0]).size());
  if (id.empty())
    throw InputError(at(file, h[c]), "column '" + h[c].text + "' names no " + (prefix[0][0] == 'p' ? "outcome" : "state variable"),
                     kHeaderHint);
  for (size_t k = 1; k < 3; ++k) {
    const std::string want = prefix[k] + id;
    if (c + k >= h.size() || h[c + k].text != want)
      throw InputError(c + k < h.size() ? at(file, h[c + k]) : at(file, h[c]),
                       "column '" + h[c].text + "' must be followed by " + prefix[1] + id + " and " + prefix[2] + id +
                           (c + k < h.size() ? ", found '" + h[c + k].text + "'" : ", found the end of the header"),
                       kHeaderHint);
  }
  return id;
}

Layout read_header(const Row& h, const std::string& file, SweepResults& out) {
  if (h.size() < 2 || h[0].text != "point" || h[1].text != "status")
    throw InputError(FileLoc{file, h.empty() ? 1 : h[0].line, 1},
                     "the header does not start with point,status, so this is not a sweep's results table", kHeaderHint);
  Layout l;
  for (size_t c = 2; c < h.size() && l.runs == 0; ++c)
    if (h[c].text == "runs") l.runs = c;
  if (l.runs == 0) throw InputError(FileLoc{file, h[0].line, 1}, "the header has no 'runs' column", kHeaderHint);
  if (l.runs == 2) throw InputError(at(file, h[2]), "the header names no swept parameter", kHeaderHint);
  for (size_t c = 2; c < l.runs; ++c) out.parameters.push_back(h[c].text);
  size_t c = l.runs + 1;
  while (c < h.size() && starts_with(h[c].text, "p_")) {
    out.outcomes.push_back(triple(h, c, {"p_", "lo_", "hi_"}, file));
    l.outcome.push_back(c);
    c += 3;
  }
  while (c < h.size() && starts_with(h[c].text, "q05_")) {
    out.states.push_back(triple(h, c, {"q05_", "q50_", "q95_"}, file));
    l.state.push_back(c);
    c += 3;
  }
  if (out.outcomes.empty())
    throw InputError(c < h.size() ? at(file, h[c]) : FileLoc{file, h[0].line, 1},
                     "the header has no p_<outcome> column after 'runs'", kHeaderHint);
  if (c < h.size())
    throw InputError(at(file, h[c]), "unexpected column '" + h[c].text + "'",
                     "after 'runs' come p_/lo_/hi_ triples per outcome, then q05_/q50_/q95_ triples per state variable");
  return l;
}

SweepResultRow read_row(const Row& f, const Row& h, const Layout& l, const std::string& file,
                        const SweepResults& t) {
  SweepResultRow r;
  r.line = f[0].line;
  if (f.size() != h.size())
    throw InputError(FileLoc{file, r.line, 1},
                     "this row has " + std::to_string(f.size()) + " fields, the header " + std::to_string(h.size()),
                     "each row needs one value per header column");
  double v = 0;
  if (!parse_double(f[0].text, v) || v != std::floor(v) || v < 0)
    throw InputError(at(file, f[0]), "point '" + f[0].text + "' is not a whole number", "the point's index, 0, 1, ...");
  // (a sweep has far fewer than 2^53 points; converting a larger number would be undefined)
  if (v > 9007199254740992.0)
    throw InputError(at(file, f[0]), "point '" + f[0].text + "' is more than a sweep can have", "the point's index, 0, 1, ...");
  r.point = static_cast<int64_t>(v);
  if (f[1].text != "ok" && f[1].text != "failed")
    throw InputError(at(file, f[1]), "unknown status '" + f[1].text + "'", "status is ok or failed");
  r.ok = f[1].text == "ok";
  for (size_t j = 2; j < l.runs; ++j) {
    const Cell& c = f[j];
    if (!r.ok && c.text.empty()) {
      r.x.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    if (!parse_double(c.text, v))
      throw InputError(at(file, c), "value '" + c.text + "' of " + h[j].text + " is not a number");
    r.x.push_back(v);
  }
  const Cell& runs = f[l.runs];
  if (!r.ok && runs.text.empty()) return r;  // runs 0; writers other than the sweep leave it empty
  if (!parse_double(runs.text, v) || v != std::floor(v) || v < 0)
    throw InputError(at(file, runs), "runs '" + runs.text + "' is not a whole number", "the point's runs, 0 or more");
  // (a sweep's runs per point are at most 2^40, as for --runs; beyond 2^53 a double is not
  // even a whole count, and converting it would be undefined)
  if (v > static_cast<double>(uint64_t{1} << 40))
    throw InputError(at(file, runs), "runs '" + runs.text + "' is more than a sweep can have", "at most 2^40 runs per point");
  r.runs = static_cast<uint64_t>(v);
  if (!r.ok) return r;  // a failed point has no outcome or state values
  for (size_t k = 0; k < l.outcome.size(); ++k) {
    double pv[3];
    for (size_t i = 0; i < 3; ++i) {
      const Cell& c = f[l.outcome[k] + i];
      if (!parse_double(c.text, pv[i]) || pv[i] < 0 || pv[i] > 1)
        throw InputError(at(file, c), h[l.outcome[k] + i].text + " = '" + c.text + "' is not a probability",
                         "a number in [0, 1]");
    }
    r.p.push_back(pv[0]);
    r.lo.push_back(pv[1]);
    r.hi.push_back(pv[2]);
  }
  for (size_t k = 0; k < l.state.size(); ++k) {
    std::array<double, 3> q{};
    for (size_t i = 0; i < 3; ++i) {
      const Cell& c = f[l.state[k] + i];
      if (c.text.empty()) {
        q[i] = std::numeric_limits<double>::quiet_NaN();
      } else if (!parse_double(c.text, q[i])) {
        throw InputError(at(file, c), h[l.state[k] + i].text + " = '" + c.text + "' is not a number",
                         "a quantile of " + t.states[k] + ", or empty");
      }
    }
    r.state.push_back(q);
  }
  return r;
}

}  // namespace

int SweepResults::failed() const {
  int n = 0;
  for (const auto& r : rows) n += !r.ok;
  return n;
}

namespace {
// What the cell-by-cell reading accepts but no sweep writes, and neither `report` nor
// `discover` can read truly: a parameter's column or an outcome's p_/lo_/hi_ group twice, an
// interval with lo above hi, a probability outside its own interval.
void check_consistent(const SweepResults& t, const std::vector<Row>& rows, const Layout& l, const std::string& file) {
  const Row& h = rows[0];
  for (size_t k = 0; k < t.parameters.size(); ++k)
    for (size_t m = 0; m < k; ++m)
      if (t.parameters[k] == t.parameters[m])
        throw InputError(at(file, h[2 + k]),
                         "column '" + t.parameters[k] + "' repeats column " + std::to_string(3 + m) +
                             ": a swept parameter has one column",
                         kHeaderHint);
  for (size_t k = 0; k < t.outcomes.size(); ++k)
    for (size_t m = 0; m < k; ++m)
      if (t.outcomes[k] == t.outcomes[m]) {
        const std::string& o = t.outcomes[k];
        throw InputError(at(file, h[l.outcome[k]]),
                         "columns p_" + o + ", lo_" + o + ", hi_" + o + " repeat columns " +
                             std::to_string(l.outcome[m] + 1) + " to " + std::to_string(l.outcome[m] + 3) +
                             ": an outcome has one p_/lo_/hi_ group",
                         kHeaderHint);
      }
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const SweepResultRow& r = t.rows[i];
    if (!r.ok) continue;
    const Row& cells = rows[i + 1];
    for (size_t k = 0; k < t.outcomes.size() && k < r.p.size(); ++k) {
      const std::string& o = t.outcomes[k];
      const std::string hint =
          "lo_" + o + " and hi_" + o + " are the ends of the 95% interval of p_" + o + ", with lo <= p <= hi";
      if (r.lo[k] > r.hi[k])
        throw InputError(at(file, cells[l.outcome[k] + 1]),
                         "lo_" + o + " = " + general(r.lo[k], 6) + " is above hi_" + o + " = " + general(r.hi[k], 6),
                         hint);
      if (r.p[k] < r.lo[k] - 1e-9 || r.p[k] > r.hi[k] + 1e-9)
        throw InputError(at(file, cells[l.outcome[k]]),
                         "p_" + o + " = " + general(r.p[k], 6) + " lies outside its 95% interval [" +
                             general(r.lo[k], 6) + ", " + general(r.hi[k], 6) + "]",
                         hint);
    }
  }
}

// The file has one row per point in point order, 0, 1, 2, ... (docs/sweep-format.md): a
// repeated row or a missing one would otherwise go unnoticed, as no cell of it is wrong.
// Refused at the point's cell, as every other damage is.
void check_point_order(const SweepResults& r) {
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const SweepResultRow& row = r.rows[i];
    const auto want = static_cast<int64_t>(i);
    if (row.point == want) continue;
    const FileLoc at{r.file, row.line, 1};
    const std::string hint = "the rows of results.csv are the points 0, 1, 2, ... in order, each once";
    // Every row before this one is its point (0 .. i - 1), so a smaller point is a repeat.
    if (row.point < want)
      throw InputError(at,
                       "point " + std::to_string(row.point) + " is listed twice (first on line " +
                           std::to_string(r.rows[static_cast<size_t>(row.point)].line) + ")",
                       hint);
    // A later row holding the point wanted: the rows are out of order, not short of one.
    for (size_t j = i + 1; j < r.rows.size(); ++j)
      if (r.rows[j].point == want)
        throw InputError(at,
                         "point " + std::to_string(row.point) + " comes before point " + std::to_string(want) +
                             " (on line " + std::to_string(r.rows[j].line) + ")",
                         hint);
    throw InputError(
        at,
        "point " + std::to_string(want) +
            (row.point == want + 1 ? "" : " and the ones after it up to " + std::to_string(row.point - 1)) +
            (row.point == want + 1 ? " is" : " are") + " missing: this row is point " + std::to_string(row.point),
        hint);
  }
}

}  // namespace

SweepResults parse_sweep_results(const std::string& text_in, const std::string& file) {
  // Comment lines at the top (`# geosim VERSION, seed S, scenario HASH`, `# reproduce:
  // COMMAND`) are read for what they record and then blanked, so line numbers stay true.
  SweepResults t;
  t.file = file;
  // Every text of the file may reach an output (parameter and outcome names, the status,
  // the recorded command go to the report's page and to discover's JSON, which must be
  // UTF-8): a byte that is not is refused at its place, before any cell is read.
  if (const size_t bad = find_invalid_utf8(text_in); bad != std::string::npos)
    throw InputError(loc_of_offset(file, text_in, bad), "invalid UTF-8", "save the file as UTF-8");
  // A byte order mark (Excel writes one when it saves CSV as UTF-8) is no part of the header.
  size_t at = text_in.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  std::string blanked;  // one empty line per comment line
  while (at < text_in.size() && text_in[at] == '#') {
    size_t end = text_in.find('\n', at);
    if (end == std::string::npos) end = text_in.size();
    std::string line = text_in.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("# reproduce: ", 0) == 0) t.command = line.substr(13);
    if (line.rfind("# geosim ", 0) == 0) {
      const size_t seed = line.find(", seed "), hash = line.find(", scenario ");
      if (seed != std::string::npos) {
        const size_t e = line.find(',', seed + 7);
        t.seed = line.substr(seed + 7, e == std::string::npos ? std::string::npos : e - seed - 7);
      }
      if (hash != std::string::npos) t.scenario_hash = line.substr(hash + 11);
    }
    blanked += '\n';
    at = end + 1;
  }
  const std::string text = at == 0 ? text_in : blanked + (at < text_in.size() ? text_in.substr(at) : std::string());
  const std::vector<Row> rows = split_csv(text, file);
  if (rows.empty()) throw InputError(FileLoc{file, 1, 1}, "the file is empty", kHeaderHint);
  const Layout l = read_header(rows[0], file, t);
  t.rows.reserve(rows.size() - 1);
  for (size_t r = 1; r < rows.size(); ++r) t.rows.push_back(read_row(rows[r], rows[0], l, file, t));
  check_point_order(t);
  check_consistent(t, rows, l, file);
  return t;
}

std::string sweep_results_path(const std::string& results) {
  struct stat s {};
  if (::stat(results.c_str(), &s) == 0 && S_ISDIR(s.st_mode)) {
    std::string dir = results;
    if (!dir.empty() && dir.back() == '/') dir.pop_back();
    return dir + "/results.csv";
  }
  return results;
}

SweepResults read_sweep_results(const std::string& results) {
  const std::string path = sweep_results_path(results);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw InputError(FileLoc{path, 0, 0}, "cannot read the sweep results",
                     missing_results_hint(path, "give a sweep's output directory or its results.csv"));
  // Only a regular file, and at most 1 GiB (a million points of a wide sweep): a FIFO or a
  // device is refused rather than read until memory runs out.
  SweepResults t = parse_sweep_results(read_input_file(path, kMaxSweepResultsBytes, "the sweep results"), path);
  check_rows_against_database(t.rows.size(), path);
  return t;
}

namespace {

// A URI for SQLite that names `path` exactly: every byte but the unreserved ones and '/'
// percent-encoded ('?', '#' and '%' are syntax in a URI).
std::string sqlite_uri(const std::string& path, const char* query) {
  std::string u = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      u += static_cast<char>(c);
    } else {
      const char* hex = "0123456789ABCDEF";
      u += '%';
      u += hex[c >> 4];
      u += hex[c & 15];
    }
  }
  return u + "?" + query;
}

}  // namespace

// (which mode, and why, in results_csv.h)
sqlite3* open_sweep_database(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return nullptr;
  const bool live = fs::exists(file + "-wal", ec) && fs::exists(file + "-shm", ec);
  sqlite3* db = nullptr;
  const int rc = live ? sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
                      : sqlite3_open_v2(sqlite_uri(file, "mode=ro&immutable=1").c_str(), &db,
                                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 2000);  // a sweep commits one point at a time
  return db;
}

int64_t sweep_database_points(const std::string& db_path) {
  sqlite3* db = open_sweep_database(db_path);
  if (!db) return -1;
  int64_t points = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT value FROM metadata WHERE key = 'points'", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
    const char* v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    int64_t n = 0;
    const char* end = v + std::strlen(v);
    if (auto [p, ec] = std::from_chars(v, end, n); ec == std::errc() && p == end && n >= 0) points = n;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return points;
}

void check_rows_against_database(size_t rows, const std::string& csv_file) {
  const std::string db = sweep_database_path(csv_file);
  const int64_t points = sweep_database_points(db);
  if (points < 0 || static_cast<int64_t>(rows) == points) return;
  const bool short_of_rows = static_cast<int64_t>(rows) < points;
  throw InputError(FileLoc{csv_file, 0, 0},
                   "holds " + std::to_string(rows) + (rows == 1 ? " point" : " points") +
                       ", but the sweep's database beside it (" + db + ") records " + std::to_string(points) +
                       (short_of_rows ? ": the file was cut short or changed outside geosim"
                                      : ": the file was changed outside geosim"),
                   "write it again from the database with `geosim sweep SPEC --output DIR --resume`");
}

std::string sweep_database_path(const std::string& results_csv) {
  return (std::filesystem::path(results_csv).parent_path() / "results.sqlite").string();
}

std::string missing_results_hint(const std::string& results_csv, const std::string& otherwise) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::path(results_csv).parent_path();
  if (!std::filesystem::exists(sweep_database_path(results_csv), ec)) return otherwise;
  return "the sweep in " + dir.string() +
         " has not finished (results.csv is written when every point is done): finish it with "
         "'geosim sweep SPEC --output " +
         dir.string() + " --resume', SPEC its sweep file";
}

std::string failed_reasons_command(const std::string& db_path) {
  return "sqlite3 " + shell_word(db_path) + " 'SELECT point, reason FROM failed'";
}

}  // namespace geosim
