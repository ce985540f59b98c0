// Arithmetic shared by the model's mechanisms (engine/model/model.cpp, engine/model/mech_*.cpp):
// the logistic and its bound tests, written once so that every mechanism rounds alike.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace geosim::model_math {

inline double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }
inline double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
// Margin of the lazy thresholds (Model::threshold), relative to 1 + |z|.
constexpr double kLazyGuard = 1e-9;

// Whether u < logistic(z), as computed by `logistic`, mostly without computing it. For
// z < -1, logistic(z) < e^z < 2^k with k = trunc(z * 1.4426) + 2 (1.4426 < log2(e), so
// v = z * 1.4426 >= z * log2(e) for negative z; trunc(v) >= floor(v), so k > v + 1, which
// covers the rounding of the product and of logistic itself with a factor of 2 to spare).
// When u >= 2^k the answer is no; otherwise, and for z >= -1, logistic(z) is computed and
// compared as before.
// Whether u >= 2^k for that power of two (z < -1 only; false otherwise): then u is above
// any probability at most e^z, rounding included.
inline bool above_exp_bound(double u, double z) {
  if (!(z < -1.0)) return false;
  const double v = z * 1.4426;
  if (!(v > -1000.0)) return false;
  // 2^k built from its exponent bits (k is an integer in [-998, 1]).
  const int64_t k = static_cast<int64_t>(v) + 2;
  const uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
  double bound;
  std::memcpy(&bound, &bits, sizeof bound);
  return u >= bound;
}

inline bool below_logistic(double u, double z) { return !above_exp_bound(u, z) && u < logistic(z); }

// Whether u < -expm1(-exp(z)) (format 2's complementary log-log link), mostly without
// computing it, by the bound of below_logistic: 1 - e^(-y) <= y for y >= 0, so the
// probability is at most e^z, and for z < -1 the power of two 2^k > 2 e^z above it covers
// the rounding of exp and of expm1 (a few ulps each) with a factor of 2 to spare. When
// u >= 2^k the answer is no; otherwise the probability is computed and compared as before.
inline bool below_cloglog(double u, double z) { return !above_exp_bound(u, z) && u < -std::expm1(-std::exp(z)); }

}  // namespace geosim::model_math
