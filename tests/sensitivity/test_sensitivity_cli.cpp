// `geosim sensitivity` end to end: the Ishigami check a user can run, the 1/sqrt(N)
// shrinkage of the reported intervals, thread-independent bytes on a scenario, and clear
// usage errors.
#include <catch2/catch.hpp>
#include <cctype>

#include <cmath>
#include <numbers>

#include <nlohmann/json.hpp>

#include "analysis/sensitivity/sobol.h"
#include "analysis/sensitivity/test_functions.h"
#include "tests/cli.h"

using geosim::test::cli_run;
using JsonDoc = nlohmann::json;
using namespace geosim::sensitivity;

namespace {

bool inside(double v, const JsonDoc& ci) { return ci[0].get<double>() <= v && v <= ci[1].get<double>(); }

// Kurtosis of the per-row terms behind each estimator, computed on the same design and
// centred outputs the command analyses (sobol_design(N, 3, seed), Ishigami), in the order
// of the JSON's S1_half_width then ST_half_width: f_B (f_ABi - f_A) for S1_i,
// (f_A - f_ABi)^2 for ST_i.
std::vector<double> term_kurtosis(int n, uint64_t seed) {
  const SobolDesign design = sobol_design(n, 3, seed);
  Eigen::VectorXd y(design.points.rows());
  for (Eigen::Index r = 0; r < y.size(); ++r) {
    Eigen::RowVectorXd x = design.points.row(r);
    y[r] = ishigami(x.data());
  }
  y.array() -= y.mean();
  std::vector<double> out;
  std::vector<double> t(static_cast<size_t>(n));
  for (int kind = 0; kind < 2; ++kind)
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < n; ++j) {
        const double fa = y[design.row(0, j)], fb = y[design.row(1, j)], fab = y[design.row(2 + i, j)];
        t[static_cast<size_t>(j)] = kind == 0 ? fb * (fab - fa) : (fa - fab) * (fa - fab);
      }
      double mean = 0, m2 = 0, m4 = 0;
      for (double v : t) mean += v / n;
      for (double v : t) m2 += (v - mean) * (v - mean) / n, m4 += std::pow(v - mean, 4) / n;
      out.push_back(m4 / (m2 * m2));
    }
  return out;
}

// Mean half-width of the six intervals of a run, and a bound on its relative standard
// deviation. Each half-width has two independent errors: the bootstrap's own Monte Carlo
// error (a percentile from B = 1000 resamples has sd sqrt(p(1-p)/B) / phi(z_p) sigma, so
// the half-width has relative sd eps_boot = 0.0845 / (sqrt(2) 1.96)), and the sampling
// error of a spread estimated from N rows, relative sd sqrt((kappa - 1) / (4N)). The sd of
// a weighted mean is at most the weighted mean of the sds, whatever their correlation.
struct MeanWidth {
  double mean = 0, rel_sd = 0;
};
MeanWidth mean_half_width(const JsonDoc& out, int n, uint64_t seed) {
  const double z = 1.959963984540054, phi_z = std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi);
  const double eps_boot = std::sqrt(0.025 * 0.975 / 1000) / phi_z / (std::sqrt(2.0) * z);
  const std::vector<double> kappa = term_kurtosis(n, seed);
  std::vector<double> hw;
  for (const char* key : {"S1_half_width", "ST_half_width"})
    for (const auto& h : out[key]) hw.push_back(h.get<double>());
  MeanWidth m;
  double sum = 0;
  for (double h : hw) sum += h;
  m.mean = sum / static_cast<double>(hw.size());
  for (size_t i = 0; i < hw.size(); ++i)
    m.rel_sd += hw[i] / sum * std::sqrt(eps_boot * eps_boot + (kappa[i] - 1) / (4.0 * n));
  return m;
}

}  // namespace

