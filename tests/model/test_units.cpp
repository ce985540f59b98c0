// Units (format 2): every rate, noise and duration is stated per year or in calendar units and
// converted to the step, so the same scenario in daily and in weekly steps gives the same
// outcome probabilities; a format 1 file keeps its per-step meaning (and differs).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../cli.h"
#include "../engine/helpers.h"
#include "engine/runner/monte_carlo.h"
#include "engine/runner/run_loop.h"
#include "engine/scenario/registry.h"

using namespace geosim;

namespace {

// The teaching scenario written in one format and step. Its dates fall on Mondays, the start
// of its weekly steps, so that a weekly step and seven daily steps cover the same days. The
// cohorts' noise is larger than the teaching file's, so that a per-step noise shows.
std::string scenario(int version, const std::string& step) {
  const bool daily = step == "day";
  const std::string horizon = version == 2 ? "52 weeks" : daily ? "364" : "52";
  const std::string shock = version == 2 ? "shock_for: 2 weeks" : daily ? "shock_steps: 14" : "shock_steps: 2";
  // Format 1's noise is per step; format 2's per year (0.01 a week is 0.072 a year).
  const std::string noise = version == 2 ? "0.072" : "0.01";
  return "geosim: " + std::to_string(version) + "\nid: units\nstart: 2020-01-06\nstep: " + step +
         "\nhorizon: " + horizon + R"(
incumbent: government
challenger: opposition
mechanisms:
  defection: {noise: 0.06}
issues:
  - {id: incumbent_rule, noise: )" + noise + R"(}
actors:
  - {id: government, kind: regime, stance: 0.9, salience: 0.9, capability: 0.5, stubbornness: 0.8}
  - {id: army, kind: security_force, stance: {dist: uniform, min: 0.3, max: 0.7}, salience: 0.7, capability: 0.4, stubbornness: 0.5}
  - {id: opposition, kind: opposition, stance: -0.9, salience: 0.9, capability: 0.2, stubbornness: 0.7}
  - {id: patron_state, kind: state, stance: -0.8, salience: 0.5, capability: 0.9, stubbornness: 0.9}
relations:
  - {from: army, to: government, influence: 1.0}
  - {from: army, to: opposition, influence: 0.2}
  - {from: government, to: army, influence: 0.5}
  - {from: opposition, to: patron_state, influence: 0.5}
cohorts:
  - {id: officers, actor: army, units: 20, weight: 0.2, threshold: {dist: normal, mean: 0.7, sd: 0.1, min: 0, max: 1}}
  - {id: rank_and_file, actor: army, units: 80, weight: 0.8, threshold: {dist: normal, mean: 0.5, sd: 0.1, min: 0, max: 1}}
levers:
  - {id: sanctions, kind: sanctions_sectoral, by: patron_state, target: government, from: 2020-02-03, intensity: 0.7, credibility: 0.9}
  - {id: amnesty, kind: defection_incentive, by: opposition, target: army, from: 2020-03-02, intensity: 0.6, credibility: {dist: uniform, min: 0.2, max: 0.6}}
  - {id: exit_deal, kind: amnesty_offer, by: patron_state, target: government, from: 2020-06-01, intensity: 0.5, credibility: {dist: uniform, min: 0.1, max: 0.5}}
events:
  - {id: coup_attempt, hazard: {annual: 0.0362, drivers: {elite_pressure: 1.0, defected_share: 2.0}}, outcome: coup, success: 0.5}
  - {id: exit, hazard: {annual: 0.5, drivers: {exit_gain: 2.0}}, outcome: negotiated_exit}
  - {id: mass_protest, at: 2020-05-04, effects: {defection_shock: 0.1, )" + shock + R"(}}
outcomes:
  - {id: defection_collapse, when: "defected_share >= 0.5"}
  - {id: coup}
  - {id: negotiated_exit}
  - {id: status_quo, default: true}
)";
}

Accumulator run(const Scenario& sc, uint64_t runs) {
  Model model(sc);
  RunOptions o;
  o.runs = runs;
  o.seed = 7;
  return run_monte_carlo(model, o);
}

// z for a family of `family` two-sided checks at a total false-alarm rate of 0.001.
double z_family(int family) {
  const double alpha = 0.001 / family;
  double lo = 0, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erfc(mid / std::sqrt(2.0)) > alpha ? lo : hi) = mid;
  }
  return lo;
}

// The largest two-sample z statistic over the outcomes (pooled proportions; the runs of the
// two step lengths are independent draws).
double largest_z(Accumulator& a, Accumulator& b, uint64_t n) {
  double worst = 0;
  for (size_t o = 0; o < a.outcome_counts().size(); ++o) {
    const double pa = static_cast<double>(a.outcome_counts()[o]) / static_cast<double>(n);
    const double pb = static_cast<double>(b.outcome_counts()[o]) / static_cast<double>(n);
    const double p = (pa + pb) / 2;
    if (p <= 0 || p >= 1) continue;
    worst = std::max(worst, std::fabs(pa - pb) / std::sqrt(p * (1 - p) * 2.0 / static_cast<double>(n)));
  }
  return worst;
}

}  // namespace

TEST_CASE("format 2: the same scenario in daily and in weekly steps gives the same outcome probabilities",
          "[units][statistical]") {
  const uint64_t n = 20000;
  Scenario weekly = test::from_text(scenario(2, "week"));
  Scenario daily = test::from_text(scenario(2, "day"));
  REQUIRE(weekly.horizon == 52);
  REQUIRE(daily.horizon == 364);
  REQUIRE(daily.events[2].effects.shock_steps == 14);
  Accumulator w = run(weekly, n), d = run(daily, n);
  // Four outcomes, each compared once: a family of four.
  const double crit = z_family(static_cast<int>(weekly.outcomes.size()));
  INFO("defection collapse weekly " << w.outcome_counts()[0] << ", daily " << d.outcome_counts()[0] << " of " << n);
  CHECK(largest_z(w, d, n) < crit);
  // Something happens in both, so the check has something to compare.
  CHECK(w.outcome_counts()[0] > n / 50);
  CHECK(w.outcome_counts()[2] > n / 200);
}

TEST_CASE("format 1: per-step numbers make daily steps differ from weekly ones (the test above has power)",
          "[units][statistical]") {
  const uint64_t n = 20000;
  Accumulator w = run(test::from_text(scenario(1, "week")), n), d = run(test::from_text(scenario(1, "day")), n);
  INFO("defection collapse weekly " << w.outcome_counts()[0] << ", daily " << d.outcome_counts()[0] << " of " << n);
  CHECK(largest_z(w, d, n) > z_family(4));
}

TEST_CASE("format 2: a hazard is proportional per year, whatever the step", "[units][statistical]") {
  // An exit whose hazard of 0.3 a year is multiplied by e^(0.5 x resources) with resources
  // held at 1: P(exit within a year) = 1 - 0.7^(e^0.5), in daily and in weekly steps alike.
  for (const std::string step : {"week", "day"}) {
    const std::string text = "geosim: 2\nid: h\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 52 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
events:
  - {id: exit, hazard: {annual: 0.3, drivers: {resources: 0.5}}, outcome: negotiated_exit}
outcomes:
  - {id: negotiated_exit}
  - {id: status_quo, default: true}
)";
    Scenario sc = test::from_text(text);
    const uint64_t n = 40000;
    Accumulator a = run(sc, n);
    const double years = sc.horizon * sc.dt_years;
    const double p = 1 - std::pow(0.7, std::exp(0.5) * years);
    INFO(step << ": " << a.outcome_counts()[0] << " of " << n << ", expected " << p * n);
    CHECK(test::within_binomial(a.outcome_counts()[0], n, p, 2));
  }
}

