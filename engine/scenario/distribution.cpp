#include "engine/scenario/distribution.h"

#include "engine/core/fastmath.h"
#include "engine/scenario/number_limits.h"

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace geosim {

const std::vector<DistKindInfo>& dist_kinds() {
  static const std::vector<DistKindInfo> kinds = {
      {DistKind::Uniform, "uniform", {"min", "max"}, {}, "every value between min and max equally likely"},
      {DistKind::Triangular, "triangular", {"min", "mode", "max"}, {},
       "most likely at mode, falling linearly to zero at min and max"},
      {DistKind::Normal, "normal", {"mean", "sd"}, {"min", "max"},
       "bell curve, truncated to [min, max] when they are given (required where the parameter is bounded)"},
      {DistKind::Beta, "beta", {"mean", "sd"}, {},
       "a probability-like value in [0, 1] given by its mean and standard deviation"},
      {DistKind::Lognormal, "lognormal", {"median", "sigma"}, {},
       "a positive value whose logarithm is normal (sigma is the sd of the logarithm)"},
      {DistKind::Bernoulli, "bernoulli", {"p"}, {}, "1 with probability p, else 0 (a switch that is on in a share p of runs)"},
      {DistKind::Choice, "choice", {"values"}, {"weights"},
       "one of the listed values, with the given weights (equal when omitted)"},
  };
  return kinds;
}

std::string Range::str() const {
  auto f = [](double x) {
    std::ostringstream os;
    os << x;
    return os.str();
  };
  if (lo <= -1e299 && hi >= 1e299) return "any number";
  if (hi >= 1e299) return ">= " + f(lo);
  if (lo <= -1e299) return "<= " + f(hi);
  return "[" + f(lo) + ", " + f(hi) + "]";
}

Distribution Distribution::constant(double v) {
  Distribution d;
  d.kind_ = DistKind::Constant;
  d.a_ = v;
  return d;
}

Distribution Distribution::uniform(double lo, double hi) {
  Distribution d;
  d.kind_ = DistKind::Uniform;
  d.a_ = lo;
  d.b_ = hi;
  return d;
}

static double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
static double phi_inv(double p) { return inverse_normal_cdf(p); }

double Distribution::quantile(double u) const {
  switch (kind_) {
    case DistKind::Constant: return a_;
    case DistKind::Uniform: return a_ + (b_ - a_) * u;
    case DistKind::Triangular: {
      double lo = a_, mode = b_, hi = c_;
      double f = (mode - lo) / (hi - lo);
      if (u < f) return lo + std::sqrt(u * (hi - lo) * (mode - lo));
      return hi - std::sqrt((1 - u) * (hi - lo) * (hi - mode));
    }
    case DistKind::Normal: {
      double p = lo_cdf_ + u * (hi_cdf_ - lo_cdf_);
      p = std::clamp(p, 1e-300, 1.0 - 1e-16);
      double x = a_ + b_ * phi_inv(p);
      return std::clamp(x, c_, d_);
    }
    case DistKind::Beta: return boost::math::ibeta_inv(c_, d_, u);
    case DistKind::Lognormal: return a_ * std::exp(b_ * phi_inv(u));
    case DistKind::Bernoulli: return u < a_ ? 1.0 : 0.0;
    case DistKind::Choice: {
      auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      size_t i = std::min(static_cast<size_t>(it - cumulative_.begin()), values_.size() - 1);
      return values_[i];
    }
  }
  return a_;
}

double Distribution::mean() const {
  switch (kind_) {
    case DistKind::Constant: return a_;
    case DistKind::Uniform: return 0.5 * (a_ + b_);
    case DistKind::Triangular: return (a_ + b_ + c_) / 3.0;
    case DistKind::Normal: {
      double alpha = (c_ - a_) / b_, beta = (d_ - a_) / b_;
      double z = hi_cdf_ - lo_cdf_;
      auto pdf = [](double x) { return std::isfinite(x) ? std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI) : 0.0; };
      return a_ + b_ * (pdf(alpha) - pdf(beta)) / z;
    }
    case DistKind::Beta: return a_;
    case DistKind::Lognormal: return a_ * std::exp(0.5 * b_ * b_);
    case DistKind::Bernoulli: return a_;
    case DistKind::Choice: {
      double m = 0, prev = 0;
      for (size_t i = 0; i < values_.size(); ++i) {
        m += values_[i] * (cumulative_[i] - prev);
        prev = cumulative_[i];
      }
      return m;
    }
  }
  return a_;
}