TEST_CASE("sensitivity --test-function ishigami: the analytic indices lie inside the reported intervals at N = 8192",
          "[gsa][cli]") {
  auto r = cli_run("sensitivity --test-function ishigami --samples 8192 --format json -q");
  REQUIRE(r.code == 0);
  JsonDoc j = JsonDoc::parse(r.out);
  CHECK(j["method"] == "sobol");
  CHECK(j["samples"] == 8192);
  CHECK(j["parameters"] == JsonDoc({"x1", "x2", "x3"}));
  REQUIRE(j["outputs"].size() == 1);
  const JsonDoc& o = j["outputs"][0];
  CHECK(o["id"] == "f");
  const AnalyticIndices exact = ishigami_indices();
  for (size_t i = 0; i < 3; ++i) {
    INFO("x" << i + 1 << ": S1 " << o["S1"][i] << " " << o["S1_ci95"][i] << ", ST " << o["ST"][i] << " "
              << o["ST_ci95"][i]);
    CHECK(inside(exact.S1[i], o["S1_ci95"][i]));
    CHECK(inside(exact.ST[i], o["ST_ci95"][i]));
    CHECK(o["analytic"]["S1"][i].get<double>() == Approx(exact.S1[i]));
    CHECK(o["S1_half_width"][i].get<double>() ==
          Approx((o["S1_ci95"][i][1].get<double>() - o["S1_ci95"][i][0].get<double>()) / 2));
  }
  // The table shows the same analytic values beside the estimates.
  auto t = cli_run("sensitivity --test-function ishigami --samples 8192 -q");
  REQUIRE(t.code == 0);
  CHECK(t.out.find("0.5576") != std::string::npos);
  CHECK(t.out.find("0.2437") != std::string::npos);
}

TEST_CASE("sensitivity --test-function ishigami: half-widths shrink as 1/sqrt(N) from N = 2048 to 16384",
          "[gsa][cli]") {
  auto small = cli_run("sensitivity --test-function ishigami --samples 2048 --seed 5 --format json -q");
  auto large = cli_run("sensitivity --test-function ishigami --samples 16384 --seed 5 --format json -q");
  REQUIRE(small.code == 0);
  REQUIRE(large.code == 0);
  const MeanWidth s = mean_half_width(JsonDoc::parse(small.out)["outputs"][0], 2048, 5);
  const MeanWidth l = mean_half_width(JsonDoc::parse(large.out)["outputs"][0], 16384, 5);
  const double ratio = s.mean / l.mean, expected = std::sqrt(8.0);
  // log(ratio) has sd at most sqrt(rel_sd_small^2 + rel_sd_large^2); accepted within 3 sd.
  const double band = 3 * std::sqrt(s.rel_sd * s.rel_sd + l.rel_sd * l.rel_sd);
  INFO("ratio " << ratio << ", relative sd " << s.rel_sd << " and " << l.rel_sd << ", band exp(+-" << band << ")");
  // The band must exclude N^(-1/4) and N^(-3/4): halfway to them in log is log(8) / 8.
  CHECK(band < std::log(8.0) / 8);
  CHECK(ratio > expected * std::exp(-band));
  CHECK(ratio < expected * std::exp(band));
}

TEST_CASE("sensitivity of a scenario gives the same bytes for 1 and 2 threads", "[gsa][cli]") {
  for (const char* method : {"sobol", "morris"}) {
    const std::string base = std::string("sensitivity scenarios/teaching.yaml --method ") + method +
                             " --samples 16 --runs-per-point 40 --bootstrap 200 --format json -q";
    auto one = cli_run(base + " --threads 1");
    auto two = cli_run(base + " --threads 2");
    INFO(method << ": " << one.err);
    REQUIRE(one.code == 0);
    REQUIRE(two.code == 0);
    CHECK(one.out == two.out);
    JsonDoc j = JsonDoc::parse(one.out);
    CHECK(j["scenario"] == "teaching");
    CHECK(j["seed"] == 1);
    CHECK(j["runs_per_point"] == 40);
    CHECK(j["parameters"].size() == 3);
    CHECK(j["outputs"].size() == 4);  // every outcome of teaching.yaml
    CHECK(j["outputs"][0].contains(std::string(method) == "sobol" ? "ST_ci95" : "mu_star_ci95"));
  }
}

