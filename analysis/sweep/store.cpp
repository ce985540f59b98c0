#include "analysis/sweep/store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>

#include "engine/core/version.h"
#include "engine/output/numbers.h"
#include "engine/output/output.h"
#include "engine/runner/summary.h"

namespace geosim {

namespace {

// A write the disk refused (SQLITE_FULL, SQLITE_IOERR): the user's to mend (free space),
// not a bug; turned into an InputError naming the database by ResultStore (storage_error).
struct StorageFailure : std::runtime_error {
  StorageFailure(const std::string& what, bool full) : std::runtime_error(what), disk_full(full) {}
  bool disk_full;
};

// Throws the last error of `db`: StorageFailure for a full disk or an I/O error, otherwise
// std::runtime_error (an internal error unless a caller knows better). `sql`: what failed.
[[noreturn]] void throw_sqlite(sqlite3* db, const std::string& sql) {
  const std::string msg =
      "sqlite: " + std::string(sqlite3_errmsg(db)) + (sql.empty() ? "" : " in: " + sql.substr(0, 200));
  const int code = sqlite3_errcode(db) & 0xff;
  if (code == SQLITE_FULL || code == SQLITE_IOERR) throw StorageFailure(msg, code == SQLITE_FULL);
  throw std::runtime_error(msg);
}

// The InputError for a write the disk refused.
InputError storage_error(const std::string& db_path, const StorageFailure& e) {
  if (e.disk_full)
    return InputError(FileLoc{db_path, 0, 0}, "the disk is full writing the results database",
                      "free space and run again with --resume; the points saved so far are kept");
  return InputError(
      FileLoc{db_path, 0, 0},
      std::string("writing the results database failed (") + e.what() + "; the disk may be full or failing)",
      "free space or check the disk, then run again with --resume; the points saved so far are kept");
}

// One prepared statement; finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK) throw_sqlite(db, sql);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, int64_t v) { return check(sqlite3_bind_int64(s_, i, v)); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }
  Stmt& bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  bool row() {  // steps; true while a row is available
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite(db_, "");
  }
  void run() {
    row();
    reset();
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  double dbl(int c) const { return sqlite3_column_double(s_, c); }
  std::string text(int c) const {
    const unsigned char* t = sqlite3_column_text(s_, c);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) throw_sqlite(db_, "");
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// SQL-friendly column names for the swept parameters: the path with every character but
// letters, digits and '_' as '_' ("levers.sanctions.intensity" -> levers_sanctions_intensity),
// "_2", "_3"... after a name already taken. The table `parameters` keeps each path.
std::vector<std::string> sql_names(const SweepSpec& sp) {
  std::vector<std::string> out;
  std::set<std::string> taken = {"point", "status", "runs"};
  for (const auto& p : sp.params) {
    std::string n;
    for (char c : p.path) n += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
    if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) n = "p_" + n;
    std::string name = n;
    for (int k = 2; taken.count(name); ++k) name = n + "_" + std::to_string(k);
    taken.insert(name);
    out.push_back(name);
  }
  return out;
}

std::string quote_ident(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string fixed6(double v) { return fixed(v, 6); }

std::string g6(double v) { return general(v, 6); }

}  // namespace

ResultStore::ResultStore(const std::string& dir, const SweepPlan& plan, const StoreOptions& options)
    : dir_(dir), plan_(plan), command_(options.command), long_format_(options.long_format) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw InputError(FileLoc{dir, 0, 0}, "--output names a file, not a folder", "name a folder for the sweep");
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(FileLoc{dir, 0, 0}, "cannot create the output directory: " + ec.message());
  // Held for the whole sweep: two sweeps started at once into one folder would otherwise
  // both find it empty and mix their results.
  lock_ = std::make_unique<DirLock>(dir, "geosim sweep");
  check_result_folder(dir, ResultFolder::Sweep);
  db_path_ = (std::filesystem::path(dir) / "results.sqlite").string();
  // A results table in a folder that holds no sweep's database yet was not written by a
  // sweep of this folder: it is the user's (or a link to it), and finish() would replace it.
  // Refused before anything is created (a sweep's own tables only ever follow its database).
  auto refuse_foreign_tables = [&] {
    for (const char* name : {"results.csv", "results_long.csv"}) {
      const std::string path = (std::filesystem::path(dir) / name).string();
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0)
        throw InputError(FileLoc{path, 0, 0},
                         "is already there, but the folder holds no sweep's database (results.sqlite) that wrote "
                         "it; geosim does not replace it",
                         "move it out of the folder, or choose another --output directory");
    }
  };
  // SQLite follows a symbolic link and opens whatever it names: the database and its journal
  // files must be files of this folder.
  bool existed = false;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string path = db_path_ + suffix;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode))
      throw InputError(FileLoc{path, 0, 0},
                       "is a symbolic link; geosim opens a sweep's database only as a file of its folder",
                       "remove the link, or choose another --output directory");
    if (!S_ISREG(st.st_mode))
      throw InputError(FileLoc{path, 0, 0}, "is not a regular file (a folder, device, FIFO or socket)",
                       "remove it, or choose another --output directory");
    if (*suffix == '\0') existed = true;
  }
  if (!existed) refuse_foreign_tables();
  if (sqlite3_open(db_path_.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(FileLoc{db_path_, 0, 0}, "cannot open the results database: " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    // Only a new or empty database is made a sweep's: one that holds anything but a sweep's
    // tables is someone's data (or a sweep's that lost its metadata), never dropped.
    int64_t objects = 0;
    bool has_meta = false;
    {
      Stmt s(db_, "SELECT type, name FROM sqlite_master");
      while (s.row()) {
        ++objects;
        has_meta = has_meta || (s.text(0) == "table" && s.text(1) == "metadata");
      }
    }
    if (objects > 0 && !has_meta)
      throw InputError(FileLoc{db_path_, 0, 0},
                       "this database is not a sweep's (it has tables, but no `metadata` table); geosim does not "
                       "overwrite it",
                       "move it out of the folder, or choose another --output directory");
    if (objects == 0) refuse_foreign_tables();
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL survives a killed process
    if (objects == 0) {
      create();
      return;
    }
    // Every sweep's database says `geosim-sweep N` in its metadata; a `metadata` table
    // without that (or without key/value columns) is another program's.
    std::string format;
    try {
      format = meta("format");
    } catch (const StorageFailure&) {
      throw;
    } catch (const std::runtime_error&) {
      // (no such column: a `metadata` table of another shape)
    }
    if (format.rfind("geosim-sweep ", 0) != 0)
      throw InputError(FileLoc{db_path_, 0, 0},
                       "this database is not a sweep's (its `metadata` table records no geosim sweep format); "
                       "geosim does not overwrite it",
                       "move it out of the folder, or choose another --output directory");
    if (format != "geosim-sweep 2")
      throw InputError(
          FileLoc{dir, 0, 0},
          "this directory holds a sweep in an older layout (" + format + ") that this geosim cannot resume",
          "choose another --output directory, or delete this one to start over");
    std::string hash = meta("spec_hash");
    if (hash != plan.hash)
      throw InputError(FileLoc{dir, 0, 0},
                       "this directory holds the results of another sweep (spec '" + meta("spec_file") + "', hash " +
                           hash + "); " + plan.spec.file + " has hash " + plan.hash +
                           " (the spec, its scenario or the geosim version differ)",
                       "choose another --output directory, or delete this one to start over");
    if (!options.resume)
      throw InputError(FileLoc{dir, 0, 0},
                       "this directory already holds results of this sweep (" + std::to_string(committed_count()) +
                           " of " + std::to_string(plan.points) + " points done)",
                       "add --resume to finish it, or choose another --output directory");
    check_resumable();
    set_meta("resumed_at", now_utc());
    // The command of the sweep as started: the resumed results.csv names it, as an
    // uninterrupted sweep's does, however the spec's path was spelt this time.
    if (const std::string started = meta("command"); !started.empty()) command_ = started;
  } catch (const InputError&) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  } catch (const StorageFailure& e) {
    // (a full disk while the database is opened, created or its WAL replayed: not damage)
    sqlite3_close(db_);
    db_ = nullptr;
    throw storage_error(db_path_, e);
  } catch (const std::runtime_error& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    // A file that is there but is not a database (overwritten, truncated): the user's to
    // mend, not an internal error.
    if (!existed) throw;
    throw InputError(FileLoc{db_path_, 0, 0}, std::string("cannot read the results database (") + e.what() + ")",
                     "the file is damaged or is not a sweep's database: choose another --output directory, or "
                     "delete this one to start over");
  }
}

