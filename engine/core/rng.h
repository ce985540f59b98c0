// Addressed random numbers: every draw is a pure function of (seed, run, stream, index).
//
// geosim never consumes numbers from a shared generator. A draw is addressed the way pbrt's
// IndependentSampler addresses its samples: the Philox4x32-10 counter-based generator
// (Salmon et al. 2011, Random123) is keyed by the seed and fed a counter made of the run
// index, a stream id (a stable hash of what the number is for, such as
// "param:levers.oil.intensity") and an index inside that stream (a step, a unit, ...).
// Hence a run's numbers do not depend on the thread or rank that computes it, on the order
// in which runs are computed, or on which other levers or actors a scenario holds: adding a
// lever leaves every other draw unchanged, which is what common random numbers need.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <string_view>

#include "engine/core/fastmath.h"

namespace geosim {

// Stable 32-bit FNV-1a hash of a name: the stream id of the draws made for that purpose.
constexpr uint32_t stream_id(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

// Combines a stream id with a sub-key (for example an entity index).
constexpr uint32_t stream_id(uint32_t base, uint32_t sub) {
  uint32_t h = base ^ (sub + 0x9e3779b9u + (base << 6) + (base >> 2));
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  return h;
}

class RunRng {
 public:
  using Philox = r123::Philox4x32;

  RunRng(uint64_t seed, uint64_t run) {
    key_ = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
    run_lo_ = static_cast<uint32_t>(run);
    run_hi_ = static_cast<uint32_t>(run >> 32);
  }

  // Four independent 32-bit words for (stream, index).
  Philox::ctr_type bits(uint32_t stream, uint32_t index) const {
    Philox::ctr_type ctr = {{run_lo_, run_hi_, stream, index}};
    return Philox()(ctr, key_);
  }

  // bits() of n (stream[i], index[i]) pairs at once, in SIMD lanes (the same words):
  // out[4 * i + j] = bits(stream[i], index[i])[j].
  void bits_n(const uint32_t* stream, const uint32_t* index, int n, uint32_t* out) const {
    philox4x32_n(key_[0], key_[1], run_lo_, run_hi_, stream, index, n, out);
  }

  // Two uniforms in the open interval (0, 1) with 53-bit resolution, enough for quantile
  // functions at both tails.
  void uniform2(uint32_t stream, uint32_t index, double out[2]) const {
    auto b = bits(stream, index);
    out[0] = to_open01(b[0], b[1]);
    out[1] = to_open01(b[2], b[3]);
  }

  double uniform(uint32_t stream, uint32_t index) const {
    auto b = bits(stream, index);
    return to_open01(b[0], b[1]);
  }

  static double to_open01(uint32_t hi, uint32_t lo) {
    // 53 random bits, shifted by half an ulp so that neither 0 nor 1 can occur.
    uint64_t v = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
    return (static_cast<double>(v) + 0.5) * (1.0 / 9007199254740992.0);
  }

 private:
  Philox::key_type key_;
  uint32_t run_lo_ = 0, run_hi_ = 0;
};

// A counter yields four 32-bit words; consumers that draw once per step (stance noise,
// cohort noise, event hazards) take word `index & 3` of counter `index >> 2`, so one Philox
// call serves four steps. The cache only memoises: the value is still a pure function of
// (seed, run, stream, index). Reset it (block = kEmpty) when a new run starts.
struct WordCache {
  static constexpr uint32_t kEmpty = 0xffffffffu;
  uint32_t block = kEmpty;
  uint32_t w[4] = {0, 0, 0, 0};

  uint32_t word(const RunRng& rng, uint32_t stream, uint32_t index) {
    uint32_t b = index >> 2;
    if (b != block) {
      auto x = rng.bits(stream, b);
      w[0] = x[0];
      w[1] = x[1];
      w[2] = x[2];
      w[3] = x[3];
      block = b;
    }
    return w[index & 3];
  }
};

}  // namespace geosim
