// Limits on the numbers of a scenario (docs/errors.md), shared by the parser of
// distributions and the validation of the scenario.
#pragma once

namespace geosim {

// Every value a parameter can take, and every issue range, lies within +-kMaxMagnitude, so
// that nothing derived from them (a sum, a spread, a fan of the state) overflows.
constexpr double kMaxMagnitude = 1e9;

// A beta distribution's alpha + beta (given by its mean and sd) is at most this: past it
// Boost's inverse incomplete beta slows down without bound (seconds a draw past 1e10), and
// an infinite one overflows.
constexpr double kMaxBetaConcentration = 1e6;

}  // namespace geosim
