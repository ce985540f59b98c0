// The geosim version, printed by --version and written into every output.
#pragma once

namespace geosim {
inline constexpr const char* kGeosimVersion = "0.1.0";
}  // namespace geosim
