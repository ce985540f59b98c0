// `geosim run --posterior DIR --from DATE`: the posterior is already conditioned on the
// observations it was calibrated on, so they condition each run's path (retried with its
// parameters kept), not the parameters a second time (docs/calibration.md, Forecasts from the
// posterior). Checked against a closed form.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "../cli.h"

using namespace geosim::test;

namespace {

// A weekly run of 52 weeks whose regime falls by one event with an annual probability p ~
// U(0, 1) (per week 1 - (1 - p)^(7/365.25)), and one observation: no fall by 2020-07-01, the
// first day of week 27, read at its end (27 weeks). With A = 27·7/365.25 years survived and
// B = 25·7/365.25 to go, E[(1 - p)^T] = 1/(1 + T) gives
//   P(ousted by the horizon | none by week 27) = 1 - (1 + A)/(1 + A + B) = 0.23997,
// while weighting p by P(obs | p) twice (the posterior, then rejection again) gives
//   1 - (1 + 2A)/(1 + 2A + B) = 0.19058.
const char* kToy = R"(geosim: 2
id: p1
start: 2020-01-01
step: week
horizon: 52 weeks
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: fall
    hazard: {annual: {dist: uniform, min: 0, max: 1}}
    outcome: ousted
    assumption: "x"
outcomes:
  - {id: status_quo, default: true}
  - {id: ousted}
observations:
  - {id: still_there, date: 2020-07-01, outcome: status_quo, assumption: x}
mechanisms:
  stance: {rally: 0}
  repression: {from_sanctions: 0, backfire: 0}
  defection: {threat: 0}
  exit: {prosecution_pressure: 0}
  coup: {stance: 0}
)";

constexpr double kYear = 365.25;

// P(ousted by week 52 | none by week `weeks`) when p ~ U(0, 1), weighting p by P(none by
// `weeks` | p) `times` times.
double exact(int weeks, int times) {
  const double A = weeks * 7 / kYear, B = (52 - weeks) * 7 / kYear;
  return 1 - (1 + times * A) / (1 + times * A + B);
}

double ousted(const nlohmann::json& j) {
  for (const auto& o : j["outcomes"])
    if (o["id"] == "ousted") return static_cast<double>(o["count"].get<uint64_t>()) / j["runs"].get<double>();
  FAIL("no outcome 'ousted'");
  return -1;
}

