// Fuzz target: a result JSON file -> `geosim report`'s reader (analysis/report/report_input.cpp):
// the byte and nesting limits, the JSON parser, and the checks that tell a run from a
// comparison, a sensitivity analysis or PRIM boxes. Every bad input must end in InputError.
#include "analysis/report/report.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  std::string path = geosim::fuzz::work_dir() + "/result.json";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    geosim::ReportInput in = geosim::read_report_input(path);
    GEOSIM_CHECK(in.data.is_object(), "a report input is a JSON object");
  } catch (const geosim::InputError&) {
  }
  return 0;
}