namespace {
const char* const kChangedHint =
    "delete this folder and run the sweep again without --resume, or choose another --output directory";
}  // namespace

// What a resumed sweep relies on: every point has its row in `points`, with the status geosim
// gave it and the spec's values (a pending point is computed at the spec's values but written
// with the stored ones); an ok point has its runs and its rows in `results` and `states` (the
// CSV would read a missing row as a count of 0); a failed point has its reason. A database
// changed outside geosim is refused rather than resumed into a table that misstates a point.
void ResultStore::check_resumable() const {
  const SweepSpec& sp = plan_.spec;
  auto refuse = [&](const std::string& what) {
    throw InputError(FileLoc{db_path_, 0, 0}, what + ": the database was changed outside geosim", kChangedHint);
  };
  {
    Stmt s(db_, "SELECT count(*) FROM points");
    const int64_t rows = s.row() ? s.i64(0) : 0;
    if (rows != static_cast<int64_t>(plan_.points))
      refuse("it holds " + std::to_string(rows) + " of the sweep's " + std::to_string(plan_.points) + " points");
  }
  std::string names;
  for (const auto& n : sql_names(sp)) names += ", " + quote_ident(n);
  Stmt pts(db_, "SELECT point, status, runs" + names + " FROM points ORDER BY point");
  for (int64_t expect = 0; pts.row(); ++expect) {
    const int64_t point = pts.i64(0);
    const std::string at = "point " + std::to_string(expect);
    // (as many rows as points, in order: a gap means a row of another number)
    if (point != expect)
      refuse(at + " has no row in `points` (there is a row numbered " + std::to_string(point) + " instead)");
    const std::string status = pts.text(1);
    if (status != "pending" && status != "ok" && status != "failed")
      refuse(at + " has status '" + status + "' (geosim writes pending, ok or failed)");
    if (status == "ok" && pts.i64(2) != static_cast<int64_t>(sp.runs))
      refuse(at + " is ok with " + std::to_string(pts.i64(2)) + " runs, but the spec asks for " +
             std::to_string(sp.runs));
    for (size_t k = 0; k < sp.params.size(); ++k) {
      const double stored = pts.dbl(3 + static_cast<int>(k)), want = plan_.value(point, k);
      if (stored == want) continue;
      const std::string differ = at + " has " + sp.params[k].path + " = " + shortest_double(stored) +
                                 " in `points`, but the spec gives " + shortest_double(want);
      // Grid values from min/max/steps were computed in floating point before they were
      // made exact decimals (docs/sweep-format.md, "Grid values"): a few ulps apart.
      if (std::fabs(stored - want) <= 4 * std::fabs(std::nextafter(want, 0.0) - want) && want != 0)
        throw InputError(FileLoc{db_path_, 0, 0},
                         differ +
                             ": the sweep was started by an earlier geosim, whose grid values differed in "
                             "their last digits",
                         kChangedHint);
      refuse(differ);
    }
  }
  // The ok points whose rows in `table` are not exactly one per recorded name; the first of
  // them and how many.
  auto incomplete = [&](const char* table, const char* column, const std::vector<std::string>& want, const char* what) {
    if (want.empty()) return;
    std::string marks;
    for (size_t k = 0; k < want.size(); ++k) marks += k ? ",?" : "?";
    Stmt s(db_, std::string("SELECT point, n FROM (SELECT point, (SELECT count(*) FROM ") + table +
                    " t WHERE t.point = points.point AND t." + column + " IN (" + marks +
                    ")) AS n FROM points WHERE status='ok') WHERE n != ? ORDER BY point");
    for (size_t k = 0; k < want.size(); ++k) s.bind(static_cast<int>(k) + 1, want[k]);
    s.bind(static_cast<int>(want.size()) + 1, static_cast<int64_t>(want.size()));
    int64_t first = -1, have = 0, more = 0;
    while (s.row()) {
      if (first < 0) {
        first = s.i64(0);
        have = s.i64(1);
      } else {
        ++more;
      }
    }
    if (first >= 0)
      refuse("point " + std::to_string(first) + " is ok but `" + table + "` holds " + std::to_string(have) +
             " of its " + std::to_string(want.size()) + " " + what + " rows" +
             (more == 1  ? " (and 1 more point lacks them)"
              : more > 1 ? " (and " + std::to_string(more) + " more points lack them)"
                         : ""));
  };
  const Scenario& sc = plan_.scenario;
  const std::vector<std::string>& tallies = plan_.tallies;
  std::vector<std::string> vars;
  for (int f : plan_.states) vars.push_back(sc.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])].name);
  incomplete("results", "outcome", tallies, "outcome");
  incomplete("states", "var", vars, "state variable");
  // The counts results.csv is computed from: whole numbers from 0 to the point's runs,
  // stored with those runs, and, since every run ends in exactly one outcome, adding up to
  // the runs when every outcome is recorded (to at most them when some are left out); so do
  // the regime's fates and the rulers (record.regime), each run counted once in each.
  // The rows of the names [begin, end) of `tallies` of ok points, their names bound from ?1.
  auto rows_of = [&](size_t begin, size_t end) {
    std::string marks;
    for (size_t k = begin; k < end; ++k) marks += k > begin ? ",?" : "?";
    return " FROM results r JOIN points p ON r.point = p.point WHERE p.status = 'ok' AND r.outcome IN (" + marks + ")";
  };
  auto bind_names = [&](Stmt& s, size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) s.bind(static_cast<int>(k - begin) + 1, tallies[k]);
  };
  if (!tallies.empty()) {
    Stmt s(db_, "SELECT r.point, r.outcome, r.count, r.runs, p.runs, r.runs IS NOT p.runs" +
                    rows_of(0, tallies.size()) +
                    " AND (typeof(r.count) != 'integer' OR r.count < 0 OR r.count > p.runs OR r.runs IS NOT p.runs)"
                    " ORDER BY r.point, r.outcome LIMIT 1");
    bind_names(s, 0, tallies.size());
    if (s.row()) {
      const std::string at =
          "point " + std::to_string(s.i64(0)) + " is ok with " + std::to_string(s.i64(4)) + " runs, but ";
      if (s.i64(5) != 0) refuse(at + "its row of outcome '" + s.text(1) + "' in `results` says " + s.text(3) + " runs");
      refuse(at + "`results` gives outcome '" + s.text(1) + "' a count of " + s.text(2) +
             " (a count is a whole number from 0 to the runs)");
    }
  }
  const size_t K = plan_.outcomes.size(), F = plan_.rulers > 0 ? size_t{kNumRegimeFates} : 0;
  struct Group {
    size_t begin, end;
    bool all;          // every run counts once in the group (else at most once)
    const char* what;  // what its counts are, and why they add up
  };
  for (const Group& g : {Group{0, K, K == sc.outcomes.size(), "outcomes in `results`"},
                         Group{K, K + F, true, "regime's fates in `results`"},
                         Group{K + F, tallies.size(), true, "rulers in `results`"}}) {
    if (g.begin == g.end) continue;
    Stmt s(db_, "SELECT r.point, sum(r.count), p.runs" + rows_of(g.begin, g.end) +
                    " GROUP BY r.point HAVING sum(r.count) " + (g.all ? "!=" : ">") + " p.runs ORDER BY r.point LIMIT 1");
    bind_names(s, g.begin, g.end);
    if (s.row())
      refuse("point " + std::to_string(s.i64(0)) + " is ok with " + std::to_string(s.i64(2)) +
             " runs, but the counts of its " + g.what + " add up to " + std::to_string(s.i64(1)) +
             (g.all ? "" : ", more than its runs") +
             (g.begin == 0 ? " (every run ends in exactly one outcome)" : " (every run has exactly one)"));
  }
  {
    Stmt s(db_,
           "SELECT point FROM points WHERE status='failed' AND point NOT IN (SELECT point FROM failed) "
           "ORDER BY point LIMIT 1");
    if (s.row()) refuse("point " + std::to_string(s.i64(0)) + " is failed but has no reason in `failed`");
  }
}

