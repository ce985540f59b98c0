// What a variant changes against its base (analysis/compare/variant_diff.h), as `geosim
// compare` records it in its JSON and the comparison report shows it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "analysis/compare/paired.h"
#include "analysis/compare/variant_diff.h"
#include "engine/scenario/loader.h"

using namespace geosim;

namespace {

const std::string kDir = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/";

const VariantChange* find(const std::vector<VariantChange>& cs, const std::string& path, const std::string& change = "") {
  for (const auto& c : cs)
    if (c.path == path && (change.empty() || c.change == change)) return &c;
  return nullptr;
}

// A variant written to a file of its own (its `extends:` names a shipped scenario), loaded.
Scenario load_variant(const std::string& name, const std::string& yaml) {
  const auto dir = std::filesystem::temp_directory_path() / "geosim-variant-diff";
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  std::ofstream(file) << yaml;
  Scenario sc = load_scenario(file.string());
  std::filesystem::remove(file);
  return sc;
}

// The change of that kind at `path` lists `base` -> `variant`.
void check_change(const std::vector<VariantChange>& cs, const std::string& path, const std::string& change,
                  const std::string& base, const std::string& variant) {
  INFO(path << ": " << change);
  const VariantChange* c = find(cs, path, change);
  REQUIRE(c != nullptr);
  CHECK(c->base == base);
  CHECK(c->variant == variant);
}

}  // namespace

TEST_CASE("a scenario against itself changes nothing", "[variant_diff]") {
  Scenario a = load_scenario(kDir + "venezuela-2019.yaml");
  Scenario b = load_scenario(kDir + "venezuela-2019.yaml");
  CHECK(diff_scenarios(a, b).empty());
}

TEST_CASE("levers switched off are listed as levers, not as their enabled parameter", "[variant_diff]") {
  Scenario base = load_scenario(kDir + "venezuela-2019.yaml");
  Scenario variant = load_scenario(kDir + "variants/2019-no-russian-aid.yaml");
  auto cs = diff_scenarios(base, variant);
  REQUIRE(cs.size() == 2);
  for (const char* id : {"levers.russian_military_support", "levers.russian_oil_trade"}) {
    const VariantChange* c = find(cs, id);
    REQUIRE(c != nullptr);
    CHECK(c->kind == "lever");
    CHECK(c->change == "switched off");
    CHECK(c->base == "on");
    CHECK(c->variant == "off");
  }
  CHECK(find(cs, "levers.russian_oil_trade.enabled") == nullptr);
  // And the other way round: the base against the variant switches them on.
  auto back = diff_scenarios(variant, base);
  REQUIRE(find(back, "levers.russian_oil_trade", "switched on") != nullptr);
}

TEST_CASE("a changed distribution gives its path and both values, dates moved are listed", "[variant_diff]") {
  Scenario base = load_scenario(kDir + "venezuela-2019.yaml");
  Scenario variant = load_scenario(kDir + "variants/2019-credible-amnesty.yaml");
  auto cs = diff_scenarios(base, variant);
  const VariantChange* c = find(cs, "levers.amnesty_for_military.credibility");
  REQUIRE(c != nullptr);
  CHECK(c->kind == "parameter");
  CHECK(c->change == "changed");
  CHECK(c->base == base.params[static_cast<size_t>(base.find_param(c->path))].dist.describe());
  CHECK(c->variant == "uniform(0.6, 0.9)");
  const VariantChange* d = find(cs, "levers.dignified_exit_offramps", "dates");
  REQUIRE(d != nullptr);
  CHECK(d->variant == "2019-01-28 to 2020-01-26");
  CHECK(d->base == "2019-05-13 to 2020-01-26");
  CHECK(d->base != d->variant);

  // Mediation from the first week, against the moves as reported (which it extends).
  Scenario moves = load_scenario(kDir + "variants/2019-reported-moves.yaml");
  Scenario week1 = load_scenario(kDir + "variants/2019-mediation-week1.yaml");
  auto ws = diff_scenarios(moves, week1);
  const VariantChange* e = find(ws, "events.oslo_talks_open", "dates");
  REQUIRE(e != nullptr);
  CHECK(e->base == "in the step 2019-05-20 to 2019-05-26");
  CHECK(e->variant == "in the step 2019-02-04 to 2019-02-10");
  CHECK(find(ws, "levers.norway_mediation", "dates") != nullptr);
}

