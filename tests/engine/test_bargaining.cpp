// Tests of the expected-utility bargaining model (docs/bargaining.md).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "helpers.h"
#include "engine/core/error.h"
#include "engine/stance/bargaining.h"

namespace b = geosim::bargaining;
namespace fs = std::filesystem;

namespace {

using geosim::test::ec_actors;

// The test data live in tests/data; the CMake build names the source tree, and a build
// without it (a quick g++ line) finds it from this file's path.
std::string data_path(const std::string& name) {
#ifdef GEOSIM_SOURCE_DIR
  const fs::path tests = fs::path(GEOSIM_SOURCE_DIR) / "tests";
#else
  const fs::path tests = fs::path(__FILE__).parent_path().parent_path();
#endif
  return (tests / "data" / name).string();
}

// Files written by write_temp(), removed when the test binary exits.
struct TempFiles {
  std::vector<fs::path> paths;
  ~TempFiles() {
    std::error_code ignored;
    for (const auto& p : paths) fs::remove(p, ignored);
  }
};
TempFiles temp_files;

// Writes `text` to a fresh file in the temp folder and returns its path.
std::string write_temp(const std::string& name, const std::string& text) {
  // The pid keeps two builds' test runs (say, a sanitizer build beside a release one) apart.
  const fs::path p = fs::temp_directory_path() /
                     ("geosim_test_bargaining_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << text;
  temp_files.paths.push_back(p);
  return p.string();
}

// The lines of an error message, each prefixed with the file's path.
std::string at(const std::string& path, const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : "\n") + path + l;
  return s;
}

// One round of a hand-worked case; returns the moves.
std::vector<b::Move> one_round(const std::vector<b::Actor>& actors) {
  const std::vector<b::Round> rounds = b::simulate(actors, 1);
  REQUIRE(rounds.size() == 2);
  return rounds[1].moves;
}

const double kSqrt2 = std::sqrt(2.0);

}  // namespace

TEST_CASE("bargaining reproduces the published EC emission-standards table", "[bargaining]") {
  // Scholz, Calbert & Smith (2011), rounds 0-10.
  const double median[] = {7.0, 8.416, 9.611, 9.962, 9.962, 9.962, 7.472, 8.825, 9.671, 9.671, 7.0};
  const double mean[] = {7.390, 7.461, 7.553, 7.590, 7.358, 7.349,
                         7.415, 7.511, 7.572, 7.325, 7.242};
  const std::vector<b::Round> rounds = b::simulate(ec_actors(), 10);
  REQUIRE(rounds.size() == 11);
  for (int t = 0; t <= 10; ++t) {
    INFO("round " << t);
    CHECK(rounds[t].round == t);
    CHECK(rounds[t].median == Approx(median[t]).margin(1e-3));
    CHECK(rounds[t].mean == Approx(mean[t]).margin(1e-3));
  }
  CHECK(rounds[0].moves.empty());
  CHECK(rounds[0].positions == std::vector<double>{4, 7, 4, 4, 10, 10, 10, 7, 4, 7});
}

// In the three two-actor cases below, A sits at 0 and B at 1, so R = 1 and every distance
// between positions is 0 or 1. Then 0^r = 0 and 1^r = 1 for any exponent, so votes, and
// hence P, do not depend on the risk exponents. With w = c·s equal for A and B, the only
// ordered pairs with non-zero votes are (A,B) and (B,A), each with |v_k| = w for both k:
// D = 4w, P(A,B) = w / 4w = 1/4 = P(B,A). At distance 1, U_s = 2 − 4·0^r = 2 and
// U_f = 2 − 4·1^r = −2, so EU_e(i→j) = 2 − 4 s_j (1 − P(i,j)) − U_sq(r_e) = 2 − 3 s_j − U_sq.
// Risk: d_A = EU_A(B→A) = 2 − 3 s_A and d_B = 2 − 3 s_B (U_sq(1) = 0). With s_A < s_B, A has
// d_max: R_A = 1, r_A = (2/3)/(4/3) = 1/2, U_sq = 2 − 4·√½ = 2 − 2√2 ≈ −0.828427; B has
// d_min: R_B = −1, r_B = 2, U_sq = 2 − 4·¼ = 1. Seen by A: eu_AB = 2√2 − 3 s_B,
// eu_BA = 2√2 − 3 s_A. Seen by B: eu_BA = 1 − 3 s_A, eu_AB = 1 − 3 s_B < eu_BA, so B never
// gets an offer here.

