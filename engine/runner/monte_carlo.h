// The Monte Carlo driver: runs [first, first + count) of a scenario on all threads.
//
// A visitor of the run loop (engine/runner/run_loop.h): a thread computes its blocks of
// runs with its own RunState (allocated once) and adds them to its own integer Accumulator.
// Because a run's randomness depends only on (seed, run index) and the accumulators are
// integers, the result is byte-identical for any thread count, any block order, and any
// split of the run range across MPI ranks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "engine/model/model.h"
#include "engine/runner/summary.h"

namespace geosim {

class RunValues;  // engine/runner/run_loop.h

struct RunOptions {
  uint64_t runs = 10000;     // total runs of the experiment
  uint64_t seed = 1;
  uint64_t first_run = 0;    // this process computes [first_run, first_run + count)
  uint64_t count = UINT64_MAX;  // UINT64_MAX: all runs from first_run
  const ParamValues* fixed = nullptr;  // parameter values replacing draws
  const RunValues* per_run = nullptr;  // per-run values where `fixed` leaves a draw
  // Called now and then from the calling thread with (runs done, runs in total).
  std::function<void(uint64_t, uint64_t)> progress;
  const std::atomic<bool>* stop = nullptr;  // set to abandon the computation
};

// Runs and accumulates; throws on a model error. The accumulator is sized for `sc`.
Accumulator run_monte_carlo(const Model& model, const RunOptions& options);

// One run, with a trace (for --replay). Returns the outcome index.
int replay_run(const Model& model, uint64_t seed, uint64_t run, Trace& trace,
               RunState* final_state = nullptr);

}  // namespace geosim
