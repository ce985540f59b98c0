// `geosim calibrate` and `geosim run --posterior/--from` from the command line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../cli.h"
#include "coin_scenario.h"

using namespace geosim::test;

namespace {

// "N of M runs agree" of `run --from`: N.
long agreeing_runs(const CliResult& r) {
  REQUIRE(r.code == 0);
  const size_t at = r.out.find(" runs agree");
  REQUIRE(at != std::string::npos);
  std::string count = r.out.substr(r.out.rfind(": ", at) + 2, at);
  count = count.substr(0, count.find(" of "));
  count.erase(std::remove(count.begin(), count.end(), ','), count.end());
  return std::stol(count);
}

std::string write_scenario() {
  std::string path = temp_path("coin.yaml");
  std::ofstream(path) << kScenario;
  return path;
}

}  // namespace

TEST_CASE("calibrate writes a posterior that run --posterior --from reads", "[calibrate][cli]") {
  namespace fs = std::filesystem;
  std::string sc = write_scenario();
  std::string one = temp_path("cal1"), two = temp_path("cal2");
  fs::remove_all(one);
  fs::remove_all(two);
  CliResult r = cli_run("calibrate " + sc + " --output " + one + " --particles 200 --threads 1 --quiet");
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string post = read_text(one + "/posterior.csv");
  CHECK(post.rfind("weight,events.flip.hazard.per_step\n", 0) == 0);
  CHECK(std::count(post.begin(), post.end(), '\n') == 201);
  auto j = nlohmann::json::parse(read_text(one + "/summary.json"));
  REQUIRE(j["generations"].size() >= 1);
  CHECK(j["generations"].back()["tolerance"].get<double>() <= 1.0);
  // Two firings in seven weeks: the posterior mean of p moves from the prior's 0.31 toward 2/7.
  auto& p = j["parameters"][0];
  CHECK(p["posterior"]["sd"].get<double>() < p["prior"]["sd"].get<double>());
  CHECK(j["observations"][1]["posterior_agreement"].get<double>() == 1.0);
  // The same bytes with two threads.
  REQUIRE(cli_run("calibrate " + sc + " --output " + two + " --particles 200 --threads 2 --quiet").code == 0);
  CHECK(read_text(two + "/posterior.csv") == post);
  CHECK(read_text(two + "/summary.json") == read_text(one + "/summary.json"));
  // The same folder again: refused without --resume; with it, nothing changes.
  CliResult again = cli_run("calibrate " + sc + " --output " + one + " --particles 200 --quiet");
  CHECK(again.code == 3);
  CHECK(again.err.find("pass --resume") != std::string::npos);
  CHECK(cli_run("calibrate " + sc + " --output " + one + " --particles 200 --quiet --resume").code == 0);
  CHECK(read_text(one + "/posterior.csv") == post);
  // Another setting in the same folder is refused.
  CliResult other = cli_run("calibrate " + sc + " --output " + one + " --particles 300 --quiet --resume");
  CHECK(other.code == 3);
  CHECK(other.err.find("a calibration with other settings: --particles 200 (this command: 300)") != std::string::npos);
  // The same settings on a scenario changed since: the scenario is named as what differs.
  std::string changed = kScenario;
  changed.replace(changed.find("max: 0.6"), 8, "max: 0.7");
  const std::string sc2 = temp_path("coin_changed.yaml");
  std::ofstream(sc2) << changed;
  CliResult other_sc = cli_run("calibrate " + sc2 + " --output " + one + " --particles 200 --quiet --resume");
  CHECK(other_sc.code == 3);
  CHECK(other_sc.err.find("a calibration of another scenario, or of ") != std::string::npos);
  fs::remove(sc2);

  // Forecasts: from the posterior, and conditioned on the observations up to a date.
  CliResult f = cli_run("run " + sc + " --posterior " + one + " --from 2020-02-17 --runs 4000 --quiet --format json");
  INFO(f.err);
  REQUIRE(f.code == 0);
  auto fj = nlohmann::json::parse(f.out);
  uint64_t agreeing = fj["conditioned"]["runs_agreeing"].get<uint64_t>();
  CHECK(agreeing > 0);
  CHECK(fj["runs"].get<uint64_t>() == agreeing);
  // The posterior holds both observations: they condition each run's path (tried again, its
  // parameters kept), so every run counts but those whose particle found no agreeing path.
  CHECK(fj["conditioned"]["path_observations"] == nlohmann::json::array({"standing", "two"}));
  CHECK(fj["conditioned"]["rejection_observations"].empty());
  CHECK(agreeing + fj["conditioned"]["runs_without_agreeing_path"].get<uint64_t>() == 4000);
  CHECK(fj["conditioned"]["runs_retried"].get<uint64_t>() > 0);
  CliResult f2 = cli_run("run " + sc + " --posterior " + one + " --from 2020-02-17 --runs 4000 --quiet --format json --threads 1");
  CHECK(f2.out == f.out);
  // Every counted run agrees with "no fall by the end of week 7".
  CliResult table = cli_run("run " + sc + " --posterior " + one + " --from 2020-02-17 --runs 4000 --quiet");
  CHECK(table.out.find("runs agree and are counted") != std::string::npos);
  // A prior changed since the calibration (here by --set) is refused: the posterior's draws
  // hold only under the prior they were weighed against. The same prior written again loads.
  CliResult narrowed =
      cli_run("run " + sc + " --posterior " + one +
              " --set 'events.flip.hazard.per_step={dist: uniform, min: 0.5, max: 0.6}' --runs 100 --quiet");
  CHECK(narrowed.code == 3);
  CHECK(narrowed.err.find("was calibrated under the prior uniform(0.02, 0.6)") != std::string::npos);
  CHECK(narrowed.err.find("here its prior is uniform(0.5, 0.6)") != std::string::npos);
  CHECK(cli_run("run " + sc + " --posterior " + one +
                " --set 'events.flip.hazard.per_step={dist: uniform, min: 0.02, max: 0.6}' --runs 100 --quiet")
            .code == 0);
  fs::remove_all(one);
  fs::remove_all(two);
  fs::remove(sc);
}

