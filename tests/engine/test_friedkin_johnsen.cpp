#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include "engine/runner/run_loop.h"
#include "helpers.h"

using namespace geosim;

// With noise and levers off, Friedkin-Johnsen stances converge to
// x* = (I - Lambda W)^-1 (I - Lambda) x(0)   (Friedkin & Johnsen 1990).
TEST_CASE("Friedkin-Johnsen stances converge to the closed form", "[model][fj]") {
  std::string yaml = test::header(400) + R"(
actors:
  - {id: gov, kind: regime, stance: 0.9, salience: 0.9, capability: 0.6, stubbornness: 0.7}
  - {id: army, kind: security_force, stance: 0.2, salience: 0.5, capability: 0.4, stubbornness: 0.3}
  - {id: opp, kind: opposition, stance: -0.8, salience: 0.8, capability: 0.3, stubbornness: 0.5}
  - {id: ally, kind: state, stance: 0.5, salience: 0.4, capability: 0.9, stubbornness: 0.9}
relations:
  - {from: army, to: gov, influence: 1.0}
  - {from: army, to: opp, influence: 0.5}
  - {from: gov, to: ally, influence: 0.8}
  - {from: opp, to: army, influence: 0.3}
  - {from: ally, to: gov, influence: 0.2}
outcomes:
  - {id: status_quo, default: true}
)";
  Scenario sc = test::from_text(yaml);
  Model model(sc);
  RunState st;
  model.prepare(st);
  simulate(model, st, 1, 0);
  const int n = 4;
  Eigen::MatrixXd W(n, n);
  std::vector<double> w;
  Model::influence_matrix(sc, st.p, w);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) W(i, j) = w[static_cast<size_t>(i * n + j)];
  // W is row-stochastic.
  for (int i = 0; i < n; ++i) CHECK(W.row(i).sum() == Approx(1.0).epsilon(1e-14));
  Eigen::VectorXd lam(n), x0(n);
  for (int i = 0; i < n; ++i) {
    lam(i) = 1.0 - st.p[static_cast<size_t>(sc.actors[static_cast<size_t>(i)].stubbornness)];
    x0(i) = st.x0[static_cast<size_t>(i)];
  }
  Eigen::MatrixXd L = lam.asDiagonal();
  Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd xstar = (I - L * W).partialPivLu().solve((I - L) * x0);
  for (int i = 0; i < n; ++i) CHECK(st.x[static_cast<size_t>(i)] == Approx(xstar(i)).margin(1e-10));
  // And the stances moved: the closed form is not the start.
  CHECK(std::abs(xstar(1) - x0(1)) > 0.05);
}

// A pull closes a share of the gap to its actor per step; shares adding up to more than the
// gap (the top of their ranges in weekly steps: 100 a year x 7/365.25 = 1.9) must not throw
// the stance past the actors pulling it (docs/model.md, "Levers"). Two levers, or one lever
// and the rally, near their maxima: the army stays between the actors pulling it.
TEST_CASE("pulls that add up to more than the gap do not overshoot", "[model][levers]") {
  const std::string base = R"(geosim: 2
id: push
start: 2020-01-06
step: week
horizon: 10 weeks
incumbent: gov
challenger: opp
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: army, kind: security_force, stance: 0.3, stubbornness: 0}
  - {id: opp, kind: opposition, stance: -0.5}
)";
  struct Case {
    const char* what;
    std::string levers;
    std::string past;  // holds once the army is past its pullers
  };
  const Case cases[] = {
      {"one lever",
       "  - {id: inc, kind: defection_incentive, by: opp, target: army, stance_push: 100, assumption: x}\n",
       "stance.army < -0.52"},
      {"two levers",
       "  - {id: inc, kind: defection_incentive, by: opp, target: army, stance_push: 40, assumption: x}\n"
       "  - {id: aid, kind: military_aid, by: opp, target: army, stance_push: 40, assumption: x}\n",
       "stance.army < -0.52"},
      {"the rally at its top, and a lever",
       "  - {id: oil, kind: sanctions_sectoral, by: opp, target: gov, stance_push: 0, assumption: x}\n"
       "  - {id: pay, kind: economic_aid, by: gov, target: army, stance_push: 30, assumption: x}\n"
       "mechanisms:\n  stance: {rally: 50}\n",
       "stance.army > 0.92"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    Scenario sc = test::from_text(base + "levers:\n" + c.levers + "outcomes:\n  - {id: past, when: \"" + c.past +
                                  "\"}\n  - {id: status_quo, default: true}\n");
    CHECK(test::outcome_counts(sc, 300, 3)[0] == 0);
  }
}