TEST_CASE("format 2: the stances' noise has the same spread in daily and in weekly steps", "[units][statistical]") {
  // An actor held to its own start (stubbornness 1, target 0) relaxes at adjust_per_year k =
  // 52 under a drift of sd 0.5 a year: an Ornstein-Uhlenbeck process, whose variance after a
  // year is 0.25 (1 - e^(-2k)) / 2k, whatever the step. (The Euler step, sd 0.5 sqrt(dt), gave
  // 2.3 times that in weekly steps and 1.15 times in daily ones.)
  const double k = 52, sigma = 0.5, expected = sigma * sigma * -std::expm1(-2 * k) / (2 * k);
  const int n = 4000;
  // Two step lengths, one check each: |s^2 / v - 1| within z sd of a sample variance.
  const double z = z_family(2), sd_rel = std::sqrt(2.0 / (n - 1));
  for (const std::string step : {"week", "day"}) {
    const Scenario sc = test::from_text("geosim: 2\nid: ou\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 52 weeks
incumbent: gov
issues:
  - {id: rule, noise: 0.5}
actors:
  - {id: gov, kind: regime, stance: 0.5, stubbornness: 1}
  - {id: army, kind: security_force, stance: 0, stubbornness: 1}
outcomes:
  - {id: status_quo, default: true}
mechanisms:
  stance: {rally: 0, adjust_per_year: 52}
)");
    Model model(sc);
    RunState st;
    model.prepare(st);
    double sum = 0, sum2 = 0;
    for (int r = 0; r < n; ++r) {
      model.init_run(st, 5, static_cast<uint64_t>(r));
      const RunRng rng(5, static_cast<uint64_t>(r));
      int t = 0;
      while (t < sc.horizon && !model.step(st, rng, t)) ++t;
      REQUIRE(t >= sc.horizon - 1);  // only the horizon ends a run (status quo)
      const double x = st.x[1];
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
    INFO(step << "ly steps: variance " << var << ", expected " << expected);
    CHECK(std::fabs(var / expected - 1) < z * sd_rel);
    CHECK(std::fabs(mean) < z * std::sqrt(expected / n));
  }
}

TEST_CASE("format 2: a hazard of 1 a year is certain in the first step, whatever its drivers", "[units]") {
  // h = -ln(1 - 1) is infinite: multiplied by e^(-10) it stays infinite. (It was clamped to
  // 36.8 a step, so that drivers made it a step-dependent probability: 1.7% weekly, 11% daily.)
  for (const std::string step : {"week", "day"}) {
    const Scenario sc = test::from_text("geosim: 2\nid: sure\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 10 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
  - {id: usa, kind: state, stance: -1}
levers:
  - {id: thr, kind: military_threat, by: usa, target: gov}
events:
  - {id: fall, hazard: {annual: 1, drivers: {threat: -10}}, outcome: ousted}
outcomes:
  - {id: status_quo, default: true}
  - {id: ousted}
)");
    const std::vector<uint64_t> c = test::outcome_counts(sc, 500, 3);
    INFO(step);
    CHECK(c[0] == 0);
    CHECK(c[1] == 500);
  }
}

TEST_CASE("format 2: a horizon from the command line is steps or a duration", "[units]") {
  const std::string file = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching-react.yaml";
  auto horizon = [&](const std::string& set) {
    LoadOptions lo;
    lo.sets = {set};
    return load_scenario(file, lo).horizon;
  };
  CHECK(horizon("horizon=10") == 10);    // steps, as in format 1
  CHECK(horizon("horizon=1e2") == 100);  // a number, not a duration
  CHECK(horizon("horizon=10 weeks") == 10);
  CHECK(horizon("horizon=6 months") == 26);  // 182.6 days: 26.09 weeks
  CHECK(horizon("horizon=1 year") == 52);
  LoadOptions bad;
  bad.sets = {"horizon=10 fortnights"};
  CHECK_THROWS_WITH(load_scenario(file, bad), Catch::Contains("unknown unit 'fortnights'"));
  // --horizon takes the same (the recorded command keeps it as given).
  const auto r = test::cli_run("run scenarios/teaching-react.yaml --horizon '6 months' -n 10 -q -f json");
  REQUIRE(r.code == 0);
  const Json j = Json::parse(r.out);
  CHECK(j["horizon"] == 26);
  CHECK(j["command"] == "geosim run scenarios/teaching-react.yaml --horizon '6 months' -n 10");
}

TEST_CASE("format 2: lengths are durations, per-step keys are refused with a hint", "[units][errors]") {
  const std::string head = "geosim: 2\nid: e\nstart: 2020-01-06\nstep: week\n";
  const std::string body = R"(incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
outcomes:
  - {id: status_quo, default: true}
)";
  std::string err = test::load_error(head + "horizon: 30\n" + body);
  CHECK(err.find("test.yaml:5:10: in format 2, `horizon:` is a duration") != std::string::npos);
  CHECK(err.find("horizon: 30 weeks") != std::string::npos);
  err = test::load_error(head + body + "events:\n  - {id: x, at: 2020-02-03, effects: {defection_shock: 0.1, shock_steps: 2}}\n");
  CHECK(err.find("a shock lasts `shock_for:` a duration") != std::string::npos);
  CHECK(err.find("shock_for: 2 weeks") != std::string::npos);
  err = test::load_error(head + body + "events:\n  - {id: x, hazard: {per_step: 0.01}}\n");
  CHECK(err.find("a hazard's base rate is `annual:`") != std::string::npos);
  err = test::load_error(head + "horizon: 3 fortnights\n" + body);
  CHECK(err.find("unknown unit 'fortnights'") != std::string::npos);
  // The unit as written (it said 'Week' for `52 Weeks`), and that units are lowercase.
  err = test::load_error(head + "horizon: 52 Weeks\n" + body);
  CHECK(err.find("unknown unit 'Weeks'; one of days, weeks, months, years (in lowercase)") != std::string::npos);
  // In a format 2 file: durations, and 52 weeks are 364 daily steps.
  CHECK(test::from_text(head + "horizon: 30 weeks\n" + body).horizon == 30);
  CHECK(test::load_error(head + body + "events:\n  - {id: x, at: 2020-02-03, effects: {defection_shock: 0.1, shock_for: 10 days}}\n")
            .empty());
}

