// The step check (geosim validate --step-check): an outcome whose probability depends on the
// step length is named, at its place; one that does not is not; numbers a format 1 file gave
// per step are named in the hint.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "../cli.h"
#include "../engine/helpers.h"
#include "analysis/lint/step_check.h"
#include "step_check_fixture.h"

using namespace geosim;

namespace {

using test::step_check_scenario;

StepCheck check(const std::string& deadline, uint64_t runs) {
  const Scenario own = test::from_text(step_check_scenario(deadline));
  const Scenario daily = test::from_text(step_check_scenario(deadline, "day", "210 days"));
  PairOptions po;
  po.runs = runs;
  po.seed = 1;
  return step_check(Model(own), Model(daily), po);
}

}  // namespace

TEST_CASE("the exact McNemar p-value is the binomial tail of the discordant split", "[lint][step-check]") {
  CHECK(mcnemar_exact_p(0, 0) == 1.0);
  CHECK(mcnemar_exact_p(7, 7) == 1.0);
  // 5 to 0: both tails of Binomial(5, 1/2) at the ends, 2 / 32.
  CHECK(mcnemar_exact_p(5, 0) == Approx(2.0 / 32).epsilon(1e-12));
  CHECK(mcnemar_exact_p(0, 5) == Approx(2.0 / 32).epsilon(1e-12));
  // 10 to 2: 2 (1 + 12 + 66) / 4096.
  CHECK(mcnemar_exact_p(10, 2) == Approx(2.0 * 79 / 4096).epsilon(1e-12));
  CHECK(mcnemar_exact_p(6, 5) == 1.0);  // a tail above one half is capped
  // Large counts: close to the normal approximation with a continuity correction.
  const double z = (std::abs(5200.0 - 4800.0) - 1) / std::sqrt(10000.0);
  CHECK(mcnemar_exact_p(5200, 4800) == Approx(std::erfc(z / std::sqrt(2.0))).epsilon(0.02));
}

TEST_CASE("an outcome that reads steps where it means days is named, one that reads days is not",
          "[lint][step-check]") {
  // `t >= 20` is 20 weeks in weekly steps and 20 days in daily ones: the fall, at 0.5 a year,
  // has 20 weeks to come first in one and 20 days in the other (about 23% against 4%).
  const StepCheck steps = check("t >= 20", 4000);
  REQUIRE(steps.rows.size() == 3);
  CHECK(steps.step == "week");
  CHECK(steps.rows[0].outcome == "ousted");
  CHECK(steps.rows[0].differs);
  CHECK(steps.rows[1].differs);
  CHECK(steps.rows[0].own > 3 * steps.rows[0].daily);
  CHECK(steps.rows[0].p_value < 1e-6);
  const auto ws = step_check_warnings(steps);
  REQUIRE(ws.size() == 2);
  CHECK(ws[0].loc.str() == "test.yaml:13:5");
  CHECK(ws[1].loc.str() == "test.yaml:14:5");
  CHECK_THAT(ws[0].str(), Catch::StartsWith("test.yaml:13:5: warning: outcome 'ousted' comes out at "));
  CHECK_THAT(ws[0].str(), Catch::Contains("in weekly steps against "));
  CHECK_THAT(ws[0].str(), Catch::Contains("(4000 paired runs, p < 1e-6; exact McNemar tests, Bonferroni over 3 "
                                          "outcomes, family-wise 0.05); something is read once a step"));
  CHECK_THAT(step_check_table(steps), Catch::Contains("2 outcomes differ beyond Monte Carlo noise"));
  // `days >= 140` is the same 20 weeks in both; the fall's hazard holds the same law in both
  // step lengths (format 2's complementary log-log link), so nothing differs.
  const StepCheck days = check("days >= 140", 4000);
  for (const auto& r : days.rows) {
    INFO(r.outcome << ": " << r.own << " against " << r.daily << ", p = " << r.p_value);
    CHECK_FALSE(r.differs);
  }
  CHECK(step_check_warnings(days).empty());
  CHECK_THAT(step_check_table(days), Catch::Contains("no outcome differs beyond Monte Carlo noise"));
  // The pairs: each arm's counts are its own runs' (ousted + deadline + status quo = runs).
  uint64_t own = 0, daily = 0;
  for (const auto& r : days.rows) own += r.own, daily += r.daily;
  CHECK(own == 4000);
  CHECK(daily == 4000);
}

