// Shared factors (format 2): parameters that follow one fact about the world move together
// by a Gaussian copula with the factor's rank, keep their own distributions, and analyses
// treat the factor as one input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../engine/helpers.h"
#include "analysis/sensitivity/evaluate.h"
#include "engine/core/fastmath.h"
#include "engine/model/model.h"

using namespace geosim;

namespace {

// us_resolve moves the threat's credibility (rho 1), the strike's intensity (rho `rho`) and,
// the other way, the amnesty's credibility (rho -1); the sanctions' intensity is independent.
std::string scenario(const std::string& rho, int version = 2) {
  return "geosim: " + std::to_string(version) + R"(
id: f
start: 2020-01-06
incumbent: gov
factors:
  - {id: us_resolve, description: "how far the United States will go", assumption: "one unknown behind three numbers"}
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
levers:
  - {id: threat, kind: military_threat, by: us, target: gov, credibility: {dist: uniform, min: 0.1, max: 0.9, factor: us_resolve}}
  - {id: strike, kind: strike, by: us, target: gov, intensity: {dist: beta, mean: 0.4, sd: 0.15, factor: us_resolve, correlation: )" +
         rho + R"(}}
  - {id: amnesty, kind: amnesty_offer, by: us, target: gov, credibility: {dist: uniform, min: 0, max: 1, factor: us_resolve, correlation: -1}}
  - {id: sanctions, kind: sanctions_sectoral, by: us, target: gov, intensity: {dist: uniform, min: 0, max: 1}}
outcomes:
  - {id: status_quo, default: true}
)";
}

// The parameters of runs 0 .. n-1.
std::vector<std::vector<double>> draws(const Scenario& sc, int n) {
  Model model(sc);
  RunState st;
  model.prepare(st);
  std::vector<std::vector<double>> out;
  for (int r = 0; r < n; ++r) {
    model.init_run(st, 11, static_cast<uint64_t>(r));
    out.push_back(st.p);
  }
  return out;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

ParamId param(const Scenario& sc, const std::string& path) {
  const ParamId id = sc.find_param(path);
  REQUIRE(id != kNoParam);
  return id;
}

}  // namespace

TEST_CASE("parameters that follow a factor move with it and keep their own distributions", "[factors][statistical]") {
  const Scenario sc = test::from_text(scenario("0.6"));
  REQUIRE(sc.factors.size() == 1);
  const int n = 20000;
  const auto p = draws(sc, n);
  const auto f = static_cast<size_t>(param(sc, "factors.us_resolve"));
  const auto threat = static_cast<size_t>(param(sc, "levers.threat.credibility"));
  const auto strike = static_cast<size_t>(param(sc, "levers.strike.intensity"));
  const auto amnesty = static_cast<size_t>(param(sc, "levers.amnesty.credibility"));
  const auto sanctions = static_cast<size_t>(param(sc, "levers.sanctions.intensity"));
  // rho = 1: a monotone map of the factor (the uniform's quantile): exactly, up to rounding.
  // rho = -1: the mirror image.
  for (const auto& run : p) {
    CHECK(run[threat] == Approx(0.1 + 0.8 * run[f]).margin(1e-9));
    CHECK(run[amnesty] == Approx(1 - run[f]).margin(1e-9));
  }
  // rho = 0.6 between the normal scores of the factor and of the strike's uniform (the beta's
  // CDF is monotone, so the normal scores of the strike's ranks are those of its uniform);
  // Fisher's z has sd 1/sqrt(n - 3); the independent lever has rho 0. Three checks, each at
  // 0.001/3 two-sided (z = 3.59).
  std::vector<double> zf, zs, zs_rank, zi;
  std::vector<double> strike_values;
  for (const auto& run : p) strike_values.push_back(run[strike]);
  std::vector<double> sorted = strike_values;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& run : p) {
    zf.push_back(inverse_normal_cdf(run[f]));
    const double rank = (std::lower_bound(sorted.begin(), sorted.end(), run[strike]) - sorted.begin() + 0.5) / n;
    zs_rank.push_back(inverse_normal_cdf(rank));
    zi.push_back(inverse_normal_cdf(run[sanctions]));
  }
  const double se = 1 / std::sqrt(n - 3.0), crit = 3.59;
  CHECK(std::fabs(std::atanh(correlation(zf, zs_rank)) - std::atanh(0.6)) < crit * se);
  CHECK(std::fabs(std::atanh(correlation(zf, zi))) < crit * se);
  // The strike keeps its beta(mean 0.4, sd 0.15): its mean within 3.59 standard errors.
  double mean = 0;
  for (double v : strike_values) mean += v / n;
  CHECK(std::fabs(mean - 0.4) < crit * 0.15 / std::sqrt(static_cast<double>(n)));
}