TEST_CASE("format 2 extending a format 1 file: the older file's numbers keep their per-step meaning", "[units]") {
  // A format 2 file that extends teaching.yaml (format 1: horizon 52 steps, shock_steps 2,
  // stance noise per step) and says nothing more.
  const std::string child = test::temp_path("extends-teaching.yaml");
  std::ofstream(child) << "geosim: 2\nextends: " << GEOSIM_SOURCE_DIR << "/scenarios/teaching.yaml\nid: child\n";
  Scenario sc = load_scenario(child);
  std::remove(child.c_str());
  CHECK(sc.format_version == 2);
  CHECK(sc.horizon == 52);
  CHECK(sc.issues[0].noise_per_step);
  CHECK(sc.params[sc.issues[0].noise.index()].dist.value() == Approx(0.01));
  auto protest = [](const Scenario& s) {
    for (const auto& e : s.events)
      if (e.id == "mass_protest") return e.effects;
    FAIL("no mass_protest");
    return Effects{};
  };
  CHECK(protest(sc).shock_steps == 2);
  CHECK(protest(sc).shock_span == 2);
  CHECK(sc.per_step_numbers.size() == 2);  // named by validate --step-check
  // scenarios/teaching-react.yaml gives both in format 2's units: the same lengths of time.
  Scenario react = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching-react.yaml");
  CHECK_FALSE(react.issues[0].noise_per_step);
  CHECK(react.params[react.issues[0].noise.index()].dist.value() == Approx(0.072));
  CHECK(protest(react).shock_span == 2);
  CHECK(react.per_step_numbers.empty());
  LoadOptions day;
  day.sets = {"step=day", "horizon=364 days"};
  CHECK(protest(load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching-react.yaml", day)).shock_span ==
        14);
  // `--set step=day` on a format 2 file: its durations follow the step.
  LoadOptions lo;
  lo.sets = {"step=day"};
  Scenario v = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/venezuela-2019.yaml", lo);
  CHECK(v.horizon == 364);
  CHECK(v.dt_years == Approx(1 / 365.25));
  CHECK_FALSE(v.issues[0].noise_per_step);
}

TEST_CASE("format 2: a cohort's shock period begins on its calendar day in daily and in weekly steps", "[units]") {
  // (step, noise_days): the period index at step t is the number of whole periods of
  // noise_days in the t x days-per-step days before it, an exact integer.
  struct Case {
    std::string step;
    int days_per_step, noise_days;
  };
  for (const Case& c : {Case{"week", 7, 7}, Case{"day", 1, 7}, Case{"week", 7, 14}, Case{"day", 1, 10},
                        Case{"week", 7, 10}, Case{"day", 1, 1}}) {
    std::string text = scenario(2, c.step);
    const std::string from = "defection: {noise: 0.06}";
    text.replace(text.find(from), from.size(),
                 "defection: {noise: 0.06, noise_days: " + std::to_string(c.noise_days) + "}");
    const Scenario sc = test::from_text(text);
    Model model(sc);
    RunState st;
    model.prepare(st);
    int checked = 0;
    for (uint64_t r = 0; r < 20; ++r) {
      model.init_run(st, 3, r);
      const RunRng rng(3, r);
      for (int t = 0; t < sc.horizon; ++t) {
        if (model.step(st, rng, t)) break;  // the cascade may not have run in the last step
        INFO(c.step << "ly steps, noise_days " << c.noise_days << ", run " << r << ", step " << t);
        REQUIRE(st.cohort_epoch[0] == t * c.days_per_step / c.noise_days);
        ++checked;
      }
    }
    CHECK(checked > 100);
  }
}

namespace {

// The army's stance after `steps` steps of a run with no noise: it relaxes toward its own
// start (stubbornness 1) at adjust_per_year, and a lever (`lever`) or the rally draws it
// toward another actor who holds still.
double army_after(const std::string& step, int steps, const std::string& lever, const std::string& mechanisms,
                  double start = 1, const std::string& stubbornness = "1") {
  const Scenario sc = test::from_text(R"(geosim: 2
id: pulls
start: 2020-01-06
step: )" + step + R"(
horizon: 52 weeks
incumbent: gov
)" + mechanisms + R"(
issues:
  - {id: rule, noise: 0}
actors:
  - {id: gov, kind: regime, stance: 0.9, stubbornness: 1}
  - {id: army, kind: security_force, stance: )" +
                                      std::to_string(start) + ", stubbornness: " + stubbornness + R"(}
  - {id: opp, kind: opposition, stance: -1, stubbornness: 1}
  - {id: patron, kind: state, stance: -0.5, stubbornness: 1}
levers:
  - )" + lever + R"(
outcomes:
  - {id: status_quo, default: true}
)");
  test::OneRun r(sc);
  for (int t = 0; t < steps; ++t) r.model.step(r.st, r.rng, t);
  return r.st.x[1];
}

// dx/dt = a (x0 - x) + p (y - x) from x0: x(T) = x* + (x0 - x*) e^(-(a + p) T), x* = (a x0 + p y) / (a + p).
double closed_form(double a, double p, double x0, double y, double years) {
  const double fixed = (a * x0 + p * y) / (a + p);
  return fixed + (x0 - fixed) * std::exp(-(a + p) * years);
}

}  // namespace

TEST_CASE("format 2: a lever's pull on a stance is stepped exactly, the same in daily and in weekly steps", "[units]") {
  // The army (stance 1) relaxes toward its start at 52 a year while the opposition's lever
  // pulls it toward -1 at 2 a year. Stepped as the drift's exact solution, every step lands on
  // the closed form, in daily and weekly steps alike. The Euler pull beside the exact
  // relaxation ended the year at 0.885 in weekly steps and 0.925 in daily ones.
  const std::string lever =
      "{id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, stance_push: 2}";
  for (int weeks : {1, 5, 52}) {
    const double want = closed_form(52, 2, 1, -1, weeks * 7 / 365.25);
    INFO(weeks << " weeks");
    CHECK(army_after("week", weeks, lever, "") == Approx(want).epsilon(1e-12));
    CHECK(army_after("day", 7 * weeks, lever, "") == Approx(want).epsilon(1e-12));
  }
  // A pull above the relaxation at the top of its range (100 a year: 1.9 of the gap a week as
  // an Euler share) does not throw the stance past its actor.
  const std::string strong =
      "{id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, stance_push: 100}";
  CHECK(army_after("week", 1, strong, "") == Approx(closed_form(52, 100, 1, -1, 7 / 365.25)).epsilon(1e-12));
  CHECK(army_after("week", 52, strong, "") >= -1);
}

TEST_CASE("format 2: an actor who is not fully stubborn relaxes at its own rate, the same in daily and in weekly steps",
          "[units]") {
  // Stubbornness s = 0.5 and no one to listen to: the Friedkin-Johnsen target lambda x + (1 -
  // lambda) x0 moves with the army's own stance, so it relaxes toward its start at 52 s = 26 a
  // year, and with the lever's pull at 2 a year toward -1: the closed form at rate 26 + 2.
  // (Closing 1 - e^(-52 dt) of the gap to the moving target gave 19% less movement in the
  // first week in weekly steps than the closed form.)
  const std::string lever =
      "{id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, stance_push: 2}";
  const std::string none =
      "{id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, stance_push: 0}";
  for (int weeks : {1, 5, 52}) {
    INFO(weeks << " weeks");
    const double want = closed_form(26, 2, 1, -1, weeks * 7 / 365.25);
    CHECK(army_after("week", weeks, lever, "", 1, "0.5") == Approx(want).epsilon(1e-12));
    CHECK(army_after("day", 7 * weeks, lever, "", 1, "0.5") == Approx(want).epsilon(1e-12));
    // With no pull it stays at its start, as the target does.
    CHECK(army_after("week", weeks, none, "", 0.3, "0.5") == Approx(0.3).epsilon(1e-12));
  }
}

TEST_CASE("format 2: the rally is stepped exactly, toward the incumbent or away from him", "[units]") {
  // Sectoral sanctions (no stance pull of their own) put revenue pressure w on the regime;
  // the rally draws the army toward the incumbent's 0.9 at rally x w a year, or pushes it
  // away at a negative rally (from 0.5, so that it stays inside the issue's range).
  const std::string sanctions =
      "{id: s, kind: sanctions_sectoral, by: patron, target: gov, intensity: 1, credibility: 1, stance_push: 0}";
  double w = 0;
  for (const ChannelWeight& cw : lever_kinds()[static_cast<size_t>(find_lever_kind("sanctions_sectoral"))].on_regime)
    if (cw.channel == kRevenuePressure) w = cw.weight;
  REQUIRE(w > 0);
  for (double rally : {30.0, -20.0}) {
    const std::string mech = "mechanisms:\n  stance: {rally: " + std::to_string(rally) + "}";
    for (int weeks : {3, 52}) {
      const double start = rally > 0 ? 1 : 0.5;
      const double want = closed_form(52, rally * std::min(w, 1.0), start, 0.9, weeks * 7 / 365.25);
      INFO("rally " << rally << ", " << weeks << " weeks");
      CHECK(army_after("week", weeks, sanctions, mech, start) == Approx(want).epsilon(1e-12));
      CHECK(army_after("day", 7 * weeks, sanctions, mech, start) == Approx(want).epsilon(1e-12));
    }
  }
}

TEST_CASE("format 2: `days` is the calendar's clock, the same in daily and in weekly steps, while `t` counts steps",
          "[units]") {
  // An outcome on `days` comes in the step that begins on the same day in both; one on `t`
  // does not.
  auto end_day = [](const std::string& step, const std::string& when) {
    const Scenario sc = test::from_text(R"(geosim: 2
id: clock
start: 2020-01-06
step: )" + step + R"(
horizon: 52 weeks
incumbent: gov
actors: [{id: gov, kind: regime, stance: 0.9}]
outcomes:
  - {id: late, when: ")" + when + R"("}
  - {id: status_quo, default: true}
)");
    const Model model(sc);
    RunState st;
    model.prepare(st);
    REQUIRE(simulate(model, st, 1, 0) == 0);
    return sc.date_of_step(st.end_step - 1).str();  // the first day of the step it came in
  };
  CHECK(end_day("week", "days >= 280") == end_day("day", "days >= 280"));
  CHECK(end_day("week", "t >= 40") != end_day("day", "t >= 40"));
  CHECK(end_day("week", "days >= 280") == end_day("week", "t >= 40"));
}

TEST_CASE("format 2: a pulled stance's noise is that of its whole drift, in daily and in weekly steps", "[units]") {
  // The army (stance 0) relaxes toward its start at a = 52 a year while a lever pulls it toward
  // the opposition's -1 at p a year; the issue's noise is 0.5 a year. Over a step the drift is
  // an Ornstein-Uhlenbeck process at R = a + p, so the step adds sd 0.5 sqrt((1 - e^(-2 R dt)) / 2R)
  // times its normal to the noise-free closed form; the government, pulled by nothing, keeps
  // the relaxation's own sd 0.5 sqrt((1 - e^(-2 a dt)) / 2a). (The pulled stance used to get
  // the relaxation's sd too: at p = 50 in weekly steps, 1.36 times the drift's.)
  // At stubbornness s < 1 the army's own rate is a s (its target moves with it), so R = a s + p.
  const double a = 52, sigma = 0.5;
  for (const std::string step : {"week", "day"}) {
    for (const auto& [p, s] : {std::pair{0.0, 1.0}, {5.0, 1.0}, {50.0, 1.0}, {0.0, 0.5}, {50.0, 0.25}}) {
      const Scenario sc = test::from_text("geosim: 2\nid: pn\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 4 weeks
incumbent: gov
issues:
  - {id: rule, noise: 0.5}
actors:
  - {id: gov, kind: regime, stance: 0.5, stubbornness: 1}
  - {id: army, kind: security_force, stance: 0, stubbornness: )" +
                                          std::to_string(s) + R"(}
  - {id: opp, kind: opposition, stance: -1, stubbornness: 1}
levers:
  - {id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, stance_push: )" +
                                          std::to_string(p) + R"(}
outcomes:
  - {id: status_quo, default: true}
mechanisms:
  stance: {rally: 0, adjust_per_year: 52}
)");
      const Model model(sc);
      RunState st;
      model.prepare(st);
      const double dt = sc.dt_years, R = (a * s + p) * dt;
      const double sd_army = sigma * std::sqrt(dt * -std::expm1(-2 * R) / (2 * R));
      const double sd_gov = sigma * std::sqrt(dt * -std::expm1(-2 * a * dt) / (2 * a * dt));
      const double army0 = closed_form(a * s, p, 0, -1, dt);
      for (uint64_t r = 0; r < 50; ++r) {
        model.init_run(st, 3, r);
        const RunRng rng(3, r);
        model.step(st, rng, 0);
        // The first step's standard normals: actor i's at noise_z[4 i] (four steps an actor).
        INFO(step << "ly steps, p " << p << ", stubbornness " << s << ", run " << r);
        CHECK(st.x[1] == Approx(army0 + sd_army * st.noise_z[4]).margin(1e-12));
        CHECK(st.x[0] == Approx(0.5 + sd_gov * st.noise_z[0]).margin(1e-12));
      }
    }
  }
}

TEST_CASE("format 2: an event that its own firings make likelier fires again within a step, as in continuous time",
          "[units][statistical]") {
  // A hazard of h = 2 a year (annual 1 - e^-2) times e^(fired.strike): after n firings the
  // rate is 2 e^n. P(4 firings within 26 weeks) is the hypoexponential CDF of rates 2, 2e,
  // 2e^2, 2e^3 at T = 0.498 years: 0.3601. When an event fired at most once a step, weekly
  // steps gave 0.3280 and daily ones 0.3558.
  const double T = 26 * 7 / 365.25;
  double survive = 0;
  for (int i = 0; i < 4; ++i) {
    double prod = 1;
    for (int j = 0; j < 4; ++j)
      if (j != i) prod *= std::exp(j) / (std::exp(j) - std::exp(i));
    survive += prod * std::exp(-2 * std::exp(i) * T);
  }
  const double p = 1 - survive;
  REQUIRE(std::fabs(p - 0.3601) < 1e-4);
  auto text = [](const std::string& step, const std::string& extra) {
    return "geosim: 2\nid: excite\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 26 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
events:
  - id: strike
    hazard: {annual: 0.8646647167633873, drivers: {fired.strike: 1}}
    effects: {resources_shock: 0}
)" + extra +
           R"(
outcomes:
  - {id: escalation, when: "fired.strike >= 4"}
  - {id: status_quo, default: true}
)";
  };
  const uint64_t n = 40000;
  for (const std::string step : {"week", "day"}) {
    Accumulator a = run(test::from_text(text(step, "")), n);
    INFO(step << "ly steps: " << a.outcome_counts()[0] << " of " << n << ", expected " << p * n);
    CHECK(test::within_binomial(a.outcome_counts()[0], n, p, 2));
  }
  // max_fires bounds the firings within a step too.
  Accumulator capped = run(test::from_text(text("week", "    max_fires: 3")), 2000);
  CHECK(capped.outcome_counts()[0] == 0);
}

