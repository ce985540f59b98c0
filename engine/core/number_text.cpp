#include "engine/core/number_text.h"

#include <charconv>
#include <cmath>

namespace geosim {

NumberText read_number(std::string_view text, double& out) {
  if (text.empty()) return NumberText::kNotNumber;
  bool negative = false;
  size_t at = 0;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    at = 1;
  }
  std::string_view body = text.substr(at);
  // std::from_chars takes no sign of its own here (it would accept "--1" after our '-'),
  // and no "0x": the prefix picks the format.
  if (body.empty() || body[0] == '+' || body[0] == '-') return NumberText::kNotNumber;
  std::chars_format format = std::chars_format::general;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    body.remove_prefix(2);
    if (body.empty() || body[0] == '+' || body[0] == '-') return NumberText::kNotNumber;
    format = std::chars_format::hex;
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v, format);
  if (ptr != body.data() + body.size()) return NumberText::kNotNumber;
  if (ec == std::errc::result_out_of_range) {
    // Too small rounds to zero (as strtod does); too large is not finite.
    const size_t e = body.find_first_of(format == std::chars_format::hex ? "pP" : "eE");
    if (e == std::string_view::npos || e + 1 >= body.size() || body[e + 1] != '-') return NumberText::kNotFinite;
    out = negative ? -0.0 : 0.0;
    return NumberText::kOk;
  }
  if (ec != std::errc()) return NumberText::kNotNumber;
  if (!std::isfinite(v)) return NumberText::kNotFinite;
  out = negative ? -v : v;
  return NumberText::kOk;
}

}  // namespace geosim
