// The one place where geosim touches threads.
//
// Work is cut into fixed blocks whose boundaries depend only on the problem size, never on
// the thread count; each block writes its own slot and callers reduce the slots in block
// order. That is what makes every result byte-identical for any --threads (Box2D merges
// per-worker results serially in id order for the same reason). No code sees a thread
// index: the loop over runs (engine/runner/run_loop.h) keeps per-thread state in a
// ThreadLocal, and other parallel work (sweep points, bootstrap tasks) gets only its index.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

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

// Sets the number of threads used by ParallelFor (0 keeps the default).
inline void set_threads(int n) {
#ifdef _OPENMP
  if (n > 0) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

namespace detail {
inline int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
}  // namespace detail

// Whether the caller is the first thread of the team (or outside any parallel loop): the
// one that reports progress.
inline bool first_thread() { return detail::thread_index() == 0; }

// Calls body(i) for i in [0, n) on all threads (dynamic schedule).
// Exceptions are captured and the first one (by index) is rethrown after the loop, so a
// failing iteration never tears down the process from inside a parallel region.
inline void ParallelFor(int64_t n, const std::function<void(int64_t)>& body) {
  std::exception_ptr first;
  int64_t first_index = INT64_MAX;
  std::mutex mu;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (int64_t i = 0; i < n; ++i) {
    try {
      body(i);
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

// Per-thread state in the style of pbrt-v4's ThreadLocal: get() returns the calling
// thread's T, made by `make` on that thread's first call; for_each visits every T made, in
// thread order. Used by the loop over runs, so that a visitor keeps a RunState (or any
// scratch) per thread without knowing which thread it is on.
template <class T>
class ThreadLocal {
 public:
  explicit ThreadLocal(std::function<std::unique_ptr<T>()> make)
      : make_(std::move(make)), slots_(static_cast<size_t>(max_threads())) {}

  T& get() {
    auto& slot = slots_[static_cast<size_t>(detail::thread_index())];
    if (!slot) slot = make_();
    return *slot;
  }

  template <class F>
  void for_each(F&& f) {
    for (auto& slot : slots_)
      if (slot) f(*slot);
  }

 private:
  std::function<std::unique_ptr<T>()> make_;
  std::vector<std::unique_ptr<T>> slots_;
};

}  // namespace geosim