TEST_CASE("values set with --set and a changed calendar are differences too", "[variant_diff]") {
  Scenario base = load_scenario(kDir + "teaching.yaml");
  LoadOptions lo;
  lo.sets = {"levers.sanctions.intensity=0.25", "horizon=30"};
  Scenario variant = load_scenario(kDir + "teaching.yaml", lo);
  auto cs = diff_scenarios(base, variant);
  const VariantChange* c = find(cs, "levers.sanctions.intensity");
  REQUIRE(c != nullptr);
  CHECK(c->base == "0.7");
  CHECK(c->variant == "0.25");
  CHECK(find(cs, "until", "changed") != nullptr);
}

TEST_CASE("an added lever is one line, its parameters are not listed again", "[variant_diff]") {
  Scenario base = load_scenario(kDir + "teaching.yaml");
  Scenario variant = load_variant(
      "added.yaml", "extends: " + kDir + "teaching.yaml\nid: teaching-more\nlevers:\n" +
                        "  - id: extra_sanctions\n    kind: sanctions_individual\n    by: patron_state\n    target: "
                        "government\n    intensity: 0.4\n    credibility: 0.8\n    assumption: \"a test\"\n");
  auto cs = diff_scenarios(base, variant);
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].kind == "lever");
  CHECK(cs[0].change == "added");
  CHECK(cs[0].path == "levers.extra_sanctions");
  CHECK(cs[0].base.empty());
  auto back = diff_scenarios(variant, base);
  REQUIRE(back.size() == 1);
  CHECK(back[0].change == "removed");

  // In JSON, the absent side is null.
  Json j = variant_changes_json(cs);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["base"].is_null());
  CHECK(j[0]["variant"] == cs[0].variant);
  CHECK(j[0]["kind"] == "lever");
}

TEST_CASE("a comparison's JSON carries its changes, lever effects carry none", "[variant_diff]") {
  CompareReport r;
  r.scenario = "x";
  r.comparisons.push_back({"a.yaml", "b.yaml", {}});
  r.has_changes = true;
  r.changes = {{"parameter", "changed", "levers.sanctions.intensity", "0.7", "0.25"}};
  Json j = compare_json(r);
  REQUIRE(j.contains("changes"));
  CHECK(j["changes"][0]["path"] == "levers.sanctions.intensity");
  CHECK(j["changes"][0]["base"] == "0.7");
  CHECK(j["changes"][0]["variant"] == "0.25");
  r.has_changes = false;
  CHECK_FALSE(compare_json(r).contains("changes"));
}

TEST_CASE("what else a variant changes: an enabled between 0 and 1, kinds, conditions, dates as written, the format",
          "[variant_diff]") {
  Scenario variant = load_variant(
      "traits.yaml", "geosim: 2\nextends: " + kDir + "teaching-react.yaml\nid: teaching-react-more\nlevers:\n" +
                         "  - {id: crackdown, enabled: 0.5, kind: sanctions_individual, when: \"days >= 100\"}\n"
                         "  - {id: threat, from: 2020-02-05}\n"
                         "events:\n  - id: uprising\n    hazard: {annual: 0.5, from: 2020-03-02, until: 2020-08-26, "
                         "when: \"t >= 2\"}\n");
  Scenario base = load_scenario(kDir + "teaching-react.yaml");
  auto cs = diff_scenarios(base, variant);
  // A lever at half strength is not "on" as before: its `enabled` is listed as a value.
  check_change(cs, "levers.crackdown.enabled", "changed", "1", "0.5");
  check_change(cs, "levers.crackdown.kind", "changed", "repression", "sanctions_individual");
  check_change(cs, "levers.crackdown.when", "changed", "none", "days >= 100");
  check_change(cs, "events.uprising.when", "changed", "none", "t >= 2");
  // Format 2 acts on the days as written, so they are listed as written: a Wednesday inside
  // a weekly step, which the steps' days would not tell apart from the Monday before it.
  const VariantChange* c = find(cs, "levers.threat", "dates");
  REQUIRE(c != nullptr);
  CHECK(c->variant.rfind("2020-02-05 to ", 0) == 0);
  check_change(cs, "events.uprising", "dates", "2020-03-02 to 2020-08-31", "2020-03-02 to 2020-08-26");
  // The format itself: format 2 reads hazards, noise and drivers otherwise.
  check_change(diff_scenarios(load_scenario(kDir + "teaching.yaml"), base), "geosim", "changed", "1", "2");
}
