// Writing summaries: JSON (the contract in docs/output.md), a table for people, CSV.
//
// No output holds wall-clock figures unless asked (`--timing`), so equal inputs give equal
// bytes. Files are written atomically (files.h), so an interrupted command never leaves a
// truncated result where a good one was.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "engine/output/files.h"  // write_file_atomic
#include "engine/runner/summary.h"

namespace geosim {

using Json = nlohmann::ordered_json;

// The keys that open a result of runs, in this order: geosim_version, scenario, title (when
// given), runs, seed, scenario_hash.
Json result_head(const std::string& scenario, const std::string* title, uint64_t runs, uint64_t seed,
                 const std::string& scenario_hash);
Json summary_json(const Scenario& sc, const Summary& s);
// The document `geosim run --format json` writes: the summary, then the command line that
// reproduces it. Every caller (the command, the Python module) builds it here, so equal
// inputs give equal bytes whichever way a run was started.
Json run_json(const Scenario& sc, const Summary& s, const std::string& command);
// `geosim run --fan-histograms`: the counts behind the summary's outcome probabilities and
// fan quantiles (every fan's histogram at every point), integers that are the same for any
// threads and ranks, for the two-sample tests of scripts/differential_test.py (docs/output.md).
Json histograms_json(const Summary& s, const Accumulator& acc, const std::string& command);
// JSON text as geosim writes it: two-space indents and a final newline.
std::string json_text(const Json& j);
// Provenance of every parameter: path, value or distribution, evidence.
Json parameters_json(const Scenario& sc);
// The table for people and the CSV (with comment lines first); both end with, or start
// with, the version, seed, scenario hash and `command` that reproduces them.
std::string summary_table(const Scenario& sc, const Summary& s, const std::string& command = "");
std::string summary_csv(const Summary& s, const std::string& command = "");

// "geosim VERSION, seed S, scenario HASH" and "reproduce: COMMAND", each line after
// `prefix` ("# " in CSV, "  " in tables); the second only when `command` is given.
std::string reproduction_lines(const std::string& command, uint64_t seed, const std::string& scenario_hash,
                               const std::string& prefix);

// The date that stands for `steps` steps: the last day of that step (StepCalendar).
std::string step_date(const Summary& s, int steps);

}  // namespace geosim
