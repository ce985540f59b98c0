// One run of a scenario told step by step as sentences a student can follow
// (`geosim run --replay K`, and "tell me one run" in `geosim serve`).
#pragma once

#include <cstdint>
#include <ostream>

#include "engine/model/model.h"

namespace geosim {

// Writes the story of run `run` under `seed`: the uncertain values drawn, what happened
// week by week, the state at the end, and the command that replays it.
void write_replay(std::ostream& os, const Scenario& sc, const Model& model, uint64_t seed, uint64_t run);

}  // namespace geosim
