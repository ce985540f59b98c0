// Input checks found by an adversarial trial: numbers whose sums overflow, expression errors
// in scalars written over several lines or with escapes, dates past 9999, bare CR line
// endings, and hints that say what works.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/model/expr.h"
#include "engine/scenario/distribution.h"
#include "helpers.h"

using namespace geosim;

namespace {

std::string dist_error(const std::string& text) {
  Diagnostics d;
  Distribution out;
  REQUIRE_FALSE(Distribution::parse(parse_yaml_text(text, FileLoc{"d.yaml", 0, 0}), Range{}, d, out));
  return d.items()[0].str();
}

const std::string kHead = R"(geosim: 1
id: t
start: 2020-01-06
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
  - {id: army, kind: security_force, stance: 0.5}
)";

// The first line of the errors of a scenario whose outcome `fall` has this `when:` (the key
// on line 10, at column 5; its value from column 11).
std::string when_error(const std::string& when) {
  const std::string e = test::load_error(kHead + "outcomes:\n  - id: fall\n    when: " + when +
                                         "\n  - {id: status_quo, default: true}\n");
  return e.substr(0, e.find('\n'));
}

}  // namespace

TEST_CASE("a choice's weights stay within +-1e9, so that their sum cannot overflow", "[dist][errors]") {
  // Two weights of 1e308 added up to infinity and every share to 0: the last value always won.
  CHECK(dist_error("{dist: choice, values: [0, 1], weights: [1e308, 1e308]}") ==
        "d.yaml:1:42: value 1e+308 is beyond the limit of +-1e+09; numbers in a scenario stay within +-1e+09");
  // Within the limit, the shares are what the weights say.
  Diagnostics d;
  Distribution ok;
  REQUIRE(Distribution::parse(
      parse_yaml_text("{dist: choice, values: [0, 1], weights: [1e9, 1e9]}", FileLoc{"d.yaml", 0, 0}), Range{}, d, ok));
  CHECK(ok.quantile(0.25) == 0.0);
  CHECK(ok.quantile(0.75) == 1.0);
  CHECK(ok.mean() == Approx(0.5));
}

TEST_CASE("a cohort's explicit thresholds stay within +-1e9", "[errors]") {
  const std::string e = test::load_error(kHead + R"(cohorts:
  - {id: officers, actor: army, thresholds: [1e308, -1e308, 1e9]}
outcomes:
  - {id: status_quo, default: true}
)");
  CHECK(e ==
        "test.yaml:9:46: value 1e+308 is beyond the limit of +-1e+09; numbers in a scenario stay within +-1e+09\n"
        "test.yaml:9:53: value -1e+308 is beyond the limit of +-1e+09; numbers in a scenario stay within +-1e+09");
}

TEST_CASE("a normal that misses [min, max] says which way to change sd", "[dist][errors]") {
  // The mean inside: the sd is too wide (widening it would only make it worse).
  CHECK(dist_error("{dist: normal, mean: 0.5, sd: 1e13, min: 0, max: 1}") ==
        "d.yaml:1:1: the interval [min, max] holds almost none of this normal's mass; narrow sd: it is far wider than "
        "[min, max]");
  // The mean far outside: move it, or widen sd.
  CHECK(dist_error("{dist: normal, mean: 100, sd: 1, min: 0, max: 1}") ==
        "d.yaml:1:1: the interval [min, max] holds almost none of this normal's mass; move mean inside [min, max] or "
        "widen sd");
}

