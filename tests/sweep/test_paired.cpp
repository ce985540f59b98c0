// Paired comparisons under common random numbers: the interval, its coverage, determinism.
#include <catch2/catch.hpp>

#include <cmath>

#include "analysis/compare/paired.h"
#include "engine/core/parallel.h"
#include "engine/core/rng.h"
#include "engine/scenario/loader.h"

using namespace geosim;

static const std::string kTeaching = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml";

TEST_CASE("the paired interval of a lever's effect is narrower than the unpaired one", "[paired]") {
  Scenario sc = load_scenario(kTeaching);
  Model model(sc);
  int lever = -1;
  for (size_t i = 0; i < sc.levers.size(); ++i)
    if (sc.levers[i].id == "sanctions") lever = static_cast<int>(i);
  REQUIRE(lever >= 0);
  ParamValues off = lever_off(sc, lever);
  PairOptions po;
  po.runs = 4000;
  po.seed = 5;
  PairCounts pc = run_paired({"without", &model, &off}, {"with", &model, nullptr}, po);
  REQUIRE(pc.runs == 4000);
  auto effects = paired_effects(sc, pc);
  int k = sc.find_outcome("defection_collapse");
  const PairedEffect& e = effects[static_cast<size_t>(k)];
  // The lever matters: its paired interval excludes 0 ...
  CHECK(e.paired.lo > 0);
  CHECK(e.diff > 0);
  // ... and every outcome's paired interval is no wider than the unpaired one, strictly
  // narrower where the arms disagree on some runs but agree on most.
  for (const auto& x : effects) {
    CHECK(x.paired.lo <= x.diff);
    CHECK(x.paired.hi >= x.diff);
    CHECK(x.paired.hi - x.paired.lo <= x.unpaired.hi - x.unpaired.lo + 1e-12);
  }
  int sq = sc.find_outcome("status_quo");
  const PairedEffect& s = effects[static_cast<size_t>(sq)];
  CHECK(s.paired.hi - s.paired.lo < s.unpaired.hi - s.unpaired.lo);
}

TEST_CASE("without correlation the paired interval equals the unpaired one", "[paired]") {
  // a*d == b*c: the two indicators are uncorrelated, phi = 0.
  Interval p = newcombe_diff95(10, 10, 40, 40, true), u = newcombe_diff95(10, 10, 40, 40, false);
  CHECK(p.lo == u.lo);
  CHECK(p.hi == u.hi);
  // Positive correlation narrows it.
  Interval q = newcombe_diff95(40, 5, 10, 45, true), v = newcombe_diff95(40, 5, 10, 45, false);
  CHECK(q.hi - q.lo < v.hi - v.lo);
  CHECK(q.lo < -0.05);
  CHECK(q.hi > -0.05);
}

TEST_CASE("the paired interval covers the true difference about 95 percent of the time", "[paired]") {
  // Pairs drawn from a known joint law: both 0.30, first only 0.05, second only 0.10.
  // True difference p1 - p2 = 0.35 - 0.40 = -0.05.
  const int reps = 2000, n = 300;
  const double truth = -0.05;
  int covered = 0;
  for (int rep = 0; rep < reps; ++rep) {
    RunRng rng(99, static_cast<uint64_t>(rep));
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (int i = 0; i < n; ++i) {
      double u = rng.uniform(1, static_cast<uint32_t>(i));
      if (u < 0.30) ++a;
      else if (u < 0.35) ++b;
      else if (u < 0.45) ++c;
      else ++d;
    }
    Interval ci = newcombe_diff95(a, b, c, d, true);
    if (ci.lo <= truth && truth <= ci.hi) ++covered;
  }
  // Nominal 95 %; allow three binomial standard errors of the coverage estimate.
  double se = std::sqrt(0.95 * 0.05 / reps);
  double coverage = static_cast<double>(covered) / reps;
  CHECK(coverage > 0.95 - 3 * se);
  CHECK(coverage < 0.95 + 3 * se + 0.02);  // method 10 is slightly conservative, never wildly so
}

TEST_CASE("lever effects are byte-identical for 1 and 2 threads", "[paired][determinism]") {
  Scenario sc = load_scenario(kTeaching);
  Model model(sc);
  PairOptions po;
  po.runs = 1500;
  po.seed = 3;
  set_threads(1);
  std::string one = compare_json(lever_effects(model, po)).dump();
  set_threads(2);
  std::string two = compare_json(lever_effects(model, po)).dump();
  CHECK(one == two);
  po.seed = 4;
  CHECK(compare_json(lever_effects(model, po)).dump() != one);
}

TEST_CASE("compare refuses two scenarios with different outcomes", "[paired]") {
  Scenario a = load_scenario(kTeaching);
  LoadOptions renamed;
  renamed.sets = {"outcomes.coup.id=putsch", "events.coup_attempt.outcome=putsch"};
  Scenario b = load_scenario(kTeaching, renamed);
  Model ma(a), mb(b);
  PairOptions po;
  po.runs = 10;
  REQUIRE_THROWS_WITH(run_paired({"a.yaml", &ma, nullptr}, {"b.yaml", &mb, nullptr}, po),
                      Catch::Contains("the two scenarios do not have the same outcomes: putsch (only in b.yaml), "
                                      "coup (only in a.yaml)"));
}

TEST_CASE("lever effects name their arms 'with X' and 'without X' and rank the effects", "[paired][report]") {
  Scenario sc = load_scenario(kTeaching);
  Model model(sc);
  PairOptions po;
  po.runs = 3000;
  po.seed = 2;
  const CompareReport rep = lever_effects(model, po);
  REQUIRE(rep.comparisons.size() == 3);
  CHECK(rep.comparisons[0].base_name == "without sanctions");
  CHECK(rep.comparisons[0].variant_name == "with sanctions");
  // The ranked list holds every (lever, outcome) once, sorted by the size of the change.
  const Json j = compare_json(rep);
  REQUIRE(j["ranked"].size() == 3 * sc.outcomes.size());
  for (size_t i = 1; i < j["ranked"].size(); ++i)
    CHECK(std::fabs(j["ranked"][i - 1]["difference"].get<double>()) >= std::fabs(j["ranked"][i]["difference"].get<double>()));
  // The table: the summary names the lever, columns A and B, and no change prints as -0.0.
  const std::string t = compare_table(rep);
  CHECK_THAT(t, Catch::Contains("Largest effects, whose 95% paired interval excludes 0"));
  CHECK_THAT(t, Catch::Contains("\n  sanctions "));
  CHECK_THAT(t, Catch::Contains("A: without sanctions\nB: with sanctions\n"));
  CHECK_THAT(t, !Catch::Contains("-0.0 "));
  CHECK_THAT(t, !Catch::Contains("+0.0 "));
}
