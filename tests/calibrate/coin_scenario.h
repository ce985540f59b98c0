// The calibration tests' scenario, shared by their files.
#pragma once

namespace geosim::test {

// A weekly event with an uncertain probability, a fall once it has fired 8 times, and two
// observations on 2020-02-17, the first day of week 7 (read at its end): no fall by then,
// and 2 firings (within 0.5).
inline const char* const kScenario = R"(geosim: 1
id: cli-coin
start: 2020-01-06
horizon: 30
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: flip
    hazard: {per_step: {dist: uniform, min: 0.02, max: 0.6}}
    effects: {talks: open}
outcomes:
  - {id: fall, when: "fired.flip >= 8"}
  - {id: status_quo, default: true}
observations:
  - {id: standing, date: 2020-02-17, outcome: status_quo, assumption: "a test"}
  - {id: two, date: 2020-02-17, measure: fired.flip, value: 2, tolerance: 0.5, assumption: "a test"}
)";

}  // namespace geosim::test
