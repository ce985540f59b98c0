// Hostile and broken inputs on the reading side: files that are not regular files, text
// that is not UTF-8, maps of a million keys, merges of large files, expressions that would
// write into the state, distributions the sampler cannot draw, and stop requests during a
// long run.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "engine/core/text_file.h"
#include "engine/model/expr.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/distribution.h"
#include "engine/scenario/loader.h"
#include "engine/scenario/number_limits.h"
#include "helpers.h"
#include "tests/cli.h"

using namespace geosim;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("only regular files are read, and never past the byte limit", "[files]") {
  SECTION("a device is refused without reading it") {
    FileRead r = try_read_regular_file("/dev/zero", 1024);
    CHECK(r.problem == FileProblem::NotRegular);
    CHECK(r.text.empty());
  }
  SECTION("a FIFO is refused at once, with no writer") {
    const std::string fifo = test::temp_path("fifo.yaml");
    fs::remove(fifo);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    FileRead r = try_read_regular_file(fifo, 1024);  // would block forever if it waited for a writer
    fs::remove(fifo);
    CHECK(r.problem == FileProblem::NotRegular);
  }
  SECTION("a regular file that reports size 0 is still read up to the limit") {
    FileRead r = try_read_regular_file("/proc/self/status", 1 << 20);
    REQUIRE(r.problem == FileProblem::None);
    CHECK(r.text.find("Name:") != std::string::npos);
    FileRead small = try_read_regular_file("/proc/self/status", 16);
    CHECK(small.problem == FileProblem::TooLarge);
  }
  SECTION("missing files, folders and overlong names are told apart") {
    CHECK(try_read_regular_file(test::temp_path("absent.yaml"), 10).problem == FileProblem::Missing);
    CHECK(try_read_regular_file(fs::temp_directory_path().string(), 10).problem == FileProblem::Folder);
    CHECK(try_read_regular_file(std::string(5000, 'a'), 10).problem == FileProblem::NameTooLong);
  }
  SECTION("a file of exactly the limit is read whole") {
    const std::string path = test::temp_path("exact.txt");
    write(path, std::string(100, 'x'));
    CHECK(try_read_regular_file(path, 100).text.size() == 100);
    CHECK(try_read_regular_file(path, 99).problem == FileProblem::TooLarge);
    fs::remove(path);
  }
}

