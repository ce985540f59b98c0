#include "analysis/sweep/design.h"

#include <algorithm>
#include <boost/random/sobol.hpp>
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
