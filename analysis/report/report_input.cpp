// Reading the inputs of a report: result JSON files (told apart by their keys) and a
// sweep's directory. Every problem is an InputError that names the file and what a
// valid input looks like, so a wrong file gives a sentence rather than a broken page.
#include <cctype>
#include <filesystem>

#include <sqlite3.h>

#include "analysis/report/report.h"
#include "analysis/sweep/results_csv.h"
#include "engine/core/error.h"
#include "engine/output/files.h"

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

void require(const ReportJson& j, const char* key, bool ok, const std::string& source, const char* what) {
  if (!j.contains(key))
    throw InputError(FileLoc{source, 0, 0}, std::string("'") + key + "' is missing", kExpected);
  if (!ok)
    throw InputError(FileLoc{source, 0, 0}, std::string("'") + key + "' must be " + what, kExpected);
}

void check_run(const ReportJson& j, const std::string& src) {
  require(j, "outcomes", j.contains("outcomes") && j["outcomes"].is_array(), src, "a list of outcomes");
  require(j, "survival", j.contains("survival") && j["survival"].is_array(), src, "a list of probabilities");
  require(j, "runs", j.contains("runs") && j["runs"].is_number_unsigned(), src, "a count of runs");
  require(j, "start", j.contains("start") && j["start"].is_string(), src, "a date (YYYY-MM-DD)");
  for (const auto& o : j["outcomes"]) {
    if (!o.is_object() || !o.contains("id") || !o["id"].is_string() || !o.contains("probability") ||
        !o["probability"].is_number() || !o.contains("ci95") || !o["ci95"].is_array() || o["ci95"].size() != 2)
      throw InputError(FileLoc{src, 0, 0}, "an outcome lacks 'id', 'probability' or 'ci95' [lo, hi]", kExpected);
  }
}

// What a sweep's store records about it (its metadata table): the seed, the runs per point,
// the scenario and the design, for the page's title. Empty when the file is missing or is not
// a sweep's store: the report then goes by results.csv alone.
ReportJson sweep_metadata(const std::string& file) {
  ReportJson meta = ReportJson::object();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return meta;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT key, value FROM metadata WHERE key IN "
                           "('seed', 'runs_per_point', 'scenario', 'design', 'spec_file', 'points') ORDER BY key",
                           -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char* k = sqlite3_column_text(st, 0);
        const unsigned char* v = sqlite3_column_text(st, 1);
        // Six short keys at most; a value longer than any geosim writes is not this tool's.
        if (k && v && sqlite3_column_bytes(st, 1) <= 4096)
          meta[reinterpret_cast<const char*>(k)] = std::string(reinterpret_cast<const char*>(v));
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return meta;
}

}  // namespace

// The report's view of a sweep: the ok points with their parameter values and outcome
// probabilities, and how many points failed (analysis/sweep/results_csv.h reads the file).
ReportJson parse_sweep_csv(const std::string& text, const std::string& file) {
  const SweepResults t = parse_sweep_results(text, file);
  ReportJson out;
  out["params"] = t.parameters;
  out["outcomes"] = t.outcomes;
  out["points"] = ReportJson::array();
  for (const auto& r : t.rows) {
    if (!r.ok) continue;
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
  in.data = j;
  std::string method = j.contains("method") && j["method"].is_string() ? j["method"].get<std::string>() : "";
  if (method == "sobol" || method == "morris") {
    in.kind = ReportKind::Sensitivity;
    require(j, "parameters", j.contains("parameters") && j["parameters"].is_array(), source, "a list of names");
    require(j, "outputs", j.contains("outputs") && j["outputs"].is_array(), source, "a list of outputs");
    const char* key = method == "sobol" ? "S1" : "mu_star";
    for (const auto& o : j["outputs"])
      if (!o.is_object() || !o.contains(key) || !o[key].is_array() || o[key].size() != j["parameters"].size())
        throw InputError(FileLoc{source, 0, 0},
                         std::string("every output needs '") + key + "' with one value per parameter", kExpected);
  } else if (j.contains("generations") && j.contains("parameters") && j.contains("observations")) {
    in.kind = ReportKind::Calibration;
    require(j, "parameters", j["parameters"].is_array(), source, "a list of {path, prior, posterior}");
    for (const auto& p : j["parameters"])
      if (!p.is_object() || !p.contains("prior") || !p.contains("posterior") || !p["prior"].is_object() ||
          !p["posterior"].is_object())
        throw InputError(FileLoc{source, 0, 0}, "every parameter needs 'prior' and 'posterior' summaries", kExpected);
    require(j, "generations", j["generations"].is_array(), source, "a list of generations");
    require(j, "observations", j["observations"].is_array(), source, "a list of observations");
  } else if (method == "prim") {
    in.kind = ReportKind::Discovery;
    require(j, "trajectory", j.contains("trajectory") && j["trajectory"].is_array(), source,
            "a list of {coverage, density} steps");
  } else if (j.contains("comparisons")) {
    in.kind = ReportKind::Compare;
    require(j, "comparisons", j["comparisons"].is_array() && !j["comparisons"].empty(), source,
            "a non-empty list of {base, variant, outcomes}");
    for (const auto& c : j["comparisons"]) {
      bool ok = c.is_object() && c.contains("outcomes") && c["outcomes"].is_array();
      if (ok)
        for (const auto& o : c["outcomes"])
          ok = ok && o.is_object() && o.contains("id") && o.contains("difference") && o["difference"].is_number() &&
               o.contains("paired_ci95") && o["paired_ci95"].is_array() && o["paired_ci95"].size() == 2;
      if (!ok)
        throw InputError(FileLoc{source, 0, 0},
                         "every comparison needs 'outcomes' with 'id', 'difference' and 'paired_ci95' [lo, hi]", kExpected);
    }
  } else if (j.contains("outcomes") || j.contains("survival")) {
    in.kind = ReportKind::Run;
    check_run(j, source);
  } else {
    throw InputError(FileLoc{source, 0, 0}, "this is not a result geosim can report on", kExpected);
  }
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
  if (fs::is_directory(path, ec)) {
    fs::path csv = fs::path(path) / "results.csv";
    if (!fs::exists(csv, ec))
      throw InputError(FileLoc{path, 0, 0}, "the folder has no results.csv",
                       "give a folder written by 'geosim sweep SPEC --output DIR', or a result JSON file");
    ReportInput in;
    in.kind = ReportKind::Sweep;
    in.source = path;
    in.data = parse_sweep_csv(read_text(csv.string()), csv.string());
    in.data["dir"] = path;
    if (auto meta = sweep_metadata((fs::path(path) / "results.sqlite").string()); !meta.empty()) in.data["meta"] = meta;
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
  auto quote = [](const std::string& a) {
    bool plain = !a.empty();
    for (char c : a)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("_./:=,+@%-").find(c) != std::string::npos))
        plain = false;
    if (plain) return a;
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
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
      out += quote(a);
    }
  }
  // A sweep and a calibration need a folder; which one never changes the numbers, so the
  // recorded command names none (the same bytes whatever folder a result was written to).
  if (command == "sweep" || command == "calibrate") out += " --output DIR";
  return out;
}

}  // namespace geosim