TEST_CASE("format 2: a hazard's window holds the same hazard in daily and in weekly steps", "[units][statistical]") {
  // A hazard of 0.99 a year from Wednesday 2020-01-08: until the next Tuesday (7 days, in two
  // weekly steps) and until the Friday (3 days, inside one). Each step holds the window's days
  // only: P = 1 - 0.01^(days / 365.25). When a step partly inside the window counted whole,
  // the 7-day window gave 16.1% in weekly steps (a 14-day window) against 8.4% in daily ones.
  const uint64_t n = 40000;
  for (const auto& [until, days] : {std::pair<std::string, int>{"2020-01-14", 7}, {"2020-01-10", 3}})
    for (const std::string step : {"week", "day"}) {
      const Scenario sc = test::from_text("geosim: 2\nid: window\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 8 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
events:
  - {id: fall, hazard: {annual: 0.99, from: 2020-01-08, until: )" +
                                          until + R"(}, outcome: ousted}
outcomes:
  - {id: ousted}
  - {id: status_quo, default: true}
)");
      const double p = 1 - std::pow(0.01, days / 365.25);
      Accumulator a = run(sc, n);
      INFO(step << "ly steps, until " << until << ": " << a.outcome_counts()[0] << " of " << n << ", expected "
                << p * n);
      CHECK(test::within_binomial(a.outcome_counts()[0], n, p, 4));
    }
}

namespace {

// The revenue pressure and the resources after each step of a year under one sectoral
// sanctions lever acting from `from` until `until` (format 2, no evasion, no noise).
struct PressurePath {
  std::vector<double> pressure, resources;
};
PressurePath sanctions_path(const std::string& step, int steps, const std::string& from, const std::string& until,
                            double adjust) {
  const Scenario sc = test::from_text(R"(geosim: 2
id: window
start: 2020-01-06
step: )" + step + R"(
horizon: 52 weeks
incumbent: gov
mechanisms:
  resources: {adjust_per_year: )" + std::to_string(adjust) +
                                      R"(, sanction_bite: 0.5, evasion_base: 0, evasion_support: 0, personalism: 1}
  stance: {rally: 0}
issues:
  - {id: rule, noise: 0}
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: patron, kind: state, stance: -0.5}
levers:
  - {id: s, kind: sanctions_sectoral, by: patron, target: gov, intensity: 1, credibility: 1, from: )" +
                                      from + ", until: " + until + R"(}
outcomes:
  - {id: status_quo, default: true}
)");
  test::OneRun r(sc);
  PressurePath path;
  for (int t = 0; t < steps; ++t) {
    r.model.step(r.st, r.rng, t);
    path.pressure.push_back(r.st.vars[static_cast<size_t>(ch_var(kRevenuePressure))]);
    path.resources.push_back(r.st.vars[kVarResources]);
  }
  return path;
}

}  // namespace

