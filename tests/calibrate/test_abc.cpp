// Trust checks of the calibration: conjugate cases whose posterior is known in closed form,
// a simulation-based calibration (Talts et al. 2018), identical bytes for any number of
// threads, and a resumed calibration equal to an uninterrupted one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include "../cli.h"
#include "../engine/helpers.h"
#include "analysis/calibrate/abc.h"
#include "analysis/calibrate/observe.h"
#include "analysis/calibrate/posterior.h"
#include "analysis/calibrate/store.h"
#include "analysis/sweep/store.h"
#include "engine/core/parallel.h"

using namespace geosim;

namespace {

// One actor; a non-terminal event that fires each week with probability p, p's prior a
// beta distribution; `obs` lists observations of its count.
std::string coin(double mean, double sd, const std::string& obs, int horizon = 20) {
  return test::header(horizon) + R"(
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: flip
    hazard: {per_step: {dist: beta, mean: )" +
         shortest_double(mean) + ", sd: " + shortest_double(sd) + R"(}}
    effects: {talks: open}
outcomes:
  - {id: status_quo, default: true}
observations:
)" + obs;
}

struct Moments {
  double mean = 0, sd = 0, ess = 0;
};

Moments posterior_moments(const Calibration& cal, const Scenario& sc) {
  const Population& p = cal.population();
  ParamValues v;
  double W = 0, S = 0, S2 = 0, W2 = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    cal.values(p.u.data() + i * static_cast<size_t>(p.dims), v);
    double x = v[static_cast<size_t>(sc.uncertain_params()[0])];
    W += p.weight[i];
    W2 += p.weight[i] * p.weight[i];
    S += p.weight[i] * x;
    S2 += p.weight[i] * x * x;
  }
  Moments m;
  m.mean = S / W;
  m.sd = std::sqrt(std::max(0.0, S2 / W - m.mean * m.mean));
  m.ess = W * W / W2;
  return m;
}

Calibration calibrate(const Model& model, int particles, uint64_t seed, uint64_t block = 0) {
  AbcOptions o;
  o.particles = particles;
  o.seed = seed;
  o.block = block;
  o.min_acceptance = 0.02;
  Calibration cal(model, o);
  while (!cal.done()) REQUIRE(cal.next_generation());
  return cal;
}

}  // namespace

// Beta(a, b) prior on the weekly probability p. "No flip in the first k weeks" has
// likelihood (1 - p)^k, so the posterior is Beta(a, b + k); "c flips in k weeks", measured
// exactly (tolerance 0.5 of a count), has likelihood p^c (1 - p)^(k - c): Beta(a + c, b + k - c).
// The posterior mean and sd must match within 4 standard errors for the effective sample
// size (four checks: a false alarm has probability below 3e-4).
TEST_CASE("the posterior of a conjugate case matches the closed form", "[calibrate][abc]") {
  const double a = 2, b = 5;
  const double mean = a / (a + b), sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  struct Case {
    std::string obs;
    double a, b;
  };
  const Case cases[] = {
      {"  - {id: none_yet, date: 2020-03-15, holds: \"fired.flip == 0\", assumption: test}\n", a, b + 10},
      {"  - {id: three, date: 2020-03-15, measure: fired.flip, value: 3, tolerance: 0.5, assumption: test}\n",
       a + 3, b + 7},
  };
  for (const auto& c : cases) {
    Scenario sc = test::from_text(coin(mean, sd, c.obs));
    REQUIRE(sc.observations[0].steps == 10);
    Model model(sc);
    Calibration cal = calibrate(model, 2000, 3);
    Moments m = posterior_moments(cal, sc);
    double want_mean = c.a / (c.a + c.b);
    double want_sd = std::sqrt(c.a * c.b / ((c.a + c.b) * (c.a + c.b) * (c.a + c.b + 1)));
    INFO(c.obs << "posterior mean " << m.mean << " (closed form " << want_mean << "), sd " << m.sd << " ("
               << want_sd << "), ESS " << m.ess << ", generations " << cal.history().size() << ": "
               << cal.stop_reason());
    CHECK(cal.history().back().epsilon <= 1.0);
    CHECK(std::abs(m.mean - want_mean) <= 4 * want_sd / std::sqrt(m.ess));
    CHECK(std::abs(m.sd - want_sd) <= 4 * want_sd / std::sqrt(2 * m.ess));
  }
}

