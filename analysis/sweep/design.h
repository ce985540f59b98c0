// Experimental designs of a sweep: where in parameter space the points lie.
//
// Each design is one row of a registry that names it, documents it and generates its points
// from a spec, so a new design is a new row. Every design is a pure function of the spec
// (values, ranges, number of points, seed): the same spec always gives the same points,
// which is what lets an interrupted sweep resume and still match an uninterrupted one.
#pragma once

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

}  // namespace geosim
