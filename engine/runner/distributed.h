// Work over MPI ranks: each rank computes a contiguous block of the indices and the integer
// results are summed, so every rank count gives the same bytes as one process. Without MPI
// (or on one rank) this is the work itself.
#pragma once

#include <functional>
#include <stdexcept>

#include "engine/runner/monte_carlo.h"

namespace geosim {

// Thrown on the ranks that did not fail when another rank failed (that rank reports).
class PeerFailure : public std::runtime_error {
 public:
  PeerFailure() : std::runtime_error("another rank failed") {}
};

// Runs this rank's share of a computation, then agrees with every rank on whether any
// failed, before anything is reduced across ranks, so that no rank waits in a reduction
// for one that has given up. The rank that failed prints its error and throws "the `what`
// failed on rank N"; the others throw PeerFailure. On one process, `work`'s exception
// propagates unchanged.
void agree_on_failure(const std::function<void()>& work, const char* what);

// All runs of `options` over all ranks; every rank gets the total.
Accumulator run_monte_carlo_everywhere(const Model& model, const RunOptions& options);

}  // namespace geosim
