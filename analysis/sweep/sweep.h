// Running a sweep: deal points, compute each with the Monte Carlo driver, commit results.
//
// "Which point next" (PointDealer) and "commit a finished point" (PointWriter) are small
// interfaces so that an MPI build can plug in a dynamic dealer on rank 0 and let rank 0
// alone write, while this file's serial implementations serve a single process. A point's
// result depends only on the plan and the point index (common random numbers: the same
// seed and run indices 0..R-1 at every point), never on threads, batches or the order in
// which points are computed, so a resumed sweep gives the same results as an
// uninterrupted one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/sweep/spec.h"

namespace geosim {

struct PointResult {
  int64_t point = 0;
  bool ok = false;
  std::string reason;             // why it failed
  uint64_t runs = 0;
  std::vector<uint64_t> counts;   // per recorded outcome (plan.outcomes order)
  std::vector<std::array<double, 3>> states;  // per recorded state: p5, median, p95 at the horizon
};

// Hands out the indices of points still to compute.
class PointDealer {
 public:
  virtual ~PointDealer() = default;
  // Appends up to `max` point indices to `out`; returns how many (0: none left).
  virtual size_t take(size_t max, std::vector<int64_t>& out) = 0;
};

// Receives finished points; a commit is durable when it returns.
class PointWriter {
 public:
  virtual ~PointWriter() = default;
  virtual void commit(const PointResult& r) = 0;
};

// Deals a fixed list of points in order.
class ListDealer : public PointDealer {
 public:
  explicit ListDealer(std::vector<int64_t> points) : points_(std::move(points)) {}
  size_t take(size_t max, std::vector<int64_t>& out) override;
  size_t remaining() const { return points_.size() - next_; }

 private:
  std::vector<int64_t> points_;
  size_t next_ = 0;
};

// Computes one point: checks its values against the parameters' ranges, runs the Monte
// Carlo and summarises. Never throws for a bad value or a model error: the point fails.
// `stop` abandons the point (the result is then not ok and must not be committed).
// The spec's `posterior:`, if any: loads the calibration's posterior for the points' runs
// and adds its content to the plan's hash (a folder of the same spec with another posterior
// is another sweep). Call after plan_sweep; a plan whose spec names a posterior is refused
// by compute_point until this has run.
void load_sweep_posterior(SweepPlan& plan);

PointResult compute_point(const SweepPlan& plan, const Model& model, int64_t point,
                          const std::atomic<bool>* stop = nullptr,
                          const std::function<void(uint64_t)>& runs_done = {});

struct SweepRunOptions {
  const std::atomic<bool>* stop = nullptr;  // checked between points: the current one finishes
  // A second request: the point being computed is abandoned (not committed; --resume
  // computes it). Points computed a batch at a time finish as with `stop`.
  const std::atomic<bool>* abandon = nullptr;
  // After each commit: the point's result and the runs computed so far in this process.
  std::function<void(const PointResult&, uint64_t)> committed;
  // Now and then while a large point runs: the runs computed so far in this process.
  std::function<void(uint64_t)> running;
};

struct SweepStats {
  int64_t committed = 0, failed = 0;
  uint64_t runs = 0;
  bool stopped = false;
};

// Computes every point the dealer hands out and commits each. Points with fewer runs than
// the threads can share are computed several at a time (one per thread); others one at a
// time with all threads. Either way a point's result is the same.
SweepStats run_sweep(const SweepPlan& plan, PointDealer& dealer, PointWriter& writer, const SweepRunOptions& options);

}  // namespace geosim
