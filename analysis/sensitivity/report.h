// Sensitivity results for people (a table) and programs (JSON, schema in docs/analysis.md).
//
// One report covers a whole analysis: every output (each outcome probability of a
// scenario, or the value of a test function) with the indices of every parameter and their
// bootstrap 95 % intervals. The half-width of each interval is printed beside the index so
// the reader can judge whether the number of samples was enough: SALib's maintainers
// advise a half-width of about 10 % of the index, and the report flags indices that miss it.
// Equal inputs give equal bytes: nothing here depends on time or threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/sensitivity/morris.h"
#include "analysis/sensitivity/sobol.h"
#include "analysis/sensitivity/test_functions.h"
#include "engine/output/output.h"

namespace geosim::gsa {

struct SensitivityReport {
  std::string method;          // "sobol" or "morris"
  std::string scenario;        // scenario id, or "" for a test function
  std::string title;           // scenario title or test function name
  std::string test_function;   // "ishigami", "gfunction" or ""
  uint64_t seed = 1;
  std::string scenario_hash;   // Scenario::content_hash ("" for a test function)
  std::string command;         // the command line that reproduces it
  int samples = 0;             // Sobol: N base points; Morris: trajectories
  int runs_per_point = 0;      // Monte Carlo runs per design point (0 for a test function)
  int bootstrap = 0;           // resamples behind the intervals
  int levels = 0;              // Morris grid levels
  int64_t points = 0;          // design points evaluated
  int run_groups = 0;          // groups of runs behind the runs' error in the intervals (0: none)
  std::vector<std::string> parameters;    // names (parameter paths or x1, x2, ...)
  std::vector<std::string> distributions; // what each parameter ranged over
  std::vector<std::string> outputs;       // output ids (outcome ids or "f")
  std::vector<double> output_mean;        // mean of each output over the design
  std::vector<sensitivity::SobolIndices> sobol;    // one per output (method sobol)
  std::vector<sensitivity::MorrisIndices> morris;  // one per output (method morris)
  // Exact indices of a test function (its single output), printed next to the estimates.
  std::optional<sensitivity::AnalyticIndices> analytic;
};

// The interval half-width (hi - lo) / 2; NaN when the interval is undefined.
double half_width(const std::array<double, 2>& ci);

// Whether an index is measured precisely enough: the half-width is at most 10 % of the
// index, or the whole interval lies within ±kNegligible, so the parameter is confidently
// unimportant for this output and its relative precision does not matter.
inline constexpr double kNegligible = 0.05;
bool precise_enough(double index, const std::array<double, 2>& ci);

// One line per output whose indices are not precise enough (empty when all are).
std::vector<std::string> precision_warnings(const SensitivityReport& r);

Json sensitivity_json(const SensitivityReport& r);
std::string sensitivity_table(const SensitivityReport& r);

}  // namespace geosim::gsa