// Simulation-based calibration (Talts et al. 2018): draw a truth from the prior, simulate
// its observation, calibrate, and take the posterior probability below the truth. If the
// calibration is right, that probability is uniform over repetitions: a chi-square test
// over 10 equal bins, 200 repetitions, at the 0.1% level (critical value 27.88, 9 df).
TEST_CASE("simulation-based calibration: the truth's posterior rank is uniform", "[calibrate][sbc]") {
  const int reps = 100, bins = 10;
  std::vector<int> count(bins, 0);
  for (int rep = 0; rep < reps; ++rep) {
    // The truth, from the prior, and its simulated count after 12 weeks.
    Scenario probe_sc = test::from_text(coin(0.25, 0.12,
        "  - {id: count, date: 2020-03-29, measure: fired.flip, value: 0, tolerance: 0.5, assumption: test}\n"));
    Model probe_model(probe_sc);
    const ParamId pid = probe_sc.uncertain_params()[0];
    double truth = probe_sc.params[static_cast<size_t>(pid)].dist.quantile(
        RunRng(1000 + rep, 0).uniform(stream_id("sbc:truth"), 0));
    ParamValues fixed(probe_sc.params.size(), std::nan(""));
    fixed[static_cast<size_t>(pid)] = truth;
    Probe probe(probe_model, {0});
    double dist = 0;
    probe.run(777, static_cast<uint64_t>(rep), &fixed, &dist);
    int observed = static_cast<int>(probe.state().vars[static_cast<size_t>(probe_sc.find_var("fired.flip"))]);
    Scenario sc = test::from_text(coin(0.25, 0.12,
        "  - {id: count, date: 2020-03-29, measure: fired.flip, value: " + std::to_string(observed) +
        ", tolerance: 0.5, assumption: test}\n"));
    Model model(sc);
    AbcOptions o;
    o.particles = 150;
    o.seed = static_cast<uint64_t>(rep) + 1;
    o.min_acceptance = 0.02;
    Calibration cal(model, o);
    while (!cal.done()) REQUIRE(cal.next_generation());
    const Population& p = cal.population();
    ParamValues v;
    double below = 0, W = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      cal.values(p.u.data() + i * static_cast<size_t>(p.dims), v);
      W += p.weight[i];
      if (v[static_cast<size_t>(pid)] < truth) below += p.weight[i];
    }
    int bin = std::min(bins - 1, static_cast<int>(below / W * bins));
    ++count[static_cast<size_t>(bin)];
  }
  double expected = static_cast<double>(reps) / bins, chi2 = 0;
  for (int c : count) chi2 += (c - expected) * (c - expected) / expected;
  std::string hist;
  for (int c : count) hist += std::to_string(c) + " ";
  INFO("rank histogram " << hist << " chi-square " << chi2);
  CHECK(chi2 < 27.88);
}

TEST_CASE("a calibration is the same bytes for any number of threads", "[calibrate][determinism]") {
  Scenario sc = test::from_text(coin(0.25, 0.12,
      "  - {id: count, date: 2020-03-29, measure: fired.flip, value: 4, tolerance: 0.5, assumption: test}\n"
      "  - {id: talks, date: 2020-01-27, holds: \"talks == 1\", assumption: test}\n"));
  Model model(sc);
  set_threads(1);
  std::string one = posterior_csv(sc, calibrate(model, 300, 9));
  set_threads(2);
  std::string two = posterior_csv(sc, calibrate(model, 300, 9));
  set_threads(4);
  std::string four = posterior_csv(sc, calibrate(model, 300, 9));
  CHECK(one == two);
  CHECK(one == four);
  CHECK(one.size() > 300 * 4);
}