double Distribution::min() const {
  switch (kind_) {
    case DistKind::Constant: return a_;
    case DistKind::Uniform:
    case DistKind::Triangular: return a_;
    case DistKind::Normal: return c_;
    case DistKind::Beta: return 0;
    case DistKind::Lognormal: return 0;
    case DistKind::Bernoulli: return a_ >= 1 ? 1 : 0;
    case DistKind::Choice: return *std::min_element(values_.begin(), values_.end());
  }
  return a_;
}

double Distribution::max() const {
  switch (kind_) {
    case DistKind::Constant: return a_;
    case DistKind::Uniform: return b_;
    case DistKind::Triangular: return c_;
    case DistKind::Normal: return d_;
    case DistKind::Beta: return 1;
    case DistKind::Lognormal: return HUGE_VAL;
    case DistKind::Bernoulli: return a_ <= 0 ? 0 : 1;
    case DistKind::Choice: return *std::max_element(values_.begin(), values_.end());
  }
  return a_;
}

static std::string num(double x) {
  std::ostringstream os;
  os.precision(6);
  os << x;
  return os.str();
}

std::string Distribution::describe() const {
  switch (kind_) {
    case DistKind::Constant: return num(a_);
    case DistKind::Uniform: return "uniform(" + num(a_) + ", " + num(b_) + ")";
    case DistKind::Triangular: return "triangular(" + num(a_) + ", " + num(b_) + ", " + num(c_) + ")";
    case DistKind::Normal: {
      std::string s = "normal(mean " + num(a_) + ", sd " + num(b_);
      if (std::isfinite(c_) || std::isfinite(d_)) s += ", in [" + num(c_) + ", " + num(d_) + "]";
      return s + ")";
    }
    case DistKind::Beta: return "beta(mean " + num(a_) + ", sd " + num(b_) + ")";
    case DistKind::Lognormal: return "lognormal(median " + num(a_) + ", sigma " + num(b_) + ")";
    case DistKind::Bernoulli: return "bernoulli(" + num(a_) + ")";
    case DistKind::Choice: {
      std::string s = "choice(";
      double prev = 0;
      for (size_t i = 0; i < values_.size(); ++i) {
        if (i) s += ", ";
        s += num(values_[i]) + " w " + num(cumulative_[i] - prev);
        prev = cumulative_[i];
      }
      return s + ")";
    }
  }
  return "?";
}

bool parse_number(const YNode& node, Diagnostics& diags, double& out) {
  if (!node.is_scalar() || node.quoted) {
    diags.error(node.loc, "expected a number, got " + (node.quoted ? std::string("a quoted string") : node.type_name()),
                "write a plain number such as 0.5");
    return false;
  }
  const std::string& s = node.scalar;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) {
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == ".nan" || lower == "nan" || lower == ".inf" || lower == "-.inf" || lower == "+.inf" || lower == "inf") {
      diags.error(node.loc, "'" + s + "' is not a finite number", "NaN and infinity are not allowed");
      return false;
    }
    diags.error(node.loc, "expected a number, got '" + s + "'", "write a plain number such as 0.5");
    return false;
  }
  if (!std::isfinite(v)) {
    diags.error(node.loc, "'" + s + "' is not a finite number", "NaN and infinity are not allowed");
    return false;
  }
  out = v;
  return true;
}

