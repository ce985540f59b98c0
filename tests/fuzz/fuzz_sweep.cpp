// Fuzz target: sweep spec text -> checked spec -> plan with its points, through the real
// loaders. The input is written as sweep.yaml beside base.yaml (a valid scenario), so a
// spec may name `scenario: base.yaml` and reach the scenario checks too.
#include "analysis/sweep/spec.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string path = geosim::fuzz::work_dir() + "/sweep.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    // Small limits keep one input cheap; the limits themselves are tested in tests/sweep.
    geosim::SweepLimits limits;
    limits.max_points = 2000;
    limits.max_params = 50;
    geosim::SweepPlan plan = geosim::plan_sweep(geosim::load_sweep_spec(path, limits));
    GEOSIM_CHECK(plan.values.size() == static_cast<size_t>(plan.points) * plan.ids.size(),
                 "a plan holds one value per point and parameter");
    for (int64_t p = 0; p < plan.points; ++p) {
      geosim::ParamValues fixed = plan.fixed(p);
      GEOSIM_CHECK(fixed.size() == plan.scenario.params.size(), "fixed values cover every parameter");
    }
  } catch (const geosim::InputError&) {
  }
  return 0;
}
