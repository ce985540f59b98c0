// The runs' own error in a scenario's sensitivity intervals (analysis/sensitivity/
// pipeline.cpp): every design point reuses the same R runs, so their chance is frozen into
// every index and the bootstrap over the design's rows cannot see it; a jackknife over
// groups of runs adds it. Checked by coverage of the exact indices of a scenario whose
// outcome probability has a closed form.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "../engine/helpers.h"
#include "analysis/sensitivity/evaluate.h"
#include "analysis/sensitivity/pipeline.h"

using namespace geosim;
using namespace geosim::gsa;

namespace {

// P(fall) = 1 - (1 - p1)^10 (1 - p2)^10, p1 ~ U(0, 0.2), p2 ~ U(0, 0.05). Exact indices by
// quadrature: S1 = 0.9249, 0.0550; ST = 0.9450, 0.0751.
const char* kTwoHazards = R"(geosim: 1
id: sob
start: 2020-01-06
step: week
horizon: 10
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - {id: e1, hazard: {per_step: {dist: uniform, min: 0, max: 0.2}}, outcome: fall}
  - {id: e2, hazard: {per_step: {dist: uniform, min: 0, max: 0.05}}, outcome: fall}
outcomes:
  - {id: status_quo, default: true}
  - {id: fall}
)";

}  // namespace

TEST_CASE("a scenario's Sobol intervals count the runs' own error and cover the exact indices", "[gsa][statistical]") {
  const Scenario sc = test::from_text(kTwoHazards);
  const Model model(sc);
  const auto factors = choose_factors(sc, {}, {});
  REQUIRE(factors.size() == 2);
  const double S1[2] = {0.9249, 0.0550}, ST[2] = {0.9450, 0.0751};
  // 20 seeds of N = 512 base points x 200 runs. Each interval should cover its index in 95%
  // of seeds; four checks, each at 0.001 / 4 one-sided: at least 14 of 20 (P(X <= 13) =
  // 3.4e-5 for a binomial(20, 0.95)). Without the runs' error ST of e2 was covered in 8 of
  // 20 here (the runs' standard error of ST of e2 is about as large as the design's).
  const int seeds = 20;
  int covered[2][2] = {{0, 0}, {0, 0}};
  for (int s = 1; s <= seeds; ++s) {
    DesignSettings ds;
    ds.samples = 512;
    ds.bootstrap = 200;
    ds.seed = static_cast<uint64_t>(s);
    EvalOptions eo;
    eo.seed = static_cast<uint64_t>(s);
    eo.runs_per_point = 200;
    const SensitivityReport r = analyze_scenario(ds, model, factors, eo);
    CHECK(r.run_groups == 10);
    const auto& x = r.sobol[1];  // fall
    REQUIRE(x.ST_runs_se.size() == 2);
    for (int i = 0; i < 2; ++i) {
      covered[0][i] += x.S1_ci95[static_cast<size_t>(i)][0] <= S1[i] && S1[i] <= x.S1_ci95[static_cast<size_t>(i)][1];
      covered[1][i] += x.ST_ci95[static_cast<size_t>(i)][0] <= ST[i] && ST[i] <= x.ST_ci95[static_cast<size_t>(i)][1];
      CHECK(x.ST_runs_se[static_cast<size_t>(i)] > 0);
    }
  }
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 2; ++i) {
      INFO((k == 0 ? "S1" : "ST") << " of e" << i + 1 << ": covered in " << covered[k][i] << " of " << seeds);
      CHECK(covered[k][i] >= 14);
    }
}

TEST_CASE("the runs' groups: R mod G runs go one to each of the first groups", "[gsa]") {
  uint64_t total = 0;
  for (int g = 0; g < 10; ++g) total += runs_in_group(203, 10, g);
  CHECK(total == 203);
  CHECK(runs_in_group(203, 10, 0) == 21);
  CHECK(runs_in_group(203, 10, 2) == 21);
  CHECK(runs_in_group(203, 10, 3) == 20);
  CHECK(run_groups(1) == 0);
  CHECK(run_groups(2) == 2);
  CHECK(run_groups(100) == 10);
}
