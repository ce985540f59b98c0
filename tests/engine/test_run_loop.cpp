// The one loop over runs (engine/runner/run_loop.h): every index once, per-thread state
// merged, blocks in order when asked, the stop flag, and simulate() as the model's steps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "engine/core/parallel.h"
#include "engine/runner/distributed.h"
#include "engine/runner/run_loop.h"
#include "helpers.h"

using namespace geosim;

namespace {

// Counts how often each index is visited, and how many Locals were made and merged.
struct CountVisitor {
  std::vector<std::atomic<int>>* seen;
  uint64_t first = 0;
  std::atomic<int> made{0}, outside{0};
  int merged = 0;
  uint64_t merged_sum = 0, blocks = 0;

  struct Local {
    uint64_t sum = 0, blocks = 0, open = 0;
  };
  std::unique_ptr<Local> make_local() {
    ++made;
    return std::make_unique<Local>();
  }
  void begin_block(Local& l, uint64_t lo, uint64_t) { l.open = lo + 1; }
  void run(Local& l, uint64_t r) {
    outside += l.open == 0;  // a run outside begin_block .. end_block (no Catch2 on workers)
    (*seen)[r - first].fetch_add(1);
    l.sum += r;
  }
  void end_block(Local& l, uint64_t, uint64_t) {
    l.open = 0;
    ++l.blocks;
  }
  void merge(const Local& l) {
    ++merged;
    merged_sum += l.sum;
    blocks += l.blocks;
  }
};

int with_threads(int n) {
  const int before = max_threads();
  set_threads(n);
  return before;
}

}  // namespace

TEST_CASE("for_each_run visits every index of the range once, on any thread count", "[runner]") {
  for (int threads : {1, 3}) {
    const int before = with_threads(threads);
    const uint64_t first = 1000, count = 1037, block = 50;  // a last, partial block
    std::vector<std::atomic<int>> seen(count);
    CountVisitor v{&seen, first};
    LoopOptions o;
    o.block = block;
    uint64_t last_done = 0, calls = 0;
    o.progress = [&](uint64_t done, uint64_t total) {
      CHECK(total == count);
      CHECK(done <= count);
      last_done = std::max(last_done, done);
      ++calls;
    };
    for_each_run({first, count}, o, v);
    set_threads(before);
    INFO(threads << " threads");
    int wrong = 0;
    for (auto& s : seen) wrong += s.load() != 1;
    CHECK(wrong == 0);
    CHECK(v.outside.load() == 0);
    CHECK(v.merged == v.made.load());  // every Local merged once
    CHECK(v.made.load() >= 1);
    CHECK(v.made.load() <= threads);
    CHECK(v.merged_sum == count * first + count * (count - 1) / 2);
    CHECK(v.blocks == (count + block - 1) / block);
    // Progress comes from the first thread only, which on a busy machine may take no block
    // when there are others; alone, it reports every block, the last with the whole range.
    if (threads == 1) {
      CHECK(calls == v.blocks);
      CHECK(last_done == count);
    }
  }
}

TEST_CASE("for_each_run skips every block once the stop flag is set", "[runner]") {
  std::vector<std::atomic<int>> seen(500);
  CountVisitor v{&seen};
  std::atomic<bool> stop{true};
  LoopOptions o;
  o.stop = &stop;
  for_each_run({0, 500}, o, v);
  int visited = 0;
  for (auto& s : seen) visited += s.load();
  CHECK(visited == 0);
  stop = false;
  for_each_run({0, 500}, o, v);
  visited = 0;
  for (auto& s : seen) visited += s.load();
  CHECK(visited == 500);
}

TEST_CASE("for_each_run in order visits the runs in index order on one Local", "[runner]") {
  struct Order {
    std::vector<uint64_t> order;
    struct Local {};
    std::unique_ptr<Local> make_local() { return std::make_unique<Local>(); }
    void run(Local&, uint64_t r) { order.push_back(r); }
  } v;
  const int before = with_threads(4);
  LoopOptions o;
  o.block = 7;
  o.in_order = true;
  for_each_run({5, 100}, o, v);
  set_threads(before);
  REQUIRE(v.order.size() == 100);
  for (size_t i = 0; i < v.order.size(); ++i) CHECK(v.order[i] == 5 + i);
}

TEST_CASE("for_each_run passes a visitor's exception to its caller", "[runner]") {
  struct Throws {
    struct Local {};
    std::unique_ptr<Local> make_local() { return std::make_unique<Local>(); }
    void run(Local&, uint64_t r) {
      if (r == 300) throw std::runtime_error("run 300 failed");
    }
  } v;
  CHECK_THROWS_WITH(for_each_run({0, 1000}, LoopOptions{}, v), "run 300 failed");
  // On one process the MPI agreement changes nothing.
  CHECK_THROWS_WITH(agree_on_failure([&] { for_each_run({0, 1000}, LoopOptions{}, v); }, "test"), "run 300 failed");
}

TEST_CASE("simulate is init_run then step until the run ends", "[runner]") {
  const Scenario sc = load_scenario(test::kTeaching);
  const Model model(sc);
  RunState a, b;
  model.prepare(a);
  model.prepare(b);
  int ended_before_horizon = 0;
  for (uint64_t r = 0; r < 30; ++r) {
    int steps = 0, last = -1;
    bool saw_end = false;
    const int outcome = simulate_with(model, a, 4, r, nullptr, nullptr, [&] { CHECK(steps == 0); },
                                      [&](int t, bool ended) {
                                        CHECK(t == last + 1);
                                        CHECK_FALSE(saw_end);
                                        last = t;
                                        saw_end = ended;
                                        ++steps;
                                      });
    CHECK(saw_end);
    CHECK(steps == a.end_step);
    ended_before_horizon += a.end_step < sc.horizon;
    // The same run stepped by hand.
    model.init_run(b, 4, r);
    RunRng rng(4, r);
    int t = 0;
    while (!model.step(b, rng, t)) ++t;
    CHECK(outcome == b.outcome);
    CHECK(a.end_step == b.end_step);
    CHECK(a.vars == b.vars);
  }
  CHECK(ended_before_horizon > 0);  // runs of both kinds
}
