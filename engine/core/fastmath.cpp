#include "engine/core/fastmath.h"

#include <algorithm>

#include <Random123/philox.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "engine/core/simd.h"

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

// Double4 and GEOSIM_SIMD_CLONES: engine/core/simd.h.
typedef long long Long4 __attribute__((vector_size(32)));

typedef uint32_t Uint4 __attribute__((vector_size(16)));
typedef int32_t Int4 __attribute__((vector_size(16)));

GEOSIM_SIMD_CLONES
void normals_from_words_n(const uint32_t* w, double* z, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    // u32_to_open01 lane by lane: every step is exact in double (w + 0.5 needs 33 bits, and
    // 2^-32 is a power of two), so the lanes hold the scalar function's uniforms.
    // The words as doubles through a signed conversion (one instruction; an unsigned one has
    // none before AVX-512): w - 2^31 as int32, plus 2^31, both exact.
    Uint4 wv;
    __builtin_memcpy(&wv, w + i, sizeof wv);
    const Int4 shifted = reinterpret_cast<Int4>(wv ^ 0x80000000u);
    const Double4 pv = ((__builtin_convertvector(shifted, Double4) + 2147483648.0) + 0.5) * (1.0 / 4294967296.0);
    // central(p), lane by lane.
    Double4 q = pv - 0.5, r = q * q;
    Double4 num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q;
    Double4 den = (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    Double4 xv = num / den;
    __builtin_memcpy(z + i, &xv, sizeof xv);
    // Lanes in a tail (about 5% of them) are computed again one at a time by the scalar
    // function. A lane's mask is all ones inside the central region; the four are tested
    // together first (most groups have no lane in a tail).
    const Long4 in = (pv >= plow) & (pv <= phigh);
    uint64_t m[4];
    __builtin_memcpy(m, &in, sizeof m);
    if ((m[0] & m[1] & m[2] & m[3]) != ~uint64_t{0})
      for (int j = 0; j < 4; ++j)
        if (!m[j]) z[i + j] = inverse_normal_cdf_fast(u32_to_open01(w[i + j]));
  }
  for (; i < n; ++i) {
    const double p = u32_to_open01(w[i]);
    z[i] = p >= plow && p <= phigh ? central(p) : inverse_normal_cdf_fast(p);
  }
}

// Philox4x32-10 (Salmon et al. 2011) over many counters at once. Each lane runs the rounds
// of Random123's philox4x32_R: (hi, lo) = M x word, the words are mixed with the key, and
// the key is bumped by the Weyl constants between rounds. The AVX2 version holds each 32-bit
// word in a 64-bit lane, so that one vpmuludq gives the full products of four lanes; the
// upper halves of the lanes may hold garbage, which vpmuludq ignores and the final packing
// masks off. Without AVX2 the counters go through Random123 one at a time.
namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

void philox_scalar(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, const uint32_t* stream,
                   const uint32_t* index, int n, uint32_t* out) {
  r123::Philox4x32::key_type key = {{k0, k1}};
  for (int i = 0; i < n; ++i) {
    r123::Philox4x32::ctr_type ctr = {{c0, c1, stream[i], index[i]}};
    auto w = r123::Philox4x32()(ctr, key);
    for (int j = 0; j < 4; ++j) out[4 * i + j] = w[static_cast<size_t>(j)];
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GEOSIM_PHILOX_AVX2 1
// Lane i of x0..x3 (words in the low halves) to out[4 i .. 4 i + 3], for four lanes.
__attribute__((target("avx2"))) inline void pack4(__m256i x0, __m256i x1, __m256i x2, __m256i x3, uint32_t* o) {
  const __m256i lo32 = _mm256_set1_epi64x(0xffffffffll);
  __m256i a = _mm256_or_si256(_mm256_and_si256(x0, lo32), _mm256_slli_epi64(x1, 32));
  __m256i b = _mm256_or_si256(_mm256_and_si256(x2, lo32), _mm256_slli_epi64(x3, 32));
  __m256i lo = _mm256_unpacklo_epi64(a, b);  // counters 0, 2
  __m256i hi = _mm256_unpackhi_epi64(a, b);  // counters 1, 3
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), _mm256_permute2x128_si256(lo, hi, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
}

// Eight counters: two groups of four lanes, interleaved so that the two multiply chains
// overlap. key0/key1: the key of each of the ten rounds.
__attribute__((target("avx2"))) inline void philox8(const __m256i* key0, const __m256i* key1, uint32_t c0, uint32_t c1,
                                                    const uint32_t* st, const uint32_t* ix, uint32_t* o) {
  const __m256i m0 = _mm256_set1_epi64x(kM0), m1 = _mm256_set1_epi64x(kM1);
  __m256i a0 = _mm256_set1_epi64x(c0), a1 = _mm256_set1_epi64x(c1);
  __m256i a2 = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(st)));
  __m256i a3 = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ix)));
  __m256i b0 = a0, b1 = a1;
  __m256i b2 = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(st + 4)));
  __m256i b3 = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ix + 4)));
  for (int r = 0; r < 10; ++r) {
    __m256i pa0 = _mm256_mul_epu32(a0, m0), pa1 = _mm256_mul_epu32(a2, m1);
    __m256i pb0 = _mm256_mul_epu32(b0, m0), pb1 = _mm256_mul_epu32(b2, m1);
    a0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pa1, 32), a1), key0[r]);
    a2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pa0, 32), a3), key1[r]);
    a1 = pa1;
    a3 = pa0;
    b0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pb1, 32), b1), key0[r]);
    b2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pb0, 32), b3), key1[r]);
    b1 = pb1;
    b3 = pb0;
  }
  pack4(a0, a1, a2, a3, o);
  pack4(b0, b1, b2, b3, o + 16);
}

