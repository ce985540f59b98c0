// The one reading of a number written as text: YAML scalars, CSV cells (actor tables, a
// sweep's results, a posterior) and command-line ranges all go through it, so that "0.5",
// "+0.5", "5e-1" and "0x1p-1" mean the same everywhere and a locale that writes "0,5"
// (a Python host may set one) changes nothing.
#pragma once

#include <string_view>

namespace geosim {

enum class NumberText {
  kOk,         // the whole text is a finite number
  kNotNumber,  // empty, blanks, trailing characters, or not a number at all
  kNotFinite,  // infinite, NaN, or beyond the range of a double (1e400)
};

// Reads the whole of `text` as a double: an optional sign ('+' or '-'), then a decimal number
// with an optional exponent, or a hexadecimal one after "0x" (YAML's integers such as 0x1A,
// C's hexadecimal floats). Nothing else: no leading or trailing blanks. `out` is set only
// when the result is kOk.
NumberText read_number(std::string_view text, double& out);

// read_number(text, out) == NumberText::kOk.
inline bool parse_finite(std::string_view text, double& out) { return read_number(text, out) == NumberText::kOk; }

}  // namespace geosim
