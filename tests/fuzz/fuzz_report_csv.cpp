// Fuzz target: a sweep's results.csv -> the report's view of it (parse_sweep_csv, through
// analysis/sweep/results_csv.cpp): header, quoting, numbers, statuses. Bad input must end in
// InputError; a table that parses has one value per parameter and per outcome in each point.
#include "analysis/report/report.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    geosim::ReportJson j = geosim::parse_sweep_csv(text, "results.csv");
    for (const auto& pt : j["points"]) {
      GEOSIM_CHECK(pt["x"].size() == j["params"].size(), "one value per parameter");
      GEOSIM_CHECK(pt["p"].size() == j["outcomes"].size(), "one probability per outcome");
    }
  } catch (const geosim::InputError&) {
  }
  return 0;
}