TEST_CASE("format 2: a lever's window that begins or ends inside a step acts in that step for its own days",
          "[units]") {
  // Sanctions from Wednesday 2020-01-08 until Tuesday 2020-01-14 (7 days): in weekly steps
  // the first week holds 5 of them and the second 2. The step's revenue pressure is the
  // lever's at its strength times that share (one lever: w x share, w its channel weight).
  // When a step that held part of the window counted whole, the lever acted two whole weeks.
  double w = 0;
  for (const ChannelWeight& cw : lever_kinds()[static_cast<size_t>(find_lever_kind("sanctions_sectoral"))].on_regime)
    if (cw.channel == kRevenuePressure) w = cw.weight;
  REQUIRE(w > 0);
  const double c = std::min(w, 1.0);
  const PressurePath weekly = sanctions_path("week", 4, "2020-01-08", "2020-01-14", 0.5);
  CHECK(weekly.pressure[0] == Approx(std::min(w * 5 / 7, 1.0)).epsilon(1e-14));
  CHECK(weekly.pressure[1] == Approx(std::min(w * 2 / 7, 1.0)).epsilon(1e-14));
  CHECK(weekly.pressure[2] == 0);
  // A window inside one step: Tuesday to Thursday, 3 of its 7 days.
  CHECK(sanctions_path("week", 2, "2020-01-07", "2020-01-09", 0.5).pressure[0] ==
        Approx(std::min(w * 3 / 7, 1.0)).epsilon(1e-14));
  // Daily steps: whole days, the lever's full weight on days 2 to 8.
  const PressurePath daily = sanctions_path("day", 28, "2020-01-08", "2020-01-14", 0.5);
  for (int d = 0; d < 28; ++d) {
    INFO("day " << d);
    CHECK(daily.pressure[static_cast<size_t>(d)] == (d >= 2 && d <= 8 ? c : 0.0));
  }
  // Revenue relaxes toward 1 - 0.5 x pressure at 0.5 a year: in daily steps it follows the
  // piecewise closed form exactly; in weekly ones the pressure is averaged over each step,
  // which is exact to first order in adjust x step (0.01): the four weeks' loss agrees with
  // the closed form's within 2% of it. Counting the partial steps whole doubled the loss.
  const double a = 0.5, on = 1 - 0.5 * c;
  const double r9 = on + (1 - on) * std::exp(-a * 7 / 365.25);
  const double r28 = 1 + (r9 - 1) * std::exp(-a * 19 / 365.25);
  CHECK(daily.resources[27] == Approx(r28).epsilon(1e-12));
  INFO("loss over four weeks: weekly " << 1 - weekly.resources[3] << ", closed form " << 1 - r28);
  CHECK(std::abs(weekly.resources[3] - r28) < 0.02 * (1 - r28));
  // A stance pull the same way: 2 a year from Tuesday to Thursday acts in that week at 2 x 3/7
  // a year, stepped exactly with the relaxation (the closed form at that rate); in daily steps
  // it acts on days 1 to 3 at 2 a year.
  const std::string pull =
      "{id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, "
      "stance_push: 2, from: 2020-01-07, until: 2020-01-09}";
  CHECK(army_after("week", 1, pull, "") == Approx(closed_form(52, 2.0 * 3 / 7, 1, -1, 7 / 365.25)).epsilon(1e-12));
  CHECK(army_after("day", 4, pull, "") == Approx(closed_form(52, 2, 1, -1, 3 / 365.25)).epsilon(1e-12));
}

