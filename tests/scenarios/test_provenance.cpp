// Provenance of the shipped scenarios: every quote is verbatim in its seed document, every
// actor, cohort, lever, event and outcome says where its numbers come from, and the
// Venezuela scenarios carry the standard outcome ids.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/scenario/loader.h"

namespace fs = std::filesystem;
using namespace geosim;

namespace {

std::string source_dir() { return GEOSIM_SOURCE_DIR; }

// scenarios/*.yaml and scenarios/variants/*.yaml, sorted.
std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  for (const auto& dir : {fs::path(source_dir()) / "scenarios", fs::path(source_dir()) / "scenarios" / "variants"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every provenance record of a scenario, with a name saying whose it is.
std::vector<std::pair<std::string, const Provenance*>> provenances(const Scenario& sc) {
  std::vector<std::pair<std::string, const Provenance*>> out;
  for (const auto& a : sc.actors) out.emplace_back("actor " + a.id, &a.provenance);
  for (const auto& c : sc.cohorts) out.emplace_back("cohort " + c.id, &c.provenance);
  for (const auto& l : sc.levers) out.emplace_back("lever " + l.id, &l.provenance);
  for (const auto& e : sc.events) out.emplace_back("event " + e.id, &e.provenance);
  for (const auto& o : sc.outcomes) out.emplace_back("outcome " + o.id, &o.provenance);
  for (const auto& l : sc.ladders) out.emplace_back("ladder " + l.id, &l.provenance);
  for (const auto& d : sc.decisions) out.emplace_back("decision " + d.id, &d.provenance);
  for (const auto& p : sc.params) out.emplace_back("parameter " + p.path, &p.provenance);
  return out;
}

const std::vector<std::string> kVenezuela = {"scenarios/venezuela-2019.yaml", "scenarios/venezuela-2025.yaml"};

}  // namespace

TEST_CASE("every quote appears verbatim in its seed file", "[scenarios][provenance]") {
  auto files = scenario_files();
  REQUIRE(files.size() >= 3);
  fs::path sources = fs::path(source_dir()) / "scenarios" / "sources";
  std::map<std::string, std::string> seeds;
  for (const auto& e : fs::directory_iterator(sources)) seeds[e.path().filename().string()] = read_file(e.path());
  REQUIRE(seeds.size() >= 5);
  size_t checked = 0;
  for (const auto& f : files) {
    Scenario sc = load_scenario(f);
    std::set<std::pair<std::string, std::string>> seen;  // params repeat their entity's evidence
    for (const auto& [who, prov] : provenances(sc))
      for (const auto& ev : prov->evidence) {
        if (ev.seed.empty() || !seen.insert({ev.seed, ev.quote}).second) continue;
        INFO(f << ": " << who << " quotes " << ev.seed << ": \"" << ev.quote << "\"");
        REQUIRE(seeds.count(ev.seed) == 1);
        CHECK(seeds[ev.seed].find(ev.quote) != std::string::npos);
        ++checked;
      }
  }
  // The Venezuela scenarios alone quote the seeds more than a hundred times.
  CHECK(checked >= 100);
}

TEST_CASE("every actor cohort lever event and outcome of the Venezuela scenarios has provenance",
          "[scenarios][provenance]") {
  for (const auto& rel : kVenezuela) {
    Scenario sc = load_scenario(source_dir() + "/" + rel);
    for (const auto& [who, prov] : provenances(sc)) {
      if (who.rfind("parameter ", 0) == 0) continue;  // mechanism defaults say "geosim default"
      INFO(rel << ": " << who);
      CHECK_FALSE(prov->empty());
    }
    // Uncertain parameters carry provenance too (their own or their entity's).
    for (ParamId id : sc.uncertain_params()) {
      INFO(rel << ": parameter " << sc.params[static_cast<size_t>(id)].path);
      CHECK_FALSE(sc.params[static_cast<size_t>(id)].provenance.empty());
    }
  }
}

TEST_CASE("the Venezuela scenarios and their variants carry the standard outcome ids", "[scenarios]") {
  const std::vector<std::string> ids = {"status_quo", "negotiated_exit", "defection_collapse",
                                        "coup", "foreign_intervention", "negotiated_transition"};
  for (const auto& f : scenario_files()) {
    if (f.find("venezuela") == std::string::npos && f.find("variants") == std::string::npos) continue;
    Scenario sc = load_scenario(f);
    INFO(f);
    for (const auto& id : ids) {
      int o = sc.find_outcome(id);
      REQUIRE(o >= 0);
      const Outcome& out = sc.outcomes[static_cast<size_t>(o)];
      if (id == "status_quo") {
        CHECK(out.is_default);
        continue;
      }
      // Reachable: a condition, or an event that can lead to it.
      bool reachable = !out.when.empty();
      for (const auto& e : sc.events) reachable |= e.outcome == o;
      CHECK(reachable);
    }
  }
}

TEST_CASE("the Venezuela scenarios start on the documents' dates with weekly steps", "[scenarios]") {
  Scenario a = load_scenario(source_dir() + "/scenarios/venezuela-2019.yaml");
  CHECK(a.start.str() == "2019-01-28");  // the Monday after the January reports (000, 001)
  CHECK(a.unit == StepUnit::Week);
  CHECK(a.horizon == 52);
  Scenario b = load_scenario(source_dir() + "/scenarios/venezuela-2025.yaml");
  CHECK(b.start.str() == "2025-11-10");  // the Monday after document 002's week (see the file's comment)
  CHECK(b.unit == StepUnit::Week);
  CHECK(b.horizon == 26);
}