TEST_CASE("expression errors point at the character, whatever the scalar's style", "[errors][expr]") {
  // One line, plain and quoted: as before.
  CHECK(when_error("defected_share >= 0.5 && nope") ==
        "test.yaml:10:36: unknown variable 'nope' in expression; variables are listed in docs/model.md (state "
        "variables)");
  CHECK_THAT(when_error("\"defected_share >= 0.5 && nope\""), Catch::StartsWith("test.yaml:10:37: unknown variable"));
  // Folded and literal blocks: on the line of the name, not past the end of the key's line.
  CHECK_THAT(when_error(">\n      defected_share >=\n      0.5 && nope"),
             Catch::StartsWith("test.yaml:12:14: unknown variable 'nope'"));
  CHECK_THAT(when_error(">-  # a comment after the header\n      defected_share >=\n      0.5 && nope"),
             Catch::StartsWith("test.yaml:12:14: unknown variable 'nope'"));
  CHECK_THAT(when_error("|\n      defected_share >= 0.5 &&\n        nope > 0"),
             Catch::StartsWith("test.yaml:12:9: unknown variable 'nope'"));
  // Plain, single and double quotes going on over lines.
  CHECK_THAT(when_error("defected_share >=\n      0.5 && nope"),
             Catch::StartsWith("test.yaml:11:14: unknown variable 'nope'"));
  CHECK_THAT(when_error("'defected_share >=\n      0.5 && nope'"),
             Catch::StartsWith("test.yaml:11:14: unknown variable 'nope'"));
  CHECK_THAT(when_error("\"defected_share >=\n      0.5 && nope\""),
             Catch::StartsWith("test.yaml:11:14: unknown variable 'nope'"));
  CHECK_THAT(when_error("\"defected_share >= \\\n      0.5 && nope\""),
             Catch::StartsWith("test.yaml:11:14: unknown variable 'nope'"));
  // Escapes take more characters of the file than of the value: \t is two, \x64 four.
  CHECK_THAT(when_error("\"defected_share\\t>= 0.5 && nope\""),
             Catch::StartsWith("test.yaml:10:38: unknown variable 'nope'"));
  CHECK_THAT(when_error("\"\\x64efected_share >= 0.5 && nope\""),
             Catch::StartsWith("test.yaml:10:40: unknown variable 'nope'"));
  // An anchor before the value.
  CHECK_THAT(when_error("&w defected_share >=\n      0.5 && nope"),
             Catch::StartsWith("test.yaml:11:14: unknown variable 'nope'"));
  // `=` and a comma are located the same way.
  CHECK_THAT(when_error(">\n      defected_share >= 0.5 &&\n      talks = 1"),
             Catch::StartsWith("test.yaml:12:13: `=` assigns to a variable"));
  CHECK_THAT(when_error(">\n      defected_share >= 0.5,\n      talks"),
             Catch::StartsWith("test.yaml:11:28: a condition is one expression"));
}

TEST_CASE("places that cannot be worked out point at the start of the value", "[errors][expr]") {
  const FileLoc start{"f.yaml", 4, 9};
  TextPlaces none;
  CHECK(none.at(start, 17).str() == "f.yaml:4:9");
  TextPlaces two;
  two.pieces = {{0, 4, 9}, {10, 5, 3}};
  CHECK(two.at(start, 9).str() == "f.yaml:4:18");
  CHECK(two.at(start, 12).str() == "f.yaml:5:5");
  Diagnostics d;
  check_expression("a &&\nnope", start, VarNames({"a"}), d, &none);
  REQUIRE(d.size() == 1);
  CHECK(d.items()[0].loc.str() == "f.yaml:4:9");
  // A doubled quote in single quotes is one character of the value, two of the file.
  const YNode n = parse_yaml_text("k: 'a''b c'\n", FileLoc{"q.yaml", 0, 0});
  REQUIRE(n.find("k")->places);
  CHECK(n.find("k")->places->at(n.find("k")->loc, 4).str() == "q.yaml:1:10");
  // A byte-order mark does not shift them (yaml-cpp's marks do not count it).
  const YNode b = parse_yaml_text("\xEF\xBB\xBFk: >\n  a bc\n", FileLoc{"b.yaml", 0, 0});
  REQUIRE(b.find("k")->places);
  CHECK(b.find("k")->places->at(b.find("k")->loc, 3).str() == "b.yaml:2:6");
  // A plain value on one line needs no places.
  CHECK_FALSE(parse_yaml_text("k: a b c\n", FileLoc{"q.yaml", 0, 0}).find("k")->places);
}

TEST_CASE("expression hints say what works: no `not`, unknown functions", "[errors][expr]") {
  CHECK(when_error("\"not (defected_share < 0.5)\"") ==
        "test.yaml:10:12: there is no 'not' in an expression; invert the comparison (defected_share >= 0.5 rather "
        "than not (defected_share < 0.5)), or compare the condition with 0: (defected_share < 0.5) == 0");
  // The hint's second way works.
  CHECK(when_error("\"(defected_share < 0.5) == 0\"").find("fall") == std::string::npos);
  const std::string f = when_error("\"foo(defected_share) > 0.5\"");
  CHECK_THAT(f, Catch::StartsWith("test.yaml:10:12: unknown function 'foo' in expression; the functions are "));
  CHECK_THAT(f, Catch::Contains("abs") && Catch::Contains("max") && Catch::Contains("sqrt"));
  CHECK_THAT(when_error("\"mx(defected_share, 0.2) > 0.5\""),
             Catch::Contains("unknown function 'mx' in expression; did you mean 'max'? the functions are "));
}

