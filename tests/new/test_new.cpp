// `geosim new`: the scenarios it writes validate and run; it never overwrites a file unasked.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>
#include <vector>

#include "tests/cli.h"

using geosim::test::cli_run;
using geosim::test::read_text;
using geosim::test::temp_path;

namespace fs = std::filesystem;

namespace {

// The rows of a --format csv summary without the comment lines and the scenario_hash column
// (the ids differ).
std::string csv_body(const std::string& csv) {
  std::istringstream in(csv);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

}  // namespace

TEST_CASE("geosim new writes the teaching scenario under a new id, and it validates and runs", "[cli][new]") {
  const std::string dir = temp_path("new_plain");
  fs::create_directories(dir);
  // By default in format 2 (scenarios/teaching-format2.yaml); with --format 1, teaching.yaml.
  for (const auto& [option, source, first_line] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"", "scenarios/teaching-format2.yaml", "geosim: 2"},
           {" --format 1", "scenarios/teaching.yaml", "geosim: 1"}}) {
    INFO(source);
    const std::string file = dir + "/my-crisis.yaml";
    auto r = cli_run("new my-crisis" + option + " -o '" + file + "' --force");
    REQUIRE(r.code == 0);
    CHECK(r.out.find("wrote " + file) != std::string::npos);
    const std::string text = read_text(file);
    CHECK(text.find("\nid: my_crisis\n") != std::string::npos);
    CHECK(text.find("id: teaching") == std::string::npos);
    CHECK(text.rfind("# my_crisis: a new scenario", 0) == 0);
    CHECK(text.find("\n" + first_line + " ") != std::string::npos);
    auto v = cli_run("validate '" + file + "'");
    CHECK(v.code == 0);
    // Same model as the teaching scenario: the same seed gives the same outcome counts.
    auto a = cli_run("run '" + file + "' --runs 500 --seed 4 --format csv");
    auto b = cli_run("run " + source + " --runs 500 --seed 4 --format csv");
    REQUIRE(a.code == 0);
    REQUIRE(b.code == 0);
    CHECK(csv_body(a.out) == csv_body(b.out));
  }
  // The format 2 file means the same in daily steps: the step check names no outcome.
  const std::string file = dir + "/steps.yaml";
  REQUIRE(cli_run("new steps -o '" + file + "'").code == 0);
  auto sc = cli_run("validate --step-check --step-runs 4000 '" + file + "'");
  CHECK(sc.code == 0);
  CHECK(sc.out.find("no outcome differs") != std::string::npos);
  CHECK(sc.err.empty());
  // --format takes 1 or 2, and is the teaching scenario's: a variant has its base's format.
  auto bad = cli_run("new x --format 3 -o '" + dir + "/x.yaml'");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--format must be 1 or 2, got 3") != std::string::npos);
  auto both = cli_run("new x --format 1 --from scenarios/teaching.yaml -o '" + dir + "/x.yaml'");
  CHECK(both.code == 2);
  CHECK(both.err.find("a variant (--from) has its base's format") != std::string::npos);
  CHECK(!fs::exists(dir + "/x.yaml"));
  fs::remove_all(dir);
}

TEST_CASE("geosim new --from writes a variant that extends its base and validates", "[cli][new]") {
  const std::string dir = temp_path("new_variant");
  fs::create_directories(dir);
  const std::string file = dir + "/what-if.yaml";
  auto r = cli_run("new what-if --from scenarios/venezuela-2019.yaml -o '" + file + "'");
  REQUIRE(r.code == 0);
  const std::string text = read_text(file);
  CHECK(text.find("extends: ") != std::string::npos);
  CHECK(text.find("venezuela-2019.yaml") != std::string::npos);
  CHECK(text.find("#   - id: russian_military_support") != std::string::npos);
  CHECK(cli_run("validate '" + file + "'").code == 0);
  // Unedited, the variant is the base: compare finds no difference in any outcome.
  auto a = cli_run("run '" + file + "' --runs 300 --seed 2 --format json");
  auto b = cli_run("run scenarios/venezuela-2019.yaml --runs 300 --seed 2 --format json");
  REQUIRE(a.code == 0);
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  CHECK(ja.at("outcomes") == jb.at("outcomes"));
  CHECK(ja.at("survival") == jb.at("survival"));
  fs::remove_all(dir);
}

