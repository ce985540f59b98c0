#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "helpers.h"

using namespace geosim;

// Each kind of input error, with its exact message and location.

static const std::string kActors = R"(
actors:
  - {id: gov, kind: regime, stance: 1}
  - {id: army, kind: security_force, stance: 0.5}
outcomes:
  - {id: status_quo, default: true}
)";

TEST_CASE("a misspelt key is rejected with a suggestion", "[errors]") {
  std::string yaml = test::header() + R"(
actors:
  - id: gov
    kind: regime
    stnace: 1
outcomes:
  - {id: status_quo, default: true}
)";
  CHECK(test::load_error(yaml) == "test.yaml:11:5: unknown key 'stnace' in an actor; did you mean 'stance'?");
}

TEST_CASE("all errors of a file are listed, not just the first", "[errors]") {
  std::string yaml = test::header() + R"(
actors:
  - {id: gov, kind: regim, stance: 1, salience: 1.5}
  - {id: gov, kind: regime, capability: abc}
outcomes:
  - {id: status_quo, default: true}
)";
  std::string err = test::load_error(yaml);
  CHECK(err ==
        "test.yaml:9:21: unknown actor kind 'regim'; did you mean 'regime'? (one of regime, security_force, "
        "opposition, state, bloc, mediator, other)\n"
        "test.yaml:9:49: value 1.5 is outside the allowed range [0, 1]\n"
        "test.yaml:10:10: duplicate id 'gov'; each actor needs its own id\n"
        "test.yaml:10:41: expected a number, got 'abc'; write a plain number such as 0.5");
}

TEST_CASE("YAML syntax errors carry the location", "[errors]") {
  CHECK_THAT(test::load_error("geosim: 1\nactors: [\n  {id: a\n"),
             Catch::StartsWith("test.yaml:") && Catch::Contains("YAML syntax error"));
}

TEST_CASE("unknown references name the known ids", "[errors]") {
  std::string yaml = test::header() + kActors + R"(
levers:
  - {id: oil, kind: sanctions_sectoral, by: usa, target: gov}
)";
  CHECK(test::load_error(yaml) == "test.yaml:15:45: unknown actor 'usa'; known: army, gov");
}

TEST_CASE("a lever kind must exist and suit its target", "[errors]") {
  std::string yaml = test::header() + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
  - {id: opp, kind: opposition, stance: -1}
levers:
  - {id: a, kind: sanctions_sectorial, by: opp, target: gov}
  - {id: b, kind: sanctions_sectoral, by: gov, target: opp}
outcomes:
  - {id: status_quo, default: true}
)";
  CHECK(test::load_error(yaml) ==
        "test.yaml:12:19: unknown lever kind 'sanctions_sectorial'; did you mean 'sanctions_sectoral'?\n"
        "test.yaml:13:56: a sanctions_sectoral lever acts only on the incumbent's side, but 'opp' is not on it; "
        "target the incumbent or an actor of kind regime or security_force");
}

TEST_CASE("bad expressions point into the expression", "[errors][expr]") {
  std::string yaml = test::header() + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
outcomes:
  - {id: fall, when: "defected_shar >= 0.5"}
  - {id: coup, when: "talks >= "}
  - {id: status_quo, default: true}
)";
  std::string err = test::load_error(yaml);
  CHECK_THAT(err, Catch::StartsWith("test.yaml:11:23: unknown variable 'defected_shar' in expression; did you mean "
                                    "'defected_share'?\ntest.yaml:12:"));
  CHECK_THAT(err, Catch::Contains("bad expression"));
}

TEST_CASE("time errors: horizon before start, events outside the scenario", "[errors]") {
  std::string yaml = "geosim: 1\nid: t\nstart: 2020-01-06\nuntil: 2019-12-31\nincumbent: gov\n" + kActors;
  CHECK(test::load_error(yaml) ==
        "test.yaml:4:8: `until` 2019-12-31 is not after `start` 2020-01-06; the horizon must come after the start date");
  std::string ev = test::header(4) + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - {id: late, at: 2021-01-01, effects: {defection_shock: 0.1}}
outcomes:
  - {id: status_quo, default: true}
)";
  CHECK(test::load_error(ev) ==
        "test.yaml:11:20: the event's date 2021-01-01 lies outside the scenario (2020-01-06 to 2020-02-02)");
}