bool Distribution::parse(const YNode& node, const Range& range, Diagnostics& diags, Distribution& out) {
  if (node.is_scalar()) {
    double v;
    if (!parse_number(node, diags, v)) return false;
    if (!range.contains(v)) {
      diags.error(node.loc, "value " + num(v) + " is outside the allowed range " + range.str());
      return false;
    }
    if (!(std::fabs(v) <= kMaxMagnitude)) {
      diags.error(node.loc, "value " + num(v) + " is beyond the limit of +-" + num(kMaxMagnitude),
                  "numbers in a scenario stay within +-" + num(kMaxMagnitude));
      return false;
    }
    out = constant(v);
    return true;
  }
  if (!node.is_map()) {
    diags.error(node.loc, "expected a number or a distribution such as {dist: uniform, min: 0.2, max: 0.6}, got " +
                              node.type_name());
    return false;
  }
  const YNode* dn = node.find("dist");
  std::vector<std::string> names;
  for (const auto& k : dist_kinds()) names.push_back(k.name);
  if (!dn || !dn->is_scalar()) {
    diags.error(node.loc, "a distribution needs `dist:`", "one of " + join(names));
    return false;
  }
  const DistKindInfo* info = nullptr;
  for (const auto& k : dist_kinds())
    if (dn->scalar == k.name) info = &k;
  if (!info) {
    std::string guess = closest_match(dn->scalar, names);
    diags.error(dn->loc, "unknown distribution '" + dn->scalar + "'",
                guess.empty() ? "one of " + join(names) : "did you mean '" + guess + "'? (one of " + join(names) + ")");
    return false;
  }
  size_t before = diags.size();
  // factor and correlation: a parameter that follows a shared factor (read by the builder).
  std::vector<std::string> allowed = {"dist", "evidence", "assumption", "factor", "correlation"};
  for (auto k : info->required) allowed.push_back(k);
  for (auto k : info->optional) allowed.push_back(k);
  for (size_t i = 0; i < node.map.size(); ++i) {
    const std::string& key = node.map[i].first;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string guess = closest_match(key, allowed);
      diags.error(node.key_locs[i], "unknown key '" + key + "' for a " + info->name + " distribution",
                  guess.empty() ? "allowed: " + join(allowed) : "did you mean '" + guess + "'?");
    }
  }
  auto get = [&](const char* key, double& v) -> bool {
    const YNode* n = node.find(key);
    if (!n) {
      diags.error(node.loc, std::string("a ") + info->name + " distribution needs `" + key + "`",
                  std::string("give ") + join([&] {
                    std::vector<std::string> r;
                    for (auto k : info->required) r.push_back(k);
                    return r;
                  }()));
      return false;
    }
    return parse_number(*n, diags, v);
  };
  Distribution d;
  d.kind_ = info->kind;
  auto loc_of = [&](const char* key) {
    const YNode* n = node.find(key);
    return n ? n->loc : node.loc;
  };
  switch (info->kind) {
    case DistKind::Uniform: {
      if (get("min", d.a_) && get("max", d.b_) && !(d.a_ < d.b_))
        diags.error(loc_of("max"), "max must be greater than min", "for a fixed value write the number itself");
      break;
    }
    case DistKind::Triangular: {
      if (get("min", d.a_) && get("mode", d.b_) && get("max", d.c_)) {
        if (!(d.a_ < d.c_)) diags.error(loc_of("max"), "max must be greater than min");
        else if (d.b_ < d.a_ || d.b_ > d.c_) diags.error(loc_of("mode"), "mode must lie between min and max");
      }
      break;
    }
    case DistKind::Normal: {
      d.c_ = -HUGE_VAL;
      d.d_ = HUGE_VAL;
      bool ok = get("mean", d.a_) & get("sd", d.b_);
      if (node.find("min")) ok &= parse_number(*node.find("min"), diags, d.c_);
      if (node.find("max")) ok &= parse_number(*node.find("max"), diags, d.d_);
      if (!ok) break;
      if (!(d.b_ > 0)) diags.error(loc_of("sd"), "sd must be positive", "for a fixed value write the number itself");
      else if (!(d.c_ < d.d_)) diags.error(loc_of("max"), "max must be greater than min");
      else {
        if (range.lo > -1e299 && !node.find("min"))
          diags.error(node.loc, "this parameter must stay " + range.str() + ", but a normal distribution is unbounded",
                      "add `min:` and `max:` to truncate it");
        else if (range.hi < 1e299 && !node.find("max"))
          diags.error(node.loc, "this parameter must stay " + range.str() + ", but a normal distribution is unbounded",
                      "add `min:` and `max:` to truncate it");
        d.lo_cdf_ = std::isfinite(d.c_) ? phi((d.c_ - d.a_) / d.b_) : 0.0;
        d.hi_cdf_ = std::isfinite(d.d_) ? phi((d.d_ - d.a_) / d.b_) : 1.0;
        if (!(d.hi_cdf_ - d.lo_cdf_ > 1e-12))
          diags.error(node.loc, "the interval [min, max] holds almost none of this normal's mass",
                      "move mean inside [min, max] or widen sd");
      }
      break;
    }
    case DistKind::Beta: {
      if (get("mean", d.a_) && get("sd", d.b_)) {
        if (!(d.a_ > 0 && d.a_ < 1)) diags.error(loc_of("mean"), "a beta distribution's mean must lie strictly between 0 and 1");
        else if (!(d.b_ > 0 && d.b_ * d.b_ < d.a_ * (1 - d.a_)))
          diags.error(loc_of("sd"), "sd must be positive and below sqrt(mean*(1-mean)) = " + num(std::sqrt(d.a_ * (1 - d.a_))),
                      "a smaller sd gives a narrower distribution");
        else {
          double nu = d.a_ * (1 - d.a_) / (d.b_ * d.b_) - 1;
          d.c_ = d.a_ * nu;
          d.d_ = (1 - d.a_) * nu;
          // The sampler must draw in bounded time (number_limits.h).
          double min_sd = std::sqrt(d.a_ * (1 - d.a_) / (kMaxBetaConcentration + 1));
          if (!(min_sd * min_sd > 0))  // no sd of a double satisfies both bounds
            diags.error(loc_of("mean"), "a beta distribution's mean " + num(d.a_) + " is too close to 0 or 1",
                        "for a value this close to 0 or 1 write the number itself");
          else if (!(nu <= kMaxBetaConcentration && d.c_ > 0 && d.d_ > 0))
            diags.error(loc_of("sd"), "sd " + num(d.b_) + " is too small for a beta distribution of mean " +
                                          num(d.a_) + ": it must be at least " + num(min_sd * (1 + 1e-6)),
                        "for a value known this precisely write the number itself");
        }
      }
      break;
    }
    case DistKind::Lognormal: {
      if (get("median", d.a_) && get("sigma", d.b_)) {
        if (!(d.a_ > 0)) diags.error(loc_of("median"), "median must be positive");
        if (!(d.b_ > 0)) diags.error(loc_of("sigma"), "sigma must be positive");
      }
      break;
    }
    case DistKind::Bernoulli: {
      if (get("p", d.a_) && !(d.a_ >= 0 && d.a_ <= 1))
        diags.error(loc_of("p"), "p is a probability and must lie in [0, 1]");
      break;
    }
    case DistKind::Choice: {
      const YNode* vs = node.find("values");
      if (!vs) {
        diags.error(node.loc, "a choice distribution needs `values`", "for example values: [0.2, 0.5, 0.8]");
        break;
      }
      if (!vs->is_seq() || vs->seq.empty()) {
        diags.error(vs->loc, "`values` must be a non-empty list of numbers");
        break;
      }
      for (const auto& v : vs->seq) {
        double x;
        if (parse_number(v, diags, x)) d.values_.push_back(x);
      }
      std::vector<double> w(d.values_.size(), 1.0);
      if (const YNode* ws = node.find("weights")) {
        if (!ws->is_seq() || ws->seq.size() != vs->seq.size()) {
          diags.error(ws->loc, "`weights` must be a list as long as `values` (" + std::to_string(vs->seq.size()) + ")");
        } else {
          for (size_t i = 0; i < ws->seq.size() && i < w.size(); ++i) {
            if (parse_number(ws->seq[i], diags, w[i]) && !(w[i] >= 0))
              diags.error(ws->seq[i].loc, "a weight must be zero or positive");
          }
        }
      }
      double total = 0;
      for (double x : w) total += x;
      if (diags.size() == before && !(total > 0)) diags.error(node.loc, "the weights must not all be zero");
      if (diags.size() == before) {
        double acc = 0;
        for (double x : w) d.cumulative_.push_back(acc += x / total);
        d.cumulative_.back() = 1.0;
      }
      break;
    }
    case DistKind::Constant: break;
  }
  if (diags.size() != before) return false;
  {
    // Every value a parameter can take stays within +-kMaxMagnitude, so that nothing derived
    // from it (a sum, a spread, a fan of the state) can overflow to infinity.
    double lo = d.min(), hi = d.max();
    if (!std::isfinite(lo)) lo = d.quantile(0x1p-54);
    if (!std::isfinite(hi)) hi = d.quantile(1 - 0x1p-53);
    double m = d.mean();
    if (!(std::fabs(lo) <= kMaxMagnitude && std::fabs(hi) <= kMaxMagnitude && std::fabs(m) <= kMaxMagnitude &&
          std::isfinite(hi - lo))) {
      diags.error(node.loc, d.is_constant() ? "value " + num(d.a_) + " is beyond the limit of +-" + num(kMaxMagnitude)
                                            : "this distribution can take values from " + num(lo) + " to " + num(hi) +
                                                  ", beyond the limit of +-" + num(kMaxMagnitude),
                  "numbers in a scenario stay within +-" + num(kMaxMagnitude));
      return false;
    }
  }
  if (range.lo > -1e299 || range.hi < 1e299) {
    double lo = d.min(), hi = d.max();
    if (!range.contains(lo) || !range.contains(hi)) {
      diags.error(node.loc, "this distribution can take values in [" + num(lo) + ", " + num(hi) +
                                "], outside the allowed range " + range.str(),
                  "narrow it (for a normal, set min and max)");
      return false;
    }
  }
  out = std::move(d);
  return true;
}

}  // namespace geosim
