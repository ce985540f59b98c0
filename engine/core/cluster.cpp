#include "engine/core/cluster.h"

#include <cstdlib>

#ifdef GEOSIM_WITH_MPI
#include <mpi.h>
#endif

namespace geosim {

namespace {
Cluster g_cluster;
bool g_mpi_active = false;

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

void cluster_init(int* argc, char*** argv) {
#ifdef GEOSIM_WITH_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_cluster.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_cluster.size);
  g_mpi_active = true;
#else
  (void)argc;
  (void)argv;
#endif
}

void cluster_finalize() {
#ifdef GEOSIM_WITH_MPI
  if (g_mpi_active) MPI_Finalize();
  g_mpi_active = false;
#endif
}

const Cluster& cluster() { return g_cluster; }

void cluster_block(uint64_t n, int rank, int size, uint64_t& first, uint64_t& count) {
  uint64_t r = static_cast<uint64_t>(rank), s = static_cast<uint64_t>(size);
  // n * r / s without overflow for n < 2^40 and s < 2^20.
  first = n / s * r + (n % s) * r / s;
  uint64_t next = n / s * (r + 1) + (n % s) * (r + 1) / s;
  count = next - first;
}

void cluster_sum(std::vector<uint64_t>& data) {
#ifdef GEOSIM_WITH_MPI
  if (!g_mpi_active || g_cluster.size == 1 || data.empty()) return;
  // In chunks, so that counts above INT_MAX elements still go through.
  const size_t chunk = size_t{1} << 26;
  for (size_t off = 0; off < data.size(); off += chunk) {
    int n = static_cast<int>(std::min(chunk, data.size() - off));
    MPI_Allreduce(MPI_IN_PLACE, data.data() + off, n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  }
#else
  (void)data;
#endif
}

int cluster_max(int value) {
#ifdef GEOSIM_WITH_MPI
  if (!g_mpi_active || g_cluster.size == 1) return value;
  int out = value;
  MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return out;
#else
  return value;
#endif
}

void cluster_abort(int code) {
#ifdef GEOSIM_WITH_MPI
  if (g_mpi_active && g_cluster.size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

}  // namespace geosim
