// `geosim calibrate --resume` over generation files changed outside geosim: every field that
// geosim guarantees (lengths, ranges, the numbers derived from others) is checked when a
// generation is loaded, so a tampered file is refused naming it instead of crashing or
// putting garbage in summary.json.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "../cli.h"
#include "coin_scenario.h"

using namespace geosim::test;
using nlohmann::json;

TEST_CASE("calibrate --resume refuses a generation file geosim could not have written", "[calibrate][cli]") {
  namespace fs = std::filesystem;
  const std::string sc = temp_path("gen-files.yaml"), dir = temp_path("cal-gen-files"),
                    copy = temp_path("cal-gen-files-copy");
  std::ofstream(sc) << kScenario;
  fs::remove_all(dir);
  const std::string flags = " --particles 60 --max-generations 2 --threads 1 --quiet";
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + flags).code == 0);
  REQUIRE(fs::exists(dir + "/generations/0001.json"));
  const json g0 = json::parse(read_text(dir + "/generations/0000.json"));
  REQUIRE(g0["stop"] == "");  // a second generation followed it
  REQUIRE(g0["weight"].size() == 60);

  // The untouched folder resumes (every check passes on what geosim wrote).
  fs::remove_all(copy);
  fs::copy(dir, copy, fs::copy_options::recursive);
  CliResult same = cli_run("calibrate " + sc + " --output " + copy + flags + " --resume");
  INFO(same.err);
  CHECK(same.code == 0);
  CHECK(read_text(copy + "/summary.json") == read_text(dir + "/summary.json"));

  const uint64_t gen1 = uint64_t{1} << 32;
  const std::vector<std::pair<std::string, std::function<void(json&)>>> cases = {
      {"match 60 particles", [](json& j) { j["agree"] = json::array(); }},  // was a segfault
      {"match 60 particles", [](json& j) { j["agree"] = {0.5}; }},          // was garbage in summary.json
      {"an agree value lies outside [0, 1]", [](json& j) { j["agree"][0] = 1.5; }},
      {"it says it is generation 1, but the file is generation 0", [](json& j) { j["generation"] = 1; }},
      {"distance 0 is not the largest of its obs values", [](json& j) { j["distance"][0] = -1.0; }},
      {"an obs value is negative or not finite",
       [](json& j) {
         for (auto& o : j["obs"]) o = -1.0;
       }},
      {"an address appears twice", [](json& j) { j["address"][1] = j["address"][0]; }},
      {"is not a run of this calibration's generations 0 to 0", [&](json& j) { j["address"][0] = gen1; }},
      {"simulations is 5, but a generation 0 simulates", [](json& j) { j["simulations"] = 5; }},
      {"epsilon is not the largest distance kept", [](json& j) { j["epsilon"] = j["epsilon"].get<double>() + 1; }},
      {"acceptance is not the share", [](json& j) { j["acceptance"] = 0.9; }},
      {"ess is not the effective sample size", [](json& j) { j["ess"] = 3.0; }},
      {"the distances are not in increasing order",
       [](json& j) {
         // Swap two particles of different distances, each with its own obs row.
         const size_t K = j["observations"].get<size_t>(), last = j["distance"].size() - 1;
         REQUIRE(j["distance"][0] != j["distance"][last]);
         std::swap(j["distance"][0], j["distance"][last]);
         for (size_t k = 0; k < K; ++k) std::swap(j["obs"][k], j["obs"][last * K + k]);
       }},
  };
  for (const auto& [message, edit] : cases) {
    INFO(message);
    fs::remove_all(copy);
    fs::copy(dir, copy, fs::copy_options::recursive);
    json j = g0;
    edit(j);
    std::ofstream(copy + "/generations/0000.json") << j.dump();
    CliResult r = cli_run("calibrate " + sc + " --output " + copy + flags + " --resume");
    INFO(r.err);
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Catch::Contains("0000.json: cannot read this generation: ") && Catch::Contains(message));
  }

  // A generation that ended the calibration cannot be followed by another.
  fs::remove_all(copy);
  fs::copy(dir, copy, fs::copy_options::recursive);
  json j = g0;
  j["stop"] = "the tolerance reached 1";
  std::ofstream(copy + "/generations/0000.json") << j.dump();
  CliResult r = cli_run("calibrate " + sc + " --output " + copy + flags + " --resume");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("0001.json: cannot read this generation: generation 0 ended the calibration"));

  fs::remove_all(copy);
  fs::remove_all(dir);
  fs::remove(sc);
}