__attribute__((target("avx2"))) void philox_avx2(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1,
                                                 const uint32_t* stream, const uint32_t* index, int n,
                                                 uint32_t* out) {
  __m256i key0[10], key1[10];
  for (int r = 0; r < 10; ++r) {
    key0[r] = _mm256_set1_epi64x(static_cast<uint32_t>(k0 + static_cast<uint32_t>(r) * kW0));
    key1[r] = _mm256_set1_epi64x(static_cast<uint32_t>(k1 + static_cast<uint32_t>(r) * kW1));
  }
  int i = 0;
  for (; i + 8 <= n; i += 8) philox8(key0, key1, c0, c1, stream + i, index + i, out + 4 * i);
  if (i < n) {
    // The last counters, padded to eight lanes.
    uint32_t st[8] = {}, ix[8] = {}, o[32];
    for (int j = 0; j < n - i; ++j) {
      st[j] = stream[i + j];
      ix[j] = index[i + j];
    }
    philox8(key0, key1, c0, c1, st, ix, o);
    for (int j = 0; j < 4 * (n - i); ++j) out[4 * i + j] = o[j];
  }
}

const bool kHaveAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();
#endif
}  // namespace

void philox4x32_n(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, const uint32_t* stream,
                  const uint32_t* index, int n, uint32_t* out) {
#ifdef GEOSIM_PHILOX_AVX2
  if (kHaveAvx2) return philox_avx2(k0, k1, c0, c1, stream, index, n, out);
#endif
  philox_scalar(k0, k1, c0, c1, stream, index, n, out);
}

GEOSIM_SIMD_CLONES
int take_ascending(const double* u, int n, int have, double& cut, double* out) {
  // About 6 a batch while few are taken (most runs take a handful); then as many as are
  // taken already, so that a cascade through k units scans them O(log k) times, not k / 6.
  constexpr int kBatch = 6;
  const int want = std::max(kBatch, have);
  const int left = n - have;
  const double lo = cut;
  double hi = left <= want ? 1.0 : lo + (1.0 - lo) * (static_cast<double>(want) / left);
  for (;;) {
    if (!(hi > lo && hi < 1.0)) hi = 1.0;  // (hi == lo could come only of rounding near 1)
    const Double4 lo4 = {lo, lo, lo, lo}, hi4 = {hi, hi, hi, hi};
    int m = have;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      Double4 v;
      __builtin_memcpy(&v, u + i, sizeof v);
      const Long4 in = (v > lo4) & (v <= hi4);
      if ((in[0] | in[1] | in[2] | in[3]) == 0) continue;  // most groups: none in (lo, hi]
      for (int j = 0; j < 4; ++j)
        if (in[j]) out[m++] = v[j];
    }
    for (; i < n; ++i)
      if (u[i] > lo && u[i] <= hi) out[m++] = u[i];
    if (m > have + 32) {
      std::sort(out + have, out + m);
      cut = hi;
      return m;
    }
    if (m > have) {
      for (int k = have + 1; k < m; ++k) {  // insertion sort of the batch
        const double v = out[k];
        int j = k;
        for (; j > have && out[j - 1] > v; --j) out[j] = out[j - 1];
        out[j] = v;
      }
      cut = hi;
      return m;
    }
    if (hi == 1.0) return m;  // none left above cut (have == n: nothing to take)
    hi = lo + 2.0 * (hi - lo);
  }
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
