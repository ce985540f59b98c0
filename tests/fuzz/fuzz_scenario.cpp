// Fuzz target: scenario text -> validated Scenario, through the real file loader.
//
// The input is written as scenario.yaml into a private folder that also holds base.yaml (a
// valid scenario), so `extends: base.yaml`, `extends: scenario.yaml` (a cycle) and missing
// files are all reachable. Lines of the form `#set PATH=VALUE` (YAML comments) are also
// applied as --set overrides, so one input exercises file, merge and override together.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // the size limit itself has a corpus case
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string path = geosim::fuzz::work_dir() + "/scenario.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  geosim::LoadOptions options;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("#set ", 0) == 0 && options.sets.size() < 8) options.sets.push_back(line.substr(5));
  try {
    geosim::Scenario sc = geosim::load_scenario(path, options);
    geosim::fuzz::run_a_little(sc);
  } catch (const geosim::InputError& e) {
    // Every diagnostic must name a place.
    for (const auto& d : e.diagnostics()) GEOSIM_CHECK(!d.message.empty(), "an error says what is wrong");
  }
  return 0;
}