namespace {

// A scenario of one incumbent, an army with a cohort and a mediator, whose `levers` and
// `events` are given (format 2, no noise anywhere).
Scenario segments_scenario(const std::string& step, const std::string& horizon, const std::string& levers,
                           const std::string& events, const std::string& cohort_threshold) {
  return test::from_text("geosim: 2\nid: segments\nstart: 2020-01-06\nstep: " + step + "\nhorizon: " + horizon + R"(
incumbent: gov
mechanisms:
  defection: {incentive: 1, patronage: 0, peer: 0, stance: 0, noise: 0, threat: 0}
  repression: {backfire: 0, from_sanctions: 0}
issues:
  - {id: rule, noise: 0}
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: army, kind: security_force, stance: 0.5}
  - {id: opp, kind: opposition, stance: -0.9}
  - {id: med, kind: state, stance: 0}
cohorts:
  - {id: officers, actor: army, units: 10, weight: 1, threshold: )" +
                         cohort_threshold + R"(}
levers:
)" + levers + events + R"(
outcomes:
)" + (events.find("outcome: ousted") != std::string::npos ? "  - {id: ousted}\n" : "") +
                         "  - {id: collapse, when: \"defected_share >= 0.5\"}\n  - {id: status_quo, default: true}\n");
}

double channel_weight(const char* kind, Channel channel) {
  for (const ChannelWeight& cw : lever_kinds()[static_cast<size_t>(find_lever_kind(kind))].on_regime)
    if (cw.channel == channel) return cw.weight;
  return 0;
}

// A defection incentive on the army at full strength and credibility, from `from` (a date) and,
// if given, until `until`: a line of segments_scenario's `levers`.
std::string incentive_lever(const std::string& from, const std::string& until = "") {
  return "  - {id: inc, kind: defection_incentive, by: opp, target: army, intensity: 1, credibility: 1, from: " + from +
         (until.empty() ? "" : ", until: " + until) + "}\n";
}

}  // namespace

TEST_CASE("format 2: a step that holds part of a lever's window is cut into segments where the window begins and ends",
          "[units]") {
  // Sanctions from Wednesday 2020-01-08 until Tuesday 2020-01-14, and a repression lever over
  // the whole run: in weekly steps the first week is cut after 2 days (sanctions in the last 5)
  // and the second after 2 (sanctions in the first 2); in each segment a channel is what the
  // levers acting in all of it make it at their whole strength. Daily steps are never cut.
  const double c = std::min(channel_weight("sanctions_sectoral", kRevenuePressure), 1.0);
  const double r = std::min(channel_weight("repression", kRepression), 1.0);
  REQUIRE(c > 0);
  REQUIRE(r > 0);
  const std::string levers =
      "  - {id: s, kind: sanctions_sectoral, by: med, target: gov, intensity: 1, credibility: 1, from: 2020-01-08, "
      "until: 2020-01-14}\n"
      "  - {id: rep, kind: repression, by: gov, target: army, intensity: 1, credibility: 1}\n";
  const Scenario weekly = segments_scenario("week", "8 weeks", levers, "", "0.99");
  test::OneRun w(weekly);
  auto seg_ch = [&](const RunState& st, int s, Channel ch) {
    return st.seg_ch[static_cast<size_t>(s) * kNumChannels + static_cast<size_t>(ch)];
  };
  const double expect[2][2] = {{0, c}, {c, 0}};
  for (int t = 0; t < 2; ++t) {
    INFO("week " << t);
    w.model.step(w.st, w.rng, t);
    REQUIRE(w.st.segs == 2);
    CHECK(w.st.seg_w[0] == Approx(2.0 / 7).epsilon(1e-14));
    CHECK(w.st.seg_w[1] == Approx(5.0 / 7).epsilon(1e-14));
    for (int s = 0; s < 2; ++s) {
      CHECK(seg_ch(w.st, s, kRevenuePressure) == Approx(expect[t][s]).epsilon(1e-14));
      CHECK(seg_ch(w.st, s, kRepression) == Approx(r).epsilon(1e-14));
    }
    // What adds up over the days reads the step's channel: the lever at its share.
    CHECK(w.st.vars[static_cast<size_t>(ch_var(kRevenuePressure))] ==
          Approx(c * (t == 0 ? 5.0 : 2.0) / 7).epsilon(1e-14));
  }
  w.model.step(w.st, w.rng, 2);
  CHECK(w.st.segs == 0);
  // A window inside one step (Tuesday to Thursday) cuts it in three.
  const Scenario inside = segments_scenario(
      "week", "8 weeks",
      "  - {id: s, kind: sanctions_sectoral, by: med, target: gov, intensity: 1, credibility: 1, from: 2020-01-07, "
      "until: 2020-01-09}\n",
      "", "0.99");
  test::OneRun in(inside);
  in.model.step(in.st, in.rng, 0);
  REQUIRE(in.st.segs == 3);
  const double widths[3] = {1.0 / 7, 3.0 / 7, 3.0 / 7}, pressure[3] = {0, c, 0};
  for (int s = 0; s < 3; ++s) {
    CHECK(in.st.seg_w[static_cast<size_t>(s)] == Approx(widths[s]).epsilon(1e-14));
    CHECK(seg_ch(in.st, s, kRevenuePressure) == Approx(pressure[s]).epsilon(1e-14));
  }
  const Scenario daily = segments_scenario("day", "8 weeks", levers, "", "0.99");
  test::OneRun d(daily);
  for (int t = 0; t < 14; ++t) {
    d.model.step(d.st, d.rng, t);
    CHECK(d.st.segs == 0);
  }
}

TEST_CASE("format 2: a cohort reads a lever's days inside a weekly step at the lever's strength, as daily steps do",
          "[units]") {
  // A defection incentive at full strength from Tuesday to Thursday; every officer's threshold
  // is 0.7 of the incentive's channel weight. On its days the incentive tips them all, in daily
  // steps and in the weekly step that holds those days. Read as the week's mean channel (3/7
  // of the incentive, as before the step was cut) it tips none: the last check shows that the
  // threshold lies between the two.
  const double w = channel_weight("defection_incentive", kDefectionIncentive);
  REQUIRE(w > 0);
  const std::string threshold = std::to_string(0.7 * w);
  const std::string three_days = incentive_lever("2020-01-07", "2020-01-09");
  const Scenario sc_week = segments_scenario("week", "4 weeks", three_days, "", threshold);
  test::OneRun week(sc_week);
  week.model.step(week.st, week.rng, 0);
  CHECK(week.st.defected[0] == 10);
  const Scenario sc_day = segments_scenario("day", "4 weeks", three_days, "", threshold);
  test::OneRun day(sc_day);
  for (int t = 0; t < 7; ++t) day.model.step(day.st, day.rng, t);
  CHECK(day.st.defected[0] == 10);
  const std::string whole_week_at_3_7 =
      "  - {id: inc, kind: defection_incentive, by: opp, target: army, intensity: " + std::to_string(3.0 / 7) +
      ", credibility: 1, from: 2020-01-06, until: 2020-01-12}\n";
  const Scenario sc_mean = segments_scenario("week", "4 weeks", whole_week_at_3_7, "", threshold);
  test::OneRun mean(sc_mean);
  mean.model.step(mean.st, mean.rng, 0);
  CHECK(mean.st.defected[0] == 0);
}

