// The one place where geosim touches threads.
//
// Work is cut into fixed blocks whose boundaries depend only on the problem size, never on
// the thread count; each block writes its own slot and callers reduce the slots in block
// order. That is what makes every result byte-identical for any --threads (Box2D merges
// per-worker results serially in id order for the same reason). Model code never sees a
// thread: it receives a block range and a per-thread scratch index.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace geosim {

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// Sets the number of threads used by ParallelFor (0 keeps the default).
inline void set_threads(int n) {
#ifdef _OPENMP
  if (n > 0) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

// Calls body(i, thread) for i in [0, n) on `threads` threads (dynamic schedule).
// Exceptions are captured and the first one (by index) is rethrown after the loop, so a
// failing iteration never tears down the process from inside a parallel region.
inline void ParallelFor(int64_t n, const std::function<void(int64_t, int)>& body) {
  std::exception_ptr first;
  int64_t first_index = INT64_MAX;
  std::mutex mu;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (int64_t i = 0; i < n; ++i) {
    try {
      body(i, thread_index());
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (i < first_index) {
        first_index = i;
        first = std::current_exception();
      }
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace geosim
