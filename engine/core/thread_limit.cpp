#include "engine/core/thread_limit.h"

#include <algorithm>
#include <thread>

#include "engine/core/parallel.h"

namespace geosim {

int core_count() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 1u << 20));
}

int thread_limit() { return kThreadsPerCore * core_count(); }

std::string thread_range() {
  return "0 (all cores) or from 1 to " + std::to_string(thread_limit()) + " (" + std::to_string(kThreadsPerCore) +
         " x the " + std::to_string(core_count()) + " cores here)";
}

bool threads_allowed(int64_t threads) { return threads >= 0 && threads <= thread_limit(); }

int threads_to_use(int threads) {
  if (threads > 0) return threads;
  return std::min(max_threads(), thread_limit());  // OMP_NUM_THREADS beyond the bound
}

}  // namespace geosim
