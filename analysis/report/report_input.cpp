// Reading the inputs of a report: result JSON files (told apart by their keys) and a
// sweep's directory. Every problem is an InputError that names the file and what a
// valid input looks like, so a wrong file gives a sentence rather than a broken page.
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/report/report.h"
#include "engine/core/error.h"

namespace geosim {

const char* report_kind_name(ReportKind k) {
  switch (k) {
    case ReportKind::Run: return "run";
    case ReportKind::Compare: return "comparison";
    case ReportKind::Sweep: return "sweep";
    case ReportKind::Sensitivity: return "sensitivity analysis";
    case ReportKind::Discovery: return "scenario discovery";
  }
  return "?";
}

namespace {

const char* kExpected =
    "expected the JSON of 'geosim run --format json', 'geosim compare --format json', "
    "'geosim sensitivity --format json' or 'geosim discover', or a sweep's output folder";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(FileLoc{path, 0, 0}, "cannot open the file", "check the path");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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

bool is_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

// Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, quotes, newlines).
std::vector<std::vector<std::string>> csv_rows(const std::string& text, const std::string& file) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  size_t quote_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      quote_start = i;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(field);
        rows.push_back(row);
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) throw InputError(loc_of(file, text, quote_start), "a quoted field is never closed", "add the closing '\"'");
  if (any || !field.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

ReportJson parse_sweep_csv(const std::string& text, const std::string& file) {
  auto rows = csv_rows(text, file);
  const std::string hint = "expected the header point,status,<parameter paths...>,runs,p_<outcome>,lo_<outcome>,hi_<outcome>,...";
  if (rows.empty()) throw InputError(FileLoc{file, 1, 1}, "the file is empty", hint);
  const auto& h = rows[0];
  if (h.size() < 4 || h[0] != "point" || h[1] != "status")
    throw InputError(FileLoc{file, 1, 1}, "the header does not start with point,status", hint);
  size_t runs_col = 0;
  for (size_t c = 2; c < h.size(); ++c)
    if (h[c] == "runs") {
      runs_col = c;
      break;
    }
  if (runs_col == 0) throw InputError(FileLoc{file, 1, 1}, "the header has no 'runs' column", hint);
  ReportJson out;
  out["params"] = ReportJson::array();
  for (size_t c = 2; c < runs_col; ++c) out["params"].push_back(h[c]);
  // Outcomes: every p_<id> that has lo_<id> and hi_<id> beside it.
  std::vector<std::array<size_t, 3>> cols;
  out["outcomes"] = ReportJson::array();
  for (size_t c = runs_col + 1; c < h.size(); ++c) {
    if (h[c].rfind("p_", 0) != 0) continue;
    std::string id = h[c].substr(2);
    size_t lo = 0, hi = 0;
    for (size_t d = runs_col + 1; d < h.size(); ++d) {
      if (h[d] == "lo_" + id) lo = d;
      if (h[d] == "hi_" + id) hi = d;
    }
    if (lo == 0 || hi == 0)
      throw InputError(FileLoc{file, 1, 1}, "column '" + h[c] + "' has no lo_" + id + " and hi_" + id + " beside it", hint);
    cols.push_back({c, lo, hi});
    out["outcomes"].push_back(id);
  }
  if (cols.empty()) throw InputError(FileLoc{file, 1, 1}, "the header names no outcome (p_<outcome>)", hint);
  out["points"] = ReportJson::array();
  int failed = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    FileLoc loc{file, static_cast<int>(r + 1), 1};
    if (row.size() != h.size())
      throw InputError(loc, "this row has " + std::to_string(row.size()) + " fields, the header " +
                                std::to_string(h.size()), "each row needs one value per header column");
    ReportJson p;
    double v = 0;
    if (!is_number(row[0], v)) throw InputError(loc, "'point' must be a number, got '" + row[0] + "'");
    p["point"] = static_cast<int64_t>(v);
    p["status"] = row[1];
    if (row[1] != "ok") {
      ++failed;
      continue;
    }
    p["x"] = ReportJson::array();
    for (size_t c = 2; c < runs_col; ++c) {
      if (!is_number(row[c], v))
        throw InputError(loc, "parameter '" + h[c] + "' must be a number, got '" + row[c] + "'");
      p["x"].push_back(v);
    }
    if (!is_number(row[runs_col], v)) throw InputError(loc, "'runs' must be a number, got '" + row[runs_col] + "'");
    p["runs"] = static_cast<int64_t>(v);
    for (const char* k : {"p", "lo", "hi"}) p[k] = ReportJson::array();
    for (const auto& c : cols) {
      for (int k = 0; k < 3; ++k) {
        if (!is_number(row[c[static_cast<size_t>(k)]], v) || v < 0 || v > 1)
          throw InputError(loc, "'" + h[c[static_cast<size_t>(k)]] + "' must be a probability in [0, 1], got '" +
                                    row[c[static_cast<size_t>(k)]] + "'");
        p[k == 0 ? "p" : (k == 1 ? "lo" : "hi")].push_back(v);
      }
    }
    out["points"].push_back(p);
  }
  out["failed"] = failed;
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

ReportInput read_report_input(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
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
    return in;
  }
  std::string text = read_text(path);
  ReportJson j;
  try {
    j = ReportJson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string msg = e.what();
    auto p = msg.find("syntax error");
    throw InputError(loc_of(path, text, e.byte > 0 ? e.byte - 1 : 0),
                     "not valid JSON (" + (p == std::string::npos ? msg : msg.substr(p)) + ")", kExpected);
  }
  return report_input_from_json(j, path);
}

std::string reproduce_command(const std::string& command, const std::vector<std::string>& args) {
  // Options that choose only where or how the result is written; the value follows unless attached.
  std::vector<std::string> with_value = {"--format", "-f", "--report", "--threads", "-t"};
  std::vector<std::string> flags = {"--quiet", "-q", "--timing"};
  if (command != "sweep") with_value.insert(with_value.end(), {"--output", "-o"});
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
  return out;
}

}  // namespace geosim