TEST_CASE("format 2: a hazard that a lever's channel drives holds the sum of its segments' hazards in a cut step",
          "[units][statistical]") {
  // A hazard of 0.99 a year (h = ln 100 a year) driven by 3 x mediation; a mediation lever on
  // Wednesday 2020-01-08 alone (channel 1). The first week holds h dt (6/7 + e^3 / 7), the
  // days' sum in daily steps, where reading e^(3 x 1/7) for the whole week gave about 13%
  // against 28%. An event window from Thursday holds none of the lever's day (4 days at the
  // base hazard); one until Wednesday holds it (2 days at the base, one raised).
  const double m = std::min(channel_weight("mediation", kMediation), 1.0);
  REQUIRE(m > 0);
  const double hdt = std::log(100.0) / 365.25;  // a day's base hazard
  const std::string lever =
      "  - {id: talks, kind: mediation, by: med, target: gov, intensity: 1, credibility: 1, from: 2020-01-08, until: "
      "2020-01-08}\n";
  struct Case {
    std::string window;
    double days_base, days_raised;
  };
  const Case cases[] = {{"", 6, 1}, {", from: 2020-01-09", 4, 0}, {", until: 2020-01-08", 2, 1}};
  const uint64_t n = 40000;
  const int family = 2 * static_cast<int>(std::size(cases));
  for (const Case& k : cases)
    for (const std::string step : {"week", "day"}) {
      const Scenario sc = segments_scenario(
          step, "1 week", lever,
          "events:\n  - {id: fall, hazard: {annual: 0.99, drivers: {mediation: 3}" + k.window + "}, outcome: ousted}\n",
          "0.99");
      const double p = 1 - std::exp(-hdt * (k.days_base + k.days_raised * std::exp(3 * m)));
      Accumulator a = run(sc, n);
      INFO(step << "ly steps, window '" << k.window << "': " << a.outcome_counts()[0] << " of " << n << ", expected "
                << p * n);
      CHECK(test::within_binomial(a.outcome_counts()[0], n, p, family));
    }
  // The test has power: the week's mean channel gave a probability 30 standard errors away.
  const double p_new = 1 - std::exp(-hdt * (6 + std::exp(3 * m)));
  const double p_old = 1 - std::exp(-hdt * 7 * std::exp(3 * m / 7));
  CHECK(p_new - p_old > 30 * std::sqrt(p_new * (1 - p_new) / static_cast<double>(n)));
}

TEST_CASE("format 2: a defection shock holds from its event's date for its days, whatever the step", "[units]") {
  // A scheduled event on Wednesday 2020-01-08 with a shock of 0.3 for 7 days: in weekly steps it
  // holds 5/7 of the first week and 2/7 of the second (the state variable `shock` is the
  // step's mean); in daily steps days 2 to 8. Before, it held the whole first week.
  const std::string event =
      "events:\n  - {id: rising, at: 2020-01-08, effects: {defection_shock: 0.3, shock_for: 7 days}}\n";
  const Scenario weekly = segments_scenario("week", "8 weeks", "  []\n", event, "0.99");
  test::OneRun w(weekly);
  const double mean[3] = {0.3 * 5 / 7, 0.3 * 2 / 7, 0};
  for (int t = 0; t < 3; ++t) {
    w.model.step(w.st, w.rng, t);
    INFO("week " << t);
    CHECK(w.st.vars[kVarShock] == Approx(mean[t]).epsilon(1e-14));
  }
  const Scenario daily = segments_scenario("day", "8 weeks", "  []\n", event, "0.99");
  test::OneRun d(daily);
  for (int t = 0; t < 14; ++t) {
    d.model.step(d.st, d.rng, t);
    INFO("day " << t);
    CHECK(d.st.vars[kVarShock] == (t >= 2 && t <= 8 ? 0.3 : 0.0));
  }
  // A shock whose days end inside a week: 10 days from Monday are a week and 3 days, not the
  // one week they rounded to.
  const Scenario ten = segments_scenario(
      "week", "8 weeks", "  []\n",
      "events:\n  - {id: rising, at: 2020-01-06, effects: {defection_shock: 0.3, shock_for: 10 days}}\n", "0.99");
  test::OneRun r(ten);
  r.model.step(r.st, r.rng, 0);
  r.model.step(r.st, r.rng, 1);
  CHECK(r.st.vars[kVarShock] == Approx(0.3 * 3 / 7).epsilon(1e-14));
}

TEST_CASE("format 2: the cascade reads a shock's days and a lever's days where they meet inside a week", "[units]") {
  // A shock of 0.5 (a scheduled event on Wednesday 2020-01-08, for 7 days: until Tuesday the
  // 14th) and a defection incentive from Monday the 13th; each alone is below the officers'
  // threshold, together above it. They meet on the 13th and 14th: daily steps tip everyone on
  // the 13th, and so does the second weekly step, read in its pieces. Counting the shock in
  // whole steps (the first week only), the weekly steps never had both at once.
  const double w = channel_weight("defection_incentive", kDefectionIncentive);
  REQUIRE(w > 0);
  const std::string lever = incentive_lever("2020-01-13");
  const std::string event =
      "events:\n  - {id: rising, at: 2020-01-08, effects: {defection_shock: 0.5, shock_for: 7 days}}\n";
  const double th = std::max(0.5, w) + 0.5 * std::min(0.5, w);  // above each, below both
  const std::string threshold = std::to_string(th);
  REQUIRE(th < 0.5 + w);
  const Scenario weekly = segments_scenario("week", "4 weeks", lever, event, threshold);
  test::OneRun wk(weekly);
  wk.model.step(wk.st, wk.rng, 0);
  CHECK(wk.st.defected[0] == 0);
  wk.model.step(wk.st, wk.rng, 1);
  CHECK(wk.st.defected[0] == 10);
  const Scenario daily = segments_scenario("day", "4 weeks", lever, event, threshold);
  test::OneRun dy(daily);
  for (int t = 0; t < 7; ++t) dy.model.step(dy.st, dy.rng, t);
  CHECK(dy.st.defected[0] == 0);
  dy.model.step(dy.st, dy.rng, 7);
  CHECK(dy.st.defected[0] == 10);
  // Without the shock's last two days (5 days from Wednesday), nothing tips in either.
  const std::string short_event =
      "events:\n  - {id: rising, at: 2020-01-08, effects: {defection_shock: 0.5, shock_for: 5 days}}\n";
  const Scenario weekly_short = segments_scenario("week", "4 weeks", lever, short_event, threshold);
  test::OneRun ws(weekly_short);
  for (int t = 0; t < 4; ++t) ws.model.step(ws.st, ws.rng, t);
  CHECK(ws.st.defected[0] == 0);
}

TEST_CASE("format 2: a random event's shock begins when it fires within the step", "[units][statistical]") {
  // An event that may fire once in the first week (Monday to Sunday) at 0.999 a year (h = ln
  // 1000 a year), with a shock for 3 days, and a defection incentive on Sunday alone; only the
  // two together tip the officers (and collapse the regime). They meet when the event fires
  // after the start of Thursday: P = e^(-3 h') - e^(-7 h') with h' the daily rate, in daily
  // steps and in weekly ones. A shock counted from the step's start never reached Sunday in
  // weekly steps (P = 0).
  const double w = channel_weight("defection_incentive", kDefectionIncentive);
  REQUIRE(w > 0);
  const double day = std::log(1000.0) / 365.25;
  const std::string lever = incentive_lever("2020-01-12", "2020-01-12");
  const std::string threshold = std::to_string(std::max(0.5, w) + 0.5 * std::min(0.5, w));
  const double p = std::exp(-3 * day) - std::exp(-7 * day);
  const uint64_t n = 20000;
  for (const std::string step : {"week", "day"}) {
    const Scenario sc = segments_scenario(
        step, "2 weeks", lever,
        "events:\n  - {id: rising, once: true, hazard: {annual: 0.999, from: 2020-01-06, until: 2020-01-12}, "
        "effects: {defection_shock: 0.5, shock_for: 3 days}}\n",
        threshold);
    Accumulator a = run(sc, n);
    INFO("step " << step << ": " << a.outcome_counts()[0] << " collapses of " << n << ", expected " << p * n);
    CHECK(test::within_binomial(a.outcome_counts()[0], n, p, 2));
  }
}