TEST_CASE("compare and run --lever-effects draw both arms from a posterior, the same particle per run",
          "[calibrate][cli][posterior]") {
  namespace fs = std::filesystem;
  std::string sc = write_scenario();
  // The variant falls after 6 firings instead of 8: whenever the base falls, so does it.
  std::string text = kScenario;
  text.replace(text.find("fired.flip >= 8"), 15, "fired.flip >= 6");
  std::string variant = temp_path("coin6.yaml");
  std::ofstream(variant) << text;
  std::string dir = temp_path("calp");
  fs::remove_all(dir);
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + " --particles 200 --quiet").code == 0);
  CliResult run = cli_run("run " + sc + " --posterior " + dir + " --runs 3000 --quiet --format json");
  REQUIRE(run.code == 0);
  CliResult cmp = cli_run("compare " + sc + " " + variant + " --posterior " + dir + " --runs 3000 --quiet --format json");
  INFO(cmp.err);
  REQUIRE(cmp.code == 0);
  auto rj = nlohmann::json::parse(run.out), cj = nlohmann::json::parse(cmp.out);
  CHECK(cj["parameters_from"].get<std::string>().find("posterior.csv") != std::string::npos);
  // The base arm is run for run the forecast `run --posterior` makes.
  for (const auto& o : cj["comparisons"][0]["outcomes"])
    for (const auto& ro : rj["outcomes"])
      if (ro["id"] == o["id"]) CHECK(o["base"]["count"] == ro["count"]);
  // Both arms take the same particle: no run falls in the base and not in the variant.
  const auto& fall = cj["comparisons"][0]["outcomes"][0];
  REQUIRE(fall["id"] == "fall");
  CHECK(fall["discordant"]["base_only"].get<uint64_t>() == 0);
  CHECK(fall["discordant"]["variant_only"].get<uint64_t>() > 0);
  // From the prior the numbers differ (the posterior moved p).
  CliResult prior = cli_run("compare " + sc + " " + variant + " --runs 3000 --quiet --format json");
  CHECK(nlohmann::json::parse(prior.out)["comparisons"] != cj["comparisons"]);
  // A variant that sets a calibrated parameter itself keeps its value: its arm is its own
  // forecast from its own value (here the only calibrated parameter), not the posterior's.
  text = kScenario;
  text.replace(text.find("{dist: uniform, min: 0.02, max: 0.6}"), 36, "0.05");
  std::string fixed = temp_path("coinfixed.yaml");
  std::ofstream(fixed) << text;
  CliResult own = cli_run("compare " + sc + " " + fixed + " --posterior " + dir + " --runs 3000 --format json");
  INFO(own.err);
  REQUIRE(own.code == 0);
  CHECK(own.err.find("B keeps its own value or prior for what it changes, not the posterior's: "
                     "events.flip.hazard.per_step") != std::string::npos);
  auto fj = nlohmann::json::parse(own.out);
  auto fr = nlohmann::json::parse(cli_run("run " + fixed + " --runs 3000 --quiet --format json").out);
  for (const auto& o : fj["comparisons"][0]["outcomes"])
    for (const auto& ro : fr["outcomes"])
      if (ro["id"] == o["id"]) CHECK(o["variant"]["count"] == ro["count"]);
  for (const auto& o : fj["comparisons"][0]["outcomes"])
    for (const auto& ro : rj["outcomes"])
      if (ro["id"] == o["id"]) CHECK(o["base"]["count"] == ro["count"]);
  fs::remove(fixed);
  // Lever effects from the posterior (a scenario with one lever more, whose parameters are
  // fixed, reads the same posterior): the "as written" arm is the forecast again.
  text = kScenario;
  text.replace(text.find("events:"), 7, "levers:\n  - {id: talks, kind: mediation, by: gov, target: gov}\nevents:");
  std::string with_lever = temp_path("coinlever.yaml");
  std::ofstream(with_lever) << text;
  CliResult le = cli_run("run " + with_lever + " --lever-effects --posterior " + dir + " --runs 3000 --quiet --format json");
  INFO(le.err);
  REQUIRE(le.code == 0);
  auto lj = nlohmann::json::parse(le.out);
  CHECK(lj["parameters_from"].get<std::string>().find("posterior.csv") != std::string::npos);
  REQUIRE(lj["comparisons"].size() == 1);
  for (const auto& o : lj["comparisons"][0]["outcomes"])
    for (const auto& ro : rj["outcomes"])
      if (ro["id"] == o["id"]) CHECK(o["variant"]["count"] == ro["count"]);
  fs::remove(with_lever);
  fs::remove_all(dir);
  fs::remove(sc);
  fs::remove(variant);
}

