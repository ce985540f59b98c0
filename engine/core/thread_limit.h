// How many threads a caller may ask for: the bound that the command line's --threads and
// the Python module's threads= share, with the same words. Thousands of threads only
// exhaust memory or crash the OpenMP runtime, and never change a result (parallel.h), so
// a request beyond a few threads per core is refused rather than attempted.
#pragma once

#include <cstdint>
#include <string>

namespace geosim {

inline constexpr int kThreadsPerCore = 4;
int core_count();    // the hardware threads here (1 when unknown)
int thread_limit();  // kThreadsPerCore x core_count()

// "0 (all cores) or from 1 to N (4 x the C cores here)": what a request may be, for messages.
std::string thread_range();
// Whether `threads` is 0 or in 1 .. thread_limit().
bool threads_allowed(int64_t threads);
// The thread count to run with for an allowed request: `threads` itself, or for 0 the
// OpenMP default (all cores, OMP_NUM_THREADS) cut to thread_limit().
int threads_to_use(int threads);

}  // namespace geosim
