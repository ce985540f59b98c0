// Fast special functions for the hot loop, with their accuracy stated.
#pragma once

#include <cmath>
#include <cstdint>

namespace geosim {

// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one
// Halley step: relative error near machine precision over (0, 1)).
double inverse_normal_cdf(double p);
// The same without the refinement: relative error below 1.2e-9, about 4x cheaper. Used for
// per-step noise, where that accuracy is far below anything the model can resolve.
double inverse_normal_cdf_fast(double p);

// inverse_normal_cdf_fast of the uniforms of n words, z[i] =
// inverse_normal_cdf_fast(u32_to_open01(w[i])) with the same bits as n calls: the words
// become uniforms and the central region (95% of draws) is computed four lanes at a time,
// the lanes in a tail redone one by one. w and z must not overlap.
void normals_from_words_n(const uint32_t* w, double* z, int n);

// Philox4x32-10 of n counters {c0, c1, stream[i], index[i]} under key {k0, k1}, eight at a
// time in SIMD lanes: out[4 * i + j] is word j of counter i, the same bits as
// r123::Philox4x32 gives one counter at a time (checked by a test). Used by RunRng::bits_n.
void philox4x32_n(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, const uint32_t* stream,
                  const uint32_t* index, int n, uint32_t* out);

// Uniform in (0, 1) from one 32-bit word (resolution 2^-32; never 0 or 1).
inline double u32_to_open01(uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

}  // namespace geosim
