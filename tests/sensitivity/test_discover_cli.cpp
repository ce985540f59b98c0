// `geosim discover` end to end on sweep tables in the results.csv format of `geosim sweep`,
// generated here: one from a planted rule (the box to find is known), one from real runs of
// teaching.yaml over a grid (the reported boxes must agree with the table they came from).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/sensitivity/discover.h"
#include "analysis/sensitivity/evaluate.h"
#include "engine/core/rng.h"
#include "engine/runner/summary.h"
#include "engine/scenario/loader.h"
#include "tests/cli.h"

using namespace geosim;
using geosim::test::cli_run;
using geosim::test::temp_path;
using JsonDoc = nlohmann::json;

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// Writes a results.csv: header, then one row per point with p, lo, hi per outcome.
void write_csv(const std::string& path, const std::vector<std::string>& params, const std::vector<std::string>& outcomes,
               const Eigen::MatrixXd& X, const Eigen::MatrixXd& counts, int runs, int failed_rows) {
  std::ofstream out(path);
  out << "point,status";
  for (const auto& p : params) out << "," << p;
  out << ",runs";
  for (const auto& o : outcomes) out << ",p_" << o << ",lo_" << o << ",hi_" << o;
  out << "\n";
  for (Eigen::Index r = 0; r < X.rows(); ++r) {
    out << r << ",ok";
    for (Eigen::Index j = 0; j < X.cols(); ++j) out << "," << num(X(r, j));
    out << "," << runs;
    for (Eigen::Index k = 0; k < counts.cols(); ++k) {
      auto k_runs = static_cast<uint64_t>(std::llround(counts(r, k)));
      Interval ci = wilson95(k_runs, static_cast<uint64_t>(runs));
      out << "," << num(counts(r, k) / runs) << "," << num(ci.lo) << "," << num(ci.hi);
    }
    out << "\n";
  }
  for (int f = 0; f < failed_rows; ++f) {
    out << X.rows() + f << ",failed";
    for (size_t j = 0; j < params.size() + 1 + 3 * outcomes.size(); ++j) out << ",";
    out << "\n";
  }
}