TEST_CASE("a factor is drawn from its own stream: runs are the same for any threads", "[factors][determinism]") {
  const Scenario sc = test::from_text(scenario("0.5"));
  const auto [one, two] = test::json_on_1_and_2_threads(sc, 2000, 3);
  CHECK(one == two);
}

TEST_CASE("an analysis varies the factor, not the parameters that follow it", "[factors][gsa]") {
  const Scenario sc = test::from_text(scenario("0.5"));
  std::vector<std::string> inputs;
  for (const auto& f : gsa::choose_factors(sc, {}, {})) inputs.push_back(f.path);
  // (After them, format 2's uncertain mechanism coefficients.)
  REQUIRE(inputs.size() >= 2);
  CHECK(inputs[0] == "factors.us_resolve");
  CHECK(inputs[1] == "levers.sanctions.intensity");
  for (const char* tied : {"levers.threat.credibility", "levers.strike.intensity", "levers.amnesty.credibility"})
    CHECK(std::find(inputs.begin(), inputs.end(), tied) == inputs.end());
  // An analysis that fixes the factor fixes what follows it with rho = 1.
  Model model(sc);
  RunState st;
  model.prepare(st);
  ParamValues fixed(sc.params.size(), std::nan(""));
  fixed[static_cast<size_t>(param(sc, "factors.us_resolve"))] = 0.25;
  model.init_run(st, 1, 0, &fixed);
  CHECK(st.p[static_cast<size_t>(param(sc, "levers.threat.credibility"))] == Approx(0.3));
}

TEST_CASE("factor mistakes are located errors", "[factors][errors]") {
  CHECK(test::load_error(scenario("1", 1)) ==
        "test.yaml:5:1: `factors:` is a format 2 key (shared factors); write `geosim: 2` on the first line; a format 1 "
        "file means exactly what it meant before\n"
        "test.yaml:11:119: `factor:` is a format 2 key (shared factors); write `geosim: 2` on the first line and list the "
        "factor under `factors:`\n"
        "test.yaml:12:106: `factor:` is a format 2 key (shared factors); write `geosim: 2` on the first line and list "
        "the factor under `factors:`\n"
        "test.yaml:13:114: `factor:` is a format 2 key (shared factors); write `geosim: 2` on the first line and list the "
        "factor under `factors:`");
  std::string bad = scenario("1.5");
  CHECK_THAT(test::load_error(bad), Catch::Contains("`correlation` must lie in [-1, 1], got 1.5"));
  bad = scenario("1");
  bad.replace(bad.find("factor: us_resolve}}"), 20, "factor: us_resolv}}");
  CHECK_THAT(test::load_error(bad),
             Catch::Contains("unknown shared factor (under `factors:`) 'us_resolv'; did you mean 'us_resolve'?"));
  // A cohort's threshold distribution is not a parameter: it cannot follow a factor.
  CHECK_THAT(test::load_error(scenario("1") + "cohorts:\n  - {id: c, actor: gov, units: 5, threshold: {dist: uniform, "
                                              "min: 0, max: 1, factor: us_resolve}}\n"),
             Catch::Contains("a cohort's `threshold` cannot take `factor:`; the units' thresholds are drawn one by one"));
}

