#include "analysis/sweep/sweep.h"

#include <cstdio>

#include "engine/output/numbers.h"
#include "engine/core/parallel.h"
#include "engine/runner/monte_carlo.h"
#include "engine/runner/run_loop.h"

namespace geosim {

size_t ListDealer::take(size_t max, std::vector<int64_t>& out) {
  size_t n = std::min(max, points_.size() - next_);
  out.insert(out.end(), points_.begin() + static_cast<std::ptrdiff_t>(next_),
             points_.begin() + static_cast<std::ptrdiff_t>(next_ + n));
  next_ += n;
  return n;
}

namespace {

std::string value_text(double v) { return general(v, 17); }

}  // namespace

PointResult compute_point(const SweepPlan& plan, const Model& model, int64_t point, const std::atomic<bool>* stop,
                          const std::function<void(uint64_t)>& runs_done) {
  PointResult r;
  r.point = point;
  const Scenario& sc = plan.scenario;
  // The loader checks ranges of the values a file gives; a sweep's values bypass it.
  for (size_t k = 0; k < plan.ids.size(); ++k) {
    const Param& p = sc.params[static_cast<size_t>(plan.ids[k])];
    double v = plan.value(point, k);
    if (!p.range.contains(v)) {
      r.reason = p.path + " = " + value_text(v) + " is outside its range " + p.range.str();
      return r;
    }
  }
  ParamValues fixed = plan.fixed(point);
  GEOSIM_CHECK(plan.spec.posterior.empty() || plan.per_run, "a sweep from a posterior needs load_sweep_posterior");
  try {
    RunOptions ro;
    ro.runs = plan.spec.runs;
    ro.seed = plan.point_seed(point);
    ro.fixed = &fixed;
    ro.per_run = plan.per_run.get();
    ro.stop = stop;
    if (runs_done) ro.progress = [&](uint64_t d, uint64_t) { runs_done(d); };
    Accumulator acc = run_monte_carlo(model, ro);
    if (acc.runs() != plan.spec.runs) {
      r.reason = "interrupted";
      return r;
    }
    r.runs = acc.runs();
    for (int k : plan.outcomes) r.counts.push_back(acc.outcome_counts()[static_cast<size_t>(k)]);
    if (plan.rulers > 0) {
      for (int f = 0; f < kNumRegimeFates; ++f) r.counts.push_back(acc.fate_count(f));
      for (size_t k = 0; k < plan.rulers; ++k) r.counts.push_back(acc.ruler_count(k));
    }
    if (!plan.states.empty()) {
      Summary s = summarize(sc, acc, ro.seed);
      for (int f : plan.states) {
        const auto& q = s.fans[static_cast<size_t>(f)].q.back();
        r.states.push_back({q[0], q[2], q[4]});
      }
    }
    r.ok = true;
  } catch (const std::exception& e) {
    r.reason = e.what();
  }
  return r;
}

SweepStats run_sweep(const SweepPlan& plan, PointDealer& dealer, PointWriter& writer, const SweepRunOptions& o) {
  Model model(plan.scenario);
  SweepStats stats;
  const int threads = max_threads();
  // Few runs per point: one point per thread beats splitting a point's runs into blocks.
  const bool batch = plan.spec.runs < static_cast<uint64_t>(threads) * kBlock * 4 && threads > 1;
  std::vector<int64_t> points;
  std::vector<PointResult> results;
  while (true) {
    if (o.stop && o.stop->load()) {
      stats.stopped = true;
      break;
    }
    points.clear();
    if (dealer.take(batch ? static_cast<size_t>(threads) : 1, points) == 0) break;
    results.assign(points.size(), PointResult{});
    if (batch) {
      // A point computed inside a parallel region runs its own runs on that one thread.
      ParallelFor(static_cast<int64_t>(points.size()), [&](int64_t i) {
        results[static_cast<size_t>(i)] = compute_point(plan, model, points[static_cast<size_t>(i)]);
      });
    } else {
      // A stop request lets the current point finish, so that it is committed; a second one
      // abandons it (a point of many runs may take hours).
      std::function<void(uint64_t)> cb;
      if (o.running) cb = [&](uint64_t d) { o.running(stats.runs + d); };
      results[0] = compute_point(plan, model, points[0], o.abandon, cb);
      if (o.abandon && o.abandon->load() && !results[0].ok) {
        stats.stopped = true;
        break;
      }
    }
    // Commit in point order, each durable before the next.
    for (const auto& r : results) {
      writer.commit(r);
      ++stats.committed;
      if (!r.ok) ++stats.failed;
      stats.runs += r.runs;
      if (o.committed) o.committed(r, stats.runs);
    }
  }
  return stats;
}

}  // namespace geosim
