#include <catch2/catch.hpp>

#include <filesystem>

#include "helpers.h"

using namespace geosim;
namespace fs = std::filesystem;

// Every scenario shipped under scenarios/ (sweep specs and sources aside) validates, runs
// seeded, has probabilities that sum to 1, and its JSON output round-trips.
TEST_CASE("every shipped scenario validates, runs and round-trips", "[conformance]") {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(std::string(GEOSIM_SOURCE_DIR) + "/scenarios")) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    std::string p = e.path().string();
    if (p.find("/sweeps/") != std::string::npos || p.find("/sources/") != std::string::npos) continue;
    files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const auto& f : files) {
    INFO(f);
    Scenario sc = load_scenario(f);
    Model model(sc);
    RunOptions o;
    o.runs = 2000;
    o.seed = 42;
    Accumulator acc = run_monte_carlo(model, o);
    Summary s = summarize(sc, acc, o.seed);
    uint64_t total = 0;
    double psum = 0;
    for (const auto& oc : s.outcomes) {
      total += oc.count;
      psum += oc.probability;
      CHECK(oc.ci95.lo <= oc.probability);
      CHECK(oc.probability <= oc.ci95.hi);
    }
    CHECK(total == o.runs);
    CHECK(psum == Approx(1.0).epsilon(1e-12));
    Json j = summary_json(sc, s);
    std::string text = j.dump(2);
    CHECK(Json::parse(text).dump(2) == text);
    CHECK(j["outcomes"].size() == sc.outcomes.size());
    // Survival is a non-increasing curve from 1.
    CHECK(s.survival.front() == 1.0);
    for (size_t t = 1; t < s.survival.size(); ++t) CHECK(s.survival[t] <= s.survival[t - 1]);
  }
}
