// Observations: what is known to have happened by a date (`observations:` in a scenario).
//
// Each observation is a dated fact about a run, read by calibration (analysis/calibrate)
// and by forecasts conditioned on the past (`geosim run --posterior DIR --from DATE`); a
// plain run never reads them, so they change no output. Three forms:
//   holds:   an expression over the state variables that was true on the date;
//   outcome: the outcome reached by the date (the default outcome, status_quo, means that
//            no outcome had happened yet: the incumbent still ruled);
//   measure: an expression whose value was `value`, within `tolerance`.
// A run that ended before the date is read in its final state.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/dates.h"
#include "engine/core/error.h"
#include "engine/scenario/yaml_tree.h"

namespace geosim {

struct Scenario;
struct Provenance;

struct Observation {
  enum class Kind { Holds, Outcome, Measure };
  std::string id;
  Kind kind = Kind::Holds;
  Date date;
  // Steps taken when it is read: those up to and including the step holding its date (step
  // k, 1-based, holds days start + (k - 1) d .. start + k d - 1), so that it reads the state
  // at the end of that step.
  int steps = 0;
  std::string expr;        // holds / measure: the expression
  FileLoc expr_loc;        // of its first character
  std::shared_ptr<const TextPlaces> expr_places;  // of its characters (YNode::places)
  int outcome = -1;        // outcome: index into Scenario::outcomes
  double value = 0;        // measure: what was measured
  double tolerance = 0;    // measure: how far a run may be from it and still agree (> 0)
  FileLoc loc;             // of the item
  std::string evidence_summary;  // the first quote or citation, for reports
};

// Reads `observations:` of a merged scenario tree into sc.observations. Needs the
// scenario's start, step, horizon, outcomes and state variables. `provenance` reads an
// item's evidence the way every other item's is read; it returns false when the item has
// neither `evidence:` nor `assumption:`.
void read_observations(const YNode& root, Scenario& sc, double step_days, Diagnostics& diags,
                       const std::function<bool(const YNode&, std::string&)>& provenance);

}  // namespace geosim