std::string write(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

nlohmann::json run_json(const std::string& args) {
  CliResult r = cli_run(args + " --quiet --format json");
  INFO(args << "\n" << r.err);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

constexpr int kParticles = 4000;
constexpr int kRuns = 20000;

// The tolerance of an estimate p̂ of p from n kept runs whose parameters come from a
// posterior of N particles: 4.5 standard errors, each source of variance at most p(1-p)/n.
double tolerance(double p, double n, double particles) {
  return 4.5 * std::sqrt(p * (1 - p) * (1 / n + (particles > 0 ? 1 / particles : 0)));
}

}  // namespace

TEST_CASE(
    "calibrated posterior: run --posterior --from conditions the path on its observations, not the parameters again",
    "[calibrate][cli][posterior][from]") {
  namespace fs = std::filesystem;
  const std::string sc = write("p1.yaml", kToy);
  const std::string dir = temp_path("calp1");
  fs::remove_all(dir);
  CliResult cal = cli_run("calibrate " + sc + " --output " + dir + " --particles " + std::to_string(kParticles) +
                          " --quiet --threads 1");
  INFO(cal.err);
  REQUIRE(cal.code == 0);

  const std::string args =
      "run " + sc + " --posterior " + dir + " --from 2020-07-01 --runs " + std::to_string(kRuns) + " --seed 7";
  auto j = run_json(args + " --threads 1");
  const auto& c = j["conditioned"];
  CHECK(c["path_observations"] == nlohmann::json::array({"still_there"}));
  CHECK(c["rejection_observations"].empty());
  CHECK(c["posterior_observations_from"] == "summary.json");
  // Every particle finds a surviving path (P(survive 27 weeks | p) = (1 - p)^A, below 1% only
  // for p > 0.9999, which the posterior all but rules out), so every run counts.
  const uint64_t kept = c["runs_agreeing"].get<uint64_t>();
  CHECK(kept + c["runs_without_agreeing_path"].get<uint64_t>() == kRuns);
  CHECK(c["runs_retried"].get<uint64_t>() > 0);
  CHECK(c["path_tries_mean"].get<double>() > 1.0);
  CHECK(c["path_tries"].get<uint64_t>() >= kRuns);

  const double p = exact(27, 1), old = exact(27, 2);
  REQUIRE(std::fabs(p - 0.23997) < 1e-4);
  REQUIRE(std::fabs(old - 0.19058) < 1e-4);
  const double tol = tolerance(p, static_cast<double>(kept), kParticles);
  const double got = ousted(j);
  INFO("P(ousted) = " << got << ", exact " << p << " +- " << tol << "; double counting gives " << old);
  CHECK(std::fabs(got - p) <= tol);
  CHECK(std::fabs(got - old) > tol);  // the old value would fail

  // The same bytes for any number of threads, in JSON and as a table.
  CHECK(cli_run(args + " --threads 3 --quiet --format json").out ==
        cli_run(args + " --threads 1 --quiet --format json").out);
  CliResult t1 = cli_run(args + " --threads 1 --quiet"), t3 = cli_run(args + " --threads 3 --quiet");
  REQUIRE(t1.code == 0);
  CHECK(t1.out == t3.out);
  CHECK(t1.out.find("Paths conditioned on the posterior's 1 observation(s) up to 2020-07-01 (still_there)") !=
        std::string::npos);
  CHECK(t1.out.find("runs agree and are counted") != std::string::npos);

  // Without --posterior, --from keeps rejection from the prior: the exact value too, and the
  // JSON's `conditioned` object as before.
  const std::string prior_args = "run " + sc + " --from 2020-07-01 --runs 40000 --seed 7";
  auto q = run_json(prior_args + " --threads 1");
  const auto& qc = q["conditioned"];
  CHECK(qc.size() == 5);  // parameters_from, runs_simulated, runs_agreeing, observations_until, observations
  CHECK(qc["parameters_from"] == "prior");
  CHECK(qc["observations"] == nlohmann::json::array({"still_there"}));
  const double qn = static_cast<double>(qc["runs_agreeing"].get<uint64_t>());
  // About 1/(1 + A) = 66% of the prior's runs survive to week 27.
  CHECK(std::fabs(qn / 40000 - 1 / (1 + 27 * 7 / kYear)) <= 4.5 * std::sqrt(0.66 * 0.34 / 40000));
  CHECK(std::fabs(ousted(q) - p) <= tolerance(p, qn, 0));
  CHECK(cli_run(prior_args + " --threads 3 --quiet --format json").out ==
        cli_run(prior_args + " --threads 1 --quiet --format json").out);
  CliResult table = cli_run(prior_args + " --threads 1 --quiet");
  CHECK(table.out.rfind("Parameters drawn from the prior.\nConditioned on 1 observation(s) up to 2020-07-01: ", 0) ==
        0);
  fs::remove_all(dir);
  fs::remove(sc);
}

TEST_CASE(
    "calibrated posterior: run --posterior --from rejects runs by an observation the posterior was not calibrated on",
    "[calibrate][cli][posterior][from]") {
  namespace fs = std::filesystem;
  const std::string sc = write("p1b.yaml", kToy);
  const std::string dir = temp_path("calp1b");
  fs::remove_all(dir);
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + " --particles 2000 --quiet --threads 1").code == 0);
  // A later observation added after the calibration: no fall by 2020-09-02, the first day of
  // week 36 (36 weeks survived). The posterior (on week 27) conditions the path; the new one
  // rejects runs, weighting p by it once: the answer is P(ousted | none by week 36).
  const std::string text = kToy;
  const std::string later = text.substr(0, text.find("mechanisms:")) +
                            "  - {id: later, date: 2020-09-02, outcome: status_quo, assumption: x}\n" +
                            text.substr(text.find("mechanisms:"));
  const std::string sc2 = write("p1c.yaml", later);
  auto j = run_json("run " + sc2 + " --posterior " + dir + " --from 2020-09-02 --runs 20000 --seed 3 --threads 2");
  const auto& c = j["conditioned"];
  CHECK(c["observations"] == nlohmann::json::array({"still_there", "later"}));
  CHECK(c["path_observations"] == nlohmann::json::array({"still_there"}));
  CHECK(c["rejection_observations"] == nlohmann::json::array({"later"}));
  const uint64_t kept = c["runs_agreeing"].get<uint64_t>();
  CHECK(c["runs_rejected"].get<uint64_t>() > 0);
  CHECK(kept + c["runs_rejected"].get<uint64_t>() + c["runs_without_agreeing_path"].get<uint64_t>() == 20000);
  const double p = exact(36, 1);
  const double got = ousted(j);
  INFO("P(ousted) = " << got << ", exact " << p);
  CHECK(std::fabs(got - p) <= tolerance(p, static_cast<double>(kept), 2000));
  // Without summary.json the posterior counts as calibrated on every observation of the
  // scenario: both condition the path.
  fs::remove(dir + "/summary.json");
  auto k = run_json("run " + sc2 + " --posterior " + dir + " --from 2020-09-02 --runs 20000 --seed 3 --threads 2");
  CHECK(k["conditioned"]["path_observations"] == nlohmann::json::array({"still_there", "later"}));
  CHECK(k["conditioned"]["posterior_observations_from"] == "all of the scenario's");
  fs::remove_all(dir);
  fs::remove(sc);
  fs::remove(sc2);
}