TEST_CASE("a scenario may not run past 9999-12-31", "[errors][dates]") {
  const std::string tail = R"(incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
outcomes:
  - {id: status_quo, default: true}
)";
  CHECK(test::load_error("geosim: 1\nid: t\nstart: 9999-12-31\n" + tail) ==
        "test.yaml:3:8: the scenario runs past 9999-12-31 (52 weeks from 9999-12-31), the last date a scenario can "
        "reach; start earlier or shorten the horizon");
  CHECK(test::load_error("geosim: 1\nid: t\nstart: 9999-01-04\nhorizon: 52\n" + tail) ==
        "test.yaml:4:10: the scenario runs past 9999-12-31 (52 weeks from 9999-01-04), the last date a scenario can "
        "reach; start earlier or shorten the horizon");
  // Weekly steps past `until`'s date.
  CHECK_THAT(test::load_error("geosim: 1\nid: t\nstart: 9999-12-01\nuntil: 9999-12-31\n" + tail),
             Catch::StartsWith("test.yaml:4:8: the scenario runs past 9999-12-31 (5 weeks from 9999-12-01)"));
  // The last day 9999-12-31 itself is fine.
  CHECK(test::load_error("geosim: 1\nid: t\nstart: 9999-12-25\nhorizon: 1\n" + tail).empty());
  CHECK(test::load_error("geosim: 1\nid: t\nstart: 9999-12-31\nstep: day\nhorizon: 1\n" + tail).empty());
}

TEST_CASE("an event's date outside the scenario names its last day", "[errors][dates]") {
  // One weekly step from 2020-01-06 covers 2020-01-06 to 2020-01-12.
  CHECK(test::load_error(kHead + R"(horizon: 1
events:
  - {id: late, at: 2020-01-13, effects: {defection_shock: 0.1}}
outcomes:
  - {id: status_quo, default: true}
)") == "test.yaml:10:20: the event's date 2020-01-13 lies outside the scenario (2020-01-06 to 2020-01-12)");
}

TEST_CASE("bare CR line endings are named, not read as an empty file", "[errors][yaml]") {
  try {
    parse_yaml_text("# an old Mac file\rgeosim: 1\rid: t\r", FileLoc{"mac.yaml", 0, 0});
    FAIL("a file of bare CRs was read");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "mac.yaml:1:18: a line ends in a bare CR (carriage return without line feed, as old Mac files have); "
          "convert the line endings to LF (or CRLF), for example with `tr '\\r' '\\n'`");
  }
  // CRLF is fine.
  CHECK(parse_yaml_text("geosim: 1\r\nid: t\r\n", FileLoc{"dos.yaml", 0, 0}).find("id")->scalar == "t");
}

TEST_CASE("a decision first taken after the horizon is refused in a file", "[errors][dates]") {
  const std::string yaml = R"(geosim: 2
id: late
start: 2020-01-06
horizon: 10 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9, assumption: x}
  - {id: opp, kind: opposition, stance: -0.9, assumption: x}
levers:
  - {id: talk, kind: mediation, by: opp, target: gov, assumption: x}
  - {id: push, kind: mediation, by: opp, target: gov, intensity: 0.5, assumption: x}
decisions:
  - {id: choose, actor: opp, from: 2030-01-01, assumption: x, options: [{id: a, lever: talk}, {id: b, lever: push}]}
outcomes:
  - {id: status_quo, default: true}
)";
  CHECK(test::load_error(yaml) ==
        "test.yaml:13:36: the decision is first taken (2030-01-01) after the horizon (2020-03-15); move `from` into "
        "the scenario's dates, or remove the decision");
  // Inside the horizon it loads.
  std::string inside = yaml;
  inside.replace(inside.find("2030-01-01"), 10, "2020-02-03");
  CHECK(test::load_error(inside).empty());
}