// A generation is simulated in blocks, keeping only the N closest candidates between them
// (memory flat in the simulations). Blocks of 1, 7 and 64 simulations, smaller than the
// population and not dividing the pool, give the same population as one block per generation.
TEST_CASE("a calibration is the same bytes whatever the block of simulations", "[calibrate][determinism]") {
  Scenario sc = test::from_text(coin(0.25, 0.12,
      "  - {id: count, date: 2020-03-29, measure: fired.flip, value: 4, tolerance: 0.5, assumption: test}\n"
      "  - {id: talks, date: 2020-01-27, holds: \"talks == 1\", assumption: test}\n"));
  Model model(sc);
  Calibration whole = calibrate(model, 150, 9, 1u << 30);
  REQUIRE(whole.history().size() >= 3);  // kept ones from before meet new ones in later blocks
  const std::string want = posterior_csv(sc, whole);
  for (uint64_t block : {1u, 7u, 64u}) {
    Calibration cal = calibrate(model, 150, 9, block);
    INFO("block " << block);
    CHECK(posterior_csv(sc, cal) == want);
    REQUIRE(cal.history().size() == whole.history().size());
    for (size_t g = 0; g < cal.history().size(); ++g) {
      CHECK(cal.history()[g].epsilon == whole.history()[g].epsilon);
      CHECK(cal.history()[g].acceptance == whole.history()[g].acceptance);
      CHECK(cal.history()[g].agree == whole.history()[g].agree);
    }
  }
}

TEST_CASE("a resumed calibration writes the same bytes as one never interrupted", "[calibrate][resume]") {
  namespace fs = std::filesystem;
  Scenario sc = test::from_text(coin(0.25, 0.12,
      "  - {id: count, date: 2020-03-29, measure: fired.flip, value: 5, tolerance: 0.5, assumption: test}\n"));
  Model model(sc);
  YNode tree = parse_yaml_text(coin(0.25, 0.12, ""), FileLoc{"t", 0, 0});
  AbcOptions o;
  o.particles = 200;
  o.seed = 4;
  o.min_acceptance = 0.02;
  const std::string fp = calibration_fingerprint(tree, o);
  const std::string whole = test::temp_path("cal_whole"), cut = test::temp_path("cal_cut");
  fs::remove_all(whole);
  fs::remove_all(cut);
  {
    CalibrationStore store(whole, fp, "t", false);
    Calibration cal(model, o);
    while (!cal.done()) {
      REQUIRE(cal.next_generation());
      store.save(cal);
    }
    store.finish(sc, cal);
    REQUIRE(cal.history().size() >= 3);
  }
  {
    CalibrationStore store(cut, fp, "t", false);
    Calibration cal(model, o);
    for (int g = 0; g < 2; ++g) {
      REQUIRE(cal.next_generation());
      store.save(cal);
    }
  }  // "killed" after two generations
  CHECK_THROWS_AS(CalibrationStore(cut, fp, "t", false), InputError);  // refuses without --resume
  AbcOptions other = o;
  other.seed = 5;
  CHECK_THROWS_AS(CalibrationStore(cut, calibration_fingerprint(tree, other), "t", true), InputError);
  {
    CalibrationStore store(cut, fp, "t", true);
    Calibration cal(model, o);
    CHECK(store.load(sc, cal) == 2);
    while (!cal.done()) {
      REQUIRE(cal.next_generation());
      store.save(cal);
    }
    store.finish(sc, cal);
  }
  for (const char* f : {"posterior.csv", "summary.json"}) {
    INFO(f);
    CHECK(test::read_text(whole + "/" + f) == test::read_text(cut + "/" + f));
  }
  fs::remove_all(whole);
  fs::remove_all(cut);
}