TEST_CASE("calibrated posterior: run --posterior --from stops after a pilot of runs when no path can agree",
          "[calibrate][cli][posterior][from]") {
  namespace fs = std::filesystem;
  const std::string sc = write("p1d.yaml", kToy);
  const std::string dir = temp_path("calp1d");
  fs::remove_all(dir);
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + " --particles 100 --quiet --threads 1").code == 0);
  // The observation the posterior holds (by its id) now says `never` by 2020-07-01, an outcome
  // whose only event acts from 2020-09-01: no path agrees, whatever the parameters.
  std::string text = kToy;
  auto swap = [&text](const std::string& from, const std::string& to) {
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
  };
  swap("  - {id: ousted}\n", "  - {id: ousted}\n  - {id: never}\n");
  swap("outcome: status_quo, assumption: x", "outcome: never, assumption: x");
  swap("outcomes:\n",
       "  - {id: late, hazard: {annual: 0.5, from: 2020-09-01}, outcome: never, assumption: x}\noutcomes:\n");
  const std::string sc2 = write("p1e.yaml", text);
  // 10^6 runs of 10,000 tries each would take hours; the pilot's 16 runs end it.
  CliResult r = cli_run("run " + sc2 + " --posterior " + dir + " --from 2020-07-01 --runs 1000000 --quiet --threads 2");
  INFO(r.err);
  CHECK(r.code == 3);
  CHECK(r.err.find("none of the first 16 of 1,000,000 runs found a path that agrees with the observations up to "
                   "2020-07-01 (still_there)") != std::string::npos);
  CHECK(r.out.empty());
  // Fewer runs than the pilot: every run is tried, and the message counts them all.
  CliResult few = cli_run("run " + sc2 + " --posterior " + dir + " --from 2020-07-01 --runs 3 --quiet --threads 2");
  CHECK(few.code == 3);
  CHECK(few.err.find("none of the 3 runs found a path") != std::string::npos);
  fs::remove_all(dir);
  fs::remove(sc);
  fs::remove(sc2);
}