bool in_box(const JsonDoc& restrictions, const std::vector<std::string>& params, const Eigen::RowVectorXd& x) {
  for (const auto& r : restrictions) {
    size_t j = std::find(params.begin(), params.end(), r["parameter"].get<std::string>()) - params.begin();
    if (x[static_cast<Eigen::Index>(j)] < r["lo"].get<double>() || x[static_cast<Eigen::Index>(j)] > r["hi"].get<double>())
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("discover finds a planted box in a generated sweep table", "[gsa][cli]") {
  // 400 points uniform on [0, 1]^3 (Philox, seed 3); the outcome's probability is 0.9 where
  // x0 > 0.6 and x1 < 0.4 and 0.05 elsewhere, drawn as 200 binomial runs per point; x2 is inert.
  const int n = 400, runs = 200;
  Eigen::MatrixXd X(n, 3), counts(n, 2);
  const RunRng rng(3, 0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = rng.uniform(1, static_cast<uint32_t>(i * 3 + j));
    const double p = X(i, 0) > 0.6 && X(i, 1) < 0.4 ? 0.9 : 0.05;
    int hits = 0;
    for (int r = 0; r < runs; ++r) hits += rng.uniform(2, static_cast<uint32_t>(i * runs + r)) < p;
    counts(i, 0) = hits;
    counts(i, 1) = runs - hits;
  }
  const std::vector<std::string> params = {"x0", "x1", "x2"};
  const std::string csv = temp_path("planted.csv");
  write_csv(csv, params, {"event", "other"}, X, counts, runs, 2);
  auto r = cli_run("discover '" + csv + "' --outcome event --threshold 0.5 --format json");
  INFO(r.err);
  REQUIRE(r.code == 0);
  JsonDoc j = JsonDoc::parse(r.out);
  CHECK(j["points"] == n);
  CHECK(j["failed_points"] == 2);
  const JsonDoc& chosen = j["chosen"];
  std::vector<std::string> restricted;
  for (const auto& x : chosen["restrictions"]) restricted.push_back(x["parameter"]);
  CHECK(restricted == std::vector<std::string>{"x0", "x1"});
  // Every point of the chosen box lies in the planted region, and it holds most of them.
  int inside = 0, planted_inside = 0, planted = 0;
  for (int i = 0; i < n; ++i) {
    const bool in_planted = X(i, 0) > 0.6 && X(i, 1) < 0.4;
    planted += in_planted;
    if (in_box(chosen["restrictions"], params, X.row(i))) ++inside, planted_inside += in_planted;
  }
  CHECK(inside == chosen["points"].get<int>());
  CHECK(planted_inside == inside);
  CHECK(planted_inside > planted / 2);
  // The table names the same box.
  auto t = cli_run("discover '" + csv + "' --outcome event --threshold 0.5");
  REQUIRE(t.code == 0);
  CHECK(t.out.find("Chosen box " + std::to_string(chosen["box"].get<int>())) != std::string::npos);
  CHECK(t.out.find("x0") != std::string::npos);
  std::remove(csv.c_str());
}

TEST_CASE("discover on a sweep of teaching.yaml reports boxes that agree with the table", "[gsa][cli]") {
  // An 11 x 11 grid over sanction intensity and the amnesty's credibility, 200 runs a point,
  // evaluated with the same glue as `geosim sensitivity` (common random numbers).
  const Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml");
  const Model model(sc);
  const std::vector<std::string> params = {"levers.sanctions.intensity", "levers.amnesty_for_officers.credibility"};
  const auto factors = gsa::choose_factors(sc, params, {{params[0], 0, 1}, {params[1], 0, 1}});
  Eigen::MatrixXd U(121, 2), X(121, 2);
  for (int a = 0; a < 11; ++a)
    for (int b = 0; b < 11; ++b) {
      U(a * 11 + b, 0) = a / 10.0, U(a * 11 + b, 1) = b / 10.0;
      X(a * 11 + b, 0) = factors[0].value(a / 10.0), X(a * 11 + b, 1) = factors[1].value(b / 10.0);
    }
  gsa::EvalOptions eo;
  eo.runs_per_point = 200;
  const Eigen::MatrixXd Y = gsa::evaluate_points(model, factors, U, eo);
  std::vector<std::string> outcomes;
  for (const auto& o : sc.outcomes) outcomes.push_back(o.id);
  const std::string dir = temp_path("sweepdir");
  REQUIRE(std::system(("mkdir -p '" + dir + "'").c_str()) == 0);
  write_csv(dir + "/results.csv", params, outcomes, X, Y * 200.0, 200, 0);

  auto r = cli_run("discover '" + dir + "' --outcome defection_collapse --threshold 0.3 --format json");
  INFO(r.err);
  REQUIRE(r.code == 0);
  JsonDoc j = JsonDoc::parse(r.out);
  const int col = sc.find_outcome("defection_collapse");
  int cases = 0;
  for (int i = 0; i < 121; ++i) cases += Y(i, col) > 0.3;
  CHECK(j["cases"] == cases);
  REQUIRE(cases > 0);
  // Coverage, density and size of the chosen box, recomputed from the table.
  const JsonDoc& chosen = j["chosen"];
  int inside = 0, hits = 0;
  for (int i = 0; i < 121; ++i)
    if (in_box(chosen["restrictions"], params, X.row(i))) ++inside, hits += Y(i, col) > 0.3;
  CHECK(chosen["points"] == inside);
  CHECK(chosen["density"].get<double>() == Approx(static_cast<double>(hits) / inside));
  CHECK(chosen["coverage"].get<double>() == Approx(static_cast<double>(hits) / cases));
  CHECK(j["trajectory"][0]["coverage"] == 1.0);
  // Peeling only ever raises the density above the share of cases among all points.
  CHECK(chosen["density"].get<double>() > static_cast<double>(cases) / 121);
  std::remove((dir + "/results.csv").c_str());
  std::remove(dir.c_str());
}

TEST_CASE("discover rejects bad arguments with exit code 2 and bad tables with exit code 3", "[gsa][cli]") {
  const std::string csv = temp_path("small.csv"), bad = temp_path("bad.csv");
  {
    std::ofstream out(csv);
    out << "point,status,a,runs,p_win,lo_win,hi_win\n0,ok,0.5,10,0.3,0.1,0.6\n1,ok,0.7,10,0.8,0.5,0.9\n";
    std::ofstream out2(bad);
    out2 << "point,status,a,runs,p_win,lo_win,hi_win\n0,ok,0.5,10,0.3,0.1,0.6\n1,ok,0.7,10,1.5,0.1,0.6\n";
  }
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const Case cases[] = {
      {"", 2, "discover: which results?"},
      {"'" + csv + "' --threshold 0.5", 2, "--outcome is required"},
      {"'" + csv + "' --outcome win", 2, "--threshold is required"},
      {"'" + csv + "' --outcome win --threshold 1.5", 2, "--threshold must be a probability in [0, 1)"},
      {"'" + csv + "' --outcome win --threshold 0.5 --alpha 0.7", 2, "--alpha must lie strictly between 0 and 0.5"},
      {"'" + csv + "' --outcome win --threshold 0.5 --min-mass 2", 2, "--min-mass must lie in [0, 1]"},
      {"'" + csv + "' --outcome win --threshold 0.5 --format xml", 2, "--format must be table or json"},
      {"'" + csv + "' --outcome win --threshold 0.5 --box 99", 2, "--box 99 does not exist"},
      {"'" + csv + "' --outcome wim --threshold 0.5", 2, "is not in " + csv + "; did you mean 'win'?"},
      {"'" + bad + "' --outcome win --threshold 0.5", 3, bad + ":3:13: p_win = '1.5' is not a probability"},
      {"/nonexistent/results.csv --outcome win --threshold 0.5", 3, "/nonexistent/results.csv: cannot read"},
      {"scenarios/teaching.yaml --outcome win --threshold 0.5", 3, "this is not a sweep's results table"},
  };
  for (const auto& c : cases) {
    auto r = cli_run("discover " + c.args);
    INFO("geosim discover " << c.args << "\nstderr: " << r.err);
    CHECK(r.code == c.code);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  std::remove(csv.c_str());
  std::remove(bad.c_str());
}
