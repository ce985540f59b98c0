// The replay of one run (`geosim run --replay K`, Model::step with a Trace): it tells the
// bargaining rounds of an issue in bargaining mode, what it tells is what the run did, and
// listening changes no number of the run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../cli.h"
#include "../engine/helpers.h"
#include "engine/model/model.h"
#include "engine/stance/stance_models.h"
#include "engine/runner/monte_carlo.h"
#include "engine/runner/run_loop.h"
#include "engine/scenario/loader.h"

using namespace geosim;

namespace {

using test::kTeaching;
using test::teaching;
const std::string kSwitch = test::kBargainingSwitch;

// Keeps every bargaining round it hears of; ignores the rest of the story.
struct Round {
  int t = 0;
  std::string issue;
  std::vector<bargaining::Move> moves;
  double before = 0, after = 0;
};
class Recorder : public Trace {
 public:
  void lever(int, const Lever&, bool, const std::string&) override {}
  void event(int, const Event&, bool, bool) override {}
  void defections(int, const Cohort&, int, int) override {}
  void talks(int, bool) override {}
  void end(int, const Outcome&, const std::string&) override {}
  void bargaining(int t, const Issue& issue, const bargaining::Move* moves, int n, double before,
                  double after) override {
    rounds.push_back({t, issue.id, std::vector<bargaining::Move>(moves, moves + n), before, after});
  }
  std::vector<Round> rounds;
};

// Bitwise equality of two doubles (NaN-safe, -0 != +0): "the same number", not "close".
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

std::string three(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

TEST_CASE("a replay tells every bargaining round and its moves are the run's", "[replay][bargain]") {
  // No noise and no lever pushes: between rounds nothing moves the stances, so after a
  // round's step the run's stances are exactly the told moves' destinations.
  const Scenario sc = test::quiet_bargaining_teaching();
  Model model(sc);
  RunState st;
  model.prepare(st);
  const size_t n = sc.actors.size();
  int told_moves = 0;
  for (uint64_t run = 0; run < 40; ++run) {
    double range = 0;
    bargaining::Workspace ws;
    Recorder rec;
    std::vector<double> before;  // the stances before the step
    size_t heard = 0;            // rounds told before the step
    auto keep = [&] {
      before.assign(st.x.begin(), st.x.begin() + static_cast<long>(n));
      heard = rec.rounds.size();
    };
    simulate_with(model, st, 9, run, nullptr, &rec, [&] {
      range = *std::max_element(st.x0.begin(), st.x0.end()) - *std::min_element(st.x0.begin(), st.x0.end());
      keep();
    }, [&](int t, bool) {
      INFO("run " << run << " step " << t);
      // One round told exactly at the steps where the issue bargains, none elsewhere.
      REQUIRE(rec.rounds.size() == heard + ((t + 1) % 3 == 0 ? 1 : 0));
      if (rec.rounds.size() > heard) {
        const Round& r = rec.rounds.back();
        CHECK(r.t == t);
        CHECK(r.issue == "incumbent_rule");
        REQUIRE(r.moves.size() == n);
        // The independent computation: bargaining::step on the positions before the step,
        // with the lever-moved inputs of this step.
        std::vector<double> cap(n), sal(n), expected = before;
        std::vector<bargaining::Move> moves(n);
        bargaining_inputs(sc, st, 0, cap.data(), sal.data());
        bargaining::step(cap.data(), sal.data(), expected.data(), static_cast<int>(n), range, ws, moves.data());
        for (size_t i = 0; i < n; ++i) {
          INFO("actor " << sc.actors[i].id);
          CHECK(same_bits(r.moves[i].from, before[i]));
          CHECK(same_bits(r.moves[i].to, expected[i]));
          CHECK(same_bits(r.moves[i].to, st.x[i]));  // what the run's stance became
          CHECK(r.moves[i].partner == moves[i].partner);
          CHECK(r.moves[i].kind == moves[i].kind);
          told_moves += r.moves[i].to != r.moves[i].from;
        }
        const int ni = static_cast<int>(n);
        CHECK(same_bits(r.before, bargaining::weighted_median(before.data(), cap.data(), sal.data(), ni, range, ws)));
        CHECK(same_bits(r.after, bargaining::weighted_median(st.x.data(), cap.data(), sal.data(), ni, range, ws)));
      }
      keep();
    });
  }
  CHECK(told_moves > 0);  // the rounds had something to tell
}

TEST_CASE("listening to a run changes none of its numbers", "[replay][bargain]") {
  // With noise and lever pushes (the scenario as written, switched to bargaining): a run
  // stepped with a trace and the same run stepped without one end the same, bit for bit.
  for (const auto& sets : {std::vector<std::string>{kSwitch}, std::vector<std::string>{}}) {
    const Scenario sc = teaching(sets);
    Model model(sc);
    int rounds = 0;
    for (uint64_t run = 0; run < 60; ++run) {
      INFO("bargaining " << !sets.empty() << " run " << run);
      Recorder rec;
      RunState traced;
      const int outcome = replay_run(model, 1, run, rec, &traced);
      RunState plain;
      model.prepare(plain);
      simulate(model, plain, 1, run);
      CHECK(outcome == plain.outcome);
      CHECK(traced.end_step == plain.end_step);
      REQUIRE(traced.x.size() == plain.x.size());
      for (size_t i = 0; i < plain.x.size(); ++i) CHECK(same_bits(traced.x[i], plain.x[i]));
      REQUIRE(traced.vars.size() == plain.vars.size());
      for (size_t i = 0; i < plain.vars.size(); ++i) CHECK(same_bits(traced.vars[i], plain.vars[i]));
      rounds += static_cast<int>(rec.rounds.size());
      // Friedkin-Johnsen issues hold no rounds; a bargaining issue one every 4 steps.
      CHECK(rec.rounds.size() == (sets.empty() ? 0u : static_cast<size_t>(plain.end_step / 4)));
    }
    if (!sets.empty()) CHECK(rounds > 0);
  }
}

TEST_CASE("geosim run --replay narrates the bargaining rounds as the run made them", "[replay][bargain][cli]") {
  const uint64_t run = 3;
  const auto r = test::cli_run("run scenarios/teaching.yaml --set " + kSwitch + " --replay " + std::to_string(run));
  REQUIRE(r.code == 0);
  // The same run, heard in-process: each round's line and each move's line carry its numbers.
  const Scenario sc = teaching({kSwitch});
  Model model(sc);
  Recorder rec;
  replay_run(model, 1, run, rec);
  REQUIRE(!rec.rounds.empty());
  std::vector<std::string> expected;
  for (const Round& rd : rec.rounds) {
    int moved = 0;
    for (const auto& m : rd.moves) moved += m.kind != bargaining::OfferKind::None && m.to != m.from;
    const std::string head = "bargaining on incumbent_rule, round " + std::to_string((rd.t + 1) / 4) + ": ";
    expected.push_back(moved == 0 ? head + "nobody moves; forecast stays " + three(rd.after)
                                  : head + std::to_string(moved) + " of " + std::to_string(rd.moves.size()) +
                                        " actors move; forecast " + three(rd.before) + " -> " + three(rd.after));
    for (const auto& m : rd.moves)
      if (m.kind != bargaining::OfferKind::None && m.to != m.from)
        expected.push_back("  " + sc.actors[static_cast<size_t>(m.actor)].id + " moves toward " +
                           sc.actors[static_cast<size_t>(m.partner)].id + " (" + bargaining::to_string(m.kind) +
                           "): " + three(m.from) + " -> " + three(m.to));
  }
  // The told lines, in order, without their prefix "  week %3d  " and the step's days
  // ("2020-01-27..02-02", padded to 17 characters, or longer across a new year) and two spaces.
  std::vector<std::string> told;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (line.find("bargaining on ") != std::string::npos || line.find(" moves toward ") != std::string::npos) {
      REQUIRE(line.size() > 31);
      CHECK(line.compare(0, 7, "  week ") == 0);
      const size_t days_end = line.find(' ', 12);
      REQUIRE(days_end != std::string::npos);
      told.push_back(line.substr(std::max<size_t>(days_end, 29) + 2));
    }
  CHECK(told == expected);
}

TEST_CASE("replays without bargaining issues tell no bargaining", "[replay][cli]") {
  for (const std::string file : {"scenarios/teaching.yaml", "scenarios/venezuela-2019.yaml"}) {
    for (const std::string k : {"0", "3"}) {
      INFO(file << " --replay " << k);
      const auto r = test::cli_run("run " + file + " --replay " + k);
      REQUIRE(r.code == 0);
      CHECK(r.out.find("What happened:") != std::string::npos);
      CHECK(r.out.find("bargaining") == std::string::npos);
      CHECK(r.out.find("moves toward") == std::string::npos);
    }
  }
}
