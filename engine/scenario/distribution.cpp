#include "engine/scenario/distribution.h"

#include <fmt/format.h>

#include "engine/core/number_text.h"
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

Distribution Distribution::constant(double v) { return Distribution(dist::Constant{v}); }

Distribution Distribution::uniform(double lo, double hi) { return Distribution(dist::Uniform{lo, hi}); }

static double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
static double phi_inv(double p) { return inverse_normal_cdf(p); }

namespace {
// std::visit with one lambda per kind.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;
}  // namespace

double Distribution::quantile(double u) const {
  return std::visit(
      Overloaded{
          [&](const dist::Constant& d) { return d.value; },
          [&](const dist::Uniform& d) { return d.min + (d.max - d.min) * u; },
          [&](const dist::Triangular& d) {
            double lo = d.min, mode = d.mode, hi = d.max;
            double f = (mode - lo) / (hi - lo);
            if (u < f) return lo + std::sqrt(u * (hi - lo) * (mode - lo));
            return hi - std::sqrt((1 - u) * (hi - lo) * (hi - mode));
          },
          [&](const dist::Normal& d) {
            double p = d.lo_cdf + u * (d.hi_cdf - d.lo_cdf);
            p = std::clamp(p, 1e-300, 1.0 - 1e-16);
            double x = d.mean + d.sd * phi_inv(p);
            return std::clamp(x, d.min, d.max);
          },
          [&](const dist::Beta& d) { return boost::math::ibeta_inv(d.alpha, d.beta, u); },
          [&](const dist::Lognormal& d) { return d.median * std::exp(d.sigma * phi_inv(u)); },
          [&](const dist::Bernoulli& d) { return u < d.p ? 1.0 : 0.0; },
          [&](const dist::Choice& d) {
            auto it = std::upper_bound(d.cumulative.begin(), d.cumulative.end(), u);
            size_t i = std::min(static_cast<size_t>(it - d.cumulative.begin()), d.values.size() - 1);
            return d.values[i];
          },
      },
      d_);
}

double Distribution::mean() const {
  return std::visit(Overloaded{
                        [](const dist::Constant& d) { return d.value; },
                        [](const dist::Uniform& d) { return 0.5 * (d.min + d.max); },
                        [](const dist::Triangular& d) { return (d.min + d.mode + d.max) / 3.0; },
                        [](const dist::Normal& d) {
                          double alpha = (d.min - d.mean) / d.sd, beta = (d.max - d.mean) / d.sd;
                          double z = d.hi_cdf - d.lo_cdf;
                          auto pdf = [](double x) {
                            return std::isfinite(x) ? std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI) : 0.0;
                          };
                          return d.mean + d.sd * (pdf(alpha) - pdf(beta)) / z;
                        },
                        [](const dist::Beta& d) { return d.mean; },
                        [](const dist::Lognormal& d) { return d.median * std::exp(0.5 * d.sigma * d.sigma); },
                        [](const dist::Bernoulli& d) { return d.p; },
                        [](const dist::Choice& d) {
                          double m = 0, prev = 0;
                          for (size_t i = 0; i < d.values.size(); ++i) {
                            m += d.values[i] * (d.cumulative[i] - prev);
                            prev = d.cumulative[i];
                          }
                          return m;
                        },
                    },
                    d_);
}

double Distribution::min() const {
  return std::visit(Overloaded{
                        [](const dist::Constant& d) { return d.value; },
                        [](const dist::Uniform& d) { return d.min; },
                        [](const dist::Triangular& d) { return d.min; },
                        [](const dist::Normal& d) { return d.min; },
                        [](const dist::Beta&) { return 0.0; },
                        [](const dist::Lognormal&) { return 0.0; },
                        [](const dist::Bernoulli& d) { return d.p >= 1 ? 1.0 : 0.0; },
                        [](const dist::Choice& d) { return *std::min_element(d.values.begin(), d.values.end()); },
                    },
                    d_);
}

double Distribution::max() const {
  return std::visit(Overloaded{
                        [](const dist::Constant& d) { return d.value; },
                        [](const dist::Uniform& d) { return d.max; },
                        [](const dist::Triangular& d) { return d.max; },
                        [](const dist::Normal& d) { return d.max; },
                        [](const dist::Beta&) { return 1.0; },
                        [](const dist::Lognormal&) { return HUGE_VAL; },
                        [](const dist::Bernoulli& d) { return d.p <= 0 ? 0.0 : 1.0; },
                        [](const dist::Choice& d) { return *std::max_element(d.values.begin(), d.values.end()); },
                    },
                    d_);
}

static std::string num(double x) { return fmt::format("{:g}", x); }

