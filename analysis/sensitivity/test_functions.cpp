#include "analysis/sensitivity/test_functions.h"

#include <cmath>

#include "engine/core/error.h"

namespace geosim::sensitivity {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

double ishigami(const double* x, double a, double b) {
  const double x1 = -kPi + 2.0 * kPi * x[0];
  const double x2 = -kPi + 2.0 * kPi * x[1];
  const double x3 = -kPi + 2.0 * kPi * x[2];
  const double s2 = std::sin(x2);
  const double x3sq = x3 * x3;
  return std::sin(x1) + a * s2 * s2 + b * x3sq * x3sq * std::sin(x1);
}

AnalyticIndices ishigami_indices(double a, double b) {
  const double pi4 = std::pow(kPi, 4), pi8 = std::pow(kPi, 8);
  // Variance decomposition: V1 from sin(x1)(1 + b x3^4), V2 from a sin^2(x2), V13 from
  // the part of b x3^4 sin(x1) not explained by x1 alone; x3 has no first-order effect.
  const double v1 = 0.5 * (1.0 + b * pi4 / 5.0) * (1.0 + b * pi4 / 5.0);
  const double v2 = a * a / 8.0;
  const double v13 = b * b * pi8 * (1.0 / 18.0 - 1.0 / 50.0);
  const double v = v1 + v2 + v13;
  AnalyticIndices r;
  r.variance = v;
  r.S1 = {v1 / v, v2 / v, 0.0};
  r.ST = {(v1 + v13) / v, v2 / v, v13 / v};
  return r;
}

double g_function(const double* x, const std::vector<double>& a) {
  double g = 1.0;
  for (size_t i = 0; i < a.size(); ++i) g *= (std::fabs(4.0 * x[i] - 2.0) + a[i]) / (1.0 + a[i]);
  return g;
}

AnalyticIndices g_function_indices(const std::vector<double>& a) {
  const size_t d = a.size();
  std::vector<double> vi(d);
  double prod = 1.0;
  for (size_t i = 0; i < d; ++i) {
    GEOSIM_CHECK(a[i] >= 0.0, "g-function coefficients must be non-negative");
    vi[i] = 1.0 / (3.0 * (1.0 + a[i]) * (1.0 + a[i]));
    prod *= 1.0 + vi[i];
  }
  AnalyticIndices r;
  r.variance = prod - 1.0;
  r.S1.resize(d);
  r.ST.resize(d);
  for (size_t i = 0; i < d; ++i) {
    double others = 1.0;
    for (size_t j = 0; j < d; ++j)
      if (j != i) others *= 1.0 + vi[j];
    r.S1[i] = vi[i] / r.variance;
    r.ST[i] = vi[i] * others / r.variance;
  }
  return r;
}

}  // namespace geosim::sensitivity