TEST_CASE("a factor's rank fixed in the file or with --set factors.ID=U is the rank an analysis fixes",
          "[factors][set]") {
  const std::string text = scenario("0.5");
  const Scenario drawn = test::from_text(text);
  // In the file: `rank: 0.25`.
  std::string ranked = text;
  const std::string key = "{id: us_resolve, ";
  ranked.replace(ranked.find(key), key.size(), "{id: us_resolve, rank: 0.25, ");
  const Scenario in_file = test::from_text(ranked);
  // On the command line, by the path analyses name it by (and by its key).
  YNode tree = parse_yaml_text(text, FileLoc{"test.yaml", 0, 0});
  YNode tree_key = tree;
  apply_set(tree, "factors.us_resolve=0.25");
  apply_set(tree_key, "factors.us_resolve.rank=0.25");
  const Scenario set = build_scenario(tree, "test.yaml"), set_key = build_scenario(tree_key, "test.yaml");
  // An analysis fixing the factor at 0.25 (above): every run's parameters are the same.
  Model model(drawn);
  RunState st;
  model.prepare(st);
  ParamValues fixed(drawn.params.size(), std::nan(""));
  fixed[static_cast<size_t>(param(drawn, "factors.us_resolve"))] = 0.25;
  std::vector<std::vector<double>> by_analysis;
  for (int r = 0; r < 50; ++r) {
    model.init_run(st, 11, static_cast<uint64_t>(r), &fixed);
    by_analysis.push_back(st.p);
  }
  for (const Scenario* sc : {&in_file, &set, &set_key}) {
    CHECK(sc->params.size() == drawn.params.size());
    CHECK(param(*sc, "factors.us_resolve") == param(drawn, "factors.us_resolve"));
    CHECK(draws(*sc, 50) == by_analysis);
  }
  CHECK(draws(drawn, 50) != by_analysis);
  // The rank lies in [0, 1]; a rank cannot itself follow a factor.
  YNode out_of_range = parse_yaml_text(text, FileLoc{"test.yaml", 0, 0});
  apply_set(out_of_range, "factors.us_resolve=1.5");
  CHECK_THROWS_WITH(build_scenario(out_of_range, "test.yaml"),
                    Catch::Contains("value 1.5 is outside the allowed range [0, 1]"));
  std::string chained = text;
  chained.replace(chained.find(key), key.size(),
                  "{id: us_resolve, rank: {dist: uniform, min: 0, max: 1, factor: us_resolve}, ");
  CHECK_THAT(test::load_error(chained), Catch::Contains("test.yaml:6:68: a factor's rank cannot follow a factor"));
}

TEST_CASE("an analysis leaves out what can change nothing: a switched-off lever's parameters", "[factors][gsa]") {
  // Format 2: the amnesty is switched off, the strike's credibility is a fixed 0, so their
  // parameters are inert; with the threat switched off too, every follower of us_resolve is
  // inert, and so is the factor.
  std::string text = scenario("0.5");
  auto off = [&](const std::string& lever, const std::string& key) {
    const std::string at = "{id: " + lever + ", ";
    const size_t pos = text.find(at);
    REQUIRE(pos != std::string::npos);
    text.insert(pos + at.size(), key + ", ");
  };
  off("amnesty", "enabled: false");
  off("strike", "credibility: 0");
  auto inputs = [](const Scenario& sc) {
    std::vector<std::string> out;
    for (const auto& f : gsa::choose_factors(sc, {}, {})) out.push_back(f.path);
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const char* path) {
    return std::find(v.begin(), v.end(), path) != v.end();
  };
  {
    const Scenario sc = test::from_text(text);
    const auto inert = sc.inert_params();
    CHECK(inert[static_cast<size_t>(param(sc, "levers.amnesty.credibility"))]);
    CHECK(inert[static_cast<size_t>(param(sc, "levers.strike.intensity"))]);
    CHECK(!inert[static_cast<size_t>(param(sc, "levers.threat.credibility"))]);
    CHECK(!inert[static_cast<size_t>(param(sc, "factors.us_resolve"))]);
    const auto in = inputs(sc);
    CHECK(has(in, "factors.us_resolve"));
    CHECK(has(in, "levers.sanctions.intensity"));
  }
  off("threat", "enabled: false");
  off("sanctions", "credibility: 0");
  {
    const Scenario sc = test::from_text(text);
    CHECK(sc.inert_params()[static_cast<size_t>(param(sc, "factors.us_resolve"))]);
    CHECK(sc.inert_params()[static_cast<size_t>(param(sc, "levers.sanctions.intensity"))]);
    // No lever or factor is left among the inputs (format 2's uncertain mechanism
    // coefficients stay).
    for (ParamId id : sc.independent_params()) {
      const std::string& path = sc.params[static_cast<size_t>(id)].path;
      CHECK(path.rfind("mechanisms.", 0) == 0);
    }
    // Named explicitly, an inert parameter is still analysed (its indices come out 0).
    CHECK(gsa::choose_factors(sc, {"levers.sanctions.intensity"}, {}).size() == 1);
  }
}

TEST_CASE("format 1 keeps a switched-off lever's uncertain parameters among an analysis's inputs", "[gsa][compat]") {
  const Scenario sc = test::from_text(R"(geosim: 1
id: f1
start: 2020-01-06
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
levers:
  - {id: sanctions, kind: sanctions_sectoral, by: us, target: gov, enabled: false, intensity: {dist: uniform, min: 0, max: 1}}
outcomes:
  - {id: status_quo, default: true}
)");
  CHECK(sc.inert_params()[static_cast<size_t>(param(sc, "levers.sanctions.intensity"))]);
  REQUIRE(sc.independent_params().size() == 1);
  CHECK(sc.params[static_cast<size_t>(sc.independent_params()[0])].path == "levers.sanctions.intensity");
}
