// Experimental designs of a sweep: where in parameter space the points lie.
//
// Each design is one row of a registry that names it, documents it and generates its points
// from a spec, so a new design is a new row. Every design is a pure function of the spec
// (values, ranges, number of points, seed): the same spec always gives the same points,
// which is what lets an interrupted sweep resume and still match an uninterrupted one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/sweep/spec.h"

namespace geosim {

struct DesignKind {
  const char* name;
  const char* doc;
  bool uses_values;  // parameters give `values` or `min/max/steps` (a grid) ...
                     // ... or else `min` and `max` with `points:` for the whole design
  // Points x params, row-major.
  std::function<std::vector<double>(const SweepSpec&)> generate;
};

const std::vector<DesignKind>& design_kinds();
const DesignKind* find_design(const std::string& name);  // null when unknown
std::vector<std::string> design_names();

// Value `i` (0 to steps - 1) of a grid parameter given as `min`, `max` and `steps` (both ends
// included): the double nearest to min + i (max - min) / (steps - 1), worked out exactly from
// the decimals that min and max are written as (their shortest round-trip texts). So
// {min: -0.3, max: 0.3, steps: 7} gives the doubles of -0.3, -0.2, ..., 0.3 as if written
// out, not 0.09999999999999998 for 0.1; a value that is not a decimal (1/3) is its nearest
// double. Falls back to the floating-point formula when min and max are too far apart in
// magnitude to share an exponent (1e-300 and 1e300).
double grid_value(double min, double max, uint64_t steps, uint64_t i);

}  // namespace geosim
