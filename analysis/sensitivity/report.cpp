#include "analysis/sensitivity/report.h"

#include "engine/output/numbers.h"
#include "engine/core/version.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace geosim::gsa {

double half_width(const std::array<double, 2>& ci) { return (ci[1] - ci[0]) / 2; }

bool precise_enough(double index, const std::array<double, 2>& ci) {
  if (!std::isfinite(index) || !std::isfinite(ci[0]) || !std::isfinite(ci[1])) return true;  // nothing to measure
  if (std::abs(ci[0]) <= kNegligible && std::abs(ci[1]) <= kNegligible) return true;
  return half_width(ci) <= 0.1 * std::abs(index);
}

std::vector<std::string> precision_warnings(const SensitivityReport& r) {
  std::vector<std::string> out;
  if (r.method != "sobol") return out;
  for (size_t k = 0; k < r.sobol.size(); ++k) {
    const auto& s = r.sobol[k];
    std::vector<std::string> loose, runs;
    // Loose, and the runs' part of the half-width (1.96 x their standard error) alone above
    // 10% of the index: more base points cannot help.
    auto check = [&](const char* name, double v, const std::array<double, 2>& ci, const std::vector<double>& se,
                     size_t i) {
      if (precise_enough(v, ci)) return;
      loose.push_back(std::string(name) + " of " + r.parameters[i]);
      // (the verdict's target: 10% of the index or, near 0, the room left to +-kNegligible)
      const double a = std::abs(v), target = std::max(0.1 * a, a < kNegligible ? kNegligible - a : 0.0);
      if (i < se.size() && std::isfinite(se[i]) && 1.959963984540054 * se[i] >= target)
        runs.push_back(std::string(name) + " of " + r.parameters[i]);
    };
    for (size_t i = 0; i < s.S1.size(); ++i) {
      check("S1", s.S1[i], s.S1_ci95[i], s.S1_runs_se, i);
      check("ST", s.ST[i], s.ST_ci95[i], s.ST_runs_se, i);
    }
    if (!loose.empty())
      out.push_back(r.outputs[k] + ": the 95% half-width exceeds 10% of the index for " + join(loose) +
                    (runs.empty() ? "; more --samples (4x halves the half-width) would make them trustworthy"
                                  : "; the runs' own error alone is that large for " + join(runs) +
                                        ": more --runs-per-point, not only more --samples"));
  }
  return out;
}

