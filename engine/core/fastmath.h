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

// The values of u[0 .. n) in increasing order, a batch at a time: out[0 .. have) holds, in
// increasing order, exactly the values of u that are <= cut (u is never changed; its values
// lie in (0, 1), and are expected independent and uniform: a cohort's uniforms,
// Model::threshold). Appends, sorted, those in (cut, hi] for a hi chosen so that about
// max(6, have) of the n - have left are expected there (the values above cut are uniform on (cut, 1)),
// widening hi up to 1 until one at least is found; sets cut = hi and returns the new count
// (have itself when none is left). Equal values fall in the same batch, so out[0 .. n) is
// filled as std::sort would fill it, ties included, for any u. The scan tests four values at
// a time: far less than heap-ordering every value when only the few smallest are taken; the
// batches grow with what was taken, so taking k values scans u O(log k) times.
int take_ascending(const double* u, int n, int have, double& cut, double* out);

// Uniform in (0, 1) from one 32-bit word (resolution 2^-32; never 0 or 1).
inline double u32_to_open01(uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

}  // namespace geosim