TEST_CASE("invalid UTF-8 is found with its place", "[files][utf8]") {
  CHECK(find_invalid_utf8("plain ascii") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xe9") == 3);        // Latin-1
  CHECK(find_invalid_utf8("ab\xc0\xaf") == 2);     // overlong '/'
  CHECK(find_invalid_utf8("x\xed\xa0\x80") == 1);  // a surrogate (CESU-8)
  CHECK(find_invalid_utf8("x\xe2\x82") == 1);      // cut short
  std::string text = "a: 1\nb: caf\xe9\n";
  CHECK(loc_of_offset("f.yaml", text, find_invalid_utf8(text)).str() == "f.yaml:2:7");

  // In a scenario: refused at load, in the file and in a --set value.
  std::string err = test::load_error("geosim: 1\nid: t\ntitle: \"caf\xe9\"\n");
  CHECK(err.find(":3:12: invalid UTF-8 (byte 0xE9)") != std::string::npos);
  // An escape that makes a NUL: valid bytes in the file, text that would be cut short.
  err = test::load_error("geosim: 1\nid: t\ntitle: \"a\\0b\"\n");
  CHECK(err.find(":3:8: text contains a NUL character") != std::string::npos);
  err = error_of([] {
    LoadOptions lo;
    lo.sets = {"title=caf\xe9"};
    load_scenario(test::kTeaching, lo);
  });
  CHECK(err.find("invalid UTF-8") != std::string::npos);
}

TEST_CASE("the duplicate-key check and merges stay linear in the number of keys", "[yaml][limits]") {
  // 50,000 keys: a pairwise check compares 1.25e9 pairs; the hash set, 50,000 keys.
  const int n = 50000;
  std::string text;
  text.reserve(static_cast<size_t>(n) * 14);
  for (int i = 0; i < n; ++i) text += "k" + std::to_string(i) + ": 1\n";
  YNode big = parse_yaml_text(text, FileLoc{"big.yaml", 0, 0});
  REQUIRE(big.map.size() == static_cast<size_t>(n));
  std::string dup = text + "k17: 2\n";
  std::string err = error_of([&] { parse_yaml_text(dup, FileLoc{"big.yaml", 0, 0}); });
  CHECK(err == "big.yaml:" + std::to_string(n + 1) + ":1: duplicate key 'k17'; each key may appear once in a map");

  // Merging two large maps: every key of the overlay replaces or joins the base's.
  YNode overlay = parse_yaml_text("k5: 7\nnew: 1\n" + std::string(), FileLoc{"o.yaml", 0, 0});
  for (int i = 0; i < 40; ++i) overlay.set("x" + std::to_string(i), YNode{}, FileLoc{"o.yaml", 9, 1});
  merge_yaml(big, overlay);
  CHECK(big.map.size() == static_cast<size_t>(n) + 41);
  CHECK(big.find("k5")->scalar == "7");
  CHECK(big.key_loc("k5").file == "o.yaml");
  CHECK(big.find("new")->scalar == "1");
}

TEST_CASE("limits are checked in a streaming pass before any tree is built", "[yaml][limits]") {
  // A map of more keys than the limit, and more values than the limit, are refused at the
  // value past it, by the probe that walks the parser's events (no tree: time and memory stay
  // those of one scan of the text).
  std::string text;
  for (int i = 0; i < 12; ++i) text += "k" + std::to_string(i) + ": 1\n";
  YamlLimits limits;
  limits.max_map_keys = 10;
  CHECK(error_of([&] {
          parse_yaml_text(text, FileLoc{"m.yaml", 0, 0}, limits);
        }) ==
        "m.yaml:11:1: a map with more than 10 keys; a scenario needs far fewer; is this the right file? "
        "(docs/errors.md lists the limits)");
  limits.max_map_keys = 12;
  CHECK(parse_yaml_text(text, FileLoc{"m.yaml", 0, 0}, limits).map.size() == 12);
  limits.max_nodes = 20;
  CHECK(error_of([&] {
          parse_yaml_text(text, FileLoc{"m.yaml", 0, 0}, limits);
        }) ==
        "m.yaml:10:5: more than 20 values in the file; a scenario needs far fewer; is this the right file? "
        "(docs/errors.md lists the limits)");
  // The default: 100,000 keys in one map.
  CHECK(YamlLimits{}.max_map_keys == 100000);
}

TEST_CASE("aliases cannot multiply long file names past the memory limit", "[yaml][limits]") {
  // 11,111 values in the text's own terms, each remembering a 3,000-character file name: 33 MB
  // of names, over the 512 bytes a value that 20,000 values allow (10 MB).
  const std::string text =
      "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
      "a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
      "a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\n"
      "a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n";
  YamlLimits limits;
  limits.max_nodes = 20000;
  std::string long_name;
  for (int i = 0; i < 1500; ++i) long_name += "./";
  long_name += "base.yaml";
  // What aliases copy is bounded first, in the streaming pass (35 MB of names in all; the
  // fourth alias of a3 passes 16 MiB).
  std::string err = error_of([&] { parse_yaml_text(text, FileLoc{long_name, 0, 0}, limits); });
  INFO(err.substr(err.size() - 200));
  CHECK(err.find(":4:25: aliases (*name) copy more than 16 MiB of values; each alias copies its anchor") !=
        std::string::npos);
  // The tree's memory in all, too, with that bound lifted.
  limits.max_alias_bytes = 1u << 30;
  err = error_of([&] { parse_yaml_text(text, FileLoc{long_name, 0, 0}, limits); });
  CHECK(err.find("the values of the file take more than 9 MiB once aliases are expanded") != std::string::npos);
  // The same values under a short name fit.
  limits.max_alias_bytes = YamlLimits{}.max_alias_bytes;
  CHECK(parse_yaml_text(text, FileLoc{"base.yaml", 0, 0}, limits).map.size() == 4);
}

TEST_CASE("aliases of aliases are refused at the alias past the limit before any tree is built", "[yaml][limits]") {
  // A "billion laughs" of 350 bytes in a --set value: 9^9 values once expanded, refused in a
  // fraction of a second at the alias that passes 16 MiB of copies (it took 1 GB and 7 s).
  const std::string lol =
      "[&a [1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], "
      "&d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], "
      "&g [*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g], &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]]";
  const auto t0 = std::chrono::steady_clock::now();
  std::string err = error_of([&] { parse_yaml_text(lol, FileLoc{"--set x=" + lol, 1, 9}); });
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  INFO(err);
  CHECK(err.find(":1:149: aliases (*name) copy more than 16 MiB of values; each alias copies its anchor, an alias of "
                 "an alias every value it reaches; use fewer (docs/errors.md lists the limits)") != std::string::npos);
  // The count of values copied: b's aliases copy 9 x 10 values (a's list and its items), each
  // *b then 91 (b's list and those 90), so the 11th *b passes 1,000.
  const std::string nested =
      "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
  YamlLimits limits;
  limits.max_alias_values = 1000;
  CHECK(error_of([&] {
          parse_yaml_text(nested, FileLoc{"n.yaml", 0, 0}, limits);
        }) ==
        "n.yaml:3:45: aliases (*name) copy more than 1000 values; each alias copies its anchor, an alias of an alias "
        "every value it reaches; use fewer (docs/errors.md lists the limits)");
  // 90 copies in b and 10 x 91 in c's ten: 1,000 values, within the limit; the tree holds them all.
  const std::string ten =
      "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
  YNode t = parse_yaml_text(ten, FileLoc{"n.yaml", 0, 0}, limits);
  REQUIRE(t.find("c")->seq.size() == 10);
  CHECK(t.find("c")->seq[9].seq[8].seq.size() == 9);
  // The defaults.
  CHECK(YamlLimits{}.max_alias_values == 100000);
  CHECK(YamlLimits{}.max_alias_bytes == 16u << 20);
}

TEST_CASE("a long override's values do not each copy its whole text as their label", "[yaml][limits]") {
  // 30,000 values in 60 KB of --set text: each value remembers where it came from, and the
  // label `--set PATH=VALUE` of 60 KB copied into each was 1.8 GB. It is cut to 200 bytes
  // and an ellipsis; places still count in the whole text.
  std::string list = "[";
  for (int i = 0; i < 30000; ++i) list += i == 0 ? "1" : ",1";
  const std::string label = "--set newkey=" + list;  // without its closing bracket: a syntax error
  std::string err = error_of([&] { parse_yaml_text(list, FileLoc{label, 1, 14}); });
  const std::string cut = label.substr(0, 200) + "\xE2\x80\xA6";
  INFO(err.substr(0, 300));
  CHECK(err.rfind(cut + ":1:", 0) == 0);
  list += "]";
  YNode v = parse_yaml_text(list, FileLoc{label, 1, 14});
  REQUIRE(v.seq.size() == 30000);
  CHECK(v.seq[29999].loc.file == cut);
  CHECK(v.seq[29999].loc.on_command_line());
  CHECK(v.seq[29999].loc.column == 14 + 2 * 29999 + 1);
  // A short one is kept whole, and so is a file's name, however long.
  CHECK(parse_yaml_text("[1]", FileLoc{"--set a=[1]", 1, 9}).seq[0].loc.file == "--set a=[1]");
  const std::string long_file = std::string(300, 'd') + ".yaml";
  CHECK(parse_yaml_text("[1]", FileLoc{long_file, 0, 0}).seq[0].loc.file == long_file);
}

TEST_CASE("merging large id lists gives what merging small ones gives", "[yaml]") {
  // Same overlay on a base of 3 items (linear search) and of 40 items (indexed).
  for (int n : {3, 40}) {
    std::string base = "l:\n";
    for (int i = 0; i < n; ++i) base += "  - {id: i" + std::to_string(i) + ", v: " + std::to_string(i) + "}\n";
    YNode b = parse_yaml_text(base, FileLoc{"b.yaml", 0, 0});
    YNode o = parse_yaml_text(
        "l:\n  - {id: i1, remove: true}\n  - {id: new, v: 9, w: 1}\n  - {id: i2, v: 22}\n"
        "  - {id: i1, v: 11}\n",
        FileLoc{"o.yaml", 0, 0});
    merge_yaml(b, o);
    const auto& l = b.find("l")->seq;
    REQUIRE(l.size() == static_cast<size_t>(n) + 1);  // i1 removed then added again, `new` added once
    CHECK(l[0].find("id")->scalar == "i0");
    CHECK(l[1].find("id")->scalar == "i2");
    CHECK(l[1].find("v")->scalar == "22");
    CHECK(l[static_cast<size_t>(n) - 1].find("id")->scalar == "new");
    CHECK(l[static_cast<size_t>(n) - 1].find("w")->scalar == "1");
    CHECK(l[static_cast<size_t>(n)].find("id")->scalar == "i1");
    CHECK(l[static_cast<size_t>(n)].find("v")->scalar == "11");
    // An id named twice without a removal first is refused, at its second mention.
    YNode again =
        parse_yaml_text("l:\n  - {id: new, v: 9}\n  - {id: i2, v: 22}\n  - {id: new, w: 1}\n", FileLoc{"o.yaml", 0, 0});
    const std::string err = test::error_of([&] { merge_yaml(b, again); });
    CHECK(err.find("o.yaml:4:10: id 'new' appears twice in this list") != std::string::npos);
  }
}

TEST_CASE("a file of a thousand unknown keys lists the first 200 and counts the rest", "[errors][limits]") {
  std::string text =
      "geosim: 1\nid: t\nstart: 2020-01-06\nincumbent: gov\nactors: [{id: gov}]\n"
      "outcomes: [{id: status_quo, default: true}]\n";
  for (int i = 0; i < 1000; ++i) text += "bad" + std::to_string(i) + ": 1\n";
  std::string err = test::load_error(text);
  size_t lines = static_cast<size_t>(std::count(err.begin(), err.end(), '\n')) + 1;
  CHECK(lines == 201);
  CHECK(err.find("unknown key 'bad199'") != std::string::npos);
  CHECK(err.find("unknown key 'bad200'") == std::string::npos);
  CHECK(err.find("test.yaml: and 800 more unknown keys, not shown; fix the ones above first") != std::string::npos);
}

TEST_CASE("expressions may only read the state", "[expr]") {
  const VarNames names({"resources", "talks"});
  for (const char* bad : {"resources = 0.01", "talks += 1", "resources -= 1", "(talks *= 2) > 0", "talks/=2",
                          "resources >= 0 && (talks = 1)"}) {
    Diagnostics d;
    check_expression(bad, FileLoc{"f.yaml", 3, 10}, names, d);
    INFO(bad);
    REQUIRE(d.size() == 1);
    CHECK(d.items()[0].message.find("assigns to a variable") != std::string::npos);
    CHECK(d.items()[0].hint.find("==") != std::string::npos);
  }
  for (const char* good :
       {"resources == 0.01", "talks != 1", "resources <= 0.5", "resources >= 0.5 && talks == 1", "resources==1"}) {
    Diagnostics d;
    check_expression(good, FileLoc{"f.yaml", 3, 10}, names, d);
    INFO(good);
    CHECK(d.empty());
  }
  // The column points at the operator.
  Diagnostics d;
  check_expression("resources = 0.01", FileLoc{"f.yaml", 3, 10}, names, d);
  CHECK(d.items()[0].loc.str() == "f.yaml:3:20");
}

TEST_CASE("a beta distribution is refused where its sampler cannot draw in bounded time", "[distributions]") {
  auto parse = [](const std::string& yaml, Distribution& d) {
    Diagnostics diags;
    YNode n = parse_yaml_text(yaml, FileLoc{"d.yaml", 0, 0});
    bool ok = Distribution::parse(n, Range{0, 1}, diags, d);
    return ok && diags.empty();
  };
  Distribution d;
  CHECK_FALSE(parse("{dist: beta, mean: 0.5, sd: 1e-13}", d));
  CHECK_FALSE(parse("{dist: beta, mean: 4.9e-324, sd: 4.9e-324}", d));
  // Just inside the bound: alpha + beta = 1e6 - 1; every quantile is finite and in [0, 1].
  double m = 0.5, sd = std::sqrt(m * (1 - m) / kMaxBetaConcentration);
  REQUIRE(parse("{dist: beta, mean: 0.5, sd: " + std::to_string(sd) + "}", d));
  for (double u : {1e-16, 0.001, 0.5, 0.999, 1 - 1e-16}) {
    double x = d.quantile(u);
    CHECK(std::isfinite(x));
    CHECK(x >= 0);
    CHECK(x <= 1);
  }
  // Tiny means are drawn (as 0 or nearly) without overflow.
  REQUIRE(parse("{dist: beta, mean: 1e-300, sd: 1e-151}", d));
  CHECK(std::isfinite(d.quantile(0.999)));
}

TEST_CASE("a stop request ends the runs within a run, not after a block of runs", "[runner][stop]") {
  // One block (256 runs) of a long scenario: far more than the 0.2 s before the request.
  Scenario sc = test::from_text(R"(geosim: 1
id: t
start: 2020-01-06
step: day
horizon: 20000
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
  - {id: army, kind: security_force, stance: 0.5}
cohorts:
  - {id: troops, actor: army, units: 20000, threshold: {dist: normal, mean: 5, sd: 1}}
outcomes:
  - {id: collapse, when: "defected_share >= 0.99"}
  - {id: status_quo, default: true}
)");
  Model model(sc);
  std::atomic<bool> stop{false};
  RunOptions ro;
  ro.runs = 256;
  ro.stop = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.store(true);
  });
  Accumulator acc = run_monte_carlo(model, ro);
  stopper.join();
  CHECK(acc.runs() < ro.runs);
}