namespace {

Json pairs(const std::vector<std::array<double, 2>>& v) {
  Json a = Json::array();
  for (const auto& p : v) a.push_back({p[0], p[1]});
  return a;
}

Json widths(const std::vector<std::array<double, 2>>& v) {
  Json a = Json::array();
  for (const auto& p : v) a.push_back(half_width(p));
  return a;
}

// 1234567 -> "1,234,567".
std::string count(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string num(double v, int decimals = 3, const char* suffix = "") {
  if (!std::isfinite(v)) return "-";
  // Wild values (the intervals of an outcome seen at very few points) stay readable.
  if (std::abs(v) >= 1000) return general(v, 2);
  return fixed(v, decimals) + suffix;
}

std::string pad(std::string s, size_t w, bool right = false) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

std::string interval(const std::array<double, 2>& ci) {
  if (!std::isfinite(ci[0])) return "-";
  std::string s(1, '[');
  s += num(ci[0]);
  s += ", ";
  s += num(ci[1]);
  s += ']';
  return s;
}

}  // namespace

Json sensitivity_json(const SensitivityReport& r) {
  Json j;
  j["geosim_version"] = kGeosimVersion;
  j["method"] = r.method;
  j["samples"] = r.samples;
  if (r.test_function.empty()) j["scenario"] = r.scenario;
  else j["test_function"] = r.test_function;
  j["title"] = r.title;
  j["seed"] = r.seed;
  if (!r.scenario_hash.empty()) j["scenario_hash"] = r.scenario_hash;
  if (!r.command.empty()) j["command"] = r.command;
  j["runs_per_point"] = r.runs_per_point;
  j["bootstrap"] = r.bootstrap;
  if (r.method == "morris") j["levels"] = r.levels;
  j["design_points"] = r.points;
  if (r.run_groups > 0) j["run_groups"] = r.run_groups;
  j["parameters"] = r.parameters;
  j["distributions"] = r.distributions;
  Json outs = Json::array();
  for (size_t k = 0; k < r.outputs.size(); ++k) {
    Json o;
    o["id"] = r.outputs[k];
    o["mean"] = r.output_mean[k];
    if (r.method == "sobol") {
      const auto& s = r.sobol[k];
      o["S1"] = s.S1;
      o["S1_ci95"] = pairs(s.S1_ci95);
      o["S1_half_width"] = widths(s.S1_ci95);
      o["ST"] = s.ST;
      o["ST_ci95"] = pairs(s.ST_ci95);
      o["ST_half_width"] = widths(s.ST_ci95);
      if (!s.S1_runs_se.empty()) o["S1_runs_se"] = s.S1_runs_se;
      if (!s.ST_runs_se.empty()) o["ST_runs_se"] = s.ST_runs_se;
    } else {
      const auto& m = r.morris[k];
      o["mu"] = m.mu;
      o["mu_star"] = m.mu_star;
      o["mu_star_ci95"] = pairs(m.mu_star_ci95);
      o["mu_star_half_width"] = widths(m.mu_star_ci95);
      if (!m.mu_star_runs_se.empty()) o["mu_star_runs_se"] = m.mu_star_runs_se;
      o["sigma"] = m.sigma;
    }
    if (r.analytic) o["analytic"] = {{"S1", r.analytic->S1}, {"ST", r.analytic->ST}};
    outs.push_back(o);
  }
  j["outputs"] = outs;
  j["warnings"] = precision_warnings(r);
  return j;
}

std::string sensitivity_table(const SensitivityReport& r) {
  std::string t;
  const bool sobol = r.method == "sobol";
  const size_t d = r.parameters.size();
  t += std::string(sobol ? "Sobol" : "Morris") + " sensitivity of ";
  t += r.test_function.empty() ? "'" + r.scenario + "' (" + r.title + ")\n" : "the " + r.title + " test function\n";
  t += sobol ? "N = " + count(static_cast<uint64_t>(r.samples)) + " base points x (" +
                   std::to_string(d) + " + 2)"
             : std::to_string(r.samples) + " trajectories x (" + std::to_string(d) + " + 1)";
  t += " = " + count(static_cast<uint64_t>(r.points)) + " design points";
  if (r.runs_per_point > 0)
    t += " x " + count(static_cast<uint64_t>(r.runs_per_point)) + " runs = " +
         count(static_cast<uint64_t>(r.points) * static_cast<uint64_t>(r.runs_per_point)) + " runs";
  t += ", seed " + std::to_string(r.seed) + ", " + std::to_string(r.bootstrap) + " bootstrap resamples";
  if (r.run_groups > 0) t += " and the runs' own error (" + std::to_string(r.run_groups) + " groups)";
  if (!sobol) t += ", " + std::to_string(r.levels) + " levels";
  t += "\n";

  size_t w = 9;
  for (const auto& p : r.parameters) w = std::max(w, p.size());
  t += "\nParameters:\n";
  for (size_t i = 0; i < d; ++i) t += "  " + pad(r.parameters[i], w) + "  " + r.distributions[i] + "\n";

  for (size_t k = 0; k < r.outputs.size(); ++k) {
    t += r.test_function.empty() ? "\noutcome " : "\noutput ";
    t += r.outputs[k];
    t += " (mean ";
    t += r.test_function.empty() ? num(100 * r.output_mean[k], 1, "%") : num(r.output_mean[k]);
    t += ")\n";
    if (sobol) {
      const auto& s = r.sobol[k];
      if (d > 0 && !std::isfinite(s.S1[0]) && !std::isfinite(s.ST[0])) {
        // With common random numbers every point runs the same R runs: an outcome rarer than
        // 1 in R may happen in none of them, whatever the parameters.
        const bool never = r.runs_per_point > 0 && (r.output_mean[k] == 0 || r.output_mean[k] == 1);
        t += never ? "  " + std::string(r.output_mean[k] == 0 ? "in none" : "in every one") + " of the " +
                         count(static_cast<uint64_t>(r.runs_per_point)) +
                         " runs of any design point: indices undefined (" +
                         (r.output_mean[k] == 0 ? "a rarer outcome" : "an outcome this common") +
                         " needs more --runs-per-point)\n"
                   : "  the same at every design point: no parameter moves it, indices undefined\n";
        continue;
      }
      t += "  " + pad("parameter", w) + "      S1  95% interval         +/-       ST  95% interval         +/-";
      if (r.analytic) t += "   exact S1  exact ST";
      t += "  verdict\n";
      // Largest total index first. An index is a share of variance: an estimate outside [0, 1]
      // is shown clipped, with "!", and the verdict says how many base points would do.
      std::vector<size_t> order(d);
      for (size_t i = 0; i < d; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const double x = std::isfinite(s.ST[a]) ? s.ST[a] : -1, y = std::isfinite(s.ST[b]) ? s.ST[b] : -1;
        return x > y;
      });
      auto shown = [](double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : v; };
      auto mark = [](double v) { return std::isfinite(v) && (v < 0 || v > 1) ? "!" : " "; };
      auto shown_ci = [&](const std::array<double, 2>& ci) { return std::array<double, 2>{shown(ci[0]), shown(ci[1])}; };
      // The base points that would clear an index's * (the design's part of a half-width
      // shrinks as 1/sqrt(N); the runs' part, 1.96 x the runs' standard error, does not): its
      // half-width down to 10% of the index, or, for an index near 0, its interval inside
      // +-kNegligible, whichever needs fewer. Always more than N for a starred index; none
      // (runs > 0) when the runs' part alone is above the target: then more runs per point.
      struct Need {
        double points = 0, half_width = 0, target = 0, runs_part = 0;
        bool runs = false;  // the runs' part alone misses the target
      };
      auto needed = [&](double v, const std::array<double, 2>& ci, double runs_se) {
        Need n;
        if (precise_enough(v, ci)) return n;
        const double hw = half_width(ci), a = std::fabs(v), N = static_cast<double>(r.samples);
        const double z = std::isfinite(runs_se) ? 1.959963984540054 * runs_se : 0.0;
        const double design = std::sqrt(std::max(0.0, hw * hw - z * z));
        auto points_for = [&](double t) {
          return t > z ? N * design * design / (t * t - z * z) : std::numeric_limits<double>::infinity();
        };
        n.half_width = hw;
        n.runs_part = z;
        n.target = 0.1 * a;
        n.points = a > 0 ? points_for(n.target) : std::numeric_limits<double>::infinity();
        if (a < kNegligible) {
          const double t = kNegligible - a, p = points_for(t);
          if (p < n.points || !(n.target > z)) n = {p, hw, t, z};
        }
        n.runs = !(n.target > z);
        return n;
      };
      auto runs_se = [](const std::vector<double>& v, size_t i) {
        return i < v.size() ? v[i] : std::numeric_limits<double>::quiet_NaN();
      };
      for (size_t i : order) {
        const double hw = std::max(half_width(s.S1_ci95[i]), half_width(s.ST_ci95[i]));
        // Without intervals (--bootstrap 0) precision cannot be judged: no verdict.
        std::string verdict = std::isfinite(hw) ? "converged" : "no intervals";
        const Need n1 = needed(s.S1[i], s.S1_ci95[i], runs_se(s.S1_runs_se, i)),
                   nt = needed(s.ST[i], s.ST_ci95[i], runs_se(s.ST_runs_se, i));
        const Need& n = n1.runs || (!nt.runs && n1.points > nt.points) ? n1 : nt;
        if (n.runs && std::isfinite(hw))
          verdict = "+-" + num(n.half_width, 2) + ", +-" + num(n.runs_part, 2) +
                    " of it from the runs: more --runs-per-point for +-" + num(n.target, n.target < 0.01 ? 3 : 2);
        else if (n.points > 0 && std::isfinite(hw))
          verdict = "+-" + num(n.half_width, 2) + ": about " +
                    count(static_cast<uint64_t>(std::ceil(std::min(n.points, 1e15)))) + " base points for +-" +
                    num(n.target, n.target < 0.01 ? 3 : 2);
        t += "  " + pad(r.parameters[i], w) + pad(num(shown(s.S1[i])), 7, true) + mark(s.S1[i]) + "  " +
             pad(interval(shown_ci(s.S1_ci95[i])), 17) + pad(num(half_width(s.S1_ci95[i])), 7, true) +
             (precise_enough(s.S1[i], s.S1_ci95[i]) ? " " : "*") + pad(num(shown(s.ST[i])), 7, true) + mark(s.ST[i]) +
             "  " + pad(interval(shown_ci(s.ST_ci95[i])), 17) + pad(num(half_width(s.ST_ci95[i])), 7, true) +
             (precise_enough(s.ST[i], s.ST_ci95[i]) ? " " : "*");
        if (r.analytic) t += pad(num(r.analytic->S1[i], 4), 11, true) + pad(num(r.analytic->ST[i], 4), 10, true);
        t += "  " + verdict + "\n";
      }
    } else {
      const auto& m = r.morris[k];
      t += "  " + pad("parameter", w) + "     mu*  95% interval         +/-     sigma       mu";
      if (r.analytic) t += "  exact ST";
      t += "\n";
      // Largest mu* first.
      std::vector<size_t> order(d);
      for (size_t i = 0; i < d; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.mu_star[a] > m.mu_star[b]; });
      for (size_t i : order) {
        t += "  " + pad(r.parameters[i], w) + pad(num(m.mu_star[i]), 8, true) + "  " +
             pad(interval(m.mu_star_ci95[i]), 17) + pad(num(half_width(m.mu_star_ci95[i])), 7, true) +
             pad(num(m.sigma[i]), 10, true) + pad(num(m.mu[i]), 9, true);
        if (r.analytic) t += pad(num(r.analytic->ST[i], 4), 10, true);
        t += "\n";
      }
    }
  }
  if (sobol && !precision_warnings(r).empty())
    t += r.run_groups > 0
             ? "\n* half-width above 10% of the index (SALib's rule of thumb); the verdict says how many base points\n"
               "  would make it trustworthy, or that the runs' own error alone is too large (more --runs-per-point).\n"
               "  ! an estimate outside [0, 1] (a share of variance), shown clipped; the JSON keeps the raw estimate.\n"
             : "\n* half-width above 10% of the index (SALib's rule of thumb); the verdict says how many base points\n"
               "  would make it trustworthy. ! an estimate outside [0, 1] (a share of variance), shown clipped; the\n"
               "  JSON keeps the raw estimate.\n";
  t += sobol ? "\nS1: share of the output's variance due to the parameter alone. ST: share it takes part in,\n"
               "interactions included. ST - S1 large: the parameter matters through interactions.\n"
             : "\nmu*: mean absolute change of the output when the parameter moves across its range (per unit\n"
               "of the quantile scale); sigma large: the effect depends on the other parameters.\n";
  t += "\n" + reproduction_lines(r.command, r.seed, r.scenario_hash, "");
  return t;
}

}  // namespace geosim::gsa
