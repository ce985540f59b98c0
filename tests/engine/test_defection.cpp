#include <catch2/catch.hpp>

#include <boost/math/special_functions/erf.hpp>

#include <cmath>
#include <sstream>

#include "helpers.h"

using namespace geosim;

// A scenario whose only defection mechanism is the peer term: unit i defects when the share
// already defected reaches its threshold (Granovetter 1978).
static std::string granovetter(const std::vector<double>& thresholds) {
  std::ostringstream os;
  os.precision(17);
  os << test::header(1) << R"(
actors:
  - {id: gov, kind: regime, stance: 1}
  - {id: army, kind: security_force, stance: 1}
cohorts:
  - id: crowd
    actor: army
    thresholds: [)";
  for (size_t i = 0; i < thresholds.size(); ++i) os << (i ? ", " : "") << thresholds[i];
  os << R"(]
mechanisms:
  defection: {peer: 1, incentive: 0, patronage: 0, repression: 0, support: 0, recognition: 0, humanitarian: 0, stance: 0, noise: 0}
outcomes:
  - {id: status_quo, default: true}
)";
  return os.str();
}

static double final_share(const std::vector<double>& thresholds) {
  Scenario sc = test::from_text(granovetter(thresholds));
  Model model(sc);
  RunState st;
  model.prepare(st);
  model.init_run(st, 1, 0);
  RunRng rng(1, 0);
  model.step(st, rng, 0);
  return st.vars[kVarDefectedShare];
}

TEST_CASE("defection cascade reproduces Granovetter's riot example", "[model][defection]") {
  // Thresholds 0, 1, ..., 99 of 100 people: each defector tips the next, everyone goes.
  std::vector<double> th;
  for (int i = 0; i < 100; ++i) th.push_back(i / 100.0);
  CHECK(final_share(th) == Approx(1.0).epsilon(1e-12));
  // Replace the person with threshold 1 by one with threshold 2: only the instigator acts.
  th[1] = 2 / 100.0;
  CHECK(final_share(th) == Approx(0.01).epsilon(1e-12));
}

TEST_CASE("normal thresholds tip from a few to nearly all as the spread passes ~0.1", "[model][defection]") {
  // Thresholds at the quantiles of N(0.25, sd) for 1000 units (Granovetter's normal example).
  auto share = [](double sd) {
    std::vector<double> th;
    const int n = 1000;
    for (int i = 0; i < n; ++i) {
      double p = (i + 0.5) / n;
      th.push_back(0.25 - sd * std::sqrt(2.0) * boost::math::erfc_inv(2 * p));
    }
    return final_share(th);
  };
  double low = share(0.05), below = share(0.09), above = share(0.14), high = share(0.2);
  CHECK(low < 0.05);
  CHECK(below < 0.1);
  CHECK(above > 0.95);
  CHECK(high > 0.95);
}
