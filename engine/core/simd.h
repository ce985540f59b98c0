// SIMD in the hot loop without giving up identical bits.
//
// Double4 is a GCC vector extension: two SSE2 operations on the portable x86-64
// baseline, one AVX2 operation in a function built with GEOSIM_SIMD_CLONES. Each lane is an
// ordinary IEEE operation (the engine compiles with -ffp-contract=off, so no lane is fused
// into a multiply-add), so every clone, and the scalar code a lane replaces, gives the same
// bits. GEOSIM_SIMD_CLONES builds a function twice, for AVX2 and for the baseline, and picks
// one when the program starts; it is empty where GCC's function clones are not available
// (other compilers, other architectures, AddressSanitizer builds).
#pragma once

namespace geosim {

typedef double Double4 __attribute__((vector_size(32)));
typedef int Int4 __attribute__((vector_size(16)));  // __builtin_convertvector of a Double4

}  // namespace geosim

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define GEOSIM_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GEOSIM_SIMD_CLONES
#endif
