// What every output records to be reproduced (docs/output.md, "Reproducing a result"), where
// each value comes from ("Each parameter"), and the one calendar of steps ("Dates").
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/dates.h"
#include "engine/output/output.h"
#include "engine/scenario/loader.h"
#include "tests/cli.h"

using namespace geosim;
using namespace geosim::test;

namespace {

const std::string kTeaching = source_path("scenarios/teaching.yaml");

std::string write(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

const nlohmann::json& param(const nlohmann::json& j, const std::string& path) {
  for (const auto& p : j["parameters"])
    if (p["path"] == path) return p;
  FAIL("no parameter " << path);
  static nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("a step is the days it covers, a date standing for step k is its last day", "[output][dates]") {
  const StepCalendar week{*parse_date("2019-01-23"), 7};
  CHECK(week.first_day(1).str() == "2019-01-23");
  CHECK(week.last(1) == "2019-01-29");
  CHECK(week.range(14) == "2019-04-24..04-30");
  CHECK(week.last(14) == "2019-04-30");
  CHECK(week.last(0) == "2019-01-22");  // the state before the first step: the day before
  CHECK(week.span(2, 42) == "2019-01-30..11-12");
  // Across a new year the second date keeps its year.
  const StepCalendar year_end{*parse_date("2019-12-28"), 7};
  CHECK(year_end.range(1) == "2019-12-28..2020-01-03");
  const StepCalendar day{*parse_date("2020-02-27"), 1};
  CHECK(day.range(3) == "2020-02-29");  // a leap day; a day step is one date
  CHECK(day.span(1, 4) == "2020-02-27..03-01");
}

TEST_CASE("the summary, the replay and the CSV date an outcome by one calendar", "[output][dates][cli]") {
  auto json = cli_run("run " + kTeaching + " --runs 2000 --seed 3 -q --format json");
  REQUIRE(json.code == 0);
  const auto j = nlohmann::json::parse(json.out);
  const StepCalendar cal{*parse_date(j["start"].get<std::string>()), 7};
  CHECK(j["last_day"] == cal.last(j["horizon"].get<int>()));
  REQUIRE(j["dates"].size() == j["survival"].size());
  CHECK(j["dates"][0] == cal.last(0));
  auto csv = cli_run("run " + kTeaching + " --runs 2000 --seed 3 -q --format csv");
  auto table = cli_run("run " + kTeaching + " --runs 2000 --seed 3 -q");
  int checked = 0;
  for (const auto& o : j["outcomes"]) {
    if (o["time_to_outcome"].is_null() || o["default"].get<bool>()) continue;
    const int median = o["time_to_outcome"]["median"].get<int>();
    CHECK(o["dates"]["median"] == cal.last(median));
    CHECK(o["dates"]["median_step"][0] == cal.first_day(median).str());
    // The table gives the median step as its days; the CSV its last day beside the step.
    CHECK(table.out.find(cal.range(median)) != std::string::npos);
    CHECK(csv.out.find("," + std::to_string(median) + ",") != std::string::npos);
    CHECK(csv.out.find("," + cal.last(median) + ",") != std::string::npos);
    ++checked;
  }
  CHECK(checked >= 2);
  // The replay prints each step as its days: week k covers the days of step k.
  auto replay = cli_run("run " + kTeaching + " --replay 2");
  std::istringstream lines(replay.out);
  int told = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  week ", 0) != 0) continue;
    const int k = std::stoi(line.substr(7, 3));
    CHECK(line.substr(12, cal.range(k).size()) == cal.range(k));
    ++told;
  }
  CHECK(told > 0);
}

TEST_CASE("a replay goes to --output when one is given, byte for byte what it prints", "[output][cli]") {
  const std::string path = temp_path("replay.txt");
  std::remove(path.c_str());
  auto printed = cli_run("run " + kTeaching + " --replay 4 --seed 2");
  auto written = cli_run("run " + kTeaching + " --replay 4 --seed 2 -o '" + path + "'");
  REQUIRE(printed.code == 0);
  REQUIRE(written.code == 0);
  CHECK(written.out.empty());
  CHECK(printed.out.find("Run 4 of 'teaching'") != std::string::npos);
  CHECK(read_text(path) == printed.out);
  std::remove(path.c_str());
}

TEST_CASE("CSV numbers are the shortest text that reads back as the JSON's doubles", "[output][csv][cli]") {
  auto json = cli_run("run " + kTeaching + " --runs 3000 --seed 11 -q --format json");
  auto csv = cli_run("run " + kTeaching + " --runs 3000 --seed 11 -q --format csv");
  REQUIRE(json.code == 0);
  REQUIRE(csv.code == 0);
  const auto j = nlohmann::json::parse(json.out);
  std::istringstream in(csv.out);
  std::string line;
  std::getline(in, line);
  CHECK(line.rfind("# geosim ", 0) == 0);
  CHECK(line.find(", seed 11, scenario " + j["scenario_hash"].get<std::string>()) != std::string::npos);
  std::getline(in, line);
  CHECK(line == "# reproduce: " + j["command"].get<std::string>());
  std::getline(in, line);
  CHECK(line.rfind("outcome,count,probability,ci95_lo,ci95_hi,", 0) == 0);
  for (const auto& o : j["outcomes"]) {
    REQUIRE(std::getline(in, line));
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
    REQUIRE(f.size() >= 13);
    CHECK(f[0] == o["id"]);
    CHECK(std::stod(f[2]) == o["probability"].get<double>());
    CHECK(std::stod(f[3]) == o["ci95"][0].get<double>());
    // The fewest significant digits that read back (never 0.070099999999999996 for 0.0701).
    const double p = o["probability"].get<double>();
    int fewest = 1;
    for (char buf[40]; fewest < 17; ++fewest) {
      std::snprintf(buf, sizeof buf, "%.*g", fewest, p);
      if (std::stod(buf) == p) break;
    }
    int digits = 0;
    bool leading = true;
    for (char ch : f[2].substr(0, f[2].find('e'))) {
      if (ch < '0' || ch > '9') continue;
      if (leading && ch == '0') continue;
      leading = false;
      ++digits;
    }
    CHECK(digits <= fewest);
    CHECK(f[11] == "11");
    CHECK(f[12] == j["scenario_hash"]);
  }
}

TEST_CASE("the scenario hash is the content after extends and --set, not the file's layout", "[output][hash]") {
  const std::string text = read_text(kTeaching);
  // Comments and blank lines removed: another file, the same content.
  std::string bare;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') bare += line + "\n";
  const std::string copy = write("hash-copy.yaml", bare);
  const Scenario a = load_scenario(kTeaching), b = load_scenario(copy);
  REQUIRE(a.content_hash.size() == 16);
  CHECK(a.content_hash == b.content_hash);
  // A file that extends it and changes nothing has its content too.
  const std::string child = write("hash-child.yaml", "geosim: 1\nextends: " + copy + "\n");
  CHECK(load_scenario(child).content_hash == a.content_hash);
  // A changed value changes the hash, whether written in a file or with --set.
  LoadOptions lo;
  lo.sets = {"levers.sanctions.intensity=0.5"};
  const Scenario set = load_scenario(kTeaching, lo);
  CHECK(set.content_hash != a.content_hash);
  const std::string edited = write("hash-edited.yaml", "geosim: 1\nextends: " + copy +
                                                           "\nlevers:\n  - {id: sanctions, intensity: 0.5}\n");
  CHECK(load_scenario(edited).content_hash == set.content_hash);
  std::filesystem::remove(copy);
  std::filesystem::remove(child);
  std::filesystem::remove(edited);
}

TEST_CASE("each value says where it comes from and whose evidence it carries", "[output][provenance][cli]") {
  const std::string child = write("prov-child.yaml", "geosim: 1\nextends: " + kTeaching +
                                                         "\nlevers:\n  - id: sanctions\n    intensity: 0.4\n");
  auto r = cli_run("run " + child + " --runs 10 -q --format json --set levers.amnesty_for_officers.credibility=0.8");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  // Written in the file given: its file, line and column.
  const auto& intensity = param(j, "levers.sanctions.intensity");
  CHECK(intensity["source"]["kind"] == "file");
  CHECK(intensity["source"]["at"].get<std::string>().rfind(child + ":5:", 0) == 0);
  CHECK(intensity["value"] == 0.4);
  CHECK(intensity["distribution"] == "0.4");
  // Inherited from the file it extends.
  const auto& credibility = param(j, "levers.sanctions.credibility");
  CHECK(credibility["source"]["kind"] == "extends");
  CHECK(credibility["source"]["at"].get<std::string>().rfind(kTeaching + ":", 0) == 0);
  // The lever's assumption is the entry's evidence, not the value's own.
  CHECK(credibility["evidence_of"] == "entry");
  CHECK(credibility["assumption"] == "broad sanctions on the main export");
  // Set on the command line: no evidence (the file's was for the value it replaced).
  const auto& set = param(j, "levers.amnesty_for_officers.credibility");
  CHECK(set["source"]["kind"] == "set");
  CHECK(set["source"]["at"] == "--set levers.amnesty_for_officers.credibility=0.8");
  CHECK(set["evidence_of"] == "none");
  CHECK(set["evidence"].empty());
  CHECK_FALSE(set.contains("assumption"));
  // Not written anywhere: the model's default.
  const auto& enabled = param(j, "levers.sanctions.enabled");
  CHECK(enabled["source"]["kind"] == "default");
  CHECK_FALSE(enabled["source"].contains("at"));
  // An uncertain value has no single value.
  const auto& stance = param(j, "actors.army.stance");
  CHECK(stance["value"].is_null());
  CHECK(stance["uncertain"] == true);
  std::filesystem::remove(child);
}

TEST_CASE("tables end with the version, seed, scenario hash and the command that reproduces them", "[output][cli]") {
  auto table = cli_run("run " + kTeaching + " --runs 500 --seed 4 -q --threads 2");
  auto json = cli_run("run " + kTeaching + " --runs 500 --seed 4 -q --format json");
  const auto j = nlohmann::json::parse(json.out);
  CHECK(table.out.find("  geosim " + j["geosim_version"].get<std::string>() + ", seed 4, scenario " +
                       j["scenario_hash"].get<std::string>() + "\n  reproduce: geosim run " + kTeaching +
                       " --runs 500 --seed 4\n") != std::string::npos);
  auto cmp = cli_run("compare " + kTeaching + " " + kTeaching + " --runs 200 --seed 2 -q --format json");
  REQUIRE(cmp.code == 0);
  const auto c = nlohmann::json::parse(cmp.out);
  CHECK(c["command"] == "geosim compare " + kTeaching + " " + kTeaching + " --runs 200 --seed 2");
  CHECK(c["scenario_hash"] == j["scenario_hash"]);
  CHECK(c["variant_hash"] == j["scenario_hash"]);
}

TEST_CASE("the table's survival row names each quarter of the horizon once, none before the first step",
          "[output][dates][cli]") {
  // A horizon of fewer than four steps has fewer distinct quarter ends: a 2-week horizon
  // listed the day before the start (the state before any step) and its first week twice.
  for (const int weeks : {1, 2, 3, 4, 8}) {
    const std::string path = write("short_horizon.yaml", R"(geosim: 1
id: short
start: 2020-01-06
step: week
horizon: )" + std::to_string(weeks) + R"(
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
events:
  - {id: fall, hazard: {per_step: 0.1}, outcome: ousted}
outcomes:
  - {id: ousted}
  - {id: status_quo, default: true}
)");
    const auto table = cli_run("run " + path + " --runs 200 --seed 1 -q");
    REQUIRE(table.code == 0);
    const size_t at = table.out.find("still in power at the end of:");
    REQUIRE(at != std::string::npos);
    const std::string row = table.out.substr(at, table.out.find('\n', at) - at);
    INFO(weeks << " weeks: " << row);
    const StepCalendar cal{*parse_date("2020-01-06"), 7};
    CHECK(row.find(cal.last(0)) == std::string::npos);
    std::vector<std::string> dates;
    for (int k = 1; k <= 4; ++k)
      if (const int t = weeks * k / 4; t >= 1 && (dates.empty() || dates.back() != cal.last(t)))
        dates.push_back(cal.last(t));
    CHECK(dates.size() == static_cast<size_t>(std::min(weeks, 4)));
    size_t from = 0;
    for (const std::string& d : dates) {
      const size_t found = row.find(d, from);
      CHECK(found != std::string::npos);
      CHECK(row.find(d, found + 1) == std::string::npos);  // once
      from = found == std::string::npos ? from : found + d.size();
    }
  }
}