TEST_CASE("a sweep spec's posterior: the points' runs draw from it", "[calibrate][cli][posterior][sweep]") {
  namespace fs = std::filesystem;
  std::string sc = write_scenario();
  std::string dir = temp_path("cals"), out = temp_path("sweepp"), out_prior = temp_path("sweepq");
  for (const auto& d : {dir, out, out_prior}) fs::remove_all(d);
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + " --particles 200 --quiet").code == 0);
  // One point that changes nothing (the incumbent's stance as written): its counts are the
  // forecast of `run --posterior` with the same seed and runs.
  const std::string body = "sweep: 1\nid: p\nscenario: " + sc +
                           "\nparameters:\n  - {path: actors.gov.stance, values: [1]}\nruns: 2000\nseed: 4\n";
  const std::string spec = temp_path("spec_post.yaml"), spec_prior = temp_path("spec_prior.yaml");
  std::ofstream(spec) << body << "posterior: " << dir << "\n";
  std::ofstream(spec_prior) << body;
  CliResult s = cli_run("sweep " + spec + " --output " + out + " --quiet");
  INFO(s.err);
  REQUIRE(s.code == 0);
  CliResult f = cli_run("run " + sc + " --posterior " + dir + " --runs 2000 --seed 4 --quiet --format csv");
  REQUIRE(f.code == 0);
  auto j = nlohmann::json::parse(cli_run("run " + sc + " --posterior " + dir + " --runs 2000 --seed 4 --quiet --format json").out);
  const std::string csv = read_text(out + "/results.csv");
  for (const auto& o : j["outcomes"]) {
    INFO(csv);
    char p[32];
    std::snprintf(p, sizeof p, ",%.6f,", static_cast<double>(o["count"].get<uint64_t>()) / 2000.0);
    CHECK(csv.find(p) != std::string::npos);
  }
  // Without the posterior the same point gives other numbers; and the posterior spec is not
  // the prior one (another hash: its folder refuses it).
  REQUIRE(cli_run("sweep " + spec_prior + " --output " + out_prior + " --quiet").code == 0);
  CHECK(read_text(out_prior + "/results.csv") != csv);
  CliResult mixed = cli_run("sweep " + spec + " --output " + out_prior + " --quiet --resume");
  CHECK(mixed.code == 3);
  for (const auto& d : {dir, out, out_prior}) fs::remove_all(d);
  fs::remove(spec);
  fs::remove(spec_prior);
  fs::remove(sc);
}

