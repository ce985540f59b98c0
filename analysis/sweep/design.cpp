#include "analysis/sweep/design.h"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <charconv>
#include <cmath>
#include <numeric>

#include "engine/core/rng.h"

namespace geosim {

namespace {

constexpr uint32_t kLhsStream = stream_id("sweep.lhs");
constexpr uint32_t kLhsPermStream = stream_id("sweep.lhs.permutation");
constexpr uint32_t kRandomStream = stream_id("sweep.random");

// Last parameter varies fastest, like nested loops written in spec order.
std::vector<double> grid(const SweepSpec& s) {
  const size_t k = s.params.size();
  std::vector<double> out;
  out.reserve(static_cast<size_t>(s.points) * k);
  std::vector<size_t> idx(k, 0);
  for (int64_t p = 0; p < s.points; ++p) {
    for (size_t j = 0; j < k; ++j) out.push_back(s.params[j].values[idx[j]]);
    for (size_t j = k; j-- > 0;) {
      if (++idx[j] < s.params[j].values.size()) break;
      idx[j] = 0;
    }
  }
  return out;
}

double scale(const SweepParam& p, double u) { return p.min + u * (p.max - p.min); }

// Latin hypercube: each parameter's interval cut into N strata, one point per stratum,
// strata matched across parameters by seeded random permutations.
std::vector<double> lhs(const SweepSpec& s) {
  const size_t k = s.params.size(), n = static_cast<size_t>(s.points);
  std::vector<double> out(n * k);
  const RunRng rng(s.seed, 0);
  std::vector<size_t> perm(n);
  std::vector<uint64_t> key(n);
  for (size_t j = 0; j < k; ++j) {
    // A permutation by sorting addressed random keys (ties broken by index).
    for (size_t i = 0; i < n; ++i) {
      auto b = rng.bits(stream_id(kLhsPermStream, static_cast<uint32_t>(j)), static_cast<uint32_t>(i));
      key[i] = (static_cast<uint64_t>(b[0]) << 32) | b[1];
    }
    std::iota(perm.begin(), perm.end(), size_t{0});
    std::stable_sort(perm.begin(), perm.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
    for (size_t i = 0; i < n; ++i) {
      double u = rng.uniform(stream_id(kLhsStream, static_cast<uint32_t>(j)), static_cast<uint32_t>(i));
      out[i * k + j] = scale(s.params[j], (static_cast<double>(perm[i]) + u) / static_cast<double>(n));
    }
  }
  return out;
}

// Sobol' quasi-random points (boost::random::sobol, which starts after the origin).
std::vector<double> sobol(const SweepSpec& s) {
  const size_t k = s.params.size(), n = static_cast<size_t>(s.points);
  std::vector<double> out(n * k);
  boost::random::sobol gen(k);
  const double denom = 18446744073709551616.0;  // 2^64: sobol's words are 64-bit fractions
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) out[i * k + j] = scale(s.params[j], static_cast<double>(gen()) / denom);
  return out;
}

std::vector<double> random_design(const SweepSpec& s) {
  const size_t k = s.params.size(), n = static_cast<size_t>(s.points);
  std::vector<double> out(n * k);
  const RunRng rng(s.seed, 0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j)
      out[i * k + j] = scale(s.params[j], rng.uniform(stream_id(kRandomStream, static_cast<uint32_t>(j)),
                                                      static_cast<uint32_t>(i)));
  return out;
}

}  // namespace

namespace {

// Whole numbers wider than 64 bits for the exact grid values (a GCC and Clang extension).
__extension__ typedef __int128 Wide;
__extension__ typedef unsigned __int128 UWide;

// |v| as digits x 10^exp, from its shortest round-trip text: the decimal the spec writes.
struct Decimal {
  uint64_t digits = 0;  // below 10^17
  int exp = 0;
};

Decimal decimal_of(double v) {
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific).ptr;
  Decimal d;
  int after_point = 0;
  bool point = false;
  const char* c = buf;
  for (; c < end && *c != 'e'; ++c) {
    if (*c == '.') {
      point = true;
      continue;
    }
    d.digits = d.digits * 10 + static_cast<uint64_t>(*c - '0');
    after_point += point ? 1 : 0;
  }
  int e = 0;
  if (c < end) std::from_chars(c + 1 + (c[1] == '+' ? 1 : 0), end, e);  // (from_chars reads no '+')
  d.exp = e - after_point;
  return d;
}

std::string digits_of(UWide v) {
  std::string s;
  do {
    s += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  return std::string(s.rbegin(), s.rend());
}

// The double nearest to the whole number `digits` times 10^exp (correctly rounded).
bool read_scaled(const std::string& digits, int exp, double& out) {
  const std::string text = digits + "e" + std::to_string(exp);
  return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc();
}

// `digits` plus one in its last place.
std::string plus_one(std::string digits) {
  for (size_t k = digits.size(); k-- > 0;) {
    if (digits[k] != '9') {
      ++digits[k];
      return digits;
    }
    digits[k] = '0';
  }
  return "1" + digits;
}

}  // namespace

double grid_value(double min, double max, uint64_t steps, uint64_t i) {
  if (steps <= 1 || i == 0) return min;
  if (i >= steps - 1) return max;
  const uint64_t d = steps - 1;
  const double plain = min + (max - min) * static_cast<double>(i) / static_cast<double>(d);
  if (d > (uint64_t{1} << 32)) return plain;
  // min and max as whole multiples A and B of 10^e, each below 2^125 / d.
  Decimal a = decimal_of(min), b = decimal_of(max);
  if (a.digits == 0) a.exp = b.exp;
  if (b.digits == 0) b.exp = a.exp;
  const int e = std::min(a.exp, b.exp);
  const UWide bound = (UWide{1} << 125) / d;
  UWide ua = a.digits, ub = b.digits;
  for (int k = e; k < a.exp; ++k)
    if ((ua *= 10) >= bound) return plain;
  for (int k = e; k < b.exp; ++k)
    if ((ub *= 10) >= bound) return plain;
  const Wide A = min < 0 ? -static_cast<Wide>(ua) : static_cast<Wide>(ua);
  const Wide B = max < 0 ? -static_cast<Wide>(ub) : static_cast<Wide>(ub);
  // The value is N / d x 10^e exactly (|N| < 3 bound d < 2^127: no overflow).
  const Wide N = A * static_cast<Wide>(d) + static_cast<Wide>(i) * (B - A);
  const UWide M = static_cast<UWide>(N < 0 ? -N : N);
  // Its decimal digits by long division: the integer part, then digits of the fraction until
  // the division ends (an exact decimal, read as such) or, for a value such as 1/3, until the
  // digits so far and the same plus one in their last place read as the same double: the
  // value lies strictly between the two, so it rounds to that double too.
  std::string digits = digits_of(M / d);
  uint64_t r = static_cast<uint64_t>(M % d);
  int fraction = 0, significant = M / d != 0 ? static_cast<int>(digits.size()) : 0;
  double value = plain;
  for (int limit = 40;; limit += 40) {
    for (; r != 0 && significant < limit; ++fraction) {
      r *= 10;  // (r < d <= 2^32: no overflow)
      const uint64_t digit = r / d;
      r %= d;
      digits += static_cast<char>('0' + digit);
      significant += significant > 0 || digit != 0 ? 1 : 0;
    }
    double lo = 0, hi = 0;
    if (!read_scaled(digits, e - fraction, lo)) return plain;
    if (r == 0) {
      value = lo;
      break;
    }
    if (!read_scaled(plus_one(digits), e - fraction, hi)) return plain;
    if (lo == hi) {
      value = lo;
      break;
    }
    // Within 10^-1200 of a rounding tie: the digits so far and a nonzero one after them.
    if (limit >= 1200) {
      if (!read_scaled(digits + "1", e - fraction - 1, value)) return plain;
      break;
    }
  }
  return N < 0 ? -value : value;
}

const std::vector<DesignKind>& design_kinds() {
  static const std::vector<DesignKind> kinds = {
      {"grid", "every combination of the listed values (last parameter varies fastest)", true, grid},
      {"lhs", "Latin hypercube: `points` points, one in each of `points` strata of every parameter", false, lhs},
      {"sobol", "Sobol' quasi-random sequence (boost::random::sobol): evenly spread `points` points", false, sobol},
      {"random", "independent uniform draws in [min, max] for every parameter", false, random_design},
  };
  return kinds;
}

const DesignKind* find_design(const std::string& name) {
  for (const auto& d : design_kinds())
    if (name == d.name) return &d;
  return nullptr;
}

std::vector<std::string> design_names() {
  std::vector<std::string> out;
  for (const auto& d : design_kinds()) out.push_back(d.name);
  return out;
}

}  // namespace geosim
