// `geosim report`: one self-contained HTML page that shows what a run, a comparison, a
// sweep or a sensitivity analysis found, so a student can see how likely each outcome is,
// when it happens and what drives it without reading JSON.
//
// The page carries its own charting library (Vega-Lite, compiled into geosim from
// third_party/vega) and its data, and a Content-Security-Policy that forbids every network
// request, so it opens offline and shows the same thing years later. Each chart is a
// Vega-Lite specification built here from the result files; the browser only draws it.
// Equal inputs give equal bytes: nothing in the page depends on the clock or the machine.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace geosim {

using ReportJson = nlohmann::ordered_json;

// What a result file is, as told by its contents.
enum class ReportKind { Run, Compare, Sweep, Sensitivity, Discovery, Calibration };
const char* report_kind_name(ReportKind k);

// One input of a report: a parsed result and where it came from.
struct ReportInput {
  ReportKind kind = ReportKind::Run;
  std::string source;  // the path it was read from, as given
  ReportJson data;     // sweeps: {"params": [...], "outcomes": [...], "points": [...]}
};

// Limits on the files `geosim report` reads (docs/errors.md): a result JSON or a sweep's
// results.csv over `bytes`, or JSON nested deeper than `depth`, is refused with its place.
struct ReportInputLimits {
  uint64_t bytes = uint64_t{64} << 20;  // 64 MiB
  int depth = 64;
};
inline constexpr ReportInputLimits kReportInputLimits{};

// Reads a run's, comparison's, sensitivity analysis' or PRIM result's JSON, a sweep's
// directory (DIR/results.csv), or a calibration's (DIR/summary.json). Throws InputError naming the file and what was expected.
ReportInput read_report_input(const std::string& path);
// The file read_report_input() reads for `path`: DIR/results.csv for a sweep's folder.
std::string report_input_file(const std::string& path);
// The same for a JSON document already in memory (`geosim run --report`).
ReportInput report_input_from_json(const ReportJson& j, const std::string& source);
// Parses a sweep's results.csv text (header: point,status,<params>,runs,p_<o>,lo_<o>,hi_<o>...).
ReportJson parse_sweep_csv(const std::string& text, const std::string& file);

struct ReportOptions {
  std::string title;  // overrides the title taken from the first input when not empty
};

// The whole HTML page. The first input heads the page; others add their sections.
std::string render_report(const std::vector<ReportInput>& inputs, const ReportOptions& opts = {});

// The command line that reproduces a result: "geosim <command> <args>" with the options
// that only choose where or how output goes (-o, --format, --report, --threads, --quiet,
// --timing, --resume) left out, so it is the same for every thread count and output path
// (a sweep and a calibration, which need a folder, end with `--output DIR`). Arguments are
// quoted for a POSIX shell when needed.
std::string reproduce_command(const std::string& command, const std::vector<std::string>& args);

// The charting scripts (vega, vega-lite, vega-embed), generated at build time.
const std::string& report_scripts();

}  // namespace geosim
