#include "engine/core/fastmath.h"

namespace geosim {

namespace {
// Acklam (2003). Coefficients of the rational approximations of the central and tail regions.
constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                        1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                        6.680131188771972e+01,  -1.328068155288572e+01};
constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                        -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                        3.754408661907416e+00};
constexpr double plow = 0.02425, phigh = 1 - plow;

// The central region's rational function, shared by the scalar and the batched version so
// that both evaluate exactly the same expression.
inline double central(double p) {
  double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
}  // namespace

// Four doubles of one SIMD operation (GCC's vector extension: two SSE2 operations on the
// portable baseline, one AVX2 operation in the avx2 clone). Each lane is an ordinary IEEE
// double operation, so the bits are those of the scalar code.
typedef double Double4 __attribute__((vector_size(32)));
typedef long long Long4 __attribute__((vector_size(32)));

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
void inverse_normal_cdf_fast_n(const double* p, double* x, int n) {
  bool tails = false;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    Double4 pv;
    __builtin_memcpy(&pv, p + i, sizeof pv);
    // central(p), lane by lane.
    Double4 q = pv - 0.5, r = q * q;
    Double4 num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q;
    Double4 den = (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    Double4 xv = num / den;
    __builtin_memcpy(x + i, &xv, sizeof xv);
    Long4 in = (pv >= plow) & (pv <= phigh);
    tails |= !(in[0] && in[1] && in[2] && in[3]);
  }
  for (; i < n; ++i) {
    x[i] = central(p[i]);
    tails |= !(p[i] >= plow && p[i] <= phigh);
  }
  if (!tails) return;
  for (i = 0; i < n; ++i)
    if (!(p[i] >= plow && p[i] <= phigh)) x[i] = inverse_normal_cdf_fast(p[i]);
}

double inverse_normal_cdf_fast(double p) {
  double x;
  if (p < plow) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= phigh) {
    x = central(p);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

double inverse_normal_cdf(double p) {
  if (p <= 0) return -HUGE_VAL;
  if (p >= 1) return HUGE_VAL;
  double x = inverse_normal_cdf_fast(p);
  // One Halley step on Phi(x) - p brings the relative error from 1e-9 to machine precision.
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace geosim
