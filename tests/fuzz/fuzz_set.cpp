// Fuzz target: `--set PATH=VALUE` overrides applied to a valid scenario (tests/fuzz/base.yaml).
//
// Each input line is one assignment (at most 8), applied in order to the parsed base tree
// and then validated, as `geosim run base.yaml --set ... --set ...` would.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  static const geosim::YNode base =
      geosim::parse_yaml_text(geosim::fuzz::base_yaml(), geosim::FileLoc{"base.yaml", 0, 0});
  std::string text(reinterpret_cast<const char*>(data), size);
  geosim::YNode root = base;
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  try {
    while (std::getline(lines, line) && n++ < 8) geosim::apply_set(root, line);
    geosim::Scenario sc = geosim::build_scenario(root, "base.yaml");
    geosim::fuzz::run_a_little(sc);
  } catch (const geosim::InputError&) {
  }
  return 0;
}
