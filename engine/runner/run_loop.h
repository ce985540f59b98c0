// The one loop over runs (docs/architecture.md, "The run loop").
//
// Everything in geosim that computes many runs — Monte Carlo summaries, paired comparisons,
// sensitivity designs, bargaining over uncertain inputs, the state digest — is a visitor of
// for_each_run. The loop owns what they would otherwise each repeat: fixed blocks of run
// indices handed to the threads, per-thread state made once per thread (ThreadLocal), the
// stop flag, progress, and the reduction of the per-thread state in thread order. A visitor
// never sees a thread index, so its result is the same bytes for any number of threads as
// long as what it merges is integers or per-run slots (as every visitor here does).
//
// simulate() (and simulate_with()) is the one loop over the steps of a run. Both are
// templates: the visitor's per-run call and the per-step hook inline into the loop, so the
// hot path has no indirect call (a block goes to a thread through one std::function call).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>

#include "engine/core/parallel.h"
#include "engine/model/model.h"

namespace geosim {

// Runs per block of the Monte Carlo loop: a block is the unit of work of one thread.
constexpr uint64_t kBlock = 256;

// The run indices [first, first + count).
struct RunRange {
  uint64_t first = 0, count = 0;
};

struct LoopOptions {
  // Indices per block; fixed by the caller, so that block boundaries depend only on the range.
  uint64_t block = kBlock;
  const std::atomic<bool>* stop = nullptr;  // set to abandon the loop (runs not begun are skipped)
  // Called after a block from one thread with (indices done, range.count).
  std::function<void(uint64_t, uint64_t)> progress;
  // Run the blocks in index order on the calling thread, for a visitor whose result depends
  // on the order of the runs (the state digest).
  bool in_order = false;
};

// One run from its start to its end: init_run, then model.step until the run ends.
// started() is called after init_run, after_step(t, ended) after every step (`ended` true
// after the last one), and `trace` (--replay) is told the story. Returns the run's outcome;
// its end state stays in st. An after_step that returns bool abandons the run by returning
// false (a stop request); simulate_with then returns kAbandoned.
// What simulate_with returns for a run its after_step hook abandoned (by returning false).
constexpr int kAbandoned = -2;

template <class Started, class AfterStep>
inline int simulate_with(const Model& model, RunState& st, uint64_t seed, uint64_t run, const ParamValues* fixed,
                         Trace* trace, Started&& started, AfterStep&& after_step) {
  model.init_run(st, seed, run, fixed);
  started();
  RunRng rng(seed, run);
  const int H = model.scenario().horizon;
  for (int t = 0; t < H; ++t) {
    const bool ended = model.step(st, rng, t, trace);
    if constexpr (std::is_same_v<std::invoke_result_t<AfterStep&, int, bool>, bool>) {
      if (!after_step(t, ended)) return kAbandoned;
    } else {
      after_step(t, ended);
    }
    if (ended) break;
  }
  return st.outcome;
}

// Values that replace a run's draws, chosen per run (a calibration's posterior,
// analysis/calibrate/posterior.h): fill sets entries of `out` for run r of `seed` and leaves
// the others; it depends on (seed, r) only, so results stay the same for any threads and
// ranks, and both arms of a paired comparison get the same values.
class RunValues {
 public:
  virtual ~RunValues() = default;
  virtual void fill(uint64_t seed, uint64_t r, ParamValues& out) const = 0;
};

// The values run r of a model with `n` parameters uses: `fixed`, and where it leaves a draw
// (NaN, or no `fixed`), `per_run`'s; `buf` holds them when both are given.
inline const ParamValues* run_values(const ParamValues* fixed, const RunValues* per_run, size_t n, uint64_t seed,
                                     uint64_t r, ParamValues& buf) {
  if (!per_run) return fixed;
  buf.assign(n, std::numeric_limits<double>::quiet_NaN());
  per_run->fill(seed, r, buf);
  if (fixed)
    for (size_t i = 0; i < std::min(n, fixed->size()); ++i)
      if (!std::isnan((*fixed)[i])) buf[i] = (*fixed)[i];
  return &buf;
}

// One run to its end; returns its outcome.
inline int simulate(const Model& model, RunState& st, uint64_t seed, uint64_t run,
                    const ParamValues* fixed = nullptr) {
  return simulate_with(model, st, seed, run, fixed, nullptr, [] {}, [](int, bool) {});
}

// A visitor made of lambdas, for a loop whose body reads many of the caller's locals:
// make() returns a std::unique_ptr<L>, body(L&, run) visits one run, merge(L&) (optional)
// takes each thread's L after the loop, in thread order.
struct NoMerge {
  template <class L>
  void operator()(L&) const {}
};
template <class L, class Make, class Body, class Merge = NoMerge>
struct LambdaVisitor {
  using Local = L;
  Make make;
  Body body;
  Merge merge_with{};
  std::unique_ptr<L> make_local() const { return make(); }
  void run(L& l, uint64_t r) const { body(l, r); }
  void merge(L& l) { merge_with(l); }
};

// Calls v.run(local, r) for every r in `range` on all threads, where `local` is the calling
// thread's V::Local, made by v.make_local() on the thread's first block. The visitor may
// also have begin_block(local, lo, hi) and end_block(local, lo, hi), called around each
// block [lo, hi), and merge(local), called after the loop for every Local made, in thread
// order. Exceptions from the visitor propagate (the first by block index).
template <class V>
void for_each_run(const RunRange& range, const LoopOptions& o, V& v) {
  using Local = typename V::Local;
  const uint64_t block = std::max<uint64_t>(1, o.block);
  const uint64_t blocks = (range.count + block - 1) / block;
  ThreadLocal<Local> locals([&v] { return v.make_local(); });
  std::atomic<uint64_t> done{0};
  auto one_block = [&](int64_t b) {
    if (o.stop && o.stop->load(std::memory_order_relaxed)) return;
    Local& local = locals.get();
    const uint64_t lo = range.first + static_cast<uint64_t>(b) * block;
    const uint64_t hi = std::min(range.first + range.count, lo + block);
    if constexpr (requires { v.begin_block(local, lo, hi); }) v.begin_block(local, lo, hi);
    for (uint64_t r = lo; r < hi; ++r) {
      // Checked before every run too: one run of a large scenario can take seconds.
      if (o.stop && o.stop->load(std::memory_order_relaxed)) return;
      v.run(local, r);
    }
    if constexpr (requires { v.end_block(local, lo, hi); }) v.end_block(local, lo, hi);
    const uint64_t now = done.fetch_add(hi - lo) + (hi - lo);
    if (o.progress && first_thread()) o.progress(now, range.count);
  };
  if (o.in_order) {
    for (uint64_t b = 0; b < blocks; ++b) one_block(static_cast<int64_t>(b));
  } else {
    ParallelFor(static_cast<int64_t>(blocks), one_block);
  }
  if constexpr (requires(Local& l) { v.merge(l); }) locals.for_each([&v](Local& l) { v.merge(l); });
}

}  // namespace geosim