ResultStore::~ResultStore() {
  if (db_) sqlite3_close(db_);
}

void ResultStore::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    throw_sqlite(db_, sql);
  }
}

std::string ResultStore::meta(const std::string& key) const {
  Stmt s(db_, "SELECT value FROM metadata WHERE key=?");
  s.bind(1, key);
  return s.row() ? s.text(0) : "";
}

void ResultStore::set_meta(const std::string& key, const std::string& value) {
  Stmt s(db_, "INSERT OR REPLACE INTO metadata(key, value) VALUES(?, ?)");
  s.bind(1, key).bind(2, value).run();
}

void ResultStore::create() {
  const SweepSpec& sp = plan_.spec;
  // (called on an empty database only: nothing is dropped)
  exec("BEGIN IMMEDIATE");
  exec("CREATE TABLE metadata(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  exec("CREATE TABLE parameters(col INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL)");
  const std::vector<std::string> sql = sql_names(sp);
  std::string cols;
  for (const auto& n : sql) cols += ", " + quote_ident(n) + " REAL NOT NULL";
  exec("CREATE TABLE points(point INTEGER PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending', runs INTEGER" + cols +
       ")");
  exec("CREATE TABLE results(point INTEGER NOT NULL, outcome TEXT NOT NULL, runs INTEGER NOT NULL, "
       "count INTEGER NOT NULL, p REAL NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL, PRIMARY KEY(point, outcome))");
  exec("CREATE TABLE states(point INTEGER NOT NULL, var TEXT NOT NULL, p5 REAL, median REAL, p95 REAL, "
       "PRIMARY KEY(point, var))");
  exec("CREATE TABLE failed(point INTEGER PRIMARY KEY, reason TEXT NOT NULL)");
  set_meta("format", "geosim-sweep 2");
  set_meta("geosim_version", kGeosimVersion);
  set_meta("spec_file", sp.file);
  set_meta("spec_id", sp.id);
  set_meta("spec_hash", plan_.hash);
  set_meta("scenario", sp.scenario);
  set_meta("design", sp.design);
  set_meta("points", std::to_string(plan_.points));
  set_meta("runs_per_point", std::to_string(sp.runs));
  set_meta("seed", std::to_string(sp.seed));
  set_meta("common_random_numbers", sp.common_random_numbers ? "true" : "false");
  set_meta("scenario_hash", plan_.scenario.content_hash);
  if (!command_.empty()) set_meta("command", command_);
  set_meta("started_at", now_utc());
  {
    Stmt s(db_, "INSERT INTO parameters(col, path, name) VALUES(?, ?, ?)");
    for (size_t k = 0; k < sp.params.size(); ++k)
      s.bind(1, static_cast<int64_t>(k)).bind(2, sp.params[k].path).bind(3, sql[k]).run();
  }
  {
    std::string names, marks;
    for (const auto& n : sql) {
      names += ", " + quote_ident(n);
      marks += ", ?";
    }
    Stmt s(db_, "INSERT INTO points(point" + names + ") VALUES(?" + marks + ")");
    for (int64_t i = 0; i < plan_.points; ++i) {
      s.bind(1, i);
      for (size_t k = 0; k < sp.params.size(); ++k) s.bind(static_cast<int>(k) + 2, plan_.value(i, k));
      s.run();
    }
  }
  exec("COMMIT");
}

std::vector<int64_t> ResultStore::pending() const {
  std::vector<int64_t> out;
  Stmt s(db_, "SELECT point FROM points WHERE status='pending' ORDER BY point");
  while (s.row()) out.push_back(s.i64(0));
  return out;
}

int64_t ResultStore::committed_count() const {
  Stmt s(db_, "SELECT count(*) FROM points WHERE status!='pending'");
  return s.row() ? s.i64(0) : 0;
}

ResultStore::Failed ResultStore::failed_points(size_t max) const {
  Failed f;
  Stmt n(db_, "SELECT count(*) FROM points WHERE status='failed'");
  if (n.row()) f.count = n.i64(0);
  Stmt s(db_,
         "SELECT point, reason FROM points JOIN failed USING (point) WHERE status='failed' ORDER BY point LIMIT ?");
  s.bind(1, static_cast<int64_t>(max));
  while (s.row()) f.first.emplace_back(s.i64(0), s.text(1));
  return f;
}

void ResultStore::commit(const PointResult& r) {
  const Scenario& sc = plan_.scenario;
  try {
    exec("BEGIN IMMEDIATE");
    if (r.ok) {
      Stmt s(db_, "INSERT OR REPLACE INTO results(point, outcome, runs, count, p, lo, hi) VALUES(?,?,?,?,?,?,?)");
      for (size_t k = 0; k < plan_.tallies.size(); ++k) {
        uint64_t c = r.counts[k];
        Interval ci = wilson95(c, r.runs);
        s.bind(1, r.point)
            .bind(2, plan_.tallies[k])
            .bind(3, static_cast<int64_t>(r.runs))
            .bind(4, static_cast<int64_t>(c))
            .bind(5, static_cast<double>(c) / static_cast<double>(r.runs))
            .bind(6, ci.lo)
            .bind(7, ci.hi)
            .run();
      }
      Stmt st(db_, "INSERT OR REPLACE INTO states(point, var, p5, median, p95) VALUES(?,?,?,?,?)");
      for (size_t k = 0; k < plan_.states.size(); ++k) {
        int v = sc.fans[static_cast<size_t>(plan_.states[k])];
        st.bind(1, r.point)
            .bind(2, sc.vars[static_cast<size_t>(v)].name)
            .bind(3, r.states[k][0])
            .bind(4, r.states[k][1])
            .bind(5, r.states[k][2])
            .run();
      }
    } else {
      Stmt s(db_, "INSERT OR REPLACE INTO failed(point, reason) VALUES(?, ?)");
      s.bind(1, r.point).bind(2, r.reason).run();
    }
    Stmt u(db_, "UPDATE points SET status=?, runs=? WHERE point=?");
    u.bind(1, std::string(r.ok ? "ok" : "failed")).bind(2, static_cast<int64_t>(r.runs)).bind(3, r.point).run();
    exec("COMMIT");
  } catch (const StorageFailure& e) {
    rollback();
    throw storage_error(db_path_, e);
  } catch (...) {
    rollback();
    throw;
  }
}

// Ends the open transaction, if SQLite has not already rolled it back itself (it does after
// SQLITE_FULL or an I/O error, and a second ROLLBACK would fail and hide the first error).
void ResultStore::rollback() noexcept {
  if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

namespace {

// The count that `res` (SELECT count FROM results WHERE point=? AND outcome=?, bound) reads,
// then resets it. An ok point without its row would read as 0: refused instead.
uint64_t ok_count(Stmt& res, const std::string& db_path, int64_t point, const std::string& outcome) {
  if (!res.row())
    throw InputError(FileLoc{db_path, 0, 0},
                     "point " + std::to_string(point) + " is ok but `results` has no row for outcome '" + outcome +
                         "': the database was changed outside geosim",
                     kChangedHint);
  const uint64_t c = static_cast<uint64_t>(res.i64(0));
  res.reset();
  return c;
}

}  // namespace

std::string ResultStore::csv() const {
  const SweepSpec& sp = plan_.spec;
  const Scenario& sc = plan_.scenario;
  std::string out = reproduction_lines(command_, sp.seed, sc.content_hash, "# ");
  out += "point,status";
  for (const auto& p : sp.params) out += "," + csv_field(p.path);
  out += ",runs";
  for (const std::string& id : plan_.tallies) out += ",p_" + id + ",lo_" + id + ",hi_" + id;
  std::vector<std::string> vars;
  for (int f : plan_.states) vars.push_back(sc.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])].name);
  for (const auto& v : vars) out += ",q05_" + v + ",q50_" + v + ",q95_" + v;
  out += "\n";
  std::string names;
  for (const auto& n : sql_names(sp)) names += ", " + quote_ident(n);
  Stmt pts(db_, "SELECT point, status, runs" + names + " FROM points ORDER BY point");
  Stmt res(db_, "SELECT count FROM results WHERE point=? AND outcome=?");
  Stmt st(db_, "SELECT p5, median, p95 FROM states WHERE point=? AND var=?");
  while (pts.row()) {
    int64_t point = pts.i64(0);
    std::string status = pts.text(1);
    bool ok = status == "ok";
    uint64_t runs = ok ? static_cast<uint64_t>(pts.i64(2)) : 0;
    out += std::to_string(point) + "," + status;
    for (size_t k = 0; k < sp.params.size(); ++k) out += "," + shortest_double(pts.dbl(3 + static_cast<int>(k)));
    out += "," + std::to_string(runs);
    for (const std::string& id : plan_.tallies) {
      if (!ok) {
        out += ",,,";
        continue;
      }
      res.bind(1, point).bind(2, id);
      const uint64_t c = ok_count(res, db_path_, point, id);
      Interval ci = wilson95(c, runs);
      out += "," + fixed6(static_cast<double>(c) / static_cast<double>(runs)) + "," + fixed6(ci.lo) + "," +
             fixed6(ci.hi);
    }
    for (const auto& v : vars) {
      if (!ok) {
        out += ",,,";
        continue;
      }
      st.bind(1, point).bind(2, v);
      if (st.row()) out += "," + g6(st.dbl(0)) + "," + g6(st.dbl(1)) + "," + g6(st.dbl(2));
      else out += ",,,";
      st.reset();
    }
    out += "\n";
  }
  return out;
}

