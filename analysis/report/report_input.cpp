// Reading the inputs of a report: result JSON files (told apart by their keys) and a
// sweep's directory. Every problem is an InputError that names the file and what a
// valid input looks like, so a wrong file gives a sentence rather than a broken page.
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include <sqlite3.h>

#include "analysis/report/report.h"
#include "analysis/report/report_check.h"
#include "analysis/sweep/results_csv.h"
#include "engine/core/csv.h"
#include "engine/core/error.h"
#include "engine/output/files.h"
#include "engine/output/numbers.h"

namespace geosim {

const char* report_kind_name(ReportKind k) {
  switch (k) {
    case ReportKind::Run: return "run";
    case ReportKind::Compare: return "comparison";
    case ReportKind::Sweep: return "sweep";
    case ReportKind::Sensitivity: return "sensitivity analysis";
    case ReportKind::Discovery: return "scenario discovery";
    case ReportKind::Calibration: return "calibration";
  }
  return "?";
}

namespace {

const char* kExpected =
    "expected the JSON of 'geosim run --format json', 'geosim compare --format json', "
    "'geosim sensitivity --format json' or 'geosim discover', a sweep's output folder, or a calibration's folder "
    "(or its summary.json)";

std::string read_text(const std::string& path) { return read_input_file(path, kReportInputLimits.bytes, "the file"); }

// Line and column (1-based) of byte offset `pos` in `text`.
FileLoc loc_of(const std::string& file, const std::string& text, size_t pos) {
  FileLoc loc{file, 1, 1};
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

// Refuses JSON nested deeper than the limit before parsing it, with the place where the
// limit is passed: nothing geosim writes nests deeper than 6 levels, and a parser or a
// copy of the tree must never recurse as deep as a hostile file asks.
void check_nesting(const std::string& file, const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kReportInputLimits.depth)
        throw InputError(loc_of(file, text, i),
                         "JSON nested deeper than " + std::to_string(kReportInputLimits.depth) + " levels",
                         "this is not a result geosim wrote; " + std::string(kExpected));
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

// What a sweep's store records about it: from its metadata table the seed, the runs per
// point, the scenario and the design, for the page's title; from its `failed` table the
// reason each listed failed point failed (results.csv says only that it did). Nothing when
// the file is missing or is not a sweep's store: the report then goes by results.csv alone.
struct SweepStore {
  bool read = false;  // a sweep's store was there and was read
  ReportJson meta = ReportJson::object();
  std::map<int64_t, std::string> reasons;  // by point
};

SweepStore read_sweep_store(const std::string& file, const std::vector<int64_t>& failed_points) {
  SweepStore store;
  sqlite3* db = open_sweep_database(file);
  if (!db) return store;
  // A text value longer than any geosim writes is not this tool's.
  auto text = [](sqlite3_stmt* st, int col) -> std::optional<std::string> {
    const unsigned char* v = sqlite3_column_text(st, col);
    if (!v || sqlite3_column_bytes(st, col) > 4096) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(v));
  };
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT key, value FROM metadata WHERE key IN "
                         "('seed', 'runs_per_point', 'scenario', 'design', 'spec_file', 'points') ORDER BY key",
                         -1, &st, nullptr) == SQLITE_OK) {
    store.read = true;
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto k = text(st, 0), v = text(st, 1);
      if (k && v) store.meta[*k] = *v;
    }
  }
  sqlite3_finalize(st);
  st = nullptr;
  if (store.read && !failed_points.empty() &&
      sqlite3_prepare_v2(db, "SELECT reason FROM failed WHERE point = ?", -1, &st, nullptr) == SQLITE_OK) {
    for (int64_t p : failed_points) {
      sqlite3_bind_int64(st, 1, p);
      if (sqlite3_step(st) == SQLITE_ROW)
        if (auto r = text(st, 0)) store.reasons[p] = *r;
      sqlite3_reset(st);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return store;
}

// The failed points the report lists by name (with their reasons, when the sweep's store
// is there); beyond them it gives the count.
constexpr size_t kListedFailures = 50;

}  // namespace

// The report's view of a sweep: the ok points with their parameter values and outcome
// probabilities, how many points failed and the first of them (analysis/sweep/results_csv.h
// reads the file and refuses what no sweep writes).
ReportJson parse_sweep_csv(const std::string& text, const std::string& file) {
  const SweepResults t = parse_sweep_results(text, file);
  ReportJson out;
  out["params"] = t.parameters;
  out["outcomes"] = t.outcomes;
  out["points"] = ReportJson::array();
  out["failed_points"] = ReportJson::array();
  for (const auto& r : t.rows) {
    if (!r.ok) {
      if (out["failed_points"].size() < kListedFailures) {
        ReportJson x = ReportJson::array();
        for (double v : r.x) x.push_back(std::isfinite(v) ? ReportJson(v) : ReportJson(nullptr));
        out["failed_points"].push_back({{"point", r.point}, {"x", x}});
      }
      continue;
    }
    out["points"].push_back({{"point", r.point}, {"status", "ok"}, {"x", r.x}, {"runs", r.runs},
                             {"p", r.p}, {"lo", r.lo}, {"hi", r.hi}});
  }
  out["failed"] = t.failed();
  if (!t.command.empty()) out["command"] = t.command;
  if (!t.seed.empty()) out["seed"] = t.seed;
  if (!t.scenario_hash.empty()) out["scenario_hash"] = t.scenario_hash;
  return out;
}

