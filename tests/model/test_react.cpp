// Levers that react (format 2): when:, hold:, until_when: and after: {event, delay} start and
// stop a lever on the state of the run, in the step the documentation says, and a format 1
// file keeps its meaning and its bytes.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "../engine/helpers.h"
#include "engine/core/parallel.h"
#include "engine/model/model.h"
#include "engine/output/replay_text.h"
#include "engine/runner/run_loop.h"

using namespace geosim;

namespace {

// A scenario with no randomness that matters: one scheduled event in step 4 (2020-02-03) and
// the levers given; 30 weekly steps.
std::string scenario(const std::string& levers, int version = 2) {
  return "geosim: " + std::to_string(version) + "\nhorizon: " + (version == 2 ? "30 weeks" : "30") + R"(
id: t
start: 2020-01-06
step: week
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
outcomes:
  - {id: status_quo, default: true}
events:
  - id: uprising
    at: 2020-02-03
    effects: {talks: open}
levers:
)" + levers;
}

struct Switch {
  int t;
  std::string lever;
  bool on;
  std::string why;
};
class Recorder : public Trace {
 public:
  void lever(int t, const Lever& l, bool active, const std::string& why) override {
    switches.push_back({t, l.id, active, why});
  }
  void event(int, const Event&, bool, bool) override {}
  void defections(int, const Cohort&, int, int) override {}
  void talks(int, bool) override {}
  void end(int, const Outcome&, const std::string&) override {}
  std::vector<Switch> switches;
};

// The steps in which each lever acts in run 0 (from its state variable lever.<id>), and the
// switches the trace heard.
struct Story {
  std::vector<std::vector<int>> acting;  // per lever
  std::vector<Switch> switches;
};
Story story(const Scenario& sc) {
  Model model(sc);
  RunState st;
  model.prepare(st);
  Recorder rec;
  Story s;
  s.acting.resize(sc.levers.size());
  simulate_with(model, st, 1, 0, nullptr, &rec, [] {}, [&](int t, bool) {
    for (size_t l = 0; l < sc.levers.size(); ++l)
      if (st.vars[static_cast<size_t>(sc.lever_var0) + l] == 1.0) s.acting[l].push_back(t);
  });
  s.switches = rec.switches;
  return s;
}

std::vector<int> range(int from, int to) {  // [from, to)
  std::vector<int> v;
  for (int t = from; t < to; ++t) v.push_back(t);
  return v;
}

}  // namespace