TEST_CASE("numbers a format 1 file gave per step are named in the step check's hint", "[lint][step-check]") {
  const std::string dir = test::temp_path("step-check");
  std::filesystem::create_directories(dir);
  std::string base = step_check_scenario("t >= 20");
  base.replace(base.find("geosim: 2"), 9, "geosim: 1");
  base.replace(base.find("horizon: 30 weeks"), 17, "horizon: 30");
  base += R"(issues:
  - {id: rule, noise: 0.01}
)";
  base.replace(base.find("outcome: ousted,"), 16, "outcome: ousted, effects: {defection_shock: 0.1, shock_steps: 2},");
  std::ofstream(dir + "/base.yaml") << base;
  std::ofstream(dir + "/child.yaml") << "geosim: 2\nextends: base.yaml\nid: child\nhorizon: 30 weeks\n";
  const Scenario sc = load_scenario(dir + "/child.yaml");
  REQUIRE(sc.per_step_numbers.size() == 2);
  CHECK(sc.per_step_numbers[0].str() == dir + "/base.yaml:17:23");   // the issue's noise
  CHECK(sc.per_step_numbers[1].str() == dir + "/base.yaml:11:101");  // the shock's steps
  // Written in the format 2 file, they are read in format 2's units and not named.
  std::ofstream(dir + "/child2.yaml") << "geosim: 2\nextends: base.yaml\nid: child2\nhorizon: 30 weeks\n"
                                         "issues:\n  - {id: rule, noise: 0.07}\n";
  CHECK(load_scenario(dir + "/child2.yaml").per_step_numbers.size() == 1);
  // A shock's length given as `shock_for:` in the format 2 file replaces the older file's
  // `shock_steps` (it was read and the older number kept).
  std::ofstream(dir + "/child3.yaml") << "geosim: 2\nextends: base.yaml\nid: child3\nhorizon: 30 weeks\n"
                                         "events:\n  - {id: fall, effects: {shock_for: 10 days}}\n";
  const Scenario sc3 = load_scenario(dir + "/child3.yaml");
  CHECK(sc3.per_step_numbers.size() == 1);
  CHECK(sc3.events[0].effects.shock_span == Approx(10.0 / 7));
  CHECK(sc.events[0].effects.shock_span == 2);

  // validate --step-check: the daily arm spans the same 30 weeks, and the hint names them.
  const test::CliResult r = test::cli_run("validate -q --step-check --step-runs 2000 " + dir + "/child.yaml");
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("warning: outcome 'ousted' comes out at "));
  CHECK_THAT(r.err, Catch::Contains("this scenario reads 2 numbers per step from a format 1 file it extends (" + dir +
                                    "/base.yaml:17:23, " + dir + "/base.yaml:11:101)"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("validate --step-check: its table, and files it does not apply to", "[lint][step-check]") {
  const test::CliResult ok = test::cli_run("validate --step-check --step-runs 3000 scenarios/venezuela-2019.yaml");
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::Contains("scenarios/venezuela-2019.yaml: step check, weekly steps against daily ones "
                                     "(3000 paired runs, seed 1)"));
  CHECK_THAT(ok.out, Catch::Contains("  negotiated_transition "));
  // --seed draws other runs; --threads never changes a number.
  const std::string args = "validate --step-check --step-runs 3000 --seed 2 scenarios/venezuela-2019.yaml";
  const test::CliResult one = test::cli_run(args + " -t 1"), two = test::cli_run(args + " -t 2");
  CHECK(one.code == 0);
  CHECK_THAT(one.out, Catch::Contains("(3000 paired runs, seed 2)"));
  CHECK(one.out == two.out);
  CHECK(one.err == two.err);
  CHECK(one.out != ok.out);
  // The daily arm spans the same days as the weekly one, however the horizon was given: with
  // a deadline at day 140 of 30 weeks, or of 25 (--horizon), nothing differs; a daily arm of
  // 30 or 25 days would never reach the deadline.
  const std::string file = test::temp_path("step-check-days.yaml");
  std::ofstream(file) << step_check_scenario("days >= 140");
  for (const std::string flags : {"", "--horizon '25 weeks' ", "--until 2020-06-22 "}) {
    const test::CliResult r = test::cli_run("validate --step-check --step-runs 2000 " + flags + file);
    INFO(flags << r.out << r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("no outcome differs beyond Monte Carlo noise"));
    CHECK(r.err.empty());
  }
  std::remove(file.c_str());
  // Format 1: another step length is another scenario.
  const test::CliResult f1 = test::cli_run("validate -q --step-check scenarios/teaching.yaml");
  CHECK(f1.code == 0);
  CHECK_THAT(f1.err, Catch::StartsWith("scenarios/teaching.yaml: warning: the step check needs format 2"));
  // Already daily: nothing to compare.
  const test::CliResult day = test::cli_run("validate --step-check scenarios/variants/2019-daily-steps.yaml");
  CHECK(day.code == 0);
  CHECK_THAT(day.out, Catch::Contains("scenarios/variants/2019-daily-steps.yaml: the step check finds the file "
                                      "already in daily steps, nothing to compare"));
  // The run count is bounded like --runs.
  for (const char* n : {"0", "1099511627777"}) {
    const test::CliResult bad =
        test::cli_run(std::string("validate --step-check --step-runs ") + n + " scenarios/venezuela-2019.yaml");
    CHECK(bad.code == 2);
    CHECK_THAT(bad.err, Catch::Contains("--step-runs must be from 1 to 2^40"));
  }
}