TEST_CASE("a calibration holds its folder: a second one into it is refused at once", "[calibrate][lock]") {
  namespace fs = std::filesystem;
  const std::string dir = test::temp_path("cal_locked");
  fs::remove_all(dir);
  {
    CalibrationStore first(dir, "fingerprint", "t", false);
    try {
      CalibrationStore second(dir, "fingerprint", "t", true);
      FAIL("a second calibration into a held folder was accepted");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("another geosim command is writing to this folder"));
    }
  }
  // Released with the store: the folder can be resumed afterwards.
  CHECK_NOTHROW(CalibrationStore(dir, "fingerprint", "t", true));
  fs::remove_all(dir);
}

// --posterior reads DIR/posterior.csv line by line: a FIFO under that name, or a file larger
// than any calibration writes (a sparse one here), is refused at once with its place.
TEST_CASE("a posterior that is not a regular file, or too large, is refused", "[calibrate][posterior][limits]") {
  namespace fs = std::filesystem;
  const Scenario sc = test::teaching();
  const fs::path dir = fs::temp_directory_path() / ("geosim-posterior-limits-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string file = (dir / "posterior.csv").string();
  REQUIRE(::mkfifo(file.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(load_posterior(sc, dir.string()), Catch::StartsWith(file + ": not a regular file"));
  fs::remove(file);
  { std::ofstream(file) << "weight\n"; }
  fs::resize_file(file, (uintmax_t{4} << 30) + 1);  // sparse: no disk is used
  CHECK_THROWS_WITH(load_posterior(sc, dir.string()), Catch::StartsWith(file + ": larger than 4 GiB"));
  fs::remove_all(dir);
}

TEST_CASE("a posterior's column of an inert parameter is read and dropped, a live one is still required",
          "[abc][posterior]") {
  namespace fs = std::filesystem;
  // Format 2: the amnesty is switched off, so its uncertain credibility can change nothing
  // and calibrate leaves it out; a posterior written with a column for it still loads.
  const Scenario sc = test::from_text(R"(geosim: 2
id: inert
start: 2020-01-06
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 0.9}
  - {id: us, kind: state, stance: -0.8}
levers:
  - {id: amnesty, kind: amnesty_offer, by: us, target: gov, enabled: false, credibility: {dist: uniform, min: 0, max: 1}}
  - {id: sanctions, kind: sanctions_sectoral, by: us, target: gov, intensity: {dist: uniform, min: 0, max: 1}}
outcomes:
  - {id: status_quo, default: true}
)");
  const fs::path dir = fs::temp_directory_path() / ("geosim-posterior-inert-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string file = (dir / "posterior.csv").string();
  std::string head = "weight,levers.amnesty.credibility,levers.sanctions.intensity";
  std::vector<std::string> ids;
  for (ParamId id : sc.independent_params()) {
    const std::string& path = sc.params[static_cast<size_t>(id)].path;
    if (path != "levers.sanctions.intensity") head += "," + path, ids.push_back(path);
  }
  std::string row = "1,0.7,0.25";
  for (size_t i = 0; i < ids.size(); ++i)
    row += "," + std::to_string(sc.params[static_cast<size_t>(sc.find_param(ids[i]))].dist.quantile(0.5));
  { std::ofstream(file) << head << "\n" << row << "\n" << row << "\n"; }
  const PosteriorSample ps = load_posterior(sc, dir.string());
  CHECK(std::find(ps.paths.begin(), ps.paths.end(), "levers.amnesty.credibility") == ps.paths.end());
  REQUIRE(ps.paths.size() == 1 + ids.size());
  CHECK(ps.paths[0] == "levers.sanctions.intensity");
  REQUIRE(ps.values.size() == 2 * ps.paths.size());
  CHECK(ps.values[0] == 0.25);
  // Without the live parameter's column it is refused, as before.
  { std::ofstream(file) << "weight,levers.amnesty.credibility\n1,0.7\n"; }
  CHECK_THROWS_WITH(load_posterior(sc, dir.string()),
                    Catch::Contains("has no column for 'levers.sanctions.intensity'"));
  fs::remove_all(dir);
}
