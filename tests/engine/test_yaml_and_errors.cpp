#include <catch2/catch.hpp>

#include "engine/core/dates.h"
#include "engine/core/error.h"
#include "engine/core/text_file.h"
#include "engine/model/expr.h"
#include "engine/scenario/loader.h"
#include "helpers.h"

using namespace geosim;

TEST_CASE("closest_match suggests the intended word and nothing far away", "[errors]") {
  std::vector<std::string> keys = {"stance", "salience", "capability", "stubbornness"};
  CHECK(closest_match("stnace", keys) == "stance");
  CHECK(closest_match("capabilty", keys) == "capability");
  CHECK(closest_match("zzzzzzzz", keys).empty());
}

TEST_CASE("diagnostics render as file:line:col: message, hint", "[errors]") {
  Diagnostic d{FileLoc{"a.yaml", 3, 7}, "unknown key 'x'", "did you mean 'y'?"};
  CHECK(d.str() == "a.yaml:3:7: unknown key 'x'; did you mean 'y'?");
  CHECK(FileLoc{"a.yaml", 0, 0}.str() == "a.yaml");
}

TEST_CASE("control characters and separators and bidirectional controls are found but other text is not", "[errors]") {
  // Each found, with its code point and length, inside other text.
  const std::vector<std::pair<std::string, unsigned>> found = {
      {"\x1b", 0x1b},           {"\x7f", 0x7f},           {"\xc2\x85", 0x85},       {"\xc2\x9f", 0x9f},
      {"\xd8\x9c", 0x61c},      {"\xe2\x80\x8e", 0x200e}, {"\xe2\x80\x8f", 0x200f}, {"\xe2\x80\xa8", 0x2028},
      {"\xe2\x80\xa9", 0x2029}, {"\xe2\x80\xaa", 0x202a}, {"\xe2\x80\xae", 0x202e}, {"\xe2\x81\xa6", 0x2066},
      {"\xe2\x81\xa9", 0x2069}};
  for (const auto& [c, cp] : found) {
    INFO(cp);
    const std::string s = "ab" + c + "cd";
    CHECK(find_control(s) == 2);
    CHECK(control_code_point(s, 2) == cp);
    CHECK(control_length(s, 2) == c.size());
    CHECK(one_line(s) == "ab cd");
  }
  // Their neighbours are text: accents, a no-break space, dashes, quotes, an ellipsis, U+2070.
  for (const std::string s : {"caf\xc3\xa9",
                              "a\xc2\xa0"
                              "b",
                              "\xe2\x80\x94", "\xe2\x80\x9c\xe2\x80\x9d", "\xe2\x80\xa6", "\xe2\x80\xaf",
                              "\xe2\x81\xa5", "\xe2\x81\xb0", "\xd8\x9b"}) {
    INFO(s);
    CHECK(find_control(s) == std::string::npos);
  }
  // A location on the command line shows them as spaces; a file's name is shown as it is.
  CHECK(FileLoc{"--set title=a\xe2\x80\xae"
                "b",
                1, 7}
            .str() == "--set title=a b:1:7");
  CHECK(FileLoc{"--set title=a\x1b[31mb", 1, 7}.str() == "--set title=a [31mb:1:7");
}

TEST_CASE("dates parse, print and reject impossible days", "[dates]") {
  auto d = parse_date("2019-01-23");
  REQUIRE(d);
  CHECK(d->str() == "2019-01-23");
  CHECK(d->plus_days(7).str() == "2019-01-30");
  CHECK_FALSE(parse_date("2019-02-30"));
  CHECK_FALSE(parse_date("2019-1-23"));
  CHECK_FALSE(parse_date("yesterday"));
}