TEST_CASE("geosim new --from: every commented key validates once uncommented", "[cli][new]") {
  // The variant's comments are examples to uncomment; in format 2 the horizon is a duration.
  const std::string dir = temp_path("new_uncomment");
  fs::create_directories(dir);
  for (const char* base :
       {"scenarios/teaching.yaml", "scenarios/teaching-react.yaml", "scenarios/venezuela-2025.yaml"}) {
    const std::string file = dir + "/v.yaml";
    fs::remove(file);
    REQUIRE(cli_run(std::string("new v --from ") + base + " -o '" + file + "'").code == 0);
    std::string text = read_text(file);
    const size_t at = text.find("\n# horizon: ");
    REQUIRE(at != std::string::npos);
    text.erase(at + 1, 2);  // "# "
    std::ofstream(file) << text;
    INFO(base);
    CHECK(cli_run("validate '" + file + "'").code == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("geosim new --from keeps a title with quotes and backslashes as it is", "[cli][new]") {
  const std::string dir = temp_path("new_title");
  fs::create_directories(dir);
  std::ifstream in(geosim::test::source_path("scenarios/teaching.yaml"));
  std::ostringstream base;
  for (std::string line; std::getline(in, line);)
    base << (line.rfind("title:", 0) == 0 ? std::string(R"(title: "A \"quoted\" crisis \\ 2020")") : line) << "\n";
  std::ofstream(dir + "/base.yaml") << base.str();
  REQUIRE(cli_run("new v --from '" + dir + "/base.yaml' -o '" + dir + "/v.yaml'").code == 0);
  auto j = cli_run("run '" + dir + "/v.yaml' --runs 10 -q --format json");
  REQUIRE(j.code == 0);
  CHECK(nlohmann::json::parse(j.out).at("title") == "A \"quoted\" crisis \\ 2020 (variant v)");
  fs::remove_all(dir);
}

TEST_CASE("geosim new --from: a line break in the base's title stays inside the comment", "[cli][new]") {
  // The title is copied into the variant's first comment line; a line break in it started a
  // line of live YAML there, which changed the horizon. (A CR, LINE or PARAGRAPH SEPARATOR
  // in a title is refused when the base loads: a control character.)
  const std::string dir = temp_path("new_title_break");
  fs::create_directories(dir);
  for (const std::string brk : {"\\n", "\\r", "\\L", "\\P"}) {
    const bool control = brk != "\\n";
    std::ifstream in(geosim::test::source_path("scenarios/teaching.yaml"));
    std::ostringstream base;
    for (std::string line; std::getline(in, line);)
      base << (line.rfind("title:", 0) == 0 ? "title: \"Crisis" + brk + "horizon: 30" + brk + "#\"" : line) << "\n";
    std::ofstream(dir + "/base.yaml") << base.str();
    fs::remove(dir + "/v.yaml");
    INFO(brk);
    const auto made = cli_run("new v --from '" + dir + "/base.yaml' -o '" + dir + "/v.yaml'");
    if (control) {
      CHECK(made.code == 3);
      CHECK(made.err.find("control character") != std::string::npos);
      CHECK_FALSE(fs::exists(dir + "/v.yaml"));
      continue;
    }
    REQUIRE(made.code == 0);
    auto j = cli_run("run '" + dir + "/v.yaml' --runs 10 -q --format json");
    REQUIRE(j.code == 0);
    CHECK(nlohmann::json::parse(j.out).at("horizon") == 52);
  }
  fs::remove_all(dir);
}

TEST_CASE("geosim new keeps an existing file and refuses a bad name", "[cli][new]") {
  const std::string dir = temp_path("new_refuse");
  fs::create_directories(dir);
  const std::string file = dir + "/kept.yaml";
  { std::ofstream(file) << "precious\n"; }
  auto r = cli_run("new kept -o '" + file + "'");
  CHECK(r.code == 3);
  CHECK(r.err.find("the file exists already") != std::string::npos);
  CHECK(read_text(file) == "precious\n");
  CHECK(cli_run("new kept -o '" + file + "' --force").code == 0);
  CHECK(read_text(file) != "precious\n");
  auto bad = cli_run("new 9lives");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("cannot be a scenario id") != std::string::npos);
  auto missing = cli_run("new x -o '" + dir + "/x.yaml' --from no/such/base.yaml");
  CHECK(missing.code == 3);
  CHECK_FALSE(fs::exists(dir + "/x.yaml"));
  // A device keeps nothing to validate: no "next: geosim validate /dev/null".
  auto null = cli_run("new x -o /dev/null --force");
  CHECK(null.code == 0);
  CHECK(null.out.find("validate /dev/null") == std::string::npos);
  CHECK(null.out.find("save it to a file") != std::string::npos);
  fs::remove_all(dir);
}
