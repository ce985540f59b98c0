// Shared pieces of the fuzz targets: the fixed base scenario and the rule for exceptions.
//
// A fuzz target feeds arbitrary bytes to one input path of geosim. The contract under test
// is the one users rely on: bad input ends in an InputError (a located message, exit code 3);
// anything else that escapes (a failed GEOSIM_CHECK, a library exception, a sanitizer report,
// a hang) is a bug, so those are left to propagate and libFuzzer records the input.
// The same sources also build, with a small replay main and without libFuzzer, into the
// regression tests of `make test` (tests/fuzz/tests.cmake).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

#ifndef GEOSIM_FUZZ_DIR
#error "GEOSIM_FUZZ_DIR must name tests/fuzz (set by the build)"
#endif

namespace geosim::fuzz {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The valid scenario that `extends:` inputs and --set assignments start from.
inline const std::string& base_yaml() {
  static const std::string text = read_file(std::string(GEOSIM_FUZZ_DIR) + "/base.yaml");
  return text;
}

// A private folder (made once per process) that holds base.yaml, so that inputs written
// beside it can name it (`extends: base.yaml`, `scenario: base.yaml`).
inline const std::string& work_dir() {
  static const std::string dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "geosim-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    std::ofstream(tmpl + "/base.yaml", std::ios::binary) << base_yaml();
    return tmpl;
  }();
  return dir;
}

// Runs a loaded scenario a few times when that is cheap, so that scenarios which validate
// but hold extreme values also exercise the model, and checks that every run is counted once.
inline void run_a_little(const Scenario& sc) {
  double cost = static_cast<double>(sc.horizon) *
                (1.0 + sc.total_units + sc.actors.size() * (sc.actors.size() + sc.issues.size()) +
                 sc.levers.size() + sc.events.size() + sc.cohorts.size());
  if (cost > 2e5) return;
  Model model(sc);
  RunOptions ro;
  ro.runs = 3;
  ro.seed = 7;
  Accumulator acc = run_monte_carlo(model, ro);
  Summary s = summarize(sc, acc, ro.seed);
  uint64_t total = 0;
  for (const auto& o : s.outcomes) total += o.count;
  GEOSIM_CHECK(total == ro.runs, "every run ends in exactly one outcome");
}

}  // namespace geosim::fuzz