TEST_CASE("YAML nodes remember file, line and column", "[yaml]") {
  YNode n = parse_yaml_text("a: 1\nb:\n  c: [1, 2]\n", FileLoc{"f.yaml", 0, 0});
  REQUIRE(n.is_map());
  CHECK(n.find("a")->loc.str() == "f.yaml:1:4");
  CHECK(n.find("b")->find("c")->seq[1].loc.str() == "f.yaml:3:10");
  CHECK(n.key_loc("b").str() == "f.yaml:2:1");
}

TEST_CASE("merge_yaml merges maps by key and id-lists by id", "[yaml][extends]") {
  YNode base = parse_yaml_text("x: 1\nlevers:\n  - {id: a, v: 1}\n  - {id: b, v: 2}\n", FileLoc{"base.yaml", 0, 0});
  YNode over = parse_yaml_text("x: 2\nlevers:\n  - {id: b, v: 3}\n  - {id: a, remove: true}\n  - {id: c, v: 4}\n",
                               FileLoc{"over.yaml", 0, 0});
  merge_yaml(base, over);
  CHECK(base.find("x")->scalar == "2");
  CHECK(base.find("x")->loc.file == "over.yaml");
  const YNode* l = base.find("levers");
  REQUIRE(l->seq.size() == 2);
  CHECK(l->seq[0].find("id")->scalar == "b");
  CHECK(l->seq[0].find("v")->scalar == "3");
  CHECK(l->seq[1].find("id")->scalar == "c");
}

TEST_CASE("apply_set walks maps by key and lists by id", "[yaml][set]") {
  YNode n = parse_yaml_text("levers:\n  - {id: oil, intensity: 0.8}\n", FileLoc{"f.yaml", 0, 0});
  apply_set(n, "levers.oil.intensity=0.5");
  CHECK(n.find("levers")->seq[0].find("intensity")->scalar == "0.5");
  apply_set(n, "levers.oil.credibility={dist: uniform, min: 0, max: 1}");
  CHECK(n.find("levers")->seq[0].find("credibility")->is_map());
  CHECK_THROWS_WITH(apply_set(n, "levers.oli.intensity=0.5"),
                    "--set levers.oli.intensity=0.5:1:1: no item with id 'oli' in 'levers'; did you mean 'oil'?");
  CHECK_THROWS_WITH(apply_set(n, "lever.oil.intensity=1"),
                    "--set lever.oil.intensity=1:1:1: no 'lever' in the scenario; did you mean 'levers'?");
  CHECK_THROWS_WITH(apply_set(n, "novalue"),
                    "--set novalue:1:1: expected PATH=VALUE; for example --set levers.oil_sanctions.intensity=0.5");
}

TEST_CASE("deeply nested YAML is refused before the parser recurses", "[yaml][limits]") {
  std::string deep(10000, '[');
  CHECK_THROWS_WITH(parse_yaml_text("a: " + deep, FileLoc{"deep.yaml", 0, 0}),
                    Catch::Contains("deep.yaml:1:68: nesting deeper than 64 levels"));
}

TEST_CASE("apply_set finds keys that contain dots", "[yaml][set]") {
  YNode n = parse_yaml_text("events:\n  - id: coup\n    hazard: {drivers: {fired.coup: 0.5, talks: 1}}\n",
                            FileLoc{"f.yaml", 0, 0});
  apply_set(n, "events.coup.hazard.drivers.fired.coup=2");
  const YNode* d = n.find("events")->seq[0].find("hazard")->find("drivers");
  CHECK(d->find("fired.coup")->scalar == "2");
  CHECK(d->find("talks")->scalar == "1");
  // A new driver named by a state variable with dots takes the rest of the path as its name.
  apply_set(n, "events.coup.hazard.drivers.stance.army=0.3");
  CHECK(d->find("stance.army")->scalar == "0.3");
  CHECK(!d->find("stance"));
  apply_set(n, "events.coup.hazard.drivers.stance.economy.army=0.4");
  CHECK(d->find("stance.economy.army")->scalar == "0.4");
  CHECK_THROWS_WITH(apply_set(n, "events.coup.hazard.drivers.stance..army=1"),
                    Catch::Contains("empty segment in path"));
  // A hazard with no drivers yet gets its first.
  apply_set(n, "events.coup.hazard={annual: 0.1}");
  apply_set(n, "events.coup.hazard.drivers.fired.coup=0.7");
  CHECK(n.find("events")->seq[0].find("hazard")->find("drivers")->find("fired.coup")->scalar == "0.7");
}