TEST_CASE("bargaining: a sure loser facing a confrontation moves to the challenger",
          "[bargaining]") {
  // A: c 1, s 0.4; B: c 0.5, s 0.8 (w = 0.4 each).
  // eu_AB = 2√2 − 2.4 ≈ 0.428427 > 0, eu_BA = 2√2 − 1.2 ≈ 1.628427 > eu_AB: confrontation,
  // A takes x_B = 1. For B, eu_AB = 1 − 2.4 = −1.4 < 0: no offer.
  const auto moves = one_round({{"A", 1.0, 0.0, 0.4}, {"B", 0.5, 1.0, 0.8}});
  CHECK(moves[0].kind == b::OfferKind::Confrontation);
  CHECK(moves[0].partner == 1);
  CHECK(moves[0].from == 0.0);
  CHECK(moves[0].to == 1.0);
  CHECK(moves[1].kind == b::OfferKind::None);
  CHECK(moves[1].partner == -1);
  CHECK(moves[1].to == 1.0);
}

TEST_CASE("bargaining: a compromise moves part of the way by |eu_ij / eu_ji|", "[bargaining]") {
  // A: c 1, s 0.5; B: c 0.5, s 1 (w = 0.5 each).
  // eu_AB = 2√2 − 3 ≈ −0.171573 < 0 < eu_BA = 2√2 − 1.5 ≈ 1.328427, and eu_BA > |eu_AB|:
  // compromise, new position 0 + (1 − 0)·(3 − 2√2)/(2√2 − 1.5) ≈ 0.129155.
  const auto moves = one_round({{"A", 1.0, 0.0, 0.5}, {"B", 0.5, 1.0, 1.0}});
  CHECK(moves[0].kind == b::OfferKind::Compromise);
  CHECK(moves[0].partner == 1);
  CHECK(moves[0].to == Approx((3 - 2 * kSqrt2) / (2 * kSqrt2 - 1.5)).epsilon(1e-12));
  CHECK(moves[0].to == Approx(0.129155).margin(1e-6));
  CHECK(moves[1].kind == b::OfferKind::None);
}

TEST_CASE("bargaining: a capitulation moves all the way when the loss outweighs", "[bargaining]") {
  // A: c 1, s 0.9; B: c 0.9, s 1 (w = 0.9 each). d_A = 2 − 2.7 = −0.7 > d_B = −1.
  // eu_AB = 2√2 − 3 ≈ −0.171573 < 0 < eu_BA = 2√2 − 2.7 ≈ 0.128427 < |eu_AB|:
  // capitulation, A takes x_B = 1. For B, eu_AB = 1 − 3 = −2 < 0: no offer.
  const auto moves = one_round({{"A", 1.0, 0.0, 0.9}, {"B", 0.9, 1.0, 1.0}});
  CHECK(moves[0].kind == b::OfferKind::Capitulation);
  CHECK(moves[0].partner == 1);
  CHECK(moves[0].to == 1.0);
  CHECK(moves[1].kind == b::OfferKind::None);
}

TEST_CASE("bargaining: equal offers go to the first partner in input order", "[bargaining]") {
  // A: c 1, s 0.5 at 0; B and C: c 1, s 1, both at 1. Ordered pairs with votes: (A,B),
  // (A,C), (B,A), (C,A), each |v_k| = w_k for every k, so D = 4·(0.5 + 1 + 1) = 10,
  // P(A,B) = w_A/D = 0.05, P(B,A) = (w_B + w_C)/D = 0.2 (and again for C).
  // Risk: d_A = 2·(2 − 4·0.5·0.8) = 0.8; d_B = EU_B(A→B) + EU_B(C→B)
  // = (2 − 4·1·0.95) + 0 = −1.8 = d_C (at distance 0, U_s = U_f = U_sq = 0). So r_A = 1/2,
  // r_B = r_C = 2. Seen by A: eu_AB = 2 − 3.8 + (2√2 − 2) = 2√2 − 3.8 ≈ −0.971573,
  // eu_BA = 2√2 − 1.6 ≈ 1.228427 > |eu_AB|: compromise to (3.8 − 2√2)/(2√2 − 1.6)
  // ≈ 0.790908, offered equally by B and C; B comes first.
  const auto moves = one_round({{"A", 1.0, 0.0, 0.5}, {"B", 1.0, 1.0, 1.0}, {"C", 1.0, 1.0, 1.0}});
  CHECK(moves[0].kind == b::OfferKind::Compromise);
  CHECK(moves[0].partner == 1);
  CHECK(moves[0].to == Approx((3.8 - 2 * kSqrt2) / (2 * kSqrt2 - 1.6)).epsilon(1e-12));
  CHECK(moves[1].kind == b::OfferKind::None);
  CHECK(moves[2].kind == b::OfferKind::None);
}

TEST_CASE("bargaining offer kinds have stable names", "[bargaining]") {
  CHECK(b::to_string(b::OfferKind::None) == "none");
  CHECK(b::to_string(b::OfferKind::Confrontation) == "confrontation");
  CHECK(b::to_string(b::OfferKind::Compromise) == "compromise");
  CHECK(b::to_string(b::OfferKind::Capitulation) == "capitulation");
}

