// Monte Carlo over MPI ranks: each rank computes a contiguous block of run indices and
// the integer accumulators are summed, so every rank count gives the same bytes as one
// process. Without MPI this is run_monte_carlo itself.
#pragma once

#include <stdexcept>

#include "engine/runner/monte_carlo.h"

namespace geosim {

// Thrown on the ranks that did not fail when another rank failed (that rank reports).
class PeerFailure : public std::runtime_error {
 public:
  PeerFailure() : std::runtime_error("another rank failed") {}
};

// All runs of `options` over all ranks; every rank gets the total.
Accumulator run_monte_carlo_everywhere(const Model& model, const RunOptions& options);

}  // namespace geosim
