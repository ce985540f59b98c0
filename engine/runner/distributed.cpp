#include "engine/runner/distributed.h"

#include <iostream>
#include <string>

#include "engine/core/cluster.h"

namespace geosim {

void agree_on_failure(const std::function<void()>& work, const char* what) {
  const Cluster& c = cluster();
  if (c.size == 1) {
    work();
    return;
  }
  int failed = 0;
  try {
    work();
  } catch (const std::exception& e) {
    std::cerr << "geosim: rank " << c.rank << ": " << e.what() << "\n";
    failed = 1;
  }
  // Agree before the reduction, so that no rank waits for one that has given up.
  if (cluster_max(failed)) {
    if (failed) throw std::runtime_error(std::string("the ") + what + " failed on rank " + std::to_string(c.rank));
    throw PeerFailure();
  }
}

Accumulator run_monte_carlo_everywhere(const Model& model, const RunOptions& options) {
  const Cluster& c = cluster();
  if (c.size == 1) return run_monte_carlo(model, options);
  RunOptions mine = options;
  cluster_block(options.runs, c.rank, c.size, mine.first_run, mine.count);
  if (!c.root()) mine.progress = nullptr;
  Accumulator acc;
  agree_on_failure([&] { acc = run_monte_carlo(model, mine); }, "computation");
  cluster_sum(acc.outcome_counts());
  cluster_sum(acc.end_hist());
  cluster_sum(acc.fan_hist());
  if (acc.has_regime()) cluster_sum(acc.regime());
  return acc;
}

}  // namespace geosim