TEST_CASE("step() on raw arrays matches simulate() exactly and is deterministic", "[bargaining]") {
  const auto actors = ec_actors();
  const int n = static_cast<int>(actors.size());
  const auto rounds = b::simulate(actors, 10);
  CHECK(b::simulate(actors, 10).back().positions == rounds.back().positions);

  std::vector<double> cap, sal, x;
  for (const auto& a : actors) {
    cap.push_back(a.capability);
    sal.push_back(a.salience);
    x.push_back(a.position);
  }
  // A workspace larger than needed and dirtied by another problem must not matter.
  b::Workspace ws(3 * n);
  {
    std::vector<double> junk_x(2 * n), junk_w(2 * n, 0.7);
    for (int k = 0; k < 2 * n; ++k) junk_x[k] = k * 1.5;
    b::step(junk_w.data(), junk_w.data(), junk_x.data(), 2 * n, 30.0, ws, nullptr);
  }
  const double range = 6.0;
  std::vector<b::Move> moves(n);
  for (int t = 1; t <= 10; ++t) {
    INFO("round " << t);
    const std::vector<double> before = x;
    b::step(cap.data(), sal.data(), x.data(), n, range, ws, moves.data());
    CHECK(x == rounds[t].positions);
    CHECK(b::weighted_median(x.data(), cap.data(), sal.data(), n, range, ws) == rounds[t].median);
    CHECK(b::weighted_mean(x.data(), cap.data(), sal.data(), n) == rounds[t].mean);
    for (int k = 0; k < n; ++k) {
      const b::Move& m = moves[k];
      const b::Move& s = rounds[t].moves[k];
      CHECK(m.actor == k);
      CHECK(m.partner == s.partner);
      CHECK(m.kind == s.kind);
      CHECK(m.from == before[k]);
      CHECK(m.to == x[k]);
      CHECK((m.kind == b::OfferKind::None) == (m.partner < 0));
    }
  }
  // Without moves_out the positions are the same.
  std::vector<double> y;
  for (const auto& a : actors) y.push_back(a.position);
  for (int t = 1; t <= 10; ++t) b::step(cap.data(), sal.data(), y.data(), n, range, ws, nullptr);
  CHECK(y == x);
}

TEST_CASE("read_csv reads the EC data file", "[bargaining][csv]") {
  const auto actors = b::read_csv(data_path("ec_emissions.csv"));
  const auto expected = ec_actors();
  REQUIRE(actors.size() == expected.size());
  for (size_t k = 0; k < actors.size(); ++k) {
    CHECK(actors[k].name == expected[k].name);
    CHECK(actors[k].capability == expected[k].capability);
    CHECK(actors[k].position == expected[k].position);
    CHECK(actors[k].salience == expected[k].salience);
  }
}

TEST_CASE("read_csv round-trips a good file with comments, blanks, quotes and any column order",
          "[bargaining][csv]") {
  const std::string path = write_temp("good.csv",
                                      "\xEF\xBB\xBF# a comment\r\n"
                                      "\r\n"
                                      " salience , POSITION,Actor,capability\r\n"
                                      "  # indented comment\n"
                                      "0.25, -3.5 ,\"Korea, South\",1\n"
                                      "1,+2e1, Ann ,0\n"
                                      "\t\n");
  const auto actors = b::read_csv(path);
  REQUIRE(actors.size() == 2);
  CHECK(actors[0].name == "Korea, South");
  CHECK(actors[0].capability == 1.0);
  CHECK(actors[0].position == -3.5);
  CHECK(actors[0].salience == 0.25);
  CHECK(actors[1].name == "Ann");
  CHECK(actors[1].capability == 0.0);
  CHECK(actors[1].position == 20.0);
  CHECK(actors[1].salience == 1.0);
}