TEST_CASE("geosim report on a calibration's folder: prior against posterior, generations, predictive check",
          "[calibrate][cli][report]") {
  namespace fs = std::filesystem;
  std::string sc = write_scenario();
  std::string dir = temp_path("calr"), html = temp_path("calr.html");
  fs::remove_all(dir);
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + " --particles 200 --quiet").code == 0);
  auto j = nlohmann::json::parse(read_text(dir + "/summary.json"));
  // The command that reproduces it, without what only chooses where output goes.
  CHECK(j["command"] == "geosim calibrate " + sc + " --particles 200 --output DIR");
  CliResult r = cli_run("report " + dir + " -o " + html);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string page = read_text(html);
  for (const char* chart : {"calibration-parameters", "calibration-generations", "calibration-check"})
    CHECK(page.find(std::string("data-chart=\"") + chart + "\"") != std::string::npos);
  CHECK(page.find("Calibration of cli-coin: what the observations rule out") != std::string::npos);
  CHECK(page.find("<code>events.flip.hazard.per_step</code>") != std::string::npos);
  CHECK(page.find("<code>two</code>") != std::string::npos);
  CHECK(page.find("geosim calibrate " + sc + " --particles 200") != std::string::npos);
  // The posterior agrees with "two firings by week 6" in every kept run, the prior far less.
  CHECK(page.find(">100.0%</td></tr>") != std::string::npos);
  // summary.json named directly gives the same page.
  std::string html2 = temp_path("calr2.html");
  REQUIRE(cli_run("report " + dir + "/summary.json -o " + html2).code == 0);
  CHECK(read_text(html2).size() > 1000);
  fs::remove_all(dir);
  fs::remove(html);
  fs::remove(html2);
  fs::remove(sc);
}

TEST_CASE("an observation reads the state at the end of the step holding its date", "[calibrate][cli]") {
  // The teaching scenario's weeks start on 2020-01-06: the week of 2020-05-11..05-17 is its
  // 20th step. Conditioning on a collapse by a date counts exactly the runs whose collapse
  // the plain run counts by the end of the week holding that date, for its first and last
  // day alike; the last day of the week before counts those of that week.
  const std::string file = temp_path("obs.yaml");
  auto conditioned = [&](const std::string& date) {
    std::ofstream(file) << "extends: " << source_path("scenarios/teaching.yaml")
                        << "\nid: teaching_obs\nobservations:\n  - {id: collapsed, date: " << date
                        << ", outcome: defection_collapse, assumption: \"a test\"}\n";
    return agreeing_runs(cli_run("run '" + file + "' --runs 4000 --seed 3 -q --from " + date));
  };
  auto plain = cli_run("run scenarios/teaching.yaml --runs 4000 --seed 3 -q --format json");
  REQUIRE(plain.code == 0);
  const auto j = nlohmann::json::parse(plain.out);
  const auto& dates = j["dates"];
  auto collapsed_by = [&](const std::string& day) {
    for (size_t s = 0; s < dates.size(); ++s)
      if (dates[s] == day) return std::lround(j["outcomes"][0]["cumulative"][s].get<double>() * 4000);
    FAIL("no step ends on " << day);
    return -1L;
  };
  REQUIRE(j["outcomes"][0]["id"] == "defection_collapse");
  const long week20 = collapsed_by("2020-05-17"), week19 = collapsed_by("2020-05-10");
  REQUIRE(week20 > week19);  // some runs collapse in that week: the test can tell the weeks apart
  CHECK(conditioned("2020-05-11") == week20);
  CHECK(conditioned("2020-05-17") == week20);
  CHECK(conditioned("2020-05-10") == week19);
  std::remove(file.c_str());
}

