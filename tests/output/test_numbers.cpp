// engine/output/numbers.h writes numbers with {fmt}; the C library's printf, whose formats the
// outputs used before, is the oracle: the same text for every kind of number (so that the
// change of facility changed no output byte).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/output/numbers.h"

using namespace geosim;

namespace {
std::string printf_text(const char* format, int precision, double v) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, precision, v);
  return buf;
}

// Doubles of every kind: halves and other ties of rounding, powers of ten and their
// neighbours, tiny, huge, negative zero, and random bit patterns.
std::vector<double> samples() {
  std::vector<double> v = {
      0.0,      -0.0,  0.5,   1.5,  2.5,  -0.5, 0.125, 0.0625, 1e-7,   9.9999995e-5,
      123456.5, 0.045, 0.055, 1e15, 1e16, 1e17, 1e21,  1e-300, 5e-324, std::numeric_limits<double>::max(),
      0.1,      0.7,   2.675};
  for (int e = -20; e <= 20; ++e) {
    const double p = std::pow(10.0, e);
    v.push_back(p);
    v.push_back(std::nextafter(p, 0.0));
    v.push_back(std::nextafter(p, 1e308));
  }
  std::mt19937_64 rng(20261202);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) v.push_back(d);
    v.push_back(std::ldexp(static_cast<double>(rng() >> 11), -53) * std::pow(10.0, static_cast<int>(rng() % 13) - 6));
  }
  return v;
}
}  // namespace

TEST_CASE("fixed, general, percent and points write what printf wrote", "[output][numbers]") {
  const auto xs = samples();
  size_t mismatches = 0;
  for (double x : xs) {
    for (int d : {0, 1, 2, 3, 4, 6}) {
      if (std::fabs(x) < 1e100) {
        const std::string want = printf_text("%.*f", d, x);
        if (fixed(x, d) != want && ++mismatches < 10)
          FAIL_CHECK("fixed(" << x << ", " << d << ") = " << fixed(x, d) << ", printf " << want);
        const std::string pwant = printf_text("%.*f%%", d, 100.0 * x);
        if (percent(x, d) != pwant && ++mismatches < 10)
          FAIL_CHECK("percent(" << x << ") = " << percent(x, d) << ", printf " << pwant);
      }
    }
    for (int g : {2, 3, 4, 6, 17}) {
      const std::string want = printf_text("%.*g", g, x);
      if (general(x, g) != want && ++mismatches < 10)
        FAIL_CHECK("general(" << x << ", " << g << ") = " << general(x, g) << ", printf " << want);
    }
  }
  CHECK(mismatches == 0);
  CHECK(xs.size() > 40000);
}

TEST_CASE("points: a change that rounds to nothing is 0.0", "[output][numbers]") {
  CHECK(points(0.012) == "+1.2");
  CHECK(points(-0.004) == "-0.4");
  CHECK(points(-0.0004) == "0.0");
  CHECK(points(0.0004) == "0.0");
  CHECK(points(0.00051, 2) == "+0.05");
}
