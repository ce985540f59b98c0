// Fuzz target: the CSV of `geosim bargain` (engine/stance/bargaining.cpp read_csv): header,
// quoting, numbers, duplicate actors, the row limit. A file that reads is then bargained
// over for a few rounds, whose forecasts must stay within the positions' range.
#include "engine/stance/bargaining.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string path = geosim::fuzz::work_dir() + "/actors.csv";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    geosim::bargaining::CsvLimits limits;
    limits.actors = 60;  // keeps a round cheap; the limit itself is tested in tests/bad_inputs
    const auto actors = geosim::bargaining::read_csv(path, limits);
    GEOSIM_CHECK(actors.size() >= 2 && actors.size() <= 60, "read_csv returns 2 .. limit actors");
    double lo = actors[0].position, hi = lo;
    for (const auto& a : actors) {
      lo = std::min(lo, a.position);
      hi = std::max(hi, a.position);
    }
    for (const auto& r : geosim::bargaining::simulate(actors, 3))
      GEOSIM_CHECK(r.median >= lo && r.median <= hi, "the forecast stays within the positions");
  } catch (const geosim::InputError&) {
  }
  return 0;
}