std::string ResultStore::csv_long() const {
  const SweepSpec& sp = plan_.spec;
  const std::vector<std::string> sql = sql_names(sp);
  std::string out = "point";
  for (const auto& n : sql) out += "," + n;
  out += ",outcome,runs,count,p,lo,hi,seed,scenario_hash\n";
  std::string names;
  for (const auto& n : sql) names += ", " + quote_ident(n);
  Stmt pts(db_, "SELECT point, runs" + names + " FROM points WHERE status='ok' ORDER BY point");
  Stmt res(db_, "SELECT count FROM results WHERE point=? AND outcome=?");
  while (pts.row()) {
    const int64_t point = pts.i64(0);
    const uint64_t runs = static_cast<uint64_t>(pts.i64(1));
    std::string head = std::to_string(point);
    for (size_t k = 0; k < sql.size(); ++k) head += "," + shortest_double(pts.dbl(2 + static_cast<int>(k)));
    for (const std::string& id : plan_.tallies) {
      res.bind(1, point).bind(2, id);
      const uint64_t c = ok_count(res, db_path_, point, id);
      const Interval ci = wilson95(c, runs);
      out += head + "," + csv_field(id) + "," + std::to_string(runs) + "," + std::to_string(c) + "," +
             shortest_double(static_cast<double>(c) / static_cast<double>(runs)) + "," + shortest_double(ci.lo) + "," +
             shortest_double(ci.hi) + "," + std::to_string(plan_.point_seed(point)) + "," +
             plan_.scenario.content_hash + "\n";
    }
  }
  return out;
}

void ResultStore::finish() {
  try {
    set_meta("finished_at", now_utc());
  } catch (const StorageFailure& e) {
    throw storage_error(db_path_, e);
  }
  // Both tables or neither: results.csv is not replaced when results_long.csv cannot be written.
  std::vector<OutputFile> files = {{(std::filesystem::path(dir_) / "results.csv").string(), csv()}};
  if (long_format_) files.push_back({(std::filesystem::path(dir_) / "results_long.csv").string(), csv_long()});
  write_files_atomic(files);
}

}  // namespace geosim
