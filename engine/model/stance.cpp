#include "engine/model/stance.h"

#include "engine/model/model.h"

namespace geosim {

size_t bargaining_scratch_size(int n) { return static_cast<size_t>(n) * 8 + 16; }

void bargaining_round(const Scenario& sc, RunState& st, int k) {
  (void)sc;
  (void)st;
  (void)k;
  GEOSIM_CHECK(false, "the bargaining stance model is not linked in this build");
}

}  // namespace geosim