ReportInput report_input_from_json(const ReportJson& j, const std::string& source) {
  if (!j.is_object()) throw InputError(FileLoc{source, 0, 0}, "the JSON is not an object", kExpected);
  ReportInput in;
  in.source = source;
  const std::string method = j.contains("method") && j["method"].is_string() ? j["method"].get<std::string>() : "";
  if (method == "sobol" || method == "morris")
    in.kind = ReportKind::Sensitivity;
  else if (j.contains("generations") && j.contains("parameters") && j.contains("observations"))
    in.kind = ReportKind::Calibration;
  else if (method == "prim")
    in.kind = ReportKind::Discovery;
  else if (j.contains("comparisons"))
    in.kind = ReportKind::Compare;
  else if (j.contains("outcomes") || j.contains("survival"))
    in.kind = ReportKind::Run;
  else
    throw InputError(FileLoc{source, 0, 0}, "this is not a result geosim can report on", kExpected);
  // Every field the sections read, checked once here (report_check.h): they need not check again.
  report::check_report_json(in.kind, j, source);
  in.data = j;
  return in;
}

std::string report_input_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return (std::filesystem::path(path) / "results.csv").string();
  return path;
}

ReportInput read_report_input(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec) && !fs::exists(fs::path(path) / "results.csv", ec) &&
      fs::exists(fs::path(path) / "summary.json", ec))
    return read_report_input((fs::path(path) / "summary.json").string());  // a calibration's folder
  // A sweep: its folder, or its results.csv (a .csv file, as `geosim discover` takes it),
  // which is read with the database beside it (sweep_database_path).
  const bool csv_file = !fs::is_directory(path, ec) && fs::path(path).extension() == ".csv";
  if (fs::is_directory(path, ec) || csv_file) {
    const std::string csv = sweep_results_path(path);
    if (!csv_file && !fs::exists(csv, ec))
      throw InputError(FileLoc{path, 0, 0}, "the folder has no results.csv",
                       missing_results_hint(csv,
                                            "give a folder written by 'geosim sweep SPEC --output DIR', or a "
                                            "result JSON file"));
    ReportInput in;
    in.kind = ReportKind::Sweep;
    in.source = path;
    in.data = parse_sweep_csv(read_text(csv), csv);
    check_rows_against_database(in.data["points"].size() + in.data["failed"].get<size_t>(), csv);
    in.data["dir"] = csv_file ? fs::path(csv).parent_path().lexically_normal().string() : path;
    std::vector<int64_t> failed;
    for (const auto& f : in.data["failed_points"]) failed.push_back(f["point"].get<int64_t>());
    const SweepStore store = read_sweep_store(sweep_database_path(csv), failed);
    if (!store.meta.empty()) in.data["meta"] = store.meta;
    // Why each listed point failed: results.csv says only that it did.
    in.data["store"] = store.read;
    for (auto& f : in.data["failed_points"])
      if (auto it = store.reasons.find(f["point"].get<int64_t>()); it != store.reasons.end()) f["reason"] = it->second;
    return in;
  }
  std::string text = read_text(path);
  check_nesting(path, text);
  ReportJson j;
  try {
    j = ReportJson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string msg = e.what();
    auto p = msg.find("syntax error");
    throw InputError(loc_of(path, text, e.byte > 0 ? e.byte - 1 : 0),
                     "not valid JSON (" + (p == std::string::npos ? msg : msg.substr(p)) + ")", kExpected);
  } catch (const nlohmann::json::exception& e) {
    // A number beyond a double's range, and the like: no byte position comes with these.
    std::string msg = e.what();
    auto p = msg.find("] ");
    throw InputError(FileLoc{path, 0, 0}, "not valid JSON (" + (p == std::string::npos ? msg : msg.substr(p + 2)) + ")",
                     kExpected);
  }
  return report_input_from_json(j, path);
}

std::string reproduce_command(const std::string& command, const std::vector<std::string>& args) {
  // Options that choose only where or how the result is written; the value follows unless attached.
  std::vector<std::string> with_value = {"--format", "-f",       "--report", "--threads",
                                         "-t",       "--output", "-o",       "--fan-histograms"};
  // --resume continues the same computation: the numbers are those of an uninterrupted one.
  std::vector<std::string> flags = {"--quiet", "-q", "--timing", "--resume"};
  std::string out = "geosim " + command;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool skip = false;
    for (const auto& f : flags) skip = skip || a == f;
    for (const auto& o : with_value) {
      if (a == o) {
        skip = true;
        ++i;  // its value
        break;
      }
      bool long_attached = o.size() > 2 && a.rfind(o + "=", 0) == 0;
      bool short_attached = o.size() == 2 && a.size() > 2 && a.rfind(o, 0) == 0 && a[1] != '-';
      if (long_attached || short_attached) {
        skip = true;
        break;
      }
    }
    if (!skip) {
      out += ' ';
      out += shell_word(a);
    }
  }
  // A sweep and a calibration need a folder; which one never changes the numbers, so the
  // recorded command names none (the same bytes whatever folder a result was written to).
  if (command == "sweep" || command == "calibrate") out += " --output DIR";
  return out;
}

}  // namespace geosim