TEST_CASE("read_csv reports every bad cell with file:line:column", "[bargaining][csv]") {
  const std::string path = write_temp("bad_cells.csv",
                                      "# header follows\n"
                                      "actor , CAPABILITY,position,salience\n"
                                      "\n"
                                      "A, 1.5, 1, 0.5\n"
                                      "B, 0.5, nan, 2\n"
                                      "\"C, D\",0.1,inf,0.2\n"
                                      "E,abc,3,0.5\n"
                                      "E,0.1,3,0.5\n"
                                      ",0.1,3,0.5\n"
                                      "F,0.1,3\n"
                                      "G,0.1,3,0.5,extra\n"
                                      "H,0.1,1e300,0.5\n"
                                      "I\x01J,0.1,3,0.5\n");
  REQUIRE_THROWS_WITH(b::read_csv(path),
                      at(path, {":4:4: capability must be a number in [0, 1], got '1.5'",
                                ":5:9: position must be a finite number within +-1e9, got 'nan'; positions are on "
                                "the issue's own scale; rescale them, for example to [0, 100]",
                                ":5:14: salience must be a number in [0, 1], got '2'",
                                ":6:12: position must be a finite number within +-1e9, got 'inf'; positions are "
                                "on the issue's own scale; rescale them, for example to [0, 100]",
                                ":7:3: capability must be a number in [0, 1], got 'abc'",
                                ":8:1: duplicate actor 'E'; first defined on line 7",
                                ":9:1: actor name is empty; give every actor a name",
                                ":10:8: expected 4 cells, got 3; rows need one cell per header "
                                "column",
                                ":11:13: expected 4 cells, got 5; rows need one cell per header "
                                "column",
                                ":12:7: position must be a finite number within +-1e9, got '1e300'; positions are "
                                "on the issue's own scale; rescale them, for example to [0, 100]",
                                ":13:1: actor name holds a control character; names are printable text"}));
  try {
    b::read_csv(path);
    FAIL("read_csv accepted a bad file");
  } catch (const geosim::InputError& e) {
    CHECK(e.diagnostics().size() == 11);
    CHECK(e.diagnostics()[0].loc.line == 4);
    CHECK(e.diagnostics()[0].loc.column == 4);
  }
}

TEST_CASE("read_csv rejects bad headers and unusable files", "[bargaining][csv]") {
  const std::string hint = "expected header 'Actor,Capability,Position,Salience'";
  SECTION("a typo in a column name gets a did-you-mean") {
    const auto path =
        write_temp("typo.csv", "Actor,Capability,Position,Salinece\nA,1,1,1\nB,1,2,1\n");
    REQUIRE_THROWS_WITH(b::read_csv(path),
                        path + ":1:27: unknown column 'Salinece'; did you mean 'Salience'?");
  }
  SECTION("a missing column is named") {
    const auto path = write_temp("missing.csv", "Actor,Capability,Position\nA,1,1\nB,1,2\n");
    REQUIRE_THROWS_WITH(b::read_csv(path), path + ":1:1: header lacks column 'Salience'; " + hint);
  }
  SECTION("unknown and duplicate columns") {
    const auto path = write_temp("dup.csv", "Actor,Capability,Position,Salience,Actor,Power\n");
    REQUIRE_THROWS_WITH(b::read_csv(path), path + ":1:36: duplicate column 'Actor'; " + hint +
                                               "\n" + path + ":1:42: unknown column 'Power'; " +
                                               hint);
  }
  SECTION("an unterminated quote") {
    // A quoted cell may span lines (RFC 4180), so the error is at the quote that never closes.
    const auto path =
        write_temp("quote.csv", "Actor,Capability,Position,Salience\n\"A,1,1,1\nB,1,2,1\n");
    REQUIRE_THROWS_WITH(b::read_csv(path), path + ":2:1: a quoted field is never closed; add the closing '\"'");
  }
  SECTION("a short row is reported at its end, blanks and comments around it") {
    const auto path = write_temp("short.csv", "# actors\n  Actor , Capability,Position,Salience\n\n  A, 1 ,1\n");
    REQUIRE_THROWS_WITH(b::read_csv(path),
                        path + ":4:10: expected 4 cells, got 3; rows need one cell per header column\n" + path +
                            ": need at least 2 actors, got 1; bargaining needs someone to bargain with");
  }
  SECTION("fewer than two actors") {
    const auto path = write_temp("one.csv", "Actor,Capability,Position,Salience\nA,1,1,1\n");
    REQUIRE_THROWS_WITH(
        b::read_csv(path),
        path + ": need at least 2 actors, got 1; bargaining needs someone to bargain with");
  }
  SECTION("all positions identical") {
    const auto path =
        write_temp("same.csv", "Actor,Capability,Position,Salience\nA,1,4,1\nB,0.5,4,1\n");
    REQUIRE_THROWS_WITH(b::read_csv(path),
                        path +
                            ": all actors hold the same position 4, so the issue "
                            "range is 0; bargaining needs at least two distinct positions");
  }
  SECTION("no actor has any weight") {
    const auto path =
        write_temp("weightless.csv", "Actor,Capability,Position,Salience\nA,0,1,1\nB,1,2,0\n");
    REQUIRE_THROWS_WITH(
        b::read_csv(path),
        path +
            ": every actor has zero capability or zero salience; at least one actor "
            "needs both above 0 for any vote to count");
  }
  SECTION("only comments") {
    const auto path = write_temp("empty.csv", "# nothing\n\n");
    REQUIRE_THROWS_WITH(b::read_csv(path), path + ": file has no header; " + hint);
  }
  SECTION("a missing file") {
    const std::string path = write_temp("absent.csv", "");
    fs::remove(path);
    REQUIRE_THROWS_WITH(b::read_csv(path), path + ": cannot open file; check the path");
  }
}
