// The limits on --runs that `geosim run` and `geosim serve`'s POST /api/run share, with
// the same message, so that the API answers a bad run count as the command does.
#pragma once

#include <cstdint>
#include <string>

namespace geosim {

// The most runs one command or call makes.
inline constexpr uint64_t kMaxRuns = uint64_t{1} << 40;

// Throws UsageError("COMMAND: --runs must be at least 1" / "... is limited to 2^40").
void check_run_count(const std::string& command, uint64_t runs);

}  // namespace geosim
