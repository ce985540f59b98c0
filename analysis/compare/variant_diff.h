// What a variant changes against its base: the parameters whose value or distribution
// differs (by path), and the items (levers, events, actors, cohorts, outcomes, decisions,
// ladders) one scenario has and the other lacks, levers switched on or off and levers that
// act over other dates, the kinds, actors and conditions of levers and events, and the format. `geosim compare` records
// the list in its JSON (`changes`) and the comparison report shows it, so a reader sees what the two arms differ in.
#pragma once

#include <string>
#include <vector>

#include "engine/output/output.h"
#include "engine/scenario/scenario.h"

namespace geosim {

struct VariantChange {
  std::string kind;    // "parameter", "lever", "event", "actor", "cohort", "outcome", "decision", "ladder", "scenario"
  std::string change;  // "changed", "added", "removed", "switched on", "switched off", "dates"
  std::string path;    // a parameter's path (as for --set), or "levers.<id>", "events.<id>", ..., or a scenario key
  std::string base, variant;  // the values as text; empty where the item is absent from that arm
};

// Every difference, in a fixed order: the scenario's calendar first, then items in the
// base's order (removed and changed) followed by the variant's new ones, then parameters
// in the base's order followed by the variant's new ones. Parameters of an added or
// removed item are not listed again; a lever's `enabled` is listed as the lever switched.
std::vector<VariantChange> diff_scenarios(const Scenario& base, const Scenario& variant);

// [{"kind", "change", "path", "base", "variant"}] with "base"/"variant" null where absent.
Json variant_changes_json(const std::vector<VariantChange>& changes);

}  // namespace geosim
