// Uncertain numbers: every numeric parameter of a scenario is a Distribution.
//
// A fixed value is the constant distribution. Every distribution is sampled through its
// quantile function, x = F^-1(u), from one addressed uniform u; so a run's value depends only
// on (seed, run, parameter path), and sensitivity analysis can place a parameter at any
// quantile it likes. The kinds live in one registry table that also documents them
// (docs/scenario-format.md is written from the same facts).
#pragma once

#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/scenario/yaml_tree.h"

namespace geosim {

enum class DistKind { Constant, Uniform, Triangular, Normal, Beta, Lognormal, Bernoulli, Choice };

struct DistKindInfo {
  DistKind kind;
  const char* name;                    // as written after `dist:`
  std::vector<const char*> required;   // keys that must be given
  std::vector<const char*> optional;   // keys that may be given
  const char* doc;
};
const std::vector<DistKindInfo>& dist_kinds();

// The closed interval a parameter must lie in (both ends included).
struct Range {
  double lo = -1e300, hi = 1e300;
  bool contains(double x) const { return x >= lo && x <= hi; }
  std::string str() const;
};

class Distribution {
 public:
  Distribution() = default;
  static Distribution constant(double v);
  static Distribution uniform(double lo, double hi);  // lo < hi

  DistKind kind() const { return kind_; }
  bool is_constant() const { return kind_ == DistKind::Constant; }
  double value() const { return a_; }  // for constants

  // F^-1(u) for u in (0, 1).
  double quantile(double u) const;
  double mean() const;
  // Smallest and largest value the distribution can take.
  double min() const;
  double max() const;
  // "uniform(0.2, 0.6)", "0.5", ...
  std::string describe() const;

  // Parses a number or a `{dist: ...}` map; problems go to `diags`; returns false on error.
  static bool parse(const YNode& node, const Range& range, Diagnostics& diags, Distribution& out);

 private:
  DistKind kind_ = DistKind::Constant;
  double a_ = 0, b_ = 0, c_ = 0, d_ = 0;  // parameters, by kind
  double lo_cdf_ = 0, hi_cdf_ = 1;        // truncated normal: Phi at the bounds
  std::vector<double> values_, cumulative_;  // choice
};

// Parses a plain number (no distribution), with a clear message; false on error.
bool parse_number(const YNode& node, Diagnostics& diags, double& out);

}  // namespace geosim