TEST_CASE("outcome rules: exactly one default, every outcome reachable", "[errors]") {
  std::string yaml = test::header() + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
outcomes:
  - {id: coup}
  - {id: status_quo}
)";
  CHECK(test::load_error(yaml) ==
        "test.yaml:11:3: no outcome has `default: true`; mark the outcome that holds at the horizon (status_quo)\n"
        "test.yaml:11:5: outcome 'coup' can never happen; give it `when:` or name it in an event's `outcome:`\n"
        "test.yaml:12:5: outcome 'status_quo' can never happen; give it `when:` or name it in an event's `outcome:`");
}

TEST_CASE("a missing version and a wrong version are reported", "[errors]") {
  CHECK_THAT(test::load_error("id: t\nstart: 2020-01-06\nincumbent: gov\n" + kActors),
             Catch::StartsWith("test.yaml:1:1: missing `geosim: 1` (the format version)"));
  CHECK_THAT(test::load_error("geosim: 3\nid: t\nstart: 2020-01-06\nincumbent: gov\n" + kActors),
             Catch::StartsWith("test.yaml:1:9: unsupported format version '3'; this geosim reads `geosim: 1` and "
                               "`geosim: 2`"));
}

TEST_CASE("papercuts: words for logic, yes for enabled, a misspelt lever of a variant, a bad start date",
          "[errors]") {
  // `and` in an expression: say to write &&.
  std::string e = test::load_error(test::header() + kActors.substr(0, kActors.find("outcomes:")) +
                                   "outcomes:\n  - {id: status_quo, default: true}\n  - {id: x, when: \"talks == 1 and "
                                   "resources < 0.5\"}\n");
  CHECK_THAT(e, Catch::Contains("unknown variable 'and' in expression; to combine conditions write &&"));
  // `enabled: yes`: true or false.
  e = test::load_error(test::header() + kActors +
                       "levers:\n  - {id: s, kind: sanctions_sectoral, by: army, target: gov, enabled: yes}\n");
  CHECK_THAT(e, Catch::Contains("`enabled` is true or false, got 'yes'; write true or false"));
  // A lever named only to change it, whose id the scenario lacks (a misspelt id in a variant).
  e = test::load_error(test::header() + kActors +
                       "levers:\n  - {id: sanctions, kind: sanctions_sectoral, by: army, target: gov}\n"
                       "  - {id: sanctons, enabled: false}\n");
  CHECK_THAT(e, Catch::Contains("no lever 'sanctons' in the scenario to change; did you mean 'sanctions'?"));
  CHECK_THAT(e, !Catch::Contains("needs `kind:`"));
  // A start date that does not exist: one error, not one per dated item.
  e = test::load_error("geosim: 1\nid: t\nstart: 2017-11-31\nincumbent: gov\n" + kActors +
                       "events:\n  - {id: late, at: 2018-03-01, effects: {defection_shock: 0.1}}\n");
  CHECK_THAT(e, Catch::Contains("2017-11-31"));
  CHECK_THAT(e, !Catch::Contains("outside the scenario"));
}

TEST_CASE("a format 1 variant cannot extend a format 2 base", "[errors][extends]") {
  const std::string dir = std::filesystem::temp_directory_path() / ("geosim-v1v2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir + "/base.yaml") << "geosim: 2\nid: b\nstart: 2020-01-06\nhorizon: 10 weeks\nincumbent: gov\n" + kActors;
    std::ofstream(dir + "/v.yaml") << "geosim: 1\nextends: base.yaml\nid: v\n";
    std::ofstream(dir + "/w.yaml") << "extends: base.yaml\nid: w\n";
  }
  std::string err;
  try {
    load_scenario(dir + "/v.yaml");
  } catch (const InputError& x) {
    err = x.what();
  }
  CHECK(err ==
        dir + "/v.yaml:1:9: a `geosim: 1` file cannot extend " + dir +
            "/base.yaml, which is `geosim: 2`; write `geosim: 2`, or leave the key out: a variant takes its base's "
            "format");
  CHECK(load_scenario(dir + "/w.yaml").format_version == 2);
  std::filesystem::remove_all(dir);
}
