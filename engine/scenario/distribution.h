// Uncertain numbers: every numeric parameter of a scenario is a Distribution.
//
// A fixed value is the constant distribution. Every distribution is sampled through its
// quantile function, x = F^-1(u), from one addressed uniform u; so a run's value depends only
// on (seed, run, parameter path), and sensitivity analysis can place a parameter at any
// quantile it likes. The kinds live in one registry table that also documents them
// (docs/scenario-format.md is written from the same facts).
#pragma once

#include <cmath>
#include <string>
#include <variant>
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

// The kinds and their parameters, by name (Distribution holds one of them). Each knows its
// DistKind, so nothing matches a kind to a table by position.
namespace dist {
struct Constant {
  static constexpr DistKind kind = DistKind::Constant;
  double value = 0;
};
struct Uniform {
  static constexpr DistKind kind = DistKind::Uniform;
  double min = 0, max = 1;
};
struct Triangular {
  static constexpr DistKind kind = DistKind::Triangular;
  double min = 0, mode = 0, max = 0;
};
// Truncated to [min, max] (infinite when not given); lo_cdf, hi_cdf: Phi at the bounds.
struct Normal {
  static constexpr DistKind kind = DistKind::Normal;
  double mean = 0, sd = 1, min = -HUGE_VAL, max = HUGE_VAL;
  double lo_cdf = 0, hi_cdf = 1;
};
// Given by mean and sd; alpha, beta: the shape parameters they imply.
struct Beta {
  static constexpr DistKind kind = DistKind::Beta;
  double mean = 0.5, sd = 0.1, alpha = 0, beta = 0;
};
struct Lognormal {
  static constexpr DistKind kind = DistKind::Lognormal;
  double median = 1, sigma = 1;
};
struct Bernoulli {
  static constexpr DistKind kind = DistKind::Bernoulli;
  double p = 0;
};
// values[i] is drawn when u < cumulative[i] (the first such i); cumulative ends at 1.
struct Choice {
  static constexpr DistKind kind = DistKind::Choice;
  std::vector<double> values, cumulative;
};
using Any = std::variant<Constant, Uniform, Triangular, Normal, Beta, Lognormal, Bernoulli, Choice>;
}  // namespace dist

class Distribution {
 public:
  Distribution() = default;
  static Distribution constant(double v);
  static Distribution uniform(double lo, double hi);  // lo < hi

  DistKind kind() const {
    return std::visit([](const auto& d) { return std::decay_t<decltype(d)>::kind; }, d_);
  }
  bool is_constant() const { return std::holds_alternative<dist::Constant>(d_); }
  double value() const { return std::get<dist::Constant>(d_).value; }  // for constants
  // The kind with its parameters by name.
  const dist::Any& params() const { return d_; }

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
  explicit Distribution(dist::Any d) : d_(std::move(d)) {}
  dist::Any d_ = dist::Constant{};
};

// Parses a plain number (no distribution), with a clear message; false on error.
bool parse_number(const YNode& node, Diagnostics& diags, double& out);

// parse_number, and the number must lie within +-kMaxMagnitude (number_limits.h), refused at
// its own position: for the numbers of a list that are not parameters (a choice's weights, a
// cohort's explicit thresholds), whose sum or spread would otherwise overflow.
bool parse_bounded_number(const YNode& node, Diagnostics& diags, double& out);

}  // namespace geosim
