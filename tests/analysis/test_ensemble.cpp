// Structural ensembles (`geosim run --ensemble`, analysis/ensemble): the structures share
// their runs (common random numbers), so the Monte Carlo error of the pooled probability and
// of the spread between structures comes from the runs' joint outcomes. Checked against
// identical structures (no structural spread, one structure's error), against interval
// coverage over many seeds, and against a closed form for two nearly equal hazards.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../engine/helpers.h"
#include "analysis/ensemble/ensemble.h"
#include "engine/runner/monte_carlo.h"

using namespace geosim;

namespace {

// One event with a per-step hazard over 10 steps: P(fall) = 1 - (1 - p)^10.
Scenario hazard(const std::string& id, double p) {
  return test::from_text(R"(geosim: 1
id: )" + id + R"(
start: 2020-01-06
step: week
horizon: 10
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - {id: e, hazard: {per_step: )" +
                             std::to_string(p) + R"(}, outcome: fall}
outcomes:
  - {id: status_quo, default: true}
  - {id: fall}
)",
                         id + ".yaml");
}

EnsembleSummary ensemble(const std::vector<Scenario>& scs, uint64_t runs, uint64_t seed) {
  std::vector<std::unique_ptr<Model>> models;
  std::vector<const Model*> ptrs;
  std::vector<EnsembleMember> members;
  for (const auto& sc : scs) {
    models.push_back(std::make_unique<Model>(sc));
    ptrs.push_back(models.back().get());
    members.push_back({sc.file, sc.title, sc.content_hash});
  }
  EnsembleRunOptions o;
  o.runs = runs;
  o.seed = seed;
  return summarize_ensemble(scs[0], members, run_ensemble(ptrs, o), seed);
}

const EnsembleOutcome& fall(const EnsembleSummary& e) {
  REQUIRE(e.outcomes.size() == 2);
  REQUIRE(e.outcomes[1].id == "fall");
  return e.outcomes[1];
}

}  // namespace

TEST_CASE("identical structures: no spread from structure, and one structure's Monte Carlo error", "[ensemble]") {
  const uint64_t R = 3000;
  const auto e = ensemble({hazard("a", 0.05), hazard("b", 0.05), hazard("c", 0.05)}, R, 7);
  const auto& o = fall(e);
  // Each structure's count is that of a plain Monte Carlo run of it.
  const Scenario one = hazard("a", 0.05);
  RunOptions ro;
  ro.runs = R;
  ro.seed = 7;
  const Accumulator acc = run_monte_carlo(Model(one), ro);
  const uint64_t k = acc.outcome_counts()[1];
  for (double p : o.p) CHECK(p == static_cast<double>(k) / R);
  // The three estimates are one estimate: the pooled interval is one structure's Wilson
  // interval (not that of 3R independent runs), and nothing of the spread is structural.
  const Interval w = wilson95(k, R);
  CHECK(o.pooled_ci95.lo == Approx(w.lo).epsilon(1e-12));
  CHECK(o.pooled_ci95.hi == Approx(w.hi).epsilon(1e-12));
  const double p = static_cast<double>(k) / R;
  CHECK(o.within_se == Approx(std::sqrt(p * (1 - p) / R)).epsilon(1e-9));
  CHECK(o.structural_share == 0);
  CHECK(o.range_se == 0);
}

TEST_CASE("the pooled interval covers the pooled probability as often as it says", "[ensemble][statistical]") {
  // Three nearly equal hazards: their runs agree almost everywhere, so the structures'
  // estimates are strongly correlated. 200 seeds of 500 runs; the 95% interval should cover
  // the exact pooled probability in 95% of seeds: the count of covers within the binomial
  // bound at a false-alarm rate of 0.001 (taken as independent counts as the old formula,
  // which treated the structures as independent samples, covered in about 75%).
  const std::vector<double> ps = {0.048, 0.05, 0.052};
  std::vector<Scenario> scs;
  double exact = 0;
  for (size_t i = 0; i < ps.size(); ++i) {
    scs.push_back(hazard("s" + std::to_string(i), ps[i]));
    exact += (1 - std::pow(1 - ps[i], 10)) / static_cast<double>(ps.size());
  }
  const int seeds = 200;
  int covered = 0;
  for (int s = 1; s <= seeds; ++s) {
    const EnsembleSummary e = ensemble(scs, 500, static_cast<uint64_t>(s));
    const auto& o = fall(e);
    covered += o.pooled_ci95.lo <= exact && exact <= o.pooled_ci95.hi;
  }
  CHECK(test::within_binomial(static_cast<uint64_t>(covered), seeds, 0.95, 1));
}

TEST_CASE("two nearly equal hazards: the spread is structural, and the range's error is the paired one",
          "[ensemble][statistical]") {
  // Under common random numbers the runs differ only where the event fires under 0.052
  // and not under 0.05 in any of the 10 steps: q = 0.95^10 - 0.948^10 of the runs.
  const uint64_t R = 200000;
  const auto e = ensemble({hazard("a", 0.05), hazard("b", 0.052)}, R, 3);
  const auto& o = fall(e);
  const double q = std::pow(0.95, 10) - std::pow(0.948, 10);
  CHECK(o.highest == 1);
  CHECK(o.lowest == 0);
  // The difference is q, within 3.29 of its paired standard errors (one check of this kind).
  const double se = std::sqrt(q * (1 - q) / static_cast<double>(R));
  CHECK(std::fabs(o.hi - o.lo - q) < 3.29 * se);
  // range_se estimates that standard error: its square is a mean of R indicators, so it is
  // within a few per cent of se at this R (relative error about 1 / sqrt(q R) = 2%).
  CHECK(o.range_se == Approx(se).epsilon(0.1));
  // Of the between-structure variance (q^2 / 2) Monte Carlo adds about q / 2R: 99.9% structural.
  CHECK(o.structural_share > 0.99);
}

TEST_CASE("the ensemble's CSV gives each probability as the shortest text that reads back as it", "[ensemble]") {
  // 3,000 runs: a probability such as 157 / 3000 has no 6-decimal text that reads back.
  const auto e = ensemble({hazard("a", 0.05), hazard("b", 0.07)}, 3000, 7);
  const std::string csv = ensemble_csv(e);
  size_t rows = 0;
  for (size_t at = csv.find('\n') + 1; at < csv.size(); at = csv.find('\n', at) + 1) {
    const std::string row = csv.substr(at, csv.find('\n', at) - at);
    const std::string outcome = row.substr(0, row.find(','));
    const size_t m = std::stoul(row.substr(row.find(',') + 1)) - 1;
    const double p = std::strtod(row.substr(row.rfind(',') + 1).c_str(), nullptr);
    for (const auto& o : e.outcomes)
      if (o.id == outcome) CHECK(p == o.p[m]);
    ++rows;
  }
  CHECK(rows == 4);
}