TEST_CASE("a lever after an event starts the given delay after the event's step", "[react]") {
  // The uprising fires in step 4; three weeks later is step 7. A delay of 0 still waits one
  // step (the event fires after the levers of its step are set).
  const Scenario sc = test::from_text(scenario(R"(
  - {id: late, kind: military_threat, by: us, target: gov, after: {event: uprising, delay: 3 weeks}}
  - {id: next, kind: military_threat, by: us, target: gov, after: {event: uprising, delay: 0 days}}
  - {id: days, kind: military_threat, by: us, target: gov, after: {event: uprising, delay: 10 days}}
)"));
  const Story s = story(sc);
  CHECK(s.acting[0] == range(7, 30));
  CHECK(s.acting[1] == range(5, 30));
  CHECK(s.acting[2] == range(5, 30));  // 10 days is 1.43 weeks: one step
  REQUIRE(!s.switches.empty());
  CHECK(s.switches[0].t == 5);
  CHECK(s.switches[0].why == "1 week after event 'uprising'");
}

TEST_CASE("when:, hold: and until_when: switch a lever on hand-worked steps", "[react]") {
  const Scenario sc = test::from_text(scenario(R"(
  - {id: plain, kind: military_threat, by: us, target: gov, when: "t >= 10 && t < 15"}
  - {id: held, kind: military_threat, by: us, target: gov, when: "t >= 10 && t < 15", hold: 2 weeks}
  - {id: ended, kind: military_threat, by: us, target: gov, when: "t >= 10", until_when: "t >= 20"}
  - {id: talks, kind: mediation, by: us, target: gov, when: "talks == 1"}
  - {id: follows, kind: strike, by: us, target: gov, when: "lever.plain == 1"}
  - {id: windowed, kind: military_threat, by: us, target: gov, from: 2020-03-16, until: 2020-04-12, when: "t >= 5"}
)"));
  const Story s = story(sc);
  CHECK(s.acting[0] == range(10, 15));
  CHECK(s.acting[1] == range(10, 17));
  CHECK(s.acting[2] == range(10, 20));
  // talks open in step 4 (the uprising's effect); the lever reads it at the start of step 5.
  CHECK(s.acting[3] == range(5, 30));
  // lever.plain is 1 from step 10; a lever reading it reacts one step later.
  CHECK(s.acting[4] == range(11, 16));
  // The window (steps 10 to 14) still bounds a lever whose condition holds before and after.
  CHECK(s.acting[5] == range(10, 14));
  std::vector<std::string> told;
  for (const auto& w : s.switches)
    if (w.lever == "held" || w.lever == "ended") told.push_back(std::to_string(w.t) + " " + w.lever + (w.on ? " on: " : " off: ") + w.why);
  CHECK(told == std::vector<std::string>{"10 held on: 't >= 10 && t < 15' holds", "10 ended on: 't >= 10' holds",
                                         "17 held off: 't >= 10 && t < 15' no longer holds (held 2 weeks)",
                                         "20 ended off: 't >= 20' holds"});
}

TEST_CASE("until_when ends a lever for good even while its rung or option keeps it off", "[react]") {
  // The condition holds only in step 5, while the ladder has not reached the strikes' rung
  // (step 10) or the decision has not yet been taken (from step 6): the lever never acts.
  const Scenario ladder = test::from_text(scenario(R"(
  - {id: threat, kind: military_threat, by: us, target: gov}
  - {id: strikes, kind: strike, by: us, target: gov, until_when: "t == 5"}
  - {id: early, kind: strike, by: us, target: gov, until_when: "t == 50"}
ladders:
  - id: lad
    rungs:
      - {lever: threat, up: "t >= 2"}
      - {lever: strikes, up: "t >= 10"}
  - id: other
    rungs:
      - {lever: early, up: "t >= 10"}
)"));
  const Story a = story(ladder);
  CHECK(a.acting[0] == range(2, 10));  // the ladder climbs in step 10 all the same
  CHECK(a.acting[1].empty());
  CHECK(a.acting[2] == range(10, 30));  // a condition that never holds ends nothing
  const Scenario decision = test::from_text(scenario(R"(
  - {id: hit, kind: strike, by: us, target: gov, until_when: "t == 3"}
decisions:
  - id: d
    actor: us
    every: 1 week
    when: "t >= 6"
    rationality: 5
    options:
      - {id: wait}
      - {id: strike, lever: hit, utility: {constant: 10}}
)"));
  CHECK(story(decision).acting[0].empty());
}

TEST_CASE("hold keeps on a lever that was on, not one whose condition held before its window", "[react]") {
  // `when` holds in steps 0 to 4 only; the window opens in step 10 (2020-03-16), inside what
  // a hold of 8 weeks from step 4 would cover: the lever was never on, so it never acts.
  const Scenario sc = test::from_text(scenario(R"(
  - {id: before, kind: strike, by: us, target: gov, from: 2020-03-16, when: "t < 5", hold: 8 weeks}
  - {id: inside, kind: strike, by: us, target: gov, from: 2020-03-16, when: "t < 12", hold: 3 weeks}
)"));
  const Story s = story(sc);
  CHECK(s.acting[0].empty());
  CHECK(s.acting[1] == range(10, 15));  // on in 10 and 11, held 3 weeks after the last (11)
}

TEST_CASE("a lever switched off (enabled: 0) never acts, whatever its conditions", "[react]") {
  const Scenario sc = test::from_text(scenario(R"(
  - {id: off, kind: military_threat, by: us, target: gov, when: "t >= 0", enabled: false}
)"));
  CHECK(story(sc).acting[0].empty());
}

TEST_CASE("the replay tells why a reacting lever came on and went off", "[react][replay]") {
  const Scenario sc = test::from_text(scenario(R"(
  - {id: threat, kind: military_threat, by: us, target: gov, after: {event: uprising, delay: 2 weeks}, until_when: "t >= 12"}
)"));
  Model model(sc);
  std::ostringstream os;
  write_replay(os, sc, model, 1, 0);
  const std::string text = os.str();
  CHECK_THAT(text, Catch::Contains("week   7  2020-02-17..02-23  lever on:  threat (military_threat, us -> gov): 2 weeks after "
                                   "event 'uprising'\n"));
  CHECK_THAT(text, Catch::Contains("week  13  2020-03-30..04-05  lever off: threat (military_threat, us -> gov): 't >= 12' holds\n"));
}

TEST_CASE("format 2 keys in a format 1 file, bad durations and unknown events are located errors", "[react][errors]") {
  CHECK(test::load_error(scenario("  - {id: a, kind: military_threat, by: us, target: gov, when: \"talks == 1\"}\n", 1)) ==
        "test.yaml:17:63: a lever's `when:` is a format 2 key (levers that react); write `geosim: 2` on the first "
        "line; a format 1 file means exactly what it meant before");
  CHECK(test::load_error(scenario(
            "  - {id: a, kind: military_threat, by: us, target: gov, when: \"t > 1\", hold: 2 fortnights}\n")) ==
        "test.yaml:17:78: `hold`: unknown unit 'fortnights'; one of days, weeks, months, years (in lowercase)");
  CHECK(test::load_error(scenario("  - {id: a, kind: military_threat, by: us, target: gov, when: \"t > 1\", hold: soon}\n")) ==
        "test.yaml:17:78: `hold` must be a duration, got 'soon'; a number and a unit: `4 weeks`, `10 days`, "
        "`3 months`, `1 year`");
  CHECK(test::load_error(scenario("  - {id: a, kind: military_threat, by: us, target: gov, hold: 2 weeks}\n")) ==
        "test.yaml:17:63: `hold` says how long the lever stays on after its `when` stops holding; give a `when`");
  CHECK(test::load_error(scenario("  - {id: a, kind: military_threat, by: us, target: gov, after: {event: uprsing}}\n")) ==
        "test.yaml:17:72: unknown event 'uprsing'; did you mean 'uprising'?");
  CHECK(test::load_error(scenario("  - {id: a, kind: military_threat, by: us, target: gov, when: \"talks = 1\"}\n")) ==
        "test.yaml:17:70: `=` assigns to a variable; an expression may only read the state; to compare, write `==` "
        "(for example resources == 0.01)");
  CHECK(test::load_error(scenario("  - {id: a, kind: military_threat, by: us, target: gov, when: \"lever.b == 1\"}\n")) ==
        "test.yaml:17:64: unknown variable 'lever.b' in expression; did you mean 'lever.a'?");
}

TEST_CASE("levers that react add nothing to a run whose levers do not react", "[react][compat]") {
  // The teaching scenario as format 2, with and without a lever whose `when` never holds: the
  // reacting machinery draws nothing and moves nothing else.
  const Scenario plain = test::teaching({"geosim=2"});
  const Scenario with = test::teaching(
      {"geosim=2", "levers.exit_deal.when=fired.mass_protest > 5"});
  REQUIRE(with.levers[2].reacts());
  const Scenario off = test::teaching({"geosim=2", "levers.exit_deal.enabled=false"});
  // The numbers (not the parameter list, which names the lever's `when` and `enabled`).
  auto numbers = [](const Scenario& sc) {
    Json j = Json::parse(test::run_json(sc, 2000, 7));
    return j["outcomes"].dump() + j["survival"].dump() + j["fans"].dump();
  };
  CHECK(numbers(with) == numbers(off));
  CHECK(numbers(plain) != numbers(off));
}

TEST_CASE("reacting levers give the same bytes for any number of threads", "[react][determinism]") {
  // Uncertain stances and a hazard make the runs differ; the levers react to them.
  const Scenario sc = test::from_text(R"(geosim: 2
id: t
start: 2020-01-06
horizon: 40 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: army, kind: security_force, stance: {dist: uniform, min: 0.2, max: 0.8}}
  - {id: us, kind: state, stance: -0.8}
cohorts:
  - {id: officers, actor: army, units: 20, weight: 1, threshold: {dist: normal, mean: 0.4, sd: 0.2}}
outcomes:
  - {id: status_quo, default: true}
  - {id: collapse, when: "defected_share >= 0.5"}
events:
  - id: protest
    hazard: {annual: 0.9}
    effects: {defection_shock: 0.1}
levers:
  - {id: offer, kind: defection_incentive, by: us, target: army, after: {event: protest, delay: 2 weeks},
     intensity: {dist: uniform, min: 0, max: 0.5}}
  - {id: squeeze, kind: repression, by: gov, target: army, when: "defected_share > 0.1", hold: 3 weeks}
)");
  const auto [one, two] = test::json_on_1_and_2_threads(sc, 3000, 11);
  CHECK(one == two);
}

namespace {

// Talks open in step 4, close in step 12 and reopen in step 20 (scheduled events); a ladder
// `us_pressure` of two rungs, `first` (the lever `low`) and strikes, which need talks closed
// three steps in a row and step down when talks reopen.
Scenario ladder_scenario(const std::string& low, const std::string& first) {
  return test::from_text(R"(geosim: 2
id: t
start: 2020-01-06
horizon: 30 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
outcomes:
  - {id: status_quo, default: true}
events:
  - {id: open, at: 2020-02-03, effects: {talks: open}}
  - {id: close, at: 2020-03-30, effects: {talks: close}}
  - {id: reopen, at: 2020-05-25, effects: {talks: open}}
levers:
  - {id: )" + low + R"(, kind: military_threat, by: us, target: gov}
  - {id: strikes, kind: strike, by: us, target: gov}
ladders:
  - id: us_pressure
    rungs:
      - )" + first + R"(
      - {lever: strikes, up: "talks == 0", sustained: 3 weeks, down: "talks == 1"}
)");
}

}  // namespace

TEST_CASE("an escalation ladder steps up and down on hand-worked states", "[react][ladder]") {
  // The threat's rung is reached in step 2; strikes climb after steps 13, 14, 15 of closed
  // talks and step down when the reopened talks are read in step 21.
  const Scenario sc = ladder_scenario("threat", R"({lever: threat, up: "t >= 2"})");
  const Story s = story(sc);
  std::vector<int> threat = range(2, 15), rest = range(21, 30);
  threat.insert(threat.end(), rest.begin(), rest.end());
  CHECK(s.acting[0] == threat);
  CHECK(s.acting[1] == range(15, 21));
  std::vector<std::string> told;
  for (const auto& w : s.switches) told.push_back(std::to_string(w.t) + " " + w.lever + (w.on ? " on: " : " off: ") + w.why);
  CHECK(told == std::vector<std::string>{
                    "2 threat on: ladder 'us_pressure' up to rung 1 of 2 ('t >= 2' held 1 week)",
                    "15 threat off: ladder 'us_pressure' up to rung 2",
                    "15 strikes on: ladder 'us_pressure' up to rung 2 of 2 ('talks == 0' held 3 weeks)",
                    "21 threat on: ladder 'us_pressure' down to rung 1 ('talks == 1' holds)",
                    "21 strikes off: ladder 'us_pressure' down to rung 1 ('talks == 1' holds)"});
}

TEST_CASE("a rung that stays keeps its lever on while the ladder stands higher", "[react][ladder]") {
  const Scenario sc =
      ladder_scenario("buildup", R"({lever: buildup, up: "t >= 2 && t < 25", stays: true, down: "t >= 25"})");
  const Story s = story(sc);
  CHECK(s.acting[0] == range(2, 25));  // on through rung 2, off when it steps down from rung 1
  CHECK(s.acting[1] == range(15, 21));
}

TEST_CASE("ladder mistakes are located errors", "[react][ladder][errors]") {
  const std::string head = R"(geosim: 2
id: t
start: 2020-01-06
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
outcomes:
  - {id: status_quo, default: true}
levers:
  - {id: threat, kind: military_threat, by: us, target: gov}
ladders:
)";
  CHECK(test::load_error(head + "  - {id: l, rungs: [{lever: thret, up: \"t > 1\"}]}\n") ==
        "test.yaml:13:29: unknown lever 'thret'; did you mean 'threat'?");
  CHECK(test::load_error(head + "  - {id: l, rungs: [{lever: threat}]}\n") ==
        "test.yaml:13:21: a rung needs `up:`, the condition to climb onto it");
  CHECK(test::load_error(head + "  - {id: l, rungs: [{lever: threat, up: \"t > 1\"}, {lever: threat, up: \"t > 2\"}]}\n") ==
        "test.yaml:13:59: lever 'threat' is already a rung of ladder 'l'; a lever stands on one rung of one ladder; "
        "give each rung its own lever");
  std::string v1 = head;
  v1.replace(0, 9, "geosim: 1");
  CHECK(test::load_error(v1 + "  - {id: l, rungs: [{lever: threat, up: \"t > 1\"}]}\n") ==
        "test.yaml:13:3: `ladders:` is a format 2 key (escalation ladders); write `geosim: 2` on the first line; a "
        "format 1 file means exactly what it meant before");
}

namespace {

// A decision at one step only (every 100 weeks, from the given date) between options whose
// utilities are given as YAML; returns how often each option was chosen in `runs` runs.
std::vector<int> choices(const std::string& options, const std::string& from, double rationality, int runs) {
  const Scenario sc = test::from_text(R"(geosim: 2
id: t
start: 2020-01-06
horizon: 10 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
outcomes:
  - {id: status_quo, default: true}
events:
  - {id: open, at: 2020-02-03, effects: {talks: open}}
decisions:
  - id: move
    actor: us
    every: 100 weeks
    from: )" + from + R"(
    rationality: )" + std::to_string(rationality) + R"(
    options:
)" + options);
  Model model(sc);
  RunState st;
  model.prepare(st);
  std::vector<int> count(sc.decisions[0].options.size() + 1, 0);
  for (int r = 0; r < runs; ++r) {
    simulate(model, st, 5, static_cast<uint64_t>(r));
    ++count[static_cast<size_t>(st.vars[static_cast<size_t>(sc.decision_var0)])];
  }
  return count;
}


}  // namespace

TEST_CASE("a logit decision chooses with the closed-form probabilities", "[react][decision]") {
  const int N = 20000;
  // U = 0, 1, 2 at rationality 1: P = exp(U) / sum exp(U).
  const std::vector<int> c = choices(R"(      - {id: a}
      - {id: b, utility: {constant: 1}}
      - {id: c, utility: {constant: 2}}
)", "2020-01-06", 1.0, N);
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  CHECK(c[0] == 0);  // every run decided
  CHECK(test::within_binomial(c[1], N, 1 / z, 5));
  CHECK(test::within_binomial(c[2], N, std::exp(1.0) / z, 5));
  CHECK(test::within_binomial(c[3], N, std::exp(2.0) / z, 5));
  // A utility read from the state: talks open in step 4, the decision is in step 5.
  const std::vector<int> d = choices(R"(      - {id: stay}
      - {id: talk, utility: {drivers: {talks: 1.5}}}
)", "2020-02-10", 2.0, N);
  CHECK(d[0] == 0);
  CHECK(test::within_binomial(d[2], N, 1 / (1 + std::exp(-3.0)), 5));
  // Rationality 0: every option alike.
  const std::vector<int> e = choices(R"(      - {id: a}
      - {id: b, utility: {constant: 5}}
)", "2020-01-06", 0.0, N);
  CHECK(test::within_binomial(e[1], N, 0.5, 5));
}

TEST_CASE("the option chosen pulls its lever until the next decision point, and the replay tells it",
          "[react][decision][replay]") {
  // Utilities so far apart that the choice is certain: strike while talks are closed,
  // threaten once they are open (step 4); decisions every 3 weeks from the start.
  const Scenario sc = test::from_text(R"(geosim: 2
id: t
start: 2020-01-06
horizon: 12 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
outcomes:
  - {id: status_quo, default: true}
events:
  - {id: open, at: 2020-02-03, effects: {talks: open}}
levers:
  - {id: threat, kind: military_threat, by: us, target: gov}
  - {id: strikes, kind: strike, by: us, target: gov}
decisions:
  - id: move
    actor: us
    every: 3 weeks
    rationality: 100
    options:
      - {id: threaten, lever: threat, utility: {drivers: {talks: 1}}}
      - {id: strike, lever: strikes, utility: {constant: 0.5}}
)");
  const Story s = story(sc);
  CHECK(s.acting[0] == range(6, 12));  // decision points 0, 3, 6, 9: talks read as open from 5
  CHECK(s.acting[1] == range(0, 6));
  Model model(sc);
  std::ostringstream os;
  write_replay(os, sc, model, 1, 0);
  CHECK_THAT(os.str(), Catch::Contains("week   7  2020-02-17..02-23  us decides (move): threaten; options threaten (utility "
                                       "1.000, p 1.000), strike (utility 0.500, p 0.000)\n"));
  CHECK_THAT(os.str(), Catch::Contains("week   7  2020-02-17..02-23  lever on:  threat (military_threat, us -> gov): us chose "
                                       "'threaten' (decision 'move')\n"));
}

TEST_CASE("decision mistakes are located errors", "[react][decision][errors]") {
  const std::string head = R"(geosim: 2
id: t
start: 2020-01-06
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
outcomes:
  - {id: status_quo, default: true}
levers:
  - {id: threat, kind: military_threat, by: us, target: gov}
  - {id: crackdown, kind: repression, by: gov, target: gov}
decisions:
)";
  CHECK(test::load_error(head + "  - {id: d, actor: us, options: [{id: a, lever: threat}]}\n") ==
        "test.yaml:14:33: a decision needs `options:`, a list of at least two {id, lever, utility}");
  CHECK(test::load_error(head + "  - {id: d, actor: us, options: [{id: a}, {id: b, lever: crackdown}]}\n") ==
        "test.yaml:14:58: lever 'crackdown' is applied by 'gov', not by 'us', who decides; an actor decides only on "
        "its own levers");
  CHECK(test::load_error(head + "  - {id: d, actor: us, options: [{id: a}, {id: b, utility: {drivers: {talk: 1}}}]}\n") ==
        "test.yaml:14:71: unknown state variable 'talk'; did you mean 'talks'?");
}

TEST_CASE("an override names a ladder's rung by its lever (--set)", "[react][ladder]") {
  LoadOptions lo;
  lo.sets = {"ladders.pressure.rungs.strikes.sustained=5 weeks", "ladders.pressure.rungs.threat.up=t >= 3"};
  const Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching-react.yaml", lo);
  REQUIRE(sc.ladders.size() == 1);
  CHECK(sc.ladders[0].rungs[0].up.text == "t >= 3");
  CHECK(sc.ladders[0].rungs[1].sustained == 5);
  lo.sets = {"ladders.pressure.rungs.strike.sustained=5 weeks"};
  CHECK_THROWS_WITH(load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching-react.yaml", lo),
                    Catch::Contains("no item with id 'strike' in 'ladders.pressure.rungs'; did you mean 'strikes'?"));
}
