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

Json summary_json(const Scenario& sc, const Summary& s);
// The document `geosim run --format json` writes: the summary, then the command line that
// reproduces it. Every caller (the command, the Python module) builds it here, so equal
// inputs give equal bytes whichever way a run was started.
Json run_json(const Scenario& sc, const Summary& s, const std::string& command);
// JSON text as geosim writes it: two-space indents and a final newline.
std::string json_text(const Json& j);
// Provenance of every parameter: path, value or distribution, evidence.
Json parameters_json(const Scenario& sc);
std::string summary_table(const Scenario& sc, const Summary& s);
std::string summary_csv(const Summary& s);

// Step count as a calendar date string.
std::string step_date(const Summary& s, int steps);

}  // namespace geosim
