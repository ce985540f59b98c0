// The loop over runs allocates nothing per run: a thread's state is made once (run_loop.h)
// and every run reuses it. An allocation per run costs little on one thread but is a call
// into the allocator from every thread at every run; it came back once unnoticed (the
// words of a run's end, built for every run, needed only by a replay). This binary counts
// every operator new of the process, so it is a binary of its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "engine/core/parallel.h"
#include "engine/model/model.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

namespace {
std::atomic<uint64_t> g_news{0};
}  // namespace

// Every form that a plain `delete` may free is replaced, so that the allocator and the
// deallocator always match (AddressSanitizer checks it): the array and nothrow forms of the
// library call these. The aligned forms are left to the library, as a pair.
void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace geosim {
namespace {

// Allocations made by run_monte_carlo over `runs` runs on one thread.
uint64_t allocations(const Model& model, uint64_t runs) {
  RunOptions o;
  o.runs = runs;
  o.seed = 7;
  const uint64_t before = g_news.load();
  Accumulator acc = run_monte_carlo(model, o);
  const uint64_t after = g_news.load();
  CHECK(acc.runs() == runs);
  return after - before;
}

}  // namespace

TEST_CASE("the loop over runs allocates nothing per run", "[runner][alloc]") {
  set_threads(1);
  const std::string dir = std::string(GEOSIM_SOURCE_DIR) + "/";
  for (const char* file :
       {"scenarios/teaching.yaml", "bench/venezuela-2019-v1.yaml", "scenarios/venezuela-2019.yaml",
        "scenarios/venezuela-2025.yaml", "scenarios/teaching-leader.yaml", "scenarios/teaching-react.yaml"}) {
    INFO(file);
    const Scenario sc = load_scenario(dir + file);
    const Model model(sc);
    allocations(model, 50);  // the thread's state, and vectors grown to what a long run needs
    const uint64_t few = allocations(model, 200);
    const uint64_t many = allocations(model, 1200);
    // 1,000 more runs: the same allocations (a thread's state, the accumulators), give or
    // take a vector grown once more by a longer run; one a run was 860 more.
    CAPTURE(few, many);
    CHECK(many <= few + 10);
  }
}

}  // namespace geosim