std::string Distribution::describe() const {
  return std::visit(
      Overloaded{
          [](const dist::Constant& d) { return num(d.value); },
          [](const dist::Uniform& d) { return "uniform(" + num(d.min) + ", " + num(d.max) + ")"; },
          [](const dist::Triangular& d) {
            return "triangular(" + num(d.min) + ", " + num(d.mode) + ", " + num(d.max) + ")";
          },
          [](const dist::Normal& d) {
            std::string s = "normal(mean " + num(d.mean) + ", sd " + num(d.sd);
            if (std::isfinite(d.min) || std::isfinite(d.max)) s += ", in [" + num(d.min) + ", " + num(d.max) + "]";
            return s + ")";
          },
          [](const dist::Beta& d) { return "beta(mean " + num(d.mean) + ", sd " + num(d.sd) + ")"; },
          [](const dist::Lognormal& d) { return "lognormal(median " + num(d.median) + ", sigma " + num(d.sigma) + ")"; },
          [](const dist::Bernoulli& d) { return "bernoulli(" + num(d.p) + ")"; },
          [](const dist::Choice& d) {
            std::string s = "choice(";
            double prev = 0;
            for (size_t i = 0; i < d.values.size(); ++i) {
              if (i) s += ", ";
              s += num(d.values[i]) + " w " + num(d.cumulative[i] - prev);
              prev = d.cumulative[i];
            }
            return s + ")";
          },
      },
      d_);
}

bool parse_number(const YNode& node, Diagnostics& diags, double& out) {
  if (!node.is_scalar() || node.quoted) {
    diags.error(node.loc, "expected a number, got " + (node.quoted ? std::string("a quoted string") : node.type_name()),
                "write a plain number such as 0.5");
    return false;
  }
  const std::string& s = node.scalar;
  double v = 0;
  const NumberText r = read_number(s, v);
  if (r == NumberText::kNotNumber) {
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == ".nan" || lower == "nan" || lower == ".inf" || lower == "-.inf" || lower == "+.inf" || lower == "inf") {
      diags.error(node.loc, "'" + s + "' is not a finite number", "NaN and infinity are not allowed");
      return false;
    }
    diags.error(node.loc, "expected a number, got '" + s + "'", "write a plain number such as 0.5");
    return false;
  }
  if (r == NumberText::kNotFinite) {
    diags.error(node.loc, "'" + s + "' is not a finite number", "NaN and infinity are not allowed");
    return false;
  }
  out = v;
  return true;
}