TEST_CASE("with a leader, an outcome observation reads the leader's outcome, not the regime's",
          "[calibrate][cli][leader]") {
  // teaching-leader.yaml: the run goes on under a successor when the president goes. "No
  // outcome yet" (the status quo) on a date agrees with the runs where he still rules at
  // the end of that week: the leader's survival, which differs from the regime's by then.
  const std::string file = temp_path("obs-leader.yaml");
  std::ofstream(file) << "geosim: 2\nextends: " << source_path("scenarios/teaching-leader.yaml")
                      << "\nid: teaching_leader_obs\nobservations:\n  - {id: ruling, date: 2020-11-05, "
                         "outcome: status_quo, assumption: \"a test\"}\n";
  const long agree = agreeing_runs(cli_run("run '" + file + "' --runs 4000 --seed 3 -q --from 2020-11-05"));
  auto plain = cli_run("run scenarios/teaching-leader.yaml --runs 4000 --seed 3 -q --format json");
  REQUIRE(plain.code == 0);
  const auto j = nlohmann::json::parse(plain.out);
  const auto& dates = j["dates"];
  const auto s = static_cast<size_t>(std::find(dates.begin(), dates.end(), "2020-11-08") - dates.begin());
  REQUIRE(s < dates.size());
  const long leader = std::lround(j["survival"][s].get<double>() * 4000);
  const long regime = std::lround(j["regime_survival"][s].get<double>() * 4000);
  REQUIRE(leader != regime);  // the test can tell the two apart
  CHECK(agree == leader);
  std::remove(file.c_str());
}

TEST_CASE("a calibration's folder damaged outside geosim is refused, a posterior's weights are checked",
          "[calibrate][cli][posterior]") {
  namespace fs = std::filesystem;
  const std::string sc = write_scenario(), dir = temp_path("cal-damaged");
  fs::remove_all(dir);
  REQUIRE(cli_run("calibrate " + sc + " --output " + dir + " --particles 100 --max-generations 3 --threads 1 --quiet")
              .code == 0);
  const std::string copy = temp_path("cal-copy");
  auto fresh_copy = [&] {
    fs::remove_all(copy);
    fs::copy(dir, copy, fs::copy_options::recursive);
    fs::remove(copy + "/.geosim.lock");
  };
  auto resume = [&] {
    return cli_run("calibrate " + sc + " --output " + copy +
                   " --particles 100 --max-generations 3 --threads 1 "
                   "--quiet --resume");
  };
  // calibration.json of the wrong kind: a located input error, not an internal one.
  for (const char* text : {"[]", "null", "5", R"({"format":1,"scenario":"x","fingerprint":5})",
                           R"({"format":2,"scenario":"x","fingerprint":"f"})"}) {
    INFO(text);
    fresh_copy();
    std::ofstream(copy + "/calibration.json") << text;
    CliResult r = resume();
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Catch::Contains("calibration.json: not the calibration.json geosim writes"));
  }
  // A generation whose weights or u values geosim could not have written.
  REQUIRE(fs::exists(dir + "/generations/0001.json"));
  for (const char* what : {"zero", "negative", "huge", "u"}) {
    INFO(what);
    fresh_copy();
    const std::string g = copy + "/generations/0001.json";
    auto j = nlohmann::json::parse(read_text(g));
    for (auto& w : j["weight"]) w = std::string(what) == "zero" ? 0.0 : std::string(what) == "negative" ? -1.0 : 1e308;
    if (std::string(what) == "u") {
      j["weight"][0] = 1.0;
      j["u"][0] = 2.0;
    }
    std::ofstream(g) << j.dump();
    fs::remove(copy + "/generations/0002.json");
    CliResult r = resume();
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Catch::Contains("0001.json: cannot read this generation"));
  }
  // posterior.csv: CRLF line ends read as LF ones; weights whose sum overflows refused.
  fresh_copy();
  const std::string post = read_text(dir + "/posterior.csv");
  std::string crlf;
  for (char c : post) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  std::ofstream(copy + "/posterior.csv", std::ios::binary) << crlf;
  const std::string runs = " --runs 500 --seed 2 --threads 1 --quiet --format csv";
  CliResult lf = cli_run("run " + sc + " --posterior " + dir + runs),
            cr = cli_run("run " + sc + " --posterior " + copy + runs);
  REQUIRE(lf.code == 0);
  CHECK(cr.code == 0);
  // The same table (the reproduction lines above it name the folder read).
  auto table_of = [](const std::string& out) { return out.substr(out.find("\noutcome,")); };
  CHECK(table_of(cr.out) == table_of(lf.out));
  const std::string head = post.substr(0, post.find('\n'));
  std::ofstream(copy + "/posterior.csv") << head << "\n1e308,0.3\n1e308,0.4\n";
  CliResult big = cli_run("run " + sc + " --posterior " + copy + runs);
  CHECK(big.code == 3);
  CHECK_THAT(big.err, Catch::Contains("posterior.csv:3:1: the weights' sum passes the largest double"));
  fs::remove_all(copy);
  fs::remove_all(dir);
  fs::remove(sc);
}

