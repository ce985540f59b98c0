// Numbers and fields as text, written one way everywhere: tables, CSV, reports. Built on
// {fmt}, the one formatting facility (tables lay out their columns with fmt::format).
#pragma once

#include <string>

namespace geosim {

// 0.1234 -> "12.3%" (decimals after the point).
std::string percent(double p, int decimals = 1);
// A change of a probability in percentage points: 0.012 -> "+1.2", -0.004 -> "-0.4"; a change
// that rounds to zero is "0.0" (never "-0.0").
std::string points(double d, int decimals = 1);
// v with a fixed number of decimals ("%.*f").
std::string fixed(double v, int decimals);
// v with `precision` significant digits, trailing zeros dropped ("%.*g"; 6 is what a C++
// stream writes by default).
std::string general(double v, int precision = 6);
// The shortest text that reads back as exactly `v` (std::to_chars): 0.07 rather than
// 0.070099999999999996. CSV numbers are written this way.
std::string shortest_double(double v);
// A CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote, CR or LF.
std::string csv_field(const std::string& s);

}  // namespace geosim
