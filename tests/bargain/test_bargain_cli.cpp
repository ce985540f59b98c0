// `geosim bargain` end to end: the published EC table, the story table, the Monte Carlo
// mode's determinism across threads, and located errors for bad input.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli.h"

using geosim::test::cli_run;
using geosim::test::source_path;
using Json = nlohmann::json;

namespace {
const std::string kEc = "'" + source_path("tests/data/ec_emissions.csv") + "'";
const std::string kTeaching = "'" + source_path("scenarios/teaching.yaml") + "'";
}  // namespace

TEST_CASE("bargain prints the published EC medians and means for rounds 0-10", "[bargain][cli]") {
  // Scholz, Calbert & Smith (2011), reproducing Bueno de Mesquita (1994) p. 78.
  const double median[] = {7.0, 8.416, 9.611, 9.962, 9.962, 9.962, 7.472, 8.825, 9.671, 9.671, 7.0};
  const double mean[] = {7.390, 7.461, 7.553, 7.590, 7.358, 7.349, 7.415, 7.511, 7.572, 7.325, 7.242};
  auto r = cli_run("bargain " + kEc + " --rounds 10 --format json");
  REQUIRE(r.code == 0);
  Json j = Json::parse(r.out);
  REQUIRE(j["rounds"].size() == 11);
  for (int t = 0; t <= 10; ++t) {
    INFO("round " << t);
    const Json& round = j["rounds"][static_cast<size_t>(t)];
    CHECK(round["round"].get<int>() == t);
    CHECK(round["median"].get<double>() == Approx(median[t]).margin(1e-3));
    CHECK(round["mean"].get<double>() == Approx(mean[t]).margin(1e-3));
    CHECK(round["positions"].size() == 10);
  }
  // Round 0 is the input.
  CHECK(j["rounds"][0]["positions"]["Germany"].get<double>() == 4.0);
  CHECK(j["rounds"][0]["positions"]["UK"].get<double>() == 10.0);
  CHECK_FALSE(j.contains("monte_carlo"));
}

TEST_CASE("bargain tells who confronted compromised with or capitulated to whom", "[bargain][cli]") {
  auto r = cli_run("bargain " + kEc + " --rounds 10");
  REQUIRE(r.code == 0);
  // Round 1 of the EC case (the JSON moves say the same): Belgium meets France part of the
  // way to 8.416, Luxembourg is confronted by Belgium and takes 7.
  CHECK(r.out.find("Round 1   median 8.416   mean 7.461") != std::string::npos);
  CHECK(r.out.find("Belgium         7.000 ->    8.416   compromises with France") != std::string::npos);
  CHECK(r.out.find("Luxembourg      4.000 ->    7.000   confronted by Belgium") != std::string::npos);
  CHECK(r.out.find("Forecast after 10 rounds: median 7.000, mean 7.242.") != std::string::npos);
  auto j = Json::parse(cli_run("bargain " + kEc + " --rounds 1 --format json").out);
  const Json& moves = j["rounds"][1]["moves"];
  CHECK(moves[1]["actor"] == "Belgium");
  CHECK(moves[1]["offer"] == "compromise");
  CHECK(moves[1]["partner"] == "France");
  CHECK(moves[2]["offer"] == "confrontation");
  CHECK(moves[0]["offer"] == "none");
  CHECK(moves[0]["partner"].is_null());
}

TEST_CASE("bargain Monte Carlo on a CSV is byte-identical across thread counts", "[bargain][cli][determinism]") {
  const std::string args = "bargain " + kEc + " --runs 3000 --seed 7 --format json --threads ";
  auto one = cli_run(args + "1");
  REQUIRE(one.code == 0);
  for (const char* t : {"2", "4"}) {
    auto other = cli_run(args + t);
    REQUIRE(other.code == 0);
    CHECK(other.out == one.out);
  }
  Json j = Json::parse(one.out);
  const Json& mc = j["monte_carlo"];
  CHECK(mc["runs"].get<uint64_t>() == 3000);
  CHECK(mc["rounds"].size() == 11);
  uint64_t total = 0;
  for (const auto& c : mc["final_median_histogram"]["counts"]) total += c.get<uint64_t>();
  CHECK(total == 3000);
  // Quantiles are ordered within each round.
  for (const auto& round : mc["rounds"]) {
    CHECK(round["median"]["p5"].get<double>() <= round["median"]["p50"].get<double>());
    CHECK(round["median"]["p50"].get<double>() <= round["median"]["p95"].get<double>());
  }
  // A different seed gives different runs.
  CHECK(cli_run("bargain " + kEc + " --runs 3000 --seed 8 --format json").out != one.out);
}

