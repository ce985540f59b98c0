// A scenario for the step check's tests (tests/analysis/test_step_check.cpp, and the studio's in
// tests/serve): an event that removes the incumbent at a hazard of 0.5 a year, and a deadline
// outcome whose condition is `deadline` (`t >= 20` reads steps where it means days, so weekly
// and daily steps differ; `days >= 140` does not). Weekly steps unless `step` says otherwise.
#pragma once

#include <string>

namespace geosim::test {

inline std::string step_check_scenario(const std::string& deadline, const std::string& step = "week",
                                       const std::string& horizon = "30 weeks") {
  return R"(geosim: 2
id: t
start: 2020-01-06
step: )" +
         step + R"(
horizon: )" +
         horizon + R"(
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: army, kind: security_force, stance: 0.5}
events:
  - {id: fall, hazard: {annual: 0.5}, outcome: ousted, assumption: "test"}
outcomes:
  - {id: ousted}
  - {id: deadline, when: ")" +
         deadline + R"("}
  - {id: status_quo, default: true}
)";
}

}  // namespace geosim::test
