#include <catch2/catch.hpp>

#include <cmath>

#include "engine/scenario/distribution.h"
#include "engine/scenario/yaml_tree.h"

using namespace geosim;

static Distribution parse_ok(const std::string& text, Range r = {}) {
  Diagnostics d;
  Distribution out;
  bool ok = Distribution::parse(parse_yaml_text(text, FileLoc{"d.yaml", 0, 0}), r, d, out);
  INFO((d.empty() ? std::string() : d.items()[0].str()));
  REQUIRE(ok);
  return out;
}

static std::string parse_err(const std::string& text, Range r = {}) {
  Diagnostics d;
  Distribution out;
  bool ok = Distribution::parse(parse_yaml_text(text, FileLoc{"d.yaml", 0, 0}), r, d, out);
  REQUIRE_FALSE(ok);
  return d.items()[0].str();
}

TEST_CASE("quantile functions match their closed forms", "[dist]") {
  CHECK(parse_ok("0.3").quantile(0.9) == 0.3);
  CHECK(parse_ok("{dist: uniform, min: 2, max: 4}").quantile(0.25) == Approx(2.5).epsilon(1e-15));
  auto tri = parse_ok("{dist: triangular, min: 0, mode: 1, max: 2}");
  CHECK(tri.quantile(0.5) == Approx(1.0).epsilon(1e-12));
  CHECK(tri.quantile(0.125) == Approx(0.5).epsilon(1e-12));
  auto n = parse_ok("{dist: normal, mean: 1, sd: 2}");
  CHECK(n.quantile(0.5) == Approx(1.0).margin(1e-12));
  CHECK(n.quantile(0.975) == Approx(1.0 + 2 * 1.959963984540054).epsilon(1e-9));
  auto tn = parse_ok("{dist: normal, mean: 0, sd: 1, min: 0, max: 10}");
  CHECK(tn.quantile(0.5) == Approx(0.6744897501960817).epsilon(1e-9));  // half-normal median
  auto b = parse_ok("{dist: beta, mean: 0.5, sd: 0.2886751345948129}");   // beta(1,1) = uniform
  CHECK(b.quantile(0.3) == Approx(0.3).epsilon(1e-9));
  auto ln = parse_ok("{dist: lognormal, median: 2, sigma: 0.5}");
  CHECK(ln.quantile(0.5) == Approx(2.0).epsilon(1e-12));
  auto be = parse_ok("{dist: bernoulli, p: 0.3}");
  CHECK(be.quantile(0.29) == 1.0);
  CHECK(be.quantile(0.31) == 0.0);
  auto ch = parse_ok("{dist: choice, values: [1, 2, 3], weights: [1, 1, 2]}");
  CHECK(ch.quantile(0.2) == 1.0);
  CHECK(ch.quantile(0.3) == 2.0);
  CHECK(ch.quantile(0.6) == 3.0);
  CHECK(ch.mean() == Approx(2.25));
}

TEST_CASE("distribution errors name the place and the fix", "[dist][errors]") {
  CHECK(parse_err("{dist: unifrom, min: 0, max: 1}") ==
        "d.yaml:1:8: unknown distribution 'unifrom'; did you mean 'uniform'? (one of uniform, triangular, normal, "
        "beta, lognormal, bernoulli, choice)");
  CHECK(parse_err("{dist: uniform, min: 1, max: 0}") ==
        "d.yaml:1:30: max must be greater than min; for a fixed value write the number itself");
  CHECK(parse_err("{dist: uniform, min: 0, mx: 1}") == "d.yaml:1:25: unknown key 'mx' for a uniform distribution; did you mean 'max'?");
  CHECK(parse_err("{dist: normal, mean: 0.5, sd: 0.1}", Range{0, 1}) ==
        "d.yaml:1:1: this parameter must stay [0, 1], but a normal distribution is unbounded; add `min:` and `max:` to truncate it");
  CHECK(parse_err("{dist: beta, mean: 0.5, sd: 0.6}") ==
        "d.yaml:1:29: sd must be positive and below sqrt(mean*(1-mean)) = 0.5; a smaller sd gives a narrower distribution");
  CHECK(parse_err("1.5", Range{0, 1}) == "d.yaml:1:1: value 1.5 is outside the allowed range [0, 1]");
  CHECK(parse_err(".nan") == "d.yaml:1:1: '.nan' is not a finite number; NaN and infinity are not allowed");
  CHECK(parse_err("{dist: uniform, min: 0.5, max: 2}", Range{0, 1}) ==
        "d.yaml:1:1: this distribution can take values in [0.5, 2], outside the allowed range [0, 1]; narrow it (for a "
        "normal, set min and max)");
}
