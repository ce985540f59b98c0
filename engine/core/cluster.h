// MPI, when geosim is launched by mpirun: which rank this process is, and the few
// collective operations the commands need. Without MPI (not built with it, or not launched
// by mpirun) it is a cluster of one and every call is a no-op, so commands are written once.
//
// Work is split so that results do not depend on the number of ranks: runs are dealt in
// contiguous blocks of run indices, and partial results are integer counts summed in a
// fixed order. Rank 0 alone writes outputs and shows progress.
#pragma once

#include <cstdint>
#include <vector>

namespace geosim {

struct Cluster {
  int rank = 0;
  int size = 1;
  bool root() const { return rank == 0; }
};

// Initialises MPI if this process was started by mpirun/srun (detected from the
// launcher's environment); call once at start. Safe to call when built without MPI.
void cluster_init(int* argc, char*** argv);
void cluster_finalize();
const Cluster& cluster();

// The contiguous block [first, first + count) of n items that `rank` of `size` owns.
void cluster_block(uint64_t n, int rank, int size, uint64_t& first, uint64_t& count);

// Element-wise sum of `data` over all ranks, result on every rank.
void cluster_sum(std::vector<uint64_t>& data);
// Largest of `value` over all ranks (agreeing on an exit code: no rank is left waiting).
int cluster_max(int value);
// Ends every rank at once with `code` (for errors after the ranks have diverged).
[[noreturn]] void cluster_abort(int code);

}  // namespace geosim
