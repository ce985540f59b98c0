#include "engine/output/run_limits.h"

#include "engine/core/error.h"

namespace geosim {

void check_run_count(const std::string& command, uint64_t runs) {
  if (runs == 0) throw UsageError(command + ": --runs must be at least 1");
  if (runs > kMaxRuns) throw UsageError(command + ": --runs is limited to 2^40");
}

}  // namespace geosim