bool parse_bounded_number(const YNode& node, Diagnostics& diags, double& out) {
  double v;
  if (!parse_number(node, diags, v)) return false;
  if (!(std::fabs(v) <= kMaxMagnitude)) {
    diags.error(node.loc, "value " + num(v) + " is beyond the limit of +-" + num(kMaxMagnitude),
                "numbers in a scenario stay within +-" + num(kMaxMagnitude));
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
      // Six digits may round a value just outside onto the range's end (1.0000001 -> "1"):
      // then as many as it takes.
      std::string text = num(v);
      if (range.contains(std::strtod(text.c_str(), nullptr))) text = fmt::format("{}", v);
      diags.error(node.loc, "value " + text + " is outside the allowed range " + range.str());
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
  auto loc_of = [&](const char* key) {
    const YNode* n = node.find(key);
    return n ? n->loc : node.loc;
  };
  dist::Any parsed = dist::Constant{};
  switch (info->kind) {
    case DistKind::Uniform: {
      dist::Uniform d;
      if (get("min", d.min) && get("max", d.max) && !(d.min < d.max))
        diags.error(loc_of("max"), "max must be greater than min", "for a fixed value write the number itself");
      parsed = d;
      break;
    }
    case DistKind::Triangular: {
      dist::Triangular d;
      if (get("min", d.min) && get("mode", d.mode) && get("max", d.max)) {
        if (!(d.min < d.max)) diags.error(loc_of("max"), "max must be greater than min");
        else if (d.mode < d.min || d.mode > d.max) diags.error(loc_of("mode"), "mode must lie between min and max");
      }
      parsed = d;
      break;
    }
    case DistKind::Normal: {
      dist::Normal d;
      bool ok = get("mean", d.mean) & get("sd", d.sd);
      if (node.find("min")) ok &= parse_number(*node.find("min"), diags, d.min);
      if (node.find("max")) ok &= parse_number(*node.find("max"), diags, d.max);
      if (!ok) break;
      if (!(d.sd > 0)) diags.error(loc_of("sd"), "sd must be positive", "for a fixed value write the number itself");
      else if (!(d.min < d.max)) diags.error(loc_of("max"), "max must be greater than min");
      else {
        if (range.lo > -1e299 && !node.find("min"))
          diags.error(node.loc, "this parameter must stay " + range.str() + ", but a normal distribution is unbounded",
                      "add `min:` and `max:` to truncate it");
        else if (range.hi < 1e299 && !node.find("max"))
          diags.error(node.loc, "this parameter must stay " + range.str() + ", but a normal distribution is unbounded",
                      "add `min:` and `max:` to truncate it");
        d.lo_cdf = std::isfinite(d.min) ? phi((d.min - d.mean) / d.sd) : 0.0;
        d.hi_cdf = std::isfinite(d.max) ? phi((d.max - d.mean) / d.sd) : 1.0;
        // With the mean inside [min, max], the mass is spread too thin over the line (a
        // huge sd), and a wider one would only make it worse.
        if (!(d.hi_cdf - d.lo_cdf > 1e-12))
          diags.error(node.loc, "the interval [min, max] holds almost none of this normal's mass",
                      d.mean >= d.min && d.mean <= d.max ? "narrow sd: it is far wider than [min, max]"
                                                         : "move mean inside [min, max] or widen sd");
      }
      parsed = d;
      break;
    }
    case DistKind::Beta: {
      dist::Beta d;
      if (get("mean", d.mean) && get("sd", d.sd)) {
        if (!(d.mean > 0 && d.mean < 1))
          diags.error(loc_of("mean"), "a beta distribution's mean must lie strictly between 0 and 1");
        else if (!(d.sd > 0 && d.sd * d.sd < d.mean * (1 - d.mean)))
          diags.error(loc_of("sd"),
                      "sd must be positive and below sqrt(mean*(1-mean)) = " + num(std::sqrt(d.mean * (1 - d.mean))),
                      "a smaller sd gives a narrower distribution");
        else {
          double nu = d.mean * (1 - d.mean) / (d.sd * d.sd) - 1;
          d.alpha = d.mean * nu;
          d.beta = (1 - d.mean) * nu;
          // The sampler must draw in bounded time (number_limits.h).
          double min_sd = std::sqrt(d.mean * (1 - d.mean) / (kMaxBetaConcentration + 1));
          if (!(min_sd * min_sd > 0))  // no sd of a double satisfies both bounds
            diags.error(loc_of("mean"), "a beta distribution's mean " + num(d.mean) + " is too close to 0 or 1",
                        "for a value this close to 0 or 1 write the number itself");
          else if (!(nu <= kMaxBetaConcentration && d.alpha > 0 && d.beta > 0))
            diags.error(loc_of("sd"), "sd " + num(d.sd) + " is too small for a beta distribution of mean " +
                                          num(d.mean) + ": it must be at least " + num(min_sd * (1 + 1e-6)),
                        "for a value known this precisely write the number itself");
        }
      }
      parsed = d;
      break;
    }
    case DistKind::Lognormal: {
      dist::Lognormal d;
      if (get("median", d.median) && get("sigma", d.sigma)) {
        if (!(d.median > 0)) diags.error(loc_of("median"), "median must be positive");
        if (!(d.sigma > 0)) diags.error(loc_of("sigma"), "sigma must be positive");
      }
      parsed = d;
      break;
    }
    case DistKind::Bernoulli: {
      dist::Bernoulli d;
      if (get("p", d.p) && !(d.p >= 0 && d.p <= 1)) diags.error(loc_of("p"), "p is a probability and must lie in [0, 1]");
      parsed = d;
      break;
    }
    case DistKind::Choice: {
      dist::Choice d;
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
        if (parse_number(v, diags, x)) d.values.push_back(x);
      }
      std::vector<double> w(d.values.size(), 1.0);
      if (const YNode* ws = node.find("weights")) {
        if (!ws->is_seq() || ws->seq.size() != vs->seq.size()) {
          diags.error(ws->loc, "`weights` must be a list as long as `values` (" + std::to_string(vs->seq.size()) + ")");
        } else {
          // Bounded, so that their sum stays finite: weights of 1e308 would add up to
          // infinity and every share w / total would become 0.
          for (size_t i = 0; i < ws->seq.size() && i < w.size(); ++i) {
            if (parse_bounded_number(ws->seq[i], diags, w[i]) && !(w[i] >= 0))
              diags.error(ws->seq[i].loc, "a weight must be zero or positive");
          }
        }
      }
      double total = 0;
      for (double x : w) total += x;
      if (diags.size() == before && !(total > 0)) diags.error(node.loc, "the weights must not all be zero");
      if (diags.size() == before) {
        double acc = 0;
        for (double x : w) d.cumulative.push_back(acc += x / total);
        d.cumulative.back() = 1.0;
      }
      parsed = std::move(d);
      break;
    }
    case DistKind::Constant: break;
  }
  if (diags.size() != before) return false;
  Distribution d(std::move(parsed));
  {
    // Every value a parameter can take stays within +-kMaxMagnitude, so that nothing derived
    // from it (a sum, a spread, a fan of the state) can overflow to infinity.
    double lo = d.min(), hi = d.max();
    if (!std::isfinite(lo)) lo = d.quantile(0x1p-54);
    if (!std::isfinite(hi)) hi = d.quantile(1 - 0x1p-53);
    double m = d.mean();
    if (!(std::fabs(lo) <= kMaxMagnitude && std::fabs(hi) <= kMaxMagnitude && std::fabs(m) <= kMaxMagnitude &&
          std::isfinite(hi - lo))) {
      diags.error(node.loc, d.is_constant() ? "value " + num(d.value()) + " is beyond the limit of +-" + num(kMaxMagnitude)
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