TEST_CASE("a fact that no run of the prior meets is refused, and the folder can be used again", "[calibrate][cli]") {
  namespace fs = std::filesystem;
  // The flip fires at most 30 times: 40 firings by week 7 cannot happen.
  std::string text = kScenario;
  const std::string fact = "outcome: status_quo, assumption";
  REQUIRE(text.find(fact) != std::string::npos);
  std::string impossible = text;
  impossible.replace(impossible.find(fact), fact.size(), "holds: \"fired.flip >= 40\", assumption");
  const std::string bad = temp_path("coin-impossible.yaml"), good = write_scenario(), dir = temp_path("cal-impossible");
  std::ofstream(bad) << impossible;
  fs::remove_all(dir);
  const std::string options = " --output " + dir + " --particles 100 --max-generations 3 --threads 1 --quiet";
  CliResult r = cli_run("calibrate " + bad + options);
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("coin-impossible.yaml:16:5: observation 'standing' (2020-02-17) held in none "
                                    "of the 200 runs drawn from the prior"));
  CHECK_FALSE(fs::exists(dir + "/posterior.csv"));
  CHECK_FALSE(fs::exists(dir + "/generations/0000.json"));
  // A measure no run is within tolerance of still guides the runs (its distance varies): not refused.
  std::string far = text;
  far.replace(far.find("value: 2, tolerance: 0.5"), 24, "value: 2, tolerance: 0.001");
  const std::string far_file = temp_path("coin-far.yaml"), far_dir = temp_path("cal-far");
  std::ofstream(far_file) << far;
  fs::remove_all(far_dir);
  CHECK(cli_run("calibrate " + far_file + " --output " + far_dir +
                " --particles 100 --max-generations 2 --threads 1 "
                "--quiet")
            .code == 0);
  // The refused calibration saved no generation: the mended scenario may use its folder.
  CliResult ok = cli_run("calibrate " + good + options);
  CHECK(ok.code == 0);
  CHECK(fs::exists(dir + "/posterior.csv"));
}

TEST_CASE("a calibration and a sweep never share a folder", "[calibrate][cli][sweep]") {
  namespace fs = std::filesystem;
  const std::string sc = write_scenario(), cal = temp_path("cal-own"), swp = temp_path("sweep-own");
  for (const auto& d : {cal, swp}) fs::remove_all(d);
  const std::string spec = temp_path("spec_own.yaml");
  std::ofstream(spec) << "sweep: 1\nid: own\nscenario: " << sc
                      << "\nparameters:\n  - {path: actors.gov.stance, values: [1]}\nruns: 100\nseed: 4\n";
  REQUIRE(cli_run("calibrate " + sc + " --output " + cal + " --particles 50 --max-generations 1 --quiet").code == 0);
  REQUIRE(cli_run("sweep " + spec + " --output " + swp + " --quiet").code == 0);
  CliResult s = cli_run("sweep " + spec + " --output " + cal + " --quiet");
  CHECK(s.code == 3);
  CHECK_THAT(s.err, Catch::Contains("this folder holds a calibration (calibration.json), not a sweep"));
  CHECK_FALSE(fs::exists(cal + "/results.sqlite"));
  CliResult c = cli_run("calibrate " + sc + " --output " + swp + " --particles 50 --max-generations 1 --quiet");
  CHECK(c.code == 3);
  CHECK_THAT(c.err, Catch::Contains("this folder holds a sweep (results.sqlite), not a calibration"));
  CHECK_FALSE(fs::exists(swp + "/calibration.json"));
  CHECK_FALSE(fs::exists(swp + "/generations"));
  for (const auto& d : {cal, swp}) fs::remove_all(d);
  fs::remove(spec);
}