TEST_CASE("sensitivity --range analyses a parameter the scenario fixes", "[gsa][cli]") {
  auto r = cli_run("sensitivity scenarios/teaching.yaml --params levers.sanctions.intensity,actors.army.stance "
                  "--range levers.sanctions.intensity=0:1 --samples 8 --runs-per-point 20 --bootstrap 50 "
                  "--format json -q");
  INFO(r.err);
  REQUIRE(r.code == 0);
  JsonDoc j = JsonDoc::parse(r.out);
  CHECK(j["parameters"] == JsonDoc({"levers.sanctions.intensity", "actors.army.stance"}));
  CHECK(j["distributions"][0] == "range 0:1");
  CHECK(j["design_points"] == 8 * (2 + 2));
}

TEST_CASE("sensitivity rejects bad arguments with exit code 2 and a clear message", "[gsa][cli]") {
  struct Case {
    const char* args;
    const char* message;
  };
  const Case cases[] = {
      {"", "give a scenario file or --test-function, not neither"},
      {"scenarios/teaching.yaml --test-function ishigami", "not both"},
      {"--test-function ishigami --method sobel", "--method must be sobol or morris, got 'sobel'"},
      {"--test-function rosenbrock", "--test-function must be ishigami or gfunction"},
      {"--test-function ishigami --samples 1", "--samples must be between 2 and 16777216, got 1"},
      {"--test-function ishigami --format xml", "--format must be table or json"},
      {"--test-function ishigami --method morris --levels 3", "--levels must be an even number"},
      {"--test-function ishigami --levels 6", "--levels is the Morris grid's; add --method morris"},
      {"--test-function ishigami --bootstrap -1", "--bootstrap must be 0 (no intervals) or from 40 to 100000, got -1"},
      {"--test-function ishigami --bootstrap 1", "--bootstrap must be 0 (no intervals) or from 40 to 100000, got 1"},
      {"--test-function ishigami --bootstrap 39", "--bootstrap must be 0 (no intervals) or from 40 to 100000"},
      {"--test-function ishigami --smaples 10", "did you mean '--samples'?"},
      {"scenarios/teaching.yaml --runs-per-point 0", "--runs-per-point must be between 1"},
      {"scenarios/teaching.yaml --params actors.army.stanse",
       "'actors.army.stanse', which is not a parameter of 'teaching'; did you mean 'actors.army.stance'?"},
      {"scenarios/teaching.yaml --params levers.sanctions.intensity",
       "levers.sanctions.intensity has a fixed value in the scenario, so there is nothing to vary; give a range "
       "with --range levers.sanctions.intensity=LO:HI"},
      {"scenarios/teaching.yaml --range levers.sanctions.intensity=0.5", "bad --range"},
      {"scenarios/teaching.yaml --range levers.sanctions.intensity=0.9:0.1", "LO must be smaller than HI"},
      {"scenarios/teaching.yaml --range levers.sanctions.intensity=0:2", "goes outside the values it may take"},
      {"scenarios/teaching.yaml --params actors.army.stance,actors.army.stance", "lists 'actors.army.stance' twice"},
  };
  for (const auto& c : cases) {
    auto r = cli_run(std::string("sensitivity ") + c.args + " -q");
    INFO("geosim sensitivity " << c.args << "\nstderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("the Sobol table: rows by total index, shares clipped to [0, 1] and flagged, a verdict per input",
          "[gsa][cli]") {
  // N = 8 on the Ishigami function, seed 4: S1 of x1 and ST of x1 come out above 1.
  const std::string args = "sensitivity --test-function ishigami --samples 8 --seed 4 -q";
  auto j = cli_run(args + " --format json");
  auto t = cli_run(args);
  REQUIRE(j.code == 0);
  REQUIRE(t.code == 0);
  const auto o = nlohmann::json::parse(j.out)["outputs"][0];
  REQUIRE(o["ST"][0].get<double>() > 1);  // the raw estimate, kept in the JSON
  // The row of x1 shows 1.000! for both; x1 (largest ST) comes first, then x2, then x3.
  const size_t head = t.out.find("verdict\n");  // the table, after the list of parameters
  REQUIRE(head != std::string::npos);
  const size_t x1 = t.out.find("\n  x1 ", head), x2 = t.out.find("\n  x2 ", head), x3 = t.out.find("\n  x3 ", head);
  REQUIRE(x1 != std::string::npos);
  // Sorted by the raw ST of the JSON, largest first.
  const double st1 = o["ST"][0].get<double>(), st2 = o["ST"][1].get<double>(), st3 = o["ST"][2].get<double>();
  CHECK((x1 < x2) == (st1 > st2));
  CHECK((x1 < x3) == (st1 > st3));
  CHECK((x2 < x3) == (st2 > st3));
  const std::string row = t.out.substr(x1 + 1, t.out.find('\n', x1 + 1) - x1 - 1);
  CHECK(row.find("1.000!") != std::string::npos);
  CHECK(row.find("base points for +-") != std::string::npos);
  // No displayed share exceeds 1 or falls below 0.
  CHECK(t.out.find("1.9") == std::string::npos);
  CHECK(t.out.find(" -0.") == std::string::npos);
  // With enough samples the verdict is "converged".
  auto big = cli_run("sensitivity --test-function ishigami --samples 16384 -q");
  CHECK(big.out.find("converged") != std::string::npos);
  // Without intervals nothing can be judged converged: every row says so instead.
  auto none = cli_run("sensitivity --test-function ishigami --samples 16384 --bootstrap 0 -q");
  REQUIRE(none.code == 0);
  CHECK(none.out.find("converged") == std::string::npos);
  size_t rows = 0;
  for (size_t at = none.out.find("no intervals\n"); at != std::string::npos;
       at = none.out.find("no intervals\n", at + 1))
    ++rows;
  CHECK(rows == 3);
}

TEST_CASE("a Sobol verdict asks for more base points than were used, for the index its * is on", "[sensitivity][cli]") {
  // At N = 2048 the Ishigami x3's S1 (about 0) is starred with a half-width near 0.04: its
  // interval must come inside +-0.05, which more base points give; a verdict aiming at +-0.05
  // for the half-width alone asked for fewer than were used.
  for (int n : {64, 512, 2048}) {
    INFO("N = " << n);
    auto r = cli_run("sensitivity --test-function ishigami --samples " + std::to_string(n) + " -q");
    REQUIRE(r.code == 0);
    const size_t head = r.out.find("verdict\n");
    REQUIRE(head != std::string::npos);
    int rows = 0;
    for (size_t at = r.out.find("\n  x", head); at != std::string::npos; at = r.out.find("\n  x", at + 1)) {
      const std::string row = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
      INFO(row);
      ++rows;
      const size_t about = row.find("about ");
      // A starred index has a verdict of base points; an unstarred row is converged.
      CHECK((row.find('*') != std::string::npos) == (about != std::string::npos));
      if (about == std::string::npos) {
        CHECK(row.find("converged") != std::string::npos);
        continue;
      }
      std::string digits;
      for (size_t i = about + 6; i < row.size() && (std::isdigit(static_cast<unsigned char>(row[i])) || row[i] == ',');
           ++i)
        if (row[i] != ',') digits += row[i];
      CHECK(std::stoll(digits) > n);
    }
    CHECK(rows == 3);
  }
}

TEST_CASE("an outcome no run of any point reaches is said to need more runs per point", "[sensitivity][cli]") {
  // The teaching scenario's negotiated exit happens in about 1 run in 1,000: every design
  // point runs the same 100 runs (common random numbers), and none of them reaches it.
  auto t = cli_run("sensitivity scenarios/teaching.yaml --samples 16 --runs-per-point 100 --bootstrap 50 -q");
  REQUIRE(t.code == 0);
  const size_t at = t.out.find("outcome negotiated_exit (mean 0.0%)\n");
  REQUIRE(at != std::string::npos);
  const std::string line =
      "outcome negotiated_exit (mean 0.0%)\n"
      "  in none of the 100 runs of any design point: indices undefined (a rarer outcome needs "
      "more --runs-per-point)\n";
  CHECK(t.out.compare(at, line.size(), line) == 0);
  const std::string json = geosim::test::temp_path("rare.json"), html = geosim::test::temp_path("rare.html");
  REQUIRE(
      cli_run("sensitivity scenarios/teaching.yaml --samples 16 --runs-per-point 100 --bootstrap 50 -q --format json "
              "-o " +
              json)
          .code == 0);
  REQUIRE(cli_run("report " + json + " -o " + html).code == 0);
  CHECK(geosim::test::read_text(html).find("needs more <code>--runs-per-point</code>") != std::string::npos);
  std::remove(json.c_str());
  std::remove(html.c_str());
}
