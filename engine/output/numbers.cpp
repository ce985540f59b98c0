#include "engine/output/numbers.h"

#include <fmt/format.h>

#include <charconv>

namespace geosim {

std::string percent(double p, int decimals) { return fmt::format("{:.{}f}%", 100.0 * p, decimals); }

std::string points(double d, int decimals) {
  std::string s = fmt::format("{:+.{}f}", 100.0 * d, decimals);
  // "+0.0" or "-0.0": the change rounds to nothing.
  if (s.find_first_not_of("+-0.") == std::string::npos) return s.substr(1);
  return s;
}

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

std::string general(double v, int precision) { return fmt::format("{:.{}g}", v, precision); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string shortest_double(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

}  // namespace geosim
