// The observations of the shipped Venezuela scenarios: each quotes its seed document
// verbatim, and they change nothing in a plain run.
#include <catch2/catch.hpp>

#include "../cli.h"
#include "../engine/helpers.h"

using namespace geosim;

namespace {
const char* kFiles[] = {"scenarios/venezuela-2019.yaml", "scenarios/venezuela-2025.yaml"};
}

TEST_CASE("the Venezuela observations quote their seeds verbatim", "[calibrate][scenarios]") {
  for (const char* f : kFiles) {
    YNode tree = load_scenario_tree(test::source_path(f));
    const YNode* obs = tree.find("observations");
    REQUIRE(obs);
    REQUIRE(obs->is_seq());
    CHECK(!obs->seq.empty());
    int quotes = 0;
    for (const auto& o : obs->seq) {
      const YNode* ev = o.find("evidence");
      REQUIRE(ev);
      for (const auto& item : ev->seq) {
        const YNode* seed = item.find("seed");
        const YNode* quote = item.find("quote");
        REQUIRE(seed);
        REQUIRE(quote);
        std::string text = test::read_text(test::source_path("scenarios/sources/" + seed->scalar));
        INFO(f << ": " << seed->scalar << ": \"" << quote->scalar << "\"");
        CHECK(!text.empty());
        CHECK(text.find(quote->scalar) != std::string::npos);
        ++quotes;
      }
    }
    CHECK(quotes >= 2);
  }
}

TEST_CASE("the Venezuela observations do not change a plain run", "[calibrate][scenarios]") {
  for (const char* f : kFiles) {
    YNode tree = load_scenario_tree(test::source_path(f));
    Scenario with = build_scenario(tree, f);
    REQUIRE(!with.observations.empty());
    tree.erase("observations");
    Scenario without = build_scenario(tree, f);
    INFO(f);
    CHECK(test::results_json(with, 3000, 2) == test::results_json(without, 3000, 2));
  }
}