TEST_CASE("bargain on a scenario issue is deterministic and uses its distributions", "[bargain][cli][determinism]") {
  const std::string args = "bargain " + kTeaching + " --rounds 6 --runs 2000 --format json --threads ";
  auto one = cli_run(args + "1");
  REQUIRE(one.code == 0);
  CHECK(cli_run(args + "3").out == one.out);
  Json j = Json::parse(one.out);
  CHECK(j["input"]["issue"] == "incumbent_rule");
  // The army's stance is uniform(0.3, 0.7): the central forecast uses its median 0.5, the
  // runs spread the round-0 median over that interval.
  CHECK(j["rounds"][0]["positions"]["army"].get<double>() == Approx(0.5));
  const Json& r0 = j["monte_carlo"]["rounds"][0]["median"];
  CHECK(r0["p5"].get<double>() >= 0.3);
  CHECK(r0["p95"].get<double>() <= 0.7);
  CHECK(r0["p95"].get<double>() - r0["p5"].get<double>() > 0.2);
  // Positions stay within the range [-1, 1] in every round.
  for (const auto& round : j["rounds"])
    for (const auto& [name, x] : round["positions"].items()) {
      CHECK(x.get<double>() >= -1.0);
      CHECK(x.get<double>() <= 1.0);
    }
}

TEST_CASE("bargain rejects a bad CSV with file line and column and exit code 3", "[bargain][cli][errors]") {
  const std::string path = geosim::test::temp_path("bad.csv");
  std::ofstream(path) << "Actor,Capability,Position,Salience\nA,0.5,1,0.5\nB,lots,2,0.5\nC,0.2,3,1.5\n";
  auto r = cli_run("bargain '" + path + "' --rounds 3");
  std::filesystem::remove(path);
  CHECK(r.code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.find(path + ":3:3: capability must be a number in [0, 1], got 'lots'") != std::string::npos);
  CHECK(r.err.find(path + ":4:9: salience must be a number in [0, 1], got '1.5'") != std::string::npos);

  auto missing = cli_run("bargain '" + geosim::test::temp_path("none.csv") + "'");
  CHECK(missing.code == 3);
  CHECK(missing.err.find("cannot open file") != std::string::npos);
}

TEST_CASE("bargain rejects bad options with exit code 2", "[bargain][cli][errors]") {
  CHECK(cli_run("bargain " + kEc + " --format xml").code == 2);
  CHECK(cli_run("bargain " + kEc + " --rounds -1").code == 2);
  CHECK(cli_run("bargain " + kEc + " --perturb 2").code == 2);
  CHECK(cli_run("bargain " + kEc + " --issue x").code == 2);
  CHECK(cli_run("bargain " + kTeaching + " --perturb 0.1 --runs 10").code == 2);
  // Options of the Monte Carlo without --runs would change only the recorded command.
  for (const char* o : {" --seed 5", " --bins 10", " --tolerance 0.1", " --perturb 0.1"}) {
    auto w = cli_run("bargain " + kEc + o);
    INFO(o);
    CHECK(w.code == 2);
    CHECK(w.err.find("applies to the Monte Carlo over uncertain inputs; add --runs N") != std::string::npos);
  }
  auto r = cli_run("bargain " + kTeaching + " --issue incumbent_rul");
  CHECK(r.code == 2);
  CHECK(r.err.find("did you mean 'incumbent_rule'?") != std::string::npos);
  CHECK(cli_run("bargain").code == 2);
}

TEST_CASE("bargain --at says a switched-off lever has no strength, whatever its dates", "[bargain][cli]") {
  // The off-ramps are off in the 2019 file (a later report tells them) and dated from 13 May:
  // at 1 May they are "strength 0", not "from week 16"; in the variant that turns them on, they
  // come on from week 16.
  const std::string base = "'" + source_path("scenarios/venezuela-2019.yaml") + "'";
  const std::string moves = "'" + source_path("scenarios/variants/2019-reported-moves.yaml") + "'";
  auto off = cli_run("bargain " + base + " --at 2019-05-01");
  REQUIRE(off.code == 0);
  CHECK(off.out.find("dignified_exit_offramps (strength 0)") != std::string::npos);
  auto on = cli_run("bargain " + moves + " --at 2019-05-01");
  REQUIRE(on.code == 0);
  CHECK(on.out.find("dignified_exit_offramps (from week 16, 2019-05-13..05-19)") != std::string::npos);
}