TEST_CASE("format 2: every period of the cohorts' shocks that a weekly step holds is read, as in daily steps",
          "[units][statistical]") {
  // Shocks of sd 0.1 that hold 3 days (noise_days: 3), and one officer whose threshold is q's
  // upper quantile of one shock; nothing else moves him. Two weeks hold 5 periods (days 0-2,
  // 3-5, 6-8, 9-11, 12-13), so he defects in 1 - (1 - q)^5 of runs in daily and in weekly
  // steps. A weekly step read only the period in force at its start (days 0 and 7: 2 periods),
  // which gave 1 - (1 - q)^2.
  const double q = 0.1, sd = 0.1;
  const double z = [&] {  // the upper q quantile of N(0, 1), by bisection
    double lo = 0, hi = 10;
    for (int i = 0; i < 100; ++i) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(mid / std::sqrt(2.0)) > q ? lo : hi) = mid;
    }
    return lo;
  }();
  const uint64_t n = 20000;
  const double p = 1 - std::pow(1 - q, 5);
  for (const std::string step : {"week", "day"}) {
    const Scenario sc = test::from_text("geosim: 2\nid: periods\nstart: 2020-01-06\nstep: " + step + R"(
horizon: 2 weeks
incumbent: gov
mechanisms:
  defection: {incentive: 0, patronage: 0, peer: 0, stance: 0, threat: 0, noise: )" +
                                        std::to_string(sd) + R"(, noise_days: 3}
  repression: {backfire: 0}
issues:
  - {id: rule, noise: 0}
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: army, kind: security_force, stance: 0.5}
cohorts:
  - {id: officer, actor: army, units: 1, weight: 1, threshold: )" +
                                        std::to_string(z * sd) + R"(}
outcomes:
  - {id: collapse, when: "defected_share >= 0.5"}
  - {id: status_quo, default: true}
)");
    Accumulator a = run(sc, n);
    INFO("step " << step << ": " << a.outcome_counts()[0] << " of " << n << ", expected " << p * n
                 << " (two periods: " << (1 - std::pow(1 - q, 2)) * n << ")");
    CHECK(test::within_binomial(a.outcome_counts()[0], n, p, 2));
  }
}

namespace {
// What a replay tells of events and of the end (Model::step with a Trace).
struct Story : Trace {
  void lever(int, const Lever&, bool, const std::string&) override {}
  void event(int, const Event&, bool, bool) override { ++events; }
  void defections(int, const Cohort&, int, int) override {}
  void talks(int, bool) override {}
  void end(int, const Outcome& o, const std::string&) override { ended = o.id; }
  int events = 0;
  std::string ended;
};
}  // namespace

TEST_CASE("format 2: a collapse at the start of a step comes before an event later in it, in weekly and daily steps",
          "[units]") {
  // A defection incentive that tips every officer (a collapse) from the Monday of the second
  // week, and a scheduled event that removes the ruler on its Wednesday. In daily steps the
  // collapse comes on Monday and the run ends before Wednesday; a weekly step holds both, and
  // its cascade, which acts from the step's start, now comes before the event's moment (it
  // ran after the step's events, so the event won). With the incentive from Thursday the event
  // comes first in both.
  const double w = channel_weight("defection_incentive", kDefectionIncentive);
  REQUIRE(w > 0);
  const std::string threshold = std::to_string(0.7 * w);
  const std::string event = "events:\n  - {id: strike, at: 2020-01-15, outcome: ousted}\n";
  struct Case {
    const char* from;
    const char* outcome;
  };
  for (const Case k : {Case{"2020-01-13", "collapse"}, Case{"2020-01-16", "ousted"}})
    for (const std::string step : {"week", "day"}) {
      const std::string lever = incentive_lever(k.from);
      const Scenario sc = segments_scenario(step, "4 weeks", lever, event, threshold);
      test::OneRun r(sc);
      Story story;
      int t = 0;
      while (!r.model.step(r.st, r.rng, t, &story)) ++t;
      INFO("incentive from " << k.from << ", " << (step == "week" ? "weekly" : "daily") << " steps: ended in step "
                             << t);
      REQUIRE(r.st.outcome >= 0);
      const bool ousted = k.outcome == std::string("ousted");
      CHECK(sc.outcomes[static_cast<size_t>(r.st.outcome)].id == k.outcome);
      CHECK(t == (step == "week" ? 1 : 7 + (ousted ? 2 : 0)));
      // The replay tells the event only where it happened: after a collapse it does not.
      CHECK(story.events == (ousted ? 1 : 0));
      CHECK(r.st.fired[0] == (ousted ? 1 : 0));
      CHECK(story.ended == k.outcome);
    }
}

TEST_CASE("format 2: an event that ends the rule competes with the cascade at its moment within the step",
          "[units][statistical]") {
  // An event that removes the ruler at 0.999 a year (h' = ln 1000 / 365.25 a day) over the first
  // week, and a defection incentive from its Thursday that collapses the regime at once. The
  // event wins if it fires before Thursday: P = 1 - e^(-3 h'), in weekly steps (where the
  // incentive cuts the step) and in daily ones. When the cascade ran after the step's events,
  // weekly steps gave 1 - e^(-7 h') and daily ones 1 - e^(-4 h') (Thursday's event won).
  const double w = channel_weight("defection_incentive", kDefectionIncentive);
  REQUIRE(w > 0);
  const double day = std::log(1000.0) / 365.25;
  const std::string lever = incentive_lever("2020-01-09");
  const std::string event =
      "events:\n  - {id: fall, hazard: {annual: 0.999, from: 2020-01-06, until: 2020-01-12}, outcome: ousted}\n";
  const double p = 1 - std::exp(-3 * day);
  const uint64_t n = 20000;
  for (const std::string step : {"week", "day"}) {
    const Scenario sc = segments_scenario(step, "2 weeks", lever, event, std::to_string(0.7 * w));
    Accumulator a = run(sc, n);
    INFO((step == "week" ? "weekly" : "daily")
         << " steps: " << a.outcome_counts()[0] << " removed of " << n << ", expected " << p * n);
    CHECK(test::within_binomial(a.outcome_counts()[0], n, p, 2));
    CHECK(a.outcome_counts()[0] + a.outcome_counts()[1] == n);  // the rest collapse
  }
  // The test has power: a day more of the event's hazard is 11 standard errors away.
  CHECK((1 - std::exp(-4 * day)) - p > 10 * std::sqrt(p * (1 - p) / static_cast<double>(n)));
}