TEST_CASE("a key set to ~ by --set is cleared: the scenario is built as if it were not written", "[yaml][set]") {
  // The sanctions' `from` cleared: they start with the run, as a lever with no `from` does.
  YNode tree = load_scenario_tree(test::kTeaching);
  YNode* lever = &tree.find("levers")->seq[0];
  REQUIRE(lever->find("id")->scalar == "sanctions");
  REQUIRE(lever->erase("from"));
  const Scenario without = build_scenario(tree, test::kTeaching);
  const Scenario cleared = test::teaching({"levers.sanctions.from=~"});
  const Scenario as_written = test::teaching();
  CHECK(as_written.levers[0].start_step > 0);
  CHECK(cleared.levers[0].start_step == 0);
  CHECK(cleared.levers[0].start_step == without.levers[0].start_step);
  CHECK(test::outcome_counts(cleared, 2000, 3) == test::outcome_counts(without, 2000, 3));
  CHECK(test::outcome_counts(cleared, 2000, 3) != test::outcome_counts(as_written, 2000, 3));
  // The hash covers the tree as given, so the record says a key was cleared.
  CHECK(cleared.content_hash != without.content_hash);
  // A key the file does not have: nothing to clear.
  CHECK(test::outcome_counts(test::teaching({"levers.sanctions.until=~"}), 2000, 3) ==
        test::outcome_counts(as_written, 2000, 3));
  // A required key cleared is missing, and said so.
  CHECK_THROWS_WITH(test::teaching({"start=~"}), Catch::Contains("needs `start:`"));
  // A list's item is not a key.
  CHECK_THROWS_WITH(test::teaching({"levers.sanctions=~"}), Catch::Contains("is an item of a list"));
}

TEST_CASE("an expression's parser holds the variables it names, not every state variable", "[expr]") {
  // 10,000 state variables, some named like others' prefixes and suffixes.
  std::vector<std::string> list;
  for (int i = 0; i < 10000; ++i) list.push_back("v" + std::to_string(i));
  list.push_back("fired.coup");
  list.push_back("fired");
  const VarNames names(list);
  std::vector<double> vars(names.size(), 0.0);
  vars[7] = 2;
  vars[10000] = 1;
  const BoundExpr e("v7 * fired.coup + v70 >= 2 && v7 > 1.5e0", names, vars.data());
  CHECK(e.variables_defined() == 3);  // v7, fired.coup, v70
  CHECK(e.holds());
  vars[7] = 1;
  CHECK_FALSE(e.holds());
  // What the lint reads is unchanged: the indices of the names.
  CHECK(expression_vars("fired.coup + v9999 > v0", names) == std::vector<int>{10000, 0, 9999});  // by name
  // A name the expression does not hold is unknown to it, as before.
  Diagnostics d;
  check_expression("v7 + w7 > 0", FileLoc{"f.yaml", 3, 10}, names, d);
  REQUIRE(d.size() == 1);
  CHECK(d.items()[0].str() == "f.yaml:3:15: unknown variable 'w7' in expression; did you mean 'v7'?");
  // Over muParser's length: said with the limit.
  Diagnostics long_one;
  std::string sum = "v0";
  while (sum.size() < 20000) sum += "+v0";
  check_expression(sum + " > 0", FileLoc{"f.yaml", 4, 10}, names, long_one);
  REQUIRE(long_one.size() == 1);
  CHECK_THAT(long_one.items()[0].str(), Catch::Contains("characters long; an expression holds fewer than 20000"));
}
