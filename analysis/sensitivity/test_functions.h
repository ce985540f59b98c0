// Functions with known Sobol indices, used to check the sensitivity estimators.
//
// The Ishigami function (Ishigami & Homma 1990) is non-linear and non-monotone and has an
// interaction between x1 and x3 that no first-order index sees, so it tells a correct
// total-index estimator from a wrong one. The Sobol g-function (Saltelli & Sobol 1995)
// lets each input's importance be dialled with a_i (a_i = 0: very important, a_i = 99:
// nearly inert). Both have closed-form indices (Saltelli et al. 2008, "Global Sensitivity
// Analysis. The Primer", sections 4.9 and 3.6), the same values SALib tests against.
// Inputs are points of the unit cube, as produced by the designs.
#pragma once

#include <vector>

namespace geosim::sensitivity {

// Exact first-order and total indices, one entry per input, and the output variance.
struct AnalyticIndices {
  std::vector<double> S1, ST;
  double variance = 0.0;
};

// sin(x1) + a sin^2(x2) + b x3^4 sin(x1) with x_k = -pi + 2 pi u_k, u = x[0..2] in [0, 1).
double ishigami(const double* x, double a = 7.0, double b = 0.1);
// For a = 7, b = 0.1: S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
AnalyticIndices ishigami_indices(double a = 7.0, double b = 0.1);

// prod_i (|4 x_i - 2| + a_i) / (1 + a_i), x[0..a.size()-1] in [0, 1), a_i >= 0.
double g_function(const double* x, const std::vector<double>& a);
// V_i = 1 / (3 (1 + a_i)^2), V = prod(1 + V_i) - 1, S1_i = V_i / V,
// ST_i = V_i prod_{j != i} (1 + V_j) / V.
AnalyticIndices g_function_indices(const std::vector<double>& a);

}  // namespace geosim::sensitivity
