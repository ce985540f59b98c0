// `geosim serve`: the API is the command line (same bytes, same messages and exit classes),
// and the server is safe by default. Every test starts its own server on a free port of
// 127.0.0.1 and talks to it over loopback only; every wait is bounded.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <sstream>
#include <thread>

#include "analysis/lint/step_check.h"
#include "engine/scenario/loader.h"
#include "tests/analysis/step_check_fixture.h"
#include "tests/cli.h"
#include "tests/serve/server.h"

using namespace geosim::test;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

json error_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->get_header_value("Content-Type") == "application/json");
  json j = json::parse(r->body);
  REQUIRE(j.contains("error"));
  return j["error"];
}

httplib::Result post(httplib::Client& c, const std::string& path, const json& body) {
  return c.Post(path.c_str(), body.dump(), "application/json");
}

// A socket connected to the server over loopback (-1 if it cannot connect).
int connect_to(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return s;
  close(s);
  return -1;
}

bool send_all(int s, const std::string& data) {
  return send(s, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// A raw request over a fresh loopback socket; returns what came back within `ms` (maybe nothing).
std::string raw(int port, const std::string& request, int ms = 5000) {
  int s = connect_to(port);
  if (s < 0) return {};
  send_all(s, request);
  std::string got = read_until_closed(s, ms);
  close(s);
  return got;
}

// The status and the JSON body of a raw answer (which must be JSON, hence UTF-8).
std::pair<int, json> answer_of(const std::string& got) {
  INFO(got);
  REQUIRE(got.rfind("HTTP/1.1 ", 0) == 0);
  auto body = got.find("\r\n\r\n");
  REQUIRE(body != std::string::npos);
  return {std::stoi(got.substr(9, 3)), json::parse(got.substr(body + 4))};
}

const json kSets = {{"levers.russian_military_support.enabled", false}, {"levers.oil_sanctions.intensity", "0.5"}};
const std::string kCliSets =
    "--set levers.russian_military_support.enabled=false --set levers.oil_sanctions.intensity=0.5";

// The peak memory of a process (VmHWM), in KiB.
long peak_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The CPU time a process has used (user and system), in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after the command's name
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i >= 14) ticks += std::stod(f);  // fields 14 and 15: utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Whether the server closes `fd` (a read gives its end) within `ms`; what it sent is dropped.
bool closed_within(int fd, int ms) {
  char buf[4096];
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    if (read(fd, buf, sizeof buf) <= 0) return true;
  }
  return false;
}

// `s` quoted for the shell.
std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// After a refused request, the server still answers a plain one.
void still_serves(Server& srv) {
  auto c = srv.client();
  auto ok = c.Get("/api/scenarios");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

}  // namespace

TEST_CASE("serve: POST /api/run gives exactly the bytes of geosim run --format json", "[serve]") {
  Server srv({"scenarios", "--threads", "1"});
  auto c = srv.client();
  auto r = post(c, "/api/run", {{"file", "venezuela-2019.yaml"}, {"set", kSets}, {"runs", 3000}, {"seed", 7}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  // The command computes on every core, the server on one: the bytes are the same.
  CliResult cli = cli_run("run scenarios/venezuela-2019.yaml " + kCliSets + " --runs 3000 --seed 7 --format json -t 2");
  REQUIRE(cli.code == 0);
  CHECK(r->body == cli.out);
  json j = json::parse(r->body);
  CHECK(j["runs"] == 3000);
  CHECK(j["command"] == "geosim run scenarios/venezuela-2019.yaml " + kCliSets + " --runs 3000 --seed 7");

  // Without overrides, runs or seed: the command's defaults (10000 runs, seed 1) are the API's.
  auto d = post(c, "/api/run", {{"file", "teaching.yaml"}});
  REQUIRE(d);
  REQUIRE(d->status == 200);
  CliResult dcli = cli_run("run scenarios/teaching.yaml --runs 10000 --seed 1 --format json");
  CHECK(d->body == dcli.out);
}

TEST_CASE("serve: the scenario list and a scenario's levers and outcomes and provenance", "[serve]") {
  Server srv({"scenarios/"});
  auto c = srv.client();
  auto r = c.Get("/api/scenarios");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  json j = json::parse(r->body);
  std::vector<std::string> files;
  for (const auto& s : j["scenarios"]) {
    files.push_back(s["file"]);
    CHECK_FALSE(s.contains("error"));
  }
  CHECK(std::find(files.begin(), files.end(), "venezuela-2019.yaml") != files.end());
  CHECK(std::find(files.begin(), files.end(), "variants/2019-no-russian-aid.yaml") != files.end());
  for (const auto& f : files) CHECK(f.rfind("sweeps/", 0) != 0);  // sweep specifications are not scenarios

  auto s = c.Get("/api/scenario?file=venezuela-2019.yaml");
  REQUIRE(s);
  REQUIRE(s->status == 200);
  json sc = json::parse(s->body);
  CHECK(sc["id"] == "venezuela-2019");
  CHECK(sc["path"] == "scenarios/venezuela-2019.yaml");
  bool found = false;
  for (const auto& l : sc["levers"]) {
    if (l["id"] != "russian_military_support") continue;
    found = true;
    CHECK(l["enabled"]["path"] == "levers.russian_military_support.enabled");
    CHECK(l["intensity"]["value"] == "uniform(0.3, 0.6)");
    CHECK(l["by"]["id"] == "russia");
    CHECK(l["provenance"]["evidence"].size() == 2);
  }
  CHECK(found);
  // Format 2 acts on a lever's days as written: a Thursday inside a weekly step is shown as
  // such, not as its step's Monday.
  found = false;
  for (const auto& l : sc["levers"])
    if (l["id"] == "humanitarian_aid") {
      found = true;
      CHECK(l["from"] == "2019-02-07");
    }
  CHECK(found);
  CHECK(sc["outcomes"].size() > 2);
  CHECK(sc["mechanisms"].size() > 10);
}

TEST_CASE("serve: the paired change and the saved variant reproduce through the command line", "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  json req = {{"file", "venezuela-2019.yaml"}, {"set", kSets}, {"runs", 2000}, {"seed", 3}};
  auto cmp = post(c, "/api/compare", req);
  REQUIRE(cmp);
  REQUIRE(cmp->status == 200);
  auto var = post(c, "/api/variant", req);
  REQUIRE(var);
  REQUIRE(var->status == 200);
  json v = json::parse(var->body);
  CHECK(v["filename"] == "venezuela-2019-whatif.yaml");
  // Saved beside the scenario it extends (in a copy of the folder), it validates, runs to
  // the same outcomes, and `geosim compare` gives the same paired differences.
  fs::path dir = temp_path("variant_dir");
  fs::remove_all(dir);
  fs::copy(source_path("scenarios"), dir, fs::copy_options::recursive);
  std::ofstream(dir / "venezuela-2019-whatif.yaml") << v["yaml"].get<std::string>();
  std::string base = (dir / "venezuela-2019.yaml").string(), variant = (dir / "venezuela-2019-whatif.yaml").string();
  CHECK(cli_run("validate '" + variant + "'").code == 0);
  CliResult run = cli_run("run '" + variant + "' --runs 2000 --seed 3 --format json");
  REQUIRE(run.code == 0);
  auto api = post(c, "/api/run", req);
  REQUIRE(api);
  CHECK(json::parse(run.out)["outcomes"] == json::parse(api->body)["outcomes"]);
  CliResult cc = cli_run("compare '" + base + "' '" + variant + "' --runs 2000 --seed 3 --format json");
  REQUIRE(cc.code == 0);
  // The same JSON as `geosim compare`: the base's hash, the variant's, and what it changes.
  const json cli_cmp = json::parse(cc.out), api_cmp = json::parse(cmp->body);
  CHECK(api_cmp["scenario_hash"] == cli_cmp["scenario_hash"]);
  CHECK(api_cmp["variant_hash"].is_string());
  CHECK(api_cmp["variant_hash"].get<std::string>().size() == 16);
  CHECK(api_cmp["variant_hash"] != api_cmp["scenario_hash"]);
  CHECK(api_cmp["changes"] == cli_cmp["changes"]);
  json want = json::parse(cc.out)["comparisons"][0]["outcomes"],
       got = json::parse(cmp->body)["comparisons"][0]["outcomes"];
  REQUIRE(want.size() == got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(got[i]["difference"] == want[i]["difference"]);
    CHECK(got[i]["paired_ci95"] == want[i]["paired_ci95"]);
  }
  // Switching Russian support off changes something in the paired comparison.
  bool moved = false;
  for (const auto& o : got) moved = moved || o["difference"].get<double>() != 0;
  CHECK(moved);
  fs::remove_all(dir);
}

TEST_CASE("serve: a variant's name is one line of text, and the saved file validates", "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  // The name becomes the file's first comment line: a control character (a NUL, which
  // `geosim validate` refuses, a line break, DEL, a C1 control, a line separator) is refused.
  for (const std::string& name : std::vector<std::string>{std::string("a\0b", 3), "two\nlines", "tab\there", "del\x7f",
                                                          "c1\xc2\x85", "sep\xe2\x80\xa8"}) {
    INFO(name);
    auto r = post(c, "/api/variant", {{"file", "teaching.yaml"}, {"name", name}});
    json e = error_of(r);
    CHECK(r->status == 400);
    CHECK(e["class"] == "usage");
    CHECK(e["message"].get<std::string>().find("\"name\" must be one line of text") != std::string::npos);
  }
  // Any other text is kept, and the file validates beside the scenario it extends.
  const std::string name = "\xc3\x96lembargo \xe2\x80\x93 halbe Kraft";
  auto r = post(c, "/api/variant",
                {{"file", "teaching.yaml"}, {"name", name}, {"set", {{"levers.sanctions.intensity", 0.4}}}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::string yaml = json::parse(r->body)["yaml"];
  CHECK(yaml.rfind("# What if: " + name + "\n", 0) == 0);
  fs::path dir = temp_path("variant_name");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "teaching.yaml");
  std::ofstream(dir / "teaching-whatif.yaml") << yaml;
  CliResult v = cli_run("validate '" + (dir / "teaching-whatif.yaml").string() + "'");
  INFO(v.err);
  CHECK(v.code == 0);
  fs::remove_all(dir);
}

TEST_CASE("serve: one run told as a story is the command's --replay", "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  auto r = post(c, "/api/replay", {{"file", "venezuela-2019.yaml"}, {"set", kSets}, {"seed", 7}, {"run", 4}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  json j = json::parse(r->body);
  CliResult cli = cli_run("run scenarios/venezuela-2019.yaml " + kCliSets + " --seed 7 --replay 4");
  REQUIRE(cli.code == 0);
  CHECK(j["text"] == cli.out);
  CHECK(j["command"] == "geosim run scenarios/venezuela-2019.yaml " + kCliSets + " --seed 7 --replay 4");
}

TEST_CASE("serve: the step check is the command's, for the page's settings", "[serve][step-check]") {
  // An outcome that reads steps where it means days (`t >= 20`: 20 weeks or 20 days), which
  // the check names, beside the served teaching files.
  fs::path dir = temp_path("served-steps");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "teaching.yaml");
  fs::copy_file(source_path("scenarios/teaching-react.yaml"), dir / "teaching-react.yaml");
  std::ofstream(dir / "steps.yaml") << step_check_scenario("t >= 20");
  Server srv({dir.string(), "--threads", "1"});
  auto c = srv.client();
  const std::string file = (dir / "steps.yaml").string();
  auto r = post(c, "/api/step-check",
                {{"file", "steps.yaml"}, {"set", {{"events.fall.hazard.annual", 0.6}}}, {"runs", 3000}, {"seed", 5}});
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  json j = json::parse(r->body);
  CHECK(j["applies"] == true);
  const std::string args = " --set events.fall.hazard.annual=0.6 --step-check --step-runs 3000 --seed 5";
  CHECK(j["command"] == "geosim validate " + file + args);
  CHECK(j["runs"] == 3000);
  CHECK(j["seed"] == 5);
  REQUIRE(j["outcomes"].size() == 3);
  CHECK(j["outcomes"][0]["differs"] == true);  // about 26% against 5% at 0.6 a year
  CHECK(j["outcomes"][2]["differs"] == false);

  // The same computation in this process: the same counts and p-values.
  geosim::LoadOptions lo;
  lo.sets = {"events.fall.hazard.annual=0.6"};
  const geosim::Scenario own = geosim::load_scenario(file, lo);
  geosim::add_daily_steps(lo, own, "test");
  const geosim::Scenario daily = geosim::load_scenario(file, lo);
  geosim::PairOptions po;
  po.runs = 3000;
  po.seed = 5;
  const geosim::Model mo(own), md(daily);
  const json want = json::parse(geosim::step_check_json(geosim::step_check(mo, md, po)).dump());
  CHECK(j["outcomes"] == want["outcomes"]);
  CHECK(j["test"] == want["test"]);

  // The command it shows prints, on standard error, the warnings of the answer.
  CliResult cli = cli_run("validate " + shell_quoted(file) + args + " -t 2");
  CHECK(cli.code == 0);
  std::string lines;
  for (const auto& w : j["warnings"]) lines += w.get<std::string>() + "\n";
  CHECK(j["warnings"].size() == 2);
  CHECK(cli.err == lines);

  // A format 1 file: why the check does not apply, not an error.
  auto f1 = post(c, "/api/step-check", {{"file", "teaching.yaml"}, {"runs", 100}});
  REQUIRE(f1);
  REQUIRE(f1->status == 200);
  json k = json::parse(f1->body);
  CHECK(k["applies"] == false);
  CHECK(k["why"].get<std::string>().rfind("the step check needs format 2", 0) == 0);
  // A format 2 file over a format 1 base, as the command checks it.
  auto react = post(c, "/api/step-check", {{"file", "teaching-react.yaml"}, {"runs", 500}});
  REQUIRE(react);
  CHECK(react->status == 200);
  CHECK(json::parse(react->body)["applies"] == true);
  // Bad requests: the messages of the other computations.
  auto bad = post(c, "/api/step-check", {{"file", "steps.yaml"}, {"run", 3}});
  CHECK(bad->status == 400);
  CHECK(error_of(bad)["message"].get<std::string>().find("unknown key 'run'") != std::string::npos);
  auto wrong = post(c, "/api/step-check", {{"file", "steps.yaml"}, {"set", {{"events.fall.hazard.annual", -1}}}});
  CHECK(wrong->status == 422);
  still_serves(srv);
  fs::remove_all(dir);
}

TEST_CASE("serve: bad requests get the command's messages and exit classes", "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  // A wrong override: the located message `geosim run --set` prints, exit class 3.
  for (const auto& [path, value] :
       std::vector<std::pair<std::string, std::string>>{{"levers.no_such_lever.intensity", "0.5"},
                                                        {"levers.oil_sanctions.intensity", "1.5"},
                                                        {"levers.oil_sanctions.from", "2019-02-30"}}) {
    auto r = post(c, "/api/run", {{"file", "venezuela-2019.yaml"}, {"set", {{path, value}}}, {"runs", 100}});
    json e = error_of(r);
    CHECK(r->status == 422);
    CHECK(e["class"] == "input");
    CHECK(e["exit"] == 3);
    CliResult cli = cli_run("run scenarios/venezuela-2019.yaml --set " + path + "=" + value + " --runs 100");
    CHECK(cli.code == 3);
    CHECK(e["message"] == trim(cli.err));
  }
  // A file that is not there: the loader's message, as for the command.
  {
    auto r = post(c, "/api/run", {{"file", "no-such-file.yaml"}});
    json e = error_of(r);
    CHECK(e["exit"] == 3);
    CHECK(e["message"] == trim(cli_run("run scenarios/no-such-file.yaml").err));
  }
  // Runs out of range: the command's usage error (exit class 2), and the server's cap.
  {
    auto r = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 0}});
    json e = error_of(r);
    CHECK(r->status == 400);
    CHECK(e["exit"] == 2);
    CliResult cli = cli_run("run scenarios/teaching.yaml --runs 0");
    CHECK(cli.code == 2);
    CHECK(e["message"] == trim(cli.err));
    auto big = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 200001}});
    json eb = error_of(big);
    CHECK(big->status == 400);
    CHECK(eb["message"].get<std::string>().find("at most 200000 runs per request") != std::string::npos);
  }
  // Malformed bodies: each a 400 with a message naming the problem.
  std::vector<std::pair<std::string, std::string>> bodies = {
      {"{\"file\": ", "not valid JSON"},
      {"[1, 2]", "must be a JSON object"},
      {"{\"runs\": 10}", "names no scenario file"},
      {"{\"file\": 3}", "names no scenario file"},
      {"{\"file\": \"teaching.yaml\", \"runs\": -5}", "\"runs\" must be a whole number"},
      {"{\"file\": \"teaching.yaml\", \"runs\": \"many\"}", "\"runs\" must be a whole number"},
      {"{\"file\": \"teaching.yaml\", \"seed\": 1.5}", "\"seed\" must be a whole number"},
      {"{\"file\": \"teaching.yaml\", \"set\": [\"a=b\"]}", "\"set\" must be an object"},
      {"{\"file\": \"teaching.yaml\", \"set\": {\"levers.sanctions.intensity\": null}}", "must be a number"},
      {"{\"file\": \"teaching.yaml\", \"rusn\": 10}", "unknown key 'rusn'"},
      {"", "not valid JSON"}};
  for (const auto& [body, want] : bodies) {
    INFO(body);
    auto r = c.Post("/api/run", body, "application/json");
    json e = error_of(r);
    CHECK(r->status == 400);
    CHECK(e["exit"] == 2);
    CHECK(e["message"].get<std::string>().find(want) != std::string::npos);
  }
  // Unknown places and methods are JSON errors too.
  auto nowhere = c.Get("/api/nothing");
  CHECK(error_of(nowhere)["class"] == "not_found");
  CHECK(nowhere->status == 404);
  auto wrong_method = c.Get("/api/run");
  CHECK(wrong_method->status == 405);
  CHECK(wrong_method->get_header_value("Allow") == "POST");
  CHECK(error_of(wrong_method)["message"] == "serve: /api/run takes POST with a JSON body, not GET");
  // The server is still there.
  auto ok = c.Get("/api/scenarios");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("serve: only scenario files under the served folder even through symbolic links", "[serve][security]") {
  fs::path dir = temp_path("served");
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "teaching.yaml");
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "sub" / "inner.yaml");
  fs::create_symlink(source_path("scenarios/venezuela-2019.yaml"), dir / "escape.yaml");
  fs::create_directory_symlink(source_path("scenarios"), dir / "linked");
  fs::create_symlink(dir / "teaching.yaml", dir / "sub" / "alias.yaml");  // a link that stays inside
  Server srv({dir.string()});
  auto c = srv.client();
  json list = json::parse(c.Get("/api/scenarios")->body);
  std::vector<std::string> files;
  for (const auto& s : list["scenarios"]) files.push_back(s["file"]);
  CHECK(files == std::vector<std::string>{"sub/alias.yaml", "sub/inner.yaml", "teaching.yaml"});

  auto status_of = [&](const std::string& file) {
    auto r = c.Get(("/api/scenario?file=" + httplib::detail::encode_query_param(file)).c_str());
    REQUIRE(r);
    if (r->status != 200) error_of(r);
    return r->status;
  };
  CHECK(status_of("teaching.yaml") == 200);
  CHECK(status_of("sub/inner.yaml") == 200);
  CHECK(status_of("sub/alias.yaml") == 200);
  CHECK(status_of("escape.yaml") == 403);
  CHECK(status_of("linked/venezuela-2019.yaml") == 403);
  CHECK(status_of("../teaching.yaml") == 403);
  CHECK(status_of("sub/../../teaching.yaml") == 403);
  CHECK(status_of(source_path("scenarios/teaching.yaml")) == 403);
  CHECK(status_of("/etc/passwd") == 403);
  CHECK(status_of("CMakeLists.txt") == 404);
  CHECK(status_of("") == 400);
  auto r = post(c, "/api/run", {{"file", "escape.yaml"}, {"runs", 10}});
  CHECK(r->status == 403);
  CHECK(error_of(r)["class"] == "forbidden");
  fs::remove_all(dir);
}

TEST_CASE("serve: one scenario file serves that file alone", "[serve][security]") {
  Server srv({"scenarios/teaching.yaml"});
  auto c = srv.client();
  json list = json::parse(c.Get("/api/scenarios")->body);
  REQUIRE(list["scenarios"].size() == 1);
  CHECK(list["scenarios"][0]["file"] == "teaching.yaml");
  CHECK(c.Get("/api/scenario?file=teaching.yaml")->status == 200);
  CHECK(c.Get("/api/scenario?file=venezuela-2019.yaml")->status == 404);
}

TEST_CASE("serve: a file whose name is not UTF-8 is listed with its reason, the others as ever", "[serve]") {
  fs::path dir = temp_path("served_names");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "teaching.yaml");
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "caf\xe9.yaml");  // Latin-1, not UTF-8
  Server srv({dir.string()});
  auto c = srv.client();
  auto r = c.Get("/api/scenarios");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  json list = json::parse(r->body)["scenarios"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["file"] == "caf\xef\xbf\xbd.yaml");  // the byte shown as U+FFFD
  CHECK(list[0]["error"].get<std::string>().find("is not valid UTF-8") != std::string::npos);
  CHECK(list[1]["file"] == "teaching.yaml");
  CHECK(list[1]["id"] == "teaching");
  CHECK_FALSE(list[1].contains("error"));
  fs::remove_all(dir);
}

TEST_CASE("serve: Host and Origin must be this server's local address (DNS rebinding)", "[serve][security]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  std::string port = std::to_string(srv.port());
  auto with = [&](httplib::Headers h) {
    auto r = c.Get("/api/scenarios", h);
    REQUIRE(r);
    return r;
  };
  CHECK(with({})->status == 200);
  CHECK(with({{"Host", "localhost:" + port}})->status == 200);
  CHECK(with({{"Origin", "http://127.0.0.1:" + port}})->status == 200);
  CHECK(with({{"Origin", "http://localhost:" + port}})->status == 200);
  for (const std::string& host : std::vector<std::string>{
           "attacker.example:" + port, "attacker.example", "127.0.0.1:" + std::to_string(srv.port() + 1),
           "localhost.attacker.example:" + port, "127.0.0.1.nip.io:" + port}) {
    INFO(host);
    auto r = with({{"Host", host}});
    CHECK(r->status == 403);
    CHECK(error_of(r)["message"].get<std::string>().find("not this server's local address") != std::string::npos);
  }
  for (const std::string& origin :
       std::vector<std::string>{"http://attacker.example:" + port, "https://127.0.0.1:" + port, "null",
                                "http://127.0.0.1:" + port + ".attacker.example"}) {
    INFO(origin);
    auto r = with({{"Origin", origin}});
    CHECK(r->status == 403);
    CHECK(error_of(r)["class"] == "forbidden");
  }
  // A cross-site form post carries the other site's Origin: refused before anything runs.
  auto form =
      c.Post("/api/run", {{"Origin", "http://attacker.example"}}, "{\"file\": \"teaching.yaml\"}", "text/plain");
  REQUIRE(form);
  CHECK(form->status == 403);
  // Without any Host header (HTTP/1.0 style): refused too.
  std::string got = raw(srv.port(), "GET /api/scenarios HTTP/1.0\r\n\r\n");
  CHECK(got.find(" 403 ") != std::string::npos);
}

TEST_CASE("serve: request bodies are capped and garbage never brings the server down", "[serve][security]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  std::string big = "{\"file\": \"teaching.yaml\", \"name\": \"" + std::string(100000, 'x') + "\"}";
  auto r = c.Post("/api/run", big, "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(error_of(r)["message"].get<std::string>().find("larger than 65536 bytes") != std::string::npos);
  std::string host = "Host: " + srv.host() + "\r\n";
  raw(srv.port(), "GARBAGE\r\n\r\n", 2000);
  raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n{}", 2000);
  raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999\r\n\r\n{}", 2000);
  raw(srv.port(), std::string(20000, 'A') + "\r\n\r\n", 2000);
  raw(srv.port(), "GET /api/scenario?file=%ff%00%2e%2e HTTP/1.1\r\n" + host + "\r\n", 2000);
  auto ok = c.Get("/api/scenarios");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("serve: a request that is not UTF-8 is a usage error and never brings the server down", "[serve][security]") {
  Server srv({"scenarios"});
  std::string host = "Host: " + srv.host() + "\r\nConnection: close\r\n";
  auto post_raw = [&](const std::string& body) {
    return raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host + "Content-Length: " + std::to_string(body.size()) +
                               "\r\n\r\n" + body);
  };
  std::vector<std::string> answers = {
      post_raw("{\"file\": \"\xff.yaml\"}"),
      post_raw("{\"file\": \"teaching.yaml\", \"set\": {\"levers.\xc3\": 1}}"),  // a cut sequence
      post_raw("{\"file\": \"teaching.yaml\", \"name\": \"\xed\xa0\x80\"}"),     // a surrogate
      raw(srv.port(), "GET /api/scenario?file=%ff.yaml HTTP/1.1\r\n" + host + "\r\n"),
      raw(srv.port(), "GET /api/nothing%ff HTTP/1.1\r\n" + host + "\r\n")};  // its 404 message quoted the byte
  for (const std::string& got : answers) {
    auto [status, body] = answer_of(got);
    INFO(got);
    CHECK(status == 400);
    CHECK(body["error"]["class"] == "usage");
    CHECK(body["error"]["exit"] == 2);
    CHECK(body["error"]["message"].get<std::string>().find("not valid UTF-8") != std::string::npos);
  }
  // A message that quotes such bytes shows them as U+FFFD.
  auto [status, body] = answer_of(raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\nHost: \xff\r\n\r\n"));
  CHECK(status == 403);
  CHECK(body["error"]["message"].get<std::string>().find("Host '\xef\xbf\xbd'") != std::string::npos);
  still_serves(srv);
}

TEST_CASE("serve: a slow request blocks no other and a newer request cancels an older one", "[serve]") {
  Server srv({"scenarios", "--max-runs", "5000000"});
  // A client that sends half a request and waits: the server answers others meanwhile.
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(srv.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(slow, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string half = "POST /api/run HTTP/1.1\r\nHost: " + srv.host() + "\r\nContent-Length: 100\r\n\r\n{\"fi";
  REQUIRE(write(slow, half.data(), half.size()) == static_cast<ssize_t>(half.size()));

  // A long computation on lane A (5 million runs would take minutes) ...
  auto first = std::async(std::launch::async, [&] {
    auto c = srv.client();
    return c.Post("/api/run", {{"X-Geosim-Lane", "A"}}, json{{"file", "venezuela-2019.yaml"}, {"runs", 5000000}}.dump(),
                  "application/json");
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto c = srv.client();
  // ... while others are answered ...
  auto list = c.Get("/api/scenarios");
  REQUIRE(list);
  CHECK(list->status == 200);
  // ... and a newer request on lane A cancels it.
  auto second = c.Post("/api/run", {{"X-Geosim-Lane", "A"}}, json{{"file", "teaching.yaml"}, {"runs", 500}}.dump(),
                       "application/json");
  REQUIRE(second);
  CHECK(second->status == 200);
  REQUIRE(first.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  auto r = first.get();
  REQUIRE(r);
  CHECK(r->status == 409);
  json e = error_of(r);
  CHECK(e["class"] == "cancelled");
  CHECK(e["exit"] == 130);
  close(slow);
}

TEST_CASE("serve: a request must arrive whole within 5 seconds, so slow clients cannot hold the workers",
          "[serve][security]") {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  Server srv({"scenarios"});
  const std::string host = "Host: " + srv.host() + "\r\n";
  // A slow-ish client, its request in four parts over 3 seconds, is served.
  {
    std::string body = json{{"file", "teaching.yaml"}, {"runs", 100}}.dump();
    std::vector<std::string> parts = {"POST /api/run HTTP/1.1\r\n", host + "Connection: close\r\n",
                                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 9),
                                      body.substr(9)};
    int s = connect_to(srv.port());
    REQUIRE(s >= 0);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
      CHECK(send_all(s, parts[i]));
    }
    std::string got = read_until_closed(s, 60000);
    close(s);
    CHECK(answer_of(got).first == 200);
  }
  // One that stops halfway is answered 408 when its 5 seconds are over.
  {
    auto t = Clock::now();
    auto [status, body] = answer_of(raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\n" + host + "X-A: b", 15000));
    CHECK(status == 408);
    CHECK(body["error"]["message"].get<std::string>().find("within 5 seconds") != std::string::npos);
    CHECK(seconds_since(t) < 9);
  }
  // As many clients as workers (16) each send a request line, then a byte a second and
  // never end their headers: no read waits long, yet each is dropped 5 seconds after its
  // first byte, and a client waiting meanwhile is then served.
  std::vector<int> slow;
  std::vector<Clock::time_point> began;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(connect_to(srv.port()));
    REQUIRE(slow.back() >= 0);
    began.push_back(Clock::now());
    REQUIRE(send_all(slow.back(), "GET /api/scenarios HTTP/1.1\r\n" + host));
  }
  const auto start = Clock::now();
  std::vector<double> closed_after(slow.size(), -1);  // seconds after the first byte
  std::thread drip([&] {
    // Bytes go at 0.5, 1.5, 2.5 ... seconds, away from the moments the server drops them;
    // until every slow client is dropped (or 20 seconds have passed).
    size_t open = slow.size();
    for (int tick = 1; open > 0 && seconds_since(start) < 20; ++tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      for (size_t i = 0; i < slow.size(); ++i) {
        if (closed_after[i] >= 0) continue;
        char buf[4096];
        pollfd p{slow[i], POLLIN, 0};
        bool gone = false;
        while (!gone && poll(&p, 1, 0) > 0) gone = read(slow[i], buf, sizeof buf) <= 0;
        if (!gone && tick % 10 == 5) gone = !send_all(slow[i], "X");
        if (gone) {
          closed_after[i] = seconds_since(began[i]);
          --open;
        }
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto c = srv.client();
  c.set_read_timeout(15);
  auto asked = Clock::now();
  auto r = c.Get("/api/scenarios");
  double waited = seconds_since(asked);
  drip.join();
  for (int s : slow) close(s);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(waited < 10);
  for (double t : closed_after) {
    CHECK(t > 4.5);
    CHECK(t < 9);
  }
}

TEST_CASE("serve: Ctrl-C stops the server cleanly even in the middle of a computation", "[serve]") {
  Server srv({"scenarios", "--max-runs", "5000000"});
  auto pending = std::async(std::launch::async, [&] {
    auto c = srv.client();
    return c.Post("/api/run", json{{"file", "venezuela-2019.yaml"}, {"runs", 5000000}}.dump(), "application/json");
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(srv.stop() == 0);
  CHECK(srv.rest_of_output(2000).find("stopped") != std::string::npos);
  REQUIRE(pending.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  auto r = pending.get();
  if (r) CHECK(r->status == 409);  // abandoned, or the connection closed
}

TEST_CASE("serve: command-line mistakes are usage errors", "[serve]") {
  CliResult missing = cli_run("serve no/such/folder --port 0");
  CHECK(missing.code == 2);
  CHECK(missing.err.find("'no/such/folder' does not exist") != std::string::npos);
  CliResult notyaml = cli_run("serve CMakeLists.txt --port 0");
  CHECK(notyaml.code == 2);
  CliResult badport = cli_run("serve scenarios --port 70000");
  CHECK(badport.code == 2);
  // --threads: the bound and words of `geosim run` (100000 crashed the server at its first
  // computation). `timeout` bounds the wait, should the server start after all.
  for (const std::string threads : {"100000", "-1"}) {
    CliResult run = cli_run("run scenarios/teaching.yaml --threads " + threads);
    REQUIRE(run.code == 2);
    const std::string err = temp_path("threads_stderr");
    int status = std::system(("cd '" + std::string(GEOSIM_SOURCE_DIR) + "' && timeout 30 '" + GEOSIM_BINARY +
                              "' serve scenarios --port 0 --threads " + threads + " > /dev/null 2> '" + err + "'")
                                 .c_str());
    CHECK((WIFEXITED(status) ? WEXITSTATUS(status) : -1) == 2);
    std::string want = run.err;
    want.replace(want.find("geosim run:"), 11, "geosim serve:");
    CHECK(read_text(err) == want);
    std::remove(err.c_str());
  }
  CliResult latin1 = cli_run("serve 'scenarios/caf\xe9' --port 0");  // a name that is not UTF-8
  CHECK(latin1.code == 2);
  CHECK(latin1.err.find("is not valid UTF-8") != std::string::npos);
  // A port already taken.
  Server srv({"scenarios"});
  // (`timeout` bounds the wait, should the second server start after all.)
  const std::string err = temp_path("taken_stderr");
  int status = std::system(("cd '" + std::string(GEOSIM_SOURCE_DIR) + "' && timeout 60 '" + GEOSIM_BINARY +
                            "' serve scenarios --port " + std::to_string(srv.port()) + " > /dev/null 2> '" + err + "'")
                               .c_str());
  CliResult taken;
  taken.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  taken.err = read_text(err);
  std::remove(err.c_str());
  CHECK(taken.code == 2);
  CHECK(taken.err.find("cannot listen on 127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
}

TEST_CASE("serve: the page and its scripts come from the server itself", "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("<title>geosim studio</title>") != std::string::npos);
  CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
  for (const char* path : {"/studio.js", "/studio.css", "/vega.js"}) {
    auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.size() > 1000);
  }
}

TEST_CASE("serve: a request for byte ranges gets the whole answer, never one copy per range", "[serve][security]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  auto whole = c.Get("/studio.css");
  REQUIRE(whole);
  REQUIRE(whole->status == 200);
  const size_t size = whole->body.size();
  // httplib answers a list of ranges with a multipart body holding each (2600 times the
  // file for 2600 `0-`; three such requests on /vega.js took 10 GB).
  std::string ranges = "bytes=0-";
  for (int i = 1; i < 2600; ++i) ranges += ",0-";
  const std::string host = "Host: " + srv.host() + "\r\nConnection: close\r\n";
  auto t = std::chrono::steady_clock::now();
  std::string got = raw(srv.port(), "GET /studio.css HTTP/1.1\r\n" + host + "Range: " + ranges + "\r\n\r\n", 10000);
  CHECK(std::chrono::steady_clock::now() - t < std::chrono::seconds(5));
  INFO(got.substr(0, 300));
  REQUIRE(got.rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(got.find("multipart") == std::string::npos);
  CHECK(got.size() < size + 1000);  // the file once, with its headers
  CHECK(got.substr(got.find("\r\n\r\n") + 4) == whole->body);
  // One range too: the whole answer, not a piece of it (an API answer is JSON, whole).
  auto one = c.Get("/api/scenarios", {{"Range", "bytes=0-9"}});
  REQUIRE(one);
  CHECK(one->status == 200);
  CHECK(json::parse(one->body).contains("scenarios"));
  // Nor for a refused request.
  std::string refused =
      raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\nHost: attacker.example\r\nRange: " + ranges + "\r\n\r\n");
  CHECK(answer_of(refused).first == 403);
}

TEST_CASE("serve: a second Host or Content-Length header is refused, and nothing after it is read",
          "[serve][security]") {
  Server srv({"scenarios"});
  const std::string host = "Host: " + srv.host() + "\r\n";
  for (const std::string& second : {host, std::string("Host: attacker.example\r\n"), std::string("hOsT: x\r\n")}) {
    INFO(second);
    auto [status, body] = answer_of(raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\n" + host + second + "\r\n"));
    CHECK(status == 400);
    CHECK(body["error"]["class"] == "usage");
    CHECK(body["error"]["message"].get<std::string>().find("more than one Host header") != std::string::npos);
  }
  // Two lengths, the body holding a second request (smuggled, as a proxy in front that
  // read the other length would see it): refused, and the second request is not served.
  const std::string inner = "GET /api/scenarios HTTP/1.1\r\n" + host + "\r\n";
  for (const std::string& lengths : {"Content-Length: 0\r\nContent-Length: " + std::to_string(inner.size()) + "\r\n",
                                     "Content-Length: " + std::to_string(inner.size()) +
                                         "\r\nContent-Length: " + std::to_string(inner.size()) + "\r\n"}) {
    INFO(lengths);
    std::string got = raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host + lengths + "\r\n" + inner);
    auto [status, body] = answer_of(got.substr(0, got.find("HTTP/1.1 ", 1)));
    CHECK(status == 400);
    CHECK(body["error"]["message"].get<std::string>().find("more than one Content-Length header") != std::string::npos);
    CHECK(got.find("HTTP/1.1 ", 1) == std::string::npos);  // one answer only
  }
  // A request refused for its Origin does not get its body read as a request either.
  std::string got = raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host + "Origin: http://attacker.example\r\n" +
                                        "Content-Type: text/plain\r\nContent-Length: " + std::to_string(inner.size()) +
                                        "\r\n\r\n" + inner);
  CHECK(got.rfind("HTTP/1.1 403 ", 0) == 0);
  CHECK(got.find("HTTP/1.1 ", 1) == std::string::npos);
  still_serves(srv);
}

TEST_CASE("serve: a body is framed by Content-Length only and Transfer-Encoding is refused with nothing after it read",
          "[serve][security]") {
  Server srv({"scenarios"});
  const std::string host = "Host: " + srv.host() + "\r\n";
  const std::string inner = "GET /api/scenarios HTTP/1.1\r\n" + host + "\r\n";
  // One answer, its status and message; nothing after the refusal is served. The answer
  // comes at once (the connection is closed), not at the 5-second request deadline.
  auto refused = [&](const std::string& request) {
    auto t0 = std::chrono::steady_clock::now();
    std::string got = raw(srv.port(), request);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(got);
    CHECK(seconds < 2.5);
    CHECK(got.find("HTTP/1.1 ", 1) == std::string::npos);  // one answer only
    auto [status, body] = answer_of(got);
    CHECK(body["error"]["class"] == "usage");
    CHECK(body["error"]["exit"] == 2);
    CHECK(body["error"]["status"] == status);
    return std::make_pair(status, body["error"]["message"].get<std::string>());
  };
  // Both headers, the chunked body ending at once and a second request after it (what a
  // proxy in front reading the length would pass as the body): 400, in either order.
  const std::string chunks = "0\r\n\r\n" + inner;
  const std::string length = "Content-Length: " + std::to_string(chunks.size()) + "\r\n";
  for (std::string te :
       {"Transfer-Encoding: chunked\r\n", "transfer-encoding: Chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n"})
    for (const std::string& headers : {te + length, length + te}) {
      INFO(headers);
      auto [status, message] = refused("POST /api/run HTTP/1.1\r\n" + host + headers + "\r\n" + chunks);
      CHECK(status == 400);
      CHECK(message.find("both Transfer-Encoding and Content-Length") != std::string::npos);
    }
  // Transfer-Encoding alone: chunked is asked for a length (411), even a small body; any
  // other coding is not implemented (501). Neither body is read, nor the request in it.
  {
    auto [status, message] =
        refused("POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + inner);
    CHECK(status == 411);
    CHECK(message.find("Content-Length only") != std::string::npos);
  }
  for (std::string te : {"gzip", "chunked, gzip", "identity", "chunked, chunked", "xchunked"}) {
    INFO(te);
    auto [status, message] =
        refused("POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding: " + te + "\r\n\r\n" + inner);
    CHECK(status == 501);
    CHECK(message.find("does not implement the request's Transfer-Encoding") != std::string::npos);
  }
  // Two Transfer-Encoding headers, the first chunked: not chunked as a whole (501).
  CHECK(refused("POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n")
            .first == 501);
  // Chunked in any case (transfer codings are case-insensitive), and on a GET too.
  CHECK(refused("POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n" + inner).first ==
        411);
  CHECK(
      refused("GET /api/scenarios HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + inner).first ==
      411);
  // A POST with no length at all: asked for one at once (httplib would read until the
  // connection closes, and the request would time out).
  {
    auto [status, message] = refused("POST /api/run HTTP/1.1\r\n" + host + "\r\n");
    CHECK(status == 411);
    CHECK(message.find("needs a Content-Length header") != std::string::npos);
  }
  // A GET with a body: httplib reads none for a GET, so the body would be the next request.
  {
    auto [status, message] = refused("GET /api/scenarios HTTP/1.1\r\n" + host +
                                     "Content-Length: " + std::to_string(inner.size()) + "\r\n\r\n" + inner);
    CHECK(status == 400);
    CHECK(message.find("a GET request carries no body") != std::string::npos);
  }
  // A GET with Content-Length: 0 is served.
  CHECK(raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\n" + host + "Connection: close\r\nContent-Length: 0\r\n\r\n")
            .rfind("HTTP/1.1 200 ", 0) == 0);
  still_serves(srv);
}

TEST_CASE("serve: a Content-Length that is not digits is a usage error at once and one too large is 413 at once",
          "[serve][security]") {
  Server srv({"scenarios"});
  const std::string host = "Host: " + srv.host() + "\r\n";
  const std::string inner = "GET /api/scenarios HTTP/1.1\r\n" + host + "\r\n";
  auto answer = [&](const std::string& value, const std::string& body) {
    auto t0 = std::chrono::steady_clock::now();
    std::string got =
        raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host + "Content-Length: " + value + "\r\n\r\n" + body);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(got);
    CHECK(seconds < 2.5);                                  // not the 5-second deadline
    CHECK(got.find("HTTP/1.1 ", 1) == std::string::npos);  // the body is not read as a request
    return answer_of(got);
  };
  for (std::string value :
       {"-1", "+2", "2 2", "0x2", "2.0", "1e3", "2,2", "-0", "2a", "99999999999999999999", "18446744073709551616"}) {
    INFO("Content-Length: " << value);
    auto [status, body] = answer("\t" + value, "{}" + inner);
    CHECK(status == 400);
    CHECK(body["error"]["class"] == "usage");
    CHECK(body["error"]["message"].get<std::string>().find("Content-Length is not a number of bytes") !=
          std::string::npos);
  }
  // An empty value is no header for httplib: a POST without a length (411).
  CHECK(answer("", "{}" + inner).first == 411);
  // Digits, but more than the cap (even 2^64 - 1): 413 before any byte of the body is waited for.
  for (std::string value : {"65537", "18446744073709551615", "000000000000000000000065537"}) {
    INFO("Content-Length: " << value);
    auto [status, body] = answer(value, "{}");
    CHECK(status == 413);
    CHECK(body["error"]["message"].get<std::string>().find("larger than 65536 bytes") != std::string::npos);
  }
  // Spaces around the digits are not part of the value (RFC 9110 §5.6.3): served.
  std::string got =
      raw(srv.port(), "POST /api/run HTTP/1.1\r\n" + host +
                          "Connection: close\r\nContent-Length:  27 \r\n\r\n{\"file\": \"teaching.yaml\"}  ");
  CHECK(got.rfind("HTTP/1.1 200 ", 0) == 0);
  still_serves(srv);
}

TEST_CASE("serve: a replay's run number is one geosim run --replay takes", "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  // --replay is a signed 64-bit number: 2^63 - 1 is the largest run.
  auto top = post(c, "/api/replay", {{"file", "teaching.yaml"}, {"run", 9223372036854775807ULL}});
  REQUIRE(top);
  REQUIRE(top->status == 200);
  json j = json::parse(top->body);
  CHECK(j["command"] == "geosim run scenarios/teaching.yaml --seed 1 --replay 9223372036854775807");
  CliResult cli = cli_run("run scenarios/teaching.yaml --seed 1 --replay 9223372036854775807");
  REQUIRE(cli.code == 0);
  CHECK(j["text"] == cli.out);
  for (const uint64_t run : {9223372036854775808ULL, 18446744073709551615ULL}) {
    INFO(run);
    auto r = post(c, "/api/replay", {{"file", "teaching.yaml"}, {"run", run}});
    json e = error_of(r);
    CHECK(r->status == 400);
    CHECK(e["exit"] == 2);
    CliResult refused = cli_run("run scenarios/teaching.yaml --seed 1 --replay " + std::to_string(run));
    CHECK(refused.code == 2);
    CHECK(e["message"] == refused.err.substr(0, refused.err.find('\n')));
  }
}

TEST_CASE("serve: every override /api/run takes is saved as a variant that reproduces it, or refused up front",
          "[serve]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  fs::path dir = temp_path("variant_overrides");
  fs::remove_all(dir);
  fs::copy(source_path("scenarios"), dir, fs::copy_options::recursive);
  struct Case {
    std::string file;
    json set;
  };
  // The loader's paths and values: a key holding a dot (a driver named after an event), a
  // ladder's rung (named by its lever; the rungs merge as a whole list), a horizon in steps
  // in a format 2 file (which states it in weeks), a value YAML reads past `---`, a dist,
  // quoted text with '#' and a tab, and several at once.
  std::vector<Case> saved = {
      {"venezuela-2019.yaml", {{"events.coup_attempt.hazard.drivers.fired.coup_attempt", 0.3}}},
      {"teaching-react.yaml", {{"ladders.pressure.rungs.strikes.up", "t >= 30"}}},
      {"teaching-leader.yaml", {{"horizon", 30}}},
      {"teaching.yaml", {{"levers.sanctions.intensity", "--- 0.5"}}},
      {"teaching.yaml",
       {{"levers.amnesty_for_officers.credibility", "{dist: uniform, min: 0.3, max: 0.4}"},
        {"title", "\"What # if:\\ta \\\"test\\\"\""},
        {"levers.exit_deal.enabled", false}}},
      {"teaching.yaml",  // the last lever replaced whole: removed, then written anew (last, as it was)
       {{"levers.exit_deal",
         "{id: exit_deal, kind: amnesty_offer, by: patron_state, target: government, from: 2020-06-01, "
         "intensity: 0.9, credibility: 0.3}"}}},
      {"venezuela-2019.yaml", kSets}};
  for (const auto& [file, set] : saved) {
    json req = {{"file", file}, {"set", set}, {"runs", 200}, {"seed", 3}};
    INFO(req.dump());
    auto run = post(c, "/api/run", req);
    REQUIRE(run);
    REQUIRE(run->status == 200);
    auto var = post(c, "/api/variant", req);
    REQUIRE(var);
    INFO(var->body);
    REQUIRE(var->status == 200);
    json v = json::parse(var->body);
    fs::path saved_as = dir / v["filename"].get<std::string>();
    std::ofstream(saved_as) << v["yaml"].get<std::string>();
    CliResult val = cli_run("validate '" + saved_as.string() + "'");
    INFO(v["yaml"].get<std::string>() + val.err);
    CHECK(val.code == 0);
    CliResult out = cli_run("run '" + saved_as.string() + "' --runs 200 --seed 3 --format json");
    REQUIRE(out.code == 0);
    CHECK(json::parse(out.out)["outcomes"] == json::parse(run->body)["outcomes"]);
    CHECK(json::parse(out.out)["horizon"] == json::parse(run->body)["horizon"]);
  }
  // What an `extends:` file cannot say is refused with a usage error naming it, never a 500:
  // a lever replaced whole (its other keys dropped, and written anew it would go last), a
  // key cleared with ~, and a horizon that ends before a lever starts (allowed to --set only).
  std::vector<std::pair<Case, std::string>> refused = {
      {{"teaching.yaml",
        {{"levers.sanctions",
          "{id: sanctions, kind: sanctions_sectoral, by: patron_state, target: government, intensity: 0.9, "
          "from: 2020-02-03}"}}},
       "would not keep their order"},
      {{"teaching-leader.yaml", {{"horizon", 3}}}, "a file with them is refused"},
      {{"teaching.yaml", {{"levers.sanctions.assumption", "~"}}}, "clears 'levers.sanctions.assumption'"}};
  for (const auto& [cs, why] : refused) {
    json req = {{"file", cs.file}, {"set", cs.set}, {"runs", 200}};
    INFO(req.dump());
    auto run = post(c, "/api/run", req);
    REQUIRE(run);
    CHECK(run->status == 200);
    auto var = post(c, "/api/variant", req);
    json e = error_of(var);
    CHECK(var->status == 400);
    CHECK(e["class"] == "usage");
    CHECK(e["message"].get<std::string>().find("a variant file cannot hold these settings") != std::string::npos);
    CHECK(e["message"].get<std::string>().find(why) != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("serve: an override of nested YAML aliases is refused in a moment and in little memory",
          "[serve][security]") {
  Server srv({"scenarios", "--threads", "1"});
  auto c = srv.client();
  // 350 bytes that stand for 9^9 values ("billion laughs"): each took 1 GB and 5 seconds.
  const std::string lol =
      "[&a [1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], "
      "&d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], "
      "&g [*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g], &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]]";
  // And 30,000 values without aliases in 60 KB: each remembered the whole override as its place.
  std::string list = "[1";
  for (int i = 1; i < 30000; ++i) list += ",1";
  list += "]";
  for (const std::string& value : {lol, list}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 10}, {"set", {{"newkey", value}}}});
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
    json e = error_of(r);
    CHECK(r->status == 422);
    CHECK(e["class"] == "input");
    const std::string message = e["message"];
    CHECK(message.rfind("--set newkey=[", 0) == 0);
    // The command line reads --set through the same loader: the same message.
    CliResult cli = cli_run("run scenarios/teaching.yaml --runs 10 --set " + shell_quoted("newkey=" + value));
    CHECK(cli.code == 3);
    CHECK(message == trim(cli.err));
  }
  auto r = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 10}, {"set", {{"newkey", lol}}}});
  CHECK(error_of(r)["message"].get<std::string>().find(
            ": aliases (*name) copy more than 16 MiB of values; each alias copies its anchor") != std::string::npos);
  const long peak = peak_kib(srv.pid());
  INFO("peak memory " << peak << " KiB");
  CHECK(peak > 0);
  CHECK(peak < 300 * 1024);
}

TEST_CASE("serve: the work of a request is bounded by runs times steps", "[serve][security]") {
  {
    // The default: --max-runs x 1000 steps. 200,000 runs of 100,000 steps (an hour of CPU)
    // are refused at once.
    Server srv({"scenarios"});
    auto c = srv.client();
    auto r = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 200000}, {"set", {{"horizon", 100000}}}});
    json e = error_of(r);
    CHECK(r->status == 400);
    CHECK(e["class"] == "usage");
    CHECK(e["message"] ==
          "serve: 200000 runs of 100000 steps are more work than one request may ask for (at most 200000000 runs x "
          "steps: --max-runs x 1000); ask for fewer runs or a shorter horizon, or run it with geosim run");
  }
  Server srv({"scenarios", "--threads", "1", "--max-runs", "1000"});
  auto c = srv.client();
  auto over = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 1000}, {"set", {{"horizon", 1001}}}});
  CHECK(over->status == 400);
  CHECK(error_of(over)["message"].get<std::string>().find(
            "1000 runs of 1001 steps are more work than one request may ask for (at most 1000000 runs x steps") !=
        std::string::npos);
  // A comparison runs both arms: 52 steps of the scenario as written and 960 with the override.
  auto both = post(c, "/api/compare", {{"file", "teaching.yaml"}, {"runs", 1000}, {"set", {{"horizon", 960}}}});
  CHECK(both->status == 400);
  CHECK(error_of(both)["message"].get<std::string>().find("1000 runs of 1012 steps") != std::string::npos);
  // The step check runs the scenario in its steps and in days: 200 weeks and 1,400 days.
  auto steps =
      post(c, "/api/step-check", {{"file", "teaching-react.yaml"}, {"runs", 1000}, {"set", {{"horizon", 200}}}});
  CHECK(steps->status == 400);
  CHECK(error_of(steps)["message"].get<std::string>().find("1000 runs of 1600 steps") != std::string::npos);
  // Within the bound: served.
  auto within = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 1000}, {"set", {{"horizon", 1000}}}});
  REQUIRE(within);
  CHECK(within->status == 200);
}

TEST_CASE("serve: a computation whose client goes away is abandoned", "[serve]") {
  Server srv({"scenarios", "--threads", "1", "--max-runs", "5000000"});
  // 5 million runs would take minutes on one thread.
  const std::string body = json{{"file", "venezuela-2019.yaml"}, {"runs", 5000000}}.dump();
  int s = connect_to(srv.port());
  REQUIRE(s >= 0);
  REQUIRE(send_all(s, "POST /api/run HTTP/1.1\r\nHost: " + srv.host() +
                          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double before = cpu_seconds(srv.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double computing = cpu_seconds(srv.pid()) - before;
  close(s);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double after = cpu_seconds(srv.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double left = cpu_seconds(srv.pid()) - after;
  INFO("CPU seconds: " << computing << " in 2 s computing, " << left << " in 2 s after the client left");
  CHECK(computing > 0.4);  // it computes (on one thread, on a busy machine at least a fifth of the time) ...
  CHECK(left < 0.2);       // ... and no longer once the client has gone
  still_serves(srv);
}

TEST_CASE("serve: a malformed request line is answered once, with its reason, and its connection closed",
          "[serve][security]") {
  Server srv({"scenarios"});
  const std::string host = "Host: " + srv.host() + "\r\n";
  // Its body a second request: it was answered 200 after a 400 for each line of the first.
  const std::string body = json{{"file", "teaching.yaml"}, {"runs", 10}}.dump();
  const std::string inner = "POST /api/run HTTP/1.1\r\n" + host + "Content-Length: " + std::to_string(body.size()) +
                            "\r\nConnection: close\r\n\r\n" + body;
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {"FOO / HTTP/1.1", 501, "the studio does not implement the method 'FOO'"},
      {"get / HTTP/1.1", 501, "the method 'get'; it answers GET, HEAD and POST (methods are case-sensitive)"},
      {"GET / HTTP/1.1 extra", 400, "the request line 'GET / HTTP/1.1 extra' is not METHOD TARGET HTTP/1.1"},
      {"GET /a b HTTP/1.1", 400, "is not METHOD TARGET HTTP/1.1 (three parts, one space between them)"},
      {"GET  /api/scenarios HTTP/1.1", 400, "is not METHOD TARGET HTTP/1.1"},
      {"GET /", 400, "the request line 'GET /' is not METHOD TARGET HTTP/1.1"},
      {"GET / HTTP/2.0", 505, "the studio speaks HTTP/1.1 (and 1.0), not HTTP/2.0"},
      {"GET / HTTX/1.1", 400, "the request line ends in 'HTTX/1.1', not HTTP/1.1"},
      {"GET /\x7f HTTP/1.1", 400, "the request's target holds a control character or a byte outside ASCII"},
      {"{\"file\": 1}", 400, "the request does not start with a method (GET, POST)"}};
  for (const auto& [line, status, why] : cases) {
    INFO(line);
    const auto t0 = std::chrono::steady_clock::now();
    std::string got =
        raw(srv.port(), line + "\r\n" + host + "Content-Length: " + std::to_string(inner.size()) + "\r\n\r\n" + inner);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500));  // closed at once
    CHECK(got.find("\nHTTP/1.1 ") == std::string::npos);  // one answer only (its message quotes the line)
    auto [code, answer] = answer_of(got);
    CHECK(code == status);
    CHECK(answer["error"]["class"] == "usage");
    CHECK(answer["error"]["status"] == status);
    CHECK(answer["error"]["message"].get<std::string>().find(why) != std::string::npos);
    CHECK(got.find("Connection: close\r\n") != std::string::npos);
    CHECK(got.find("X-Content-Type-Options: nosniff\r\n") != std::string::npos);
  }
  // Too long: the request line (414), a header line or the headers in all (431).
  const std::vector<std::pair<std::string, int>> large = {
      {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414},
      {"GET / HTTP/1.1\r\n" + host + "X-A: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\n" + host +
           [] {
             std::string many;
             for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
             return many;
           }() +
           "\r\n",
       431}};
  for (const auto& [request, status] : large) {
    auto [code, answer] = answer_of(raw(srv.port(), request));
    CHECK(code == status);
    const std::string message = answer["error"]["message"];
    CHECK((message.find("is longer than 8192 bytes") != std::string::npos ||
           message.find("more than 100 header lines") != std::string::npos));
  }
  // Empty lines before a request line are ignored (RFC 9112 §2.2).
  CHECK(raw(srv.port(), "\r\n\r\nGET /api/scenarios HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n")
            .rfind("HTTP/1.1 200 ", 0) == 0);
  still_serves(srv);
}

TEST_CASE("serve: header lines that two readers could take two ways are refused and nothing after them is read",
          "[serve][security]") {
  Server srv({"scenarios"});
  const std::string host = "Host: " + srv.host() + "\r\n";
  const std::string inner = "GET /api/scenarios HTTP/1.1\r\n" + host + "\r\n";
  const std::string length = "Content-Length: " + std::to_string(inner.size()) + "\r\n";
  // RFC 9112 §5.1: no white space between a field name and its colon (a proxy may take
  // `Transfer-Encoding : chunked` as the coding, httplib took it as another header); a field
  // line has a colon, no NUL or control character, and no obsolete line folding; lines end
  // in CRLF (httplib skipped a header line ending in a bare LF).
  const std::vector<std::tuple<std::string, std::string>> cases = {
      {"POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding : chunked\r\n" + length + "\r\n" + inner,
       "the header name 'Transfer-Encoding ' has white space before its colon"},
      {"POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding\t: chunked\r\n" + length + "\r\n" + inner,
       "has white space before its colon"},
      {"GET /api/scenarios HTTP/1.1\r\nHost : " + srv.host() + "\r\n\r\n", "the header name 'Host '"},
      {"POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding chunked\r\n" + length + "\r\n" + inner,
       "the header line 'Transfer-Encoding chunked' has no colon"},
      {"POST /api/run HTTP/1.1\r\n" + host + "X-A: b\r\n chunked\r\n" + length + "\r\n" + inner,
       "obsolete line folding"},
      {"POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\n" + length + "\r\n" + inner,
       "ends in a bare LF"},
      {"GET /api/scenarios HTTP/1.1\n" + host + "\r\n", "ends in a bare LF"},
      {"GET /api/scenarios HTTP/1.1\r\n" + host + std::string("X-A: a\0b\r\n\r\n", 12), "holds a NUL byte"},
      {"GET /api/scenarios HTTP/1.1\r\n" + host + "X-A: a\x01z\r\n\r\n",
       "the value of the header 'X-A' holds a control"},
      {"GET /api/scenarios HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", "a CR that does not end a line"},
      {"GET /api/scenarios HTTP/1.1\r\n" + host + "X(A): b\r\n\r\n", "the header name 'X(A)' holds a character"},
      {"GET /api/scenarios HTTP/1.1\r\n" + host + ": b\r\n\r\n", "a header line starts with a colon"},
      // httplib reads a header's value percent-decoded: `%32%37` would be a length of 27.
      {"POST /api/run HTTP/1.1\r\n" + host + "Content-Length: %32%37\r\n\r\n{\"file\": \"teaching.yaml\"}",
       "the request's Content-Length header holds a '%'"},
      {"GET /api/scenarios HTTP/1.1\r\nHost: 127.0.0.1%3a" + std::to_string(srv.port()) + "\r\n\r\n",
       "the request's Host header holds a '%'"},
      {"POST /api/run HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\n" + length + "\r\n" + inner,
       "the request's Transfer-Encoding header is empty"}};
  for (const auto& [request, why] : cases) {
    INFO(request);
    const auto t0 = std::chrono::steady_clock::now();
    std::string got = raw(srv.port(), request);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500));
    CHECK(got.find("HTTP/1.1 ", 1) == std::string::npos);  // one answer only: the smuggled request is not read
    auto [status, body] = answer_of(got);
    CHECK(status == 400);
    CHECK(body["error"]["class"] == "usage");
    CHECK(body["error"]["message"].get<std::string>().find(why) != std::string::npos);
  }
  // A percent sign elsewhere (a cookie of another local site) is no problem.
  CHECK(raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\n" + host + "Cookie: a=b%20c\r\nConnection: close\r\n\r\n")
            .rfind("HTTP/1.1 200 ", 0) == 0);
  still_serves(srv);
}

TEST_CASE("serve: a variant of a scenario with any file name validates, or the name is said to be the problem",
          "[serve]") {
  fs::path dir = temp_path("variant_file_names");
  fs::remove_all(dir);
  fs::create_directories(dir);
  // YAML would read these unquoted as something else: a comment, an anchor, a map, a list,
  // a directive, a quote; or a line break.
  const std::vector<std::string> names = {"a #b.yaml",      "&anchor.yaml",   "x: y.yaml", "[x].yaml",
                                          "%pct.yaml",      "- d.yaml",       "'q.yaml",   "\"dq\".yaml",
                                          "tab\there.yaml", "new\nline.yaml", "plain.yaml"};
  for (const auto& n : names) fs::copy_file(source_path("scenarios/teaching.yaml"), dir / n);
  fs::copy_file(source_path("scenarios/teaching.yaml"), dir / "esc\x1b.yaml");
  Server srv({dir.string()});
  auto c = srv.client();
  const json set = {{"levers.sanctions.intensity", 0.3}};
  for (const auto& n : names) {
    INFO(n);
    json req = {{"file", n}, {"set", set}, {"runs", 200}, {"seed", 3}};
    auto var = post(c, "/api/variant", req);
    REQUIRE(var);
    INFO(var->body);
    REQUIRE(var->status == 200);
    json v = json::parse(var->body);
    const std::string yaml = v["yaml"];
    CHECK(yaml.find("\nextends: \"") != std::string::npos);
    const fs::path saved = dir / v["filename"].get<std::string>();
    std::ofstream(saved) << yaml;
    CliResult val = cli_run("validate " + shell_quoted(saved.string()));
    INFO(yaml + val.err);
    CHECK(val.code == 0);
    CliResult out = cli_run("run " + shell_quoted(saved.string()) + " --runs 200 --seed 3 --format json");
    REQUIRE(out.code == 0);
    auto run = post(c, "/api/run", req);
    REQUIRE(run);
    CHECK(json::parse(out.out)["outcomes"] == json::parse(run->body)["outcomes"]);
  }
  // A name with a control character that `extends:` cannot hold: the name is the problem.
  auto bad = post(c, "/api/variant", {{"file", "esc\x1b.yaml"}, {"set", set}});
  json e = error_of(bad);
  CHECK(bad->status == 400);
  CHECK(e["message"].get<std::string>().rfind(
            "serve: the scenario's file name 'esc\x1b.yaml' cannot be written as the `extends:` of a variant file (",
            0) == 0);
  CHECK(e["message"].get<std::string>().find("rename the file") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("serve: connections that send nothing or trickle their requests take no worker", "[serve][security]") {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  Server srv({"scenarios"});
  // 300 idle connections (with 16 workers taking them 2 seconds each, a request waited 21 s
  // behind 200): a request is answered at once, and past 256 waiting connections the one
  // waiting longest is closed.
  std::vector<int> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(connect_to(srv.port()));
    REQUIRE(idle.back() >= 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto c = srv.client();
  auto t = Clock::now();
  auto r = c.Get("/api/scenarios");
  REQUIRE(r);
  CHECK(r->status == 200);
  // Held behind the idle connections, it waited 21 s; a slow build (sanitizers, two busy
  // cores) answers within a second or two, and once took 3.3 s while another build shared
  // the cores: the bound sits between.
  CHECK(seconds_since(t) < 8);
  CHECK(closed_within(idle[0], 500));
  for (int s : idle) close(s);
  // 64 clients each trickling a whole request over 3 seconds, within the 5-second limit
  // (they held every worker for 3.25 seconds each, in four waves of 16): a request meanwhile
  // is answered at once, and so are theirs.
  const std::string request =
      "GET /api/scenario?file=teaching.yaml HTTP/1.1\r\nHost: " + srv.host() + "\r\nConnection: close\r\n\r\n";
  std::vector<std::future<std::string>> slow;
  slow.reserve(64);
  for (int i = 0; i < 64; ++i)
    slow.push_back(std::async(std::launch::async, [&] {
      int s = connect_to(srv.port());
      for (size_t k = 0; k < request.size(); k += request.size() / 12 + 1) {
        send_all(s, request.substr(k, request.size() / 12 + 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
      std::string got = read_until_closed(s, 10000);
      close(s);
      return got;
    }));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int i = 0; i < 3; ++i) {
    t = Clock::now();
    auto during = c.Get("/api/scenarios");
    REQUIRE(during);
    CHECK(during->status == 200);
    // Behind the trickling clients it would wait for a fifth wave, about 12 s; a slow build
    // answers within a second or two (4 s once, while another build shared the cores).
    CHECK(seconds_since(t) < 6);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  for (auto& f : slow) CHECK(f.get().rfind("HTTP/1.1 200 ", 0) == 0);
}

// A connection like one over a network (MSS 1000: over loopback the server's send buffer
// would grow to megabytes and take a whole answer at once) with a receive buffer of `rcvbuf`
// bytes, that has sent `request`; -1 if it could not.
int network_like_client(int port, const std::string& request, int rcvbuf) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int mss = 1000;
  setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && send_all(s, request)) return s;
  close(s);
  return -1;
}

// What a client got that read at most `chunk` bytes every `pause_ms` (nothing when `chunk` is
// 0) from `s`, until `ms` after `sent` (its request): the bytes, and the seconds from `sent`
// to when the server closed or reset the connection (-1: still open). Closes `s`.
struct SlowRead {
  size_t bytes = 0;
  double closed = -1;
};
SlowRead read_slowly(int s, std::chrono::steady_clock::time_point sent, size_t chunk, int pause_ms, int ms) {
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count(); };
  SlowRead r;
  std::vector<char> buf(std::max<size_t>(chunk, 65536));
  while (seconds() * 1000 < ms) {
    pollfd p{s, POLLRDHUP, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) != 0) {
      r.closed = seconds();
      for (ssize_t n; (n = recv(s, buf.data(), buf.size(), MSG_DONTWAIT)) > 0;) r.bytes += static_cast<size_t>(n);
      break;
    }
    if (chunk > 0) {
      const ssize_t n = recv(s, buf.data(), chunk, MSG_DONTWAIT);
      if (n > 0) r.bytes += static_cast<size_t>(n);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(chunk > 0 ? pause_ms : 50));
  }
  close(s);
  return r;
}

TEST_CASE("serve: a client that reads its answer slowly or not at all holds a worker for a bounded time",
          "[serve][security]") {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  Server srv({"scenarios"});
  auto c = srv.client();
  auto whole = c.Get("/vega.js");  // the largest answer, some 820 KiB
  REQUIRE(whole);
  REQUIRE(whole->status == 200);
  const size_t size = whole->body.size();
  REQUIRE(size > 500 * 1024);
  // Its deadline: 5 s from its first byte plus its size at 128 KiB/s (about 11.4 s).
  const double bound = 5 + static_cast<double>(size) / (128 * 1024);
  const std::string request = "GET /vega.js HTTP/1.1\r\nHost: " + srv.host() + "\r\n\r\n";
  // A client that reads steadily at 2.5 times that rate gets the whole answer.
  int steady = network_like_client(
      srv.port(), "GET /vega.js HTTP/1.1\r\nHost: " + srv.host() + "\r\nConnection: close\r\n\r\n", 64 * 1024);
  REQUIRE(steady >= 0);
  SlowRead all = read_slowly(steady, Clock::now(), 32 * 1024, 100, 30000);
  CHECK(all.bytes > size);
  CHECK(all.closed >= 0);
  // As many clients as workers (16) ask for it, then each takes `chunk` bytes every `pause_ms`:
  // each is reset within `limit` seconds of its request, and a request meanwhile is answered
  // once they are. They connect one by one, as a burst overflows the listening queue (a
  // dropped connection retries a second later).
  auto all_held_by = [&](size_t chunk, int pause_ms, double limit) {
    std::vector<std::future<SlowRead>> slow;
    for (int i = 0; i < 16; ++i) {
      int s = network_like_client(srv.port(), request, 4096);
      REQUIRE(s >= 0);
      slow.push_back(std::async(std::launch::async, read_slowly, s, Clock::now(), chunk, pause_ms,
                                static_cast<int>((limit + 6) * 1000)));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto other = srv.client();
    other.set_read_timeout(static_cast<time_t>(limit + 5));
    const auto asked = Clock::now();
    auto r = other.Get("/api/scenarios");
    const double waited = seconds_since(asked);
    REQUIRE(r);
    CHECK(r->status == 200);
    // Answered once a worker was free, 1 s after the clients asked; a slow build (sanitizers,
    // two busy cores) within 3 s more.
    CHECK(waited < limit + 2);
    for (auto& f : slow) {
      SlowRead got = f.get();
      CHECK(got.bytes < size);
      CHECK(got.closed > limit - 1);
      CHECK(got.closed < limit + 3);
    }
  };
  // 1 KiB every 0.1 s: the server's writes never wait 5 s (each write could wait up to 5 s,
  // and such clients held every worker for 80 s). Each is reset at the answer's deadline.
  all_held_by(1024, 100, bound);
  // Clients that read nothing: each is reset once no byte has gone for 5 s (they held every
  // worker for 8 s, and were never closed: what was left of the answer stayed queued).
  all_held_by(0, 0, 5);
}

TEST_CASE("serve: the address printed for --host NAME is one the server answers", "[serve][security]") {
  // A name of this machine that resolves to a loopback address, as `vm` does on a VM.
  char name[256] = {};
  REQUIRE(gethostname(name, sizeof name - 1) == 0);
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  bool loopback = false;
  if (getaddrinfo(name, nullptr, &hints, &found) == 0) {
    for (addrinfo* a = found; a; a = a->ai_next)
      loopback = loopback || (ntohl(reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
    freeaddrinfo(found);
  }
  if (!loopback || std::string(name) == "localhost") {
    WARN("the host name '" << name << "' does not resolve to a loopback address of its own; not tested");
    return;
  }
  Server srv({"scenarios"}, name);
  const std::string port = std::to_string(srv.port());
  CHECK(srv.url() == "http://" + std::string(name) + ":" + port + "/");
  auto c = srv.client();
  std::string upper = name;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const std::string& host : {std::string(name), upper, std::string("127.0.0.1"), std::string("localhost")}) {
    INFO(host);
    auto r = c.Get("/api/scenarios", {{"Host", host + ":" + port}});
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  // A refusal names the address printed.
  auto r = c.Get("/api/scenarios", {{"Host", "attacker.example:" + port}});
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(error_of(r)["message"] == "serve: Host 'attacker.example:" + port +
                                      "' is not this server's local address; open the page at " + srv.url());
}

TEST_CASE(
    "serve: a place asked with another method is 405 and host names are case-insensitive and every answer has its "
    "headers",
    "[serve][security]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  const std::string port = std::to_string(srv.port());
  // A place asked with a method it does not take: 405 with the methods it does.
  for (const auto& [method, path, allow] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"GET", "/api/compare", "POST"},
                                                                      {"PUT", "/api/run", "POST"},
                                                                      {"DELETE", "/api/variant", "POST"},
                                                                      {"POST", "/api/scenarios", "GET, HEAD"},
                                                                      {"POST", "/", "GET, HEAD"},
                                                                      {"OPTIONS", "/studio.js", "GET, HEAD"}}) {
    INFO(method << " " << path);
    const std::string got =
        raw(srv.port(), method + " " + path + " HTTP/1.1\r\nHost: " + srv.host() + "\r\nContent-Length: 0\r\n\r\n");
    auto [status, body] = answer_of(got);
    CHECK(status == 405);
    CHECK(got.find("\r\nAllow: " + allow + "\r\n") != std::string::npos);
    CHECK(body["error"]["message"].get<std::string>().find("takes " + std::string(allow == "POST" ? "POST" : "GET")) !=
          std::string::npos);
  }
  // Host names are case-insensitive (curl sends them as typed).
  for (const std::string& host : {"LOCALHOST:" + port, "LocalHost:" + port}) {
    auto r = c.Get("/api/scenarios", {{"Host", host}});
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  auto o = c.Get("/api/scenarios", {{"Origin", "HTTP://LOCALHOST:" + port}});
  REQUIRE(o);
  CHECK(o->status == 200);
  // Two Origins: refused, whichever comes first (only the first was checked).
  for (const auto& [first, second] :
       std::vector<std::pair<std::string, std::string>>{{"http://127.0.0.1:" + port, "http://attacker.example"},
                                                        {"http://attacker.example", "http://127.0.0.1:" + port}}) {
    auto [status, body] = answer_of(raw(srv.port(), "GET /api/scenarios HTTP/1.1\r\nHost: " + srv.host() +
                                                        "\r\nOrigin: " + first + "\r\nOrigin: " + second + "\r\n\r\n"));
    CHECK(status == 400);
    CHECK(body["error"]["message"].get<std::string>().find("more than one Origin header") != std::string::npos);
  }
  // Every answer: nosniff and a policy that allows nothing (the page's files: what the page
  // needs, once); never `Accept-Ranges: bytes`, as ranges are not served.
  auto api = c.Get("/api/scenarios");
  auto missing = c.Get("/api/nothing");
  auto head = c.Head("/");
  for (const auto* r : {&api, &missing, &head}) {
    REQUIRE(*r);
    CHECK((*r)->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK((*r)->get_header_value_count("Content-Security-Policy") == 1);
    CHECK((*r)->get_header_value("Accept-Ranges") == "none");
  }
  CHECK(api->get_header_value("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'");
  CHECK(missing->get_header_value("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'");
  CHECK(head->get_header_value("Content-Security-Policy").find("script-src 'self'") != std::string::npos);
}

TEST_CASE("serve: a body is read as JSON whatever its Content-Type, and keys or query names given twice are refused",
          "[serve][security]") {
  Server srv({"scenarios"});
  auto c = srv.client();
  const std::string host = "Host: " + srv.host() + "\r\n";
  // A body over 8 KiB sent as a form (curl -d): httplib capped such bodies at 8 KiB and read
  // them as query parameters; a multipart one it took apart, leaving the body empty.
  json big = {{"file", "teaching.yaml"}, {"runs", 10}, {"set", {{"title", std::string(9000, 'x')}}}};
  auto expected = post(c, "/api/run", big);
  REQUIRE(expected);
  REQUIRE(expected->status == 200);
  for (const std::string type :
       {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"}) {
    INFO(type);
    auto r = c.Post("/api/run", big.dump(), type);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == expected->body);
  }
  // A key twice in the body, at the top or inside `set`; a name twice in the query.
  for (const std::string body : {R"({"file": "teaching.yaml", "runs": 100, "runs": 200})",
                                 R"({"file": "teaching.yaml", "set": {"seed": 1, "seed": 2}})"}) {
    INFO(body);
    auto r = c.Post("/api/run", body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(json::parse(r->body)["error"]["message"].get<std::string>().find("is given twice") != std::string::npos);
  }
  auto twice = c.Get("/api/scenario?file=teaching.yaml&file=venezuela-2019.yaml");
  REQUIRE(twice);
  CHECK(twice->status == 400);
  CHECK(json::parse(twice->body)["error"]["message"].get<std::string>().find("'file' more than once") !=
        std::string::npos);
  // Whole numbers written as 1e2 or 100.0 are whole numbers (as --runs 1e2 is); 1.5 is not.
  auto hundred = post(c, "/api/run", {{"file", "teaching.yaml"}, {"runs", 100}, {"seed", 3}});
  REQUIRE(hundred);
  for (const std::string body : {R"({"file": "teaching.yaml", "runs": 1e2, "seed": 3.0})",
                                 R"({"file": "teaching.yaml", "runs": 100.0, "seed": 3})"}) {
    INFO(body);
    auto r = c.Post("/api/run", body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == hundred->body);
  }
  auto half = c.Post("/api/run", R"({"file": "teaching.yaml", "runs": 1.5})", "application/json");
  REQUIRE(half);
  CHECK(half->status == 400);
  CHECK(json::parse(half->body)["error"]["message"] == "serve: \"runs\" must be a whole number >= 1, got 1.5");
  still_serves(srv);
}

TEST_CASE("serve: an absolute-form target is read as its path when its host is the Host header's", "[serve]") {
  Server srv({"scenarios"});
  const std::string host = srv.host();
  auto c = srv.client();
  auto list = c.Get("/api/scenarios");
  REQUIRE(list);
  std::string got = raw(
      srv.port(), "GET http://" + host + "/api/scenarios HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  REQUIRE(got.rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(got.substr(got.find("\r\n\r\n") + 4) == list->body);
  // Without a path it is the page, `/`; the scheme's case does not matter.
  got = raw(srv.port(), "GET HTTP://" + host + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  CHECK(got.rfind("HTTP/1.1 200 ", 0) == 0);
  // Another host than the Host header's (which the DNS-rebinding check reads), or none.
  for (const std::string target : {"http://attacker.example/api/scenarios", "http:///api/scenarios"}) {
    INFO(target);
    auto [status, body] =
        answer_of(raw(srv.port(), "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"));
    CHECK(status == 400);
    CHECK(body["error"]["message"].get<std::string>().find("host") != std::string::npos);
  }
  // Methods the studio takes nowhere are 405 with what the place takes, not asked for a length.
  for (const auto& [method, path, allow] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"DELETE", "/", "GET, HEAD"}, {"PUT", "/api/run", "POST"}, {"PATCH", "/api/scenarios", "GET, HEAD"}}) {
    INFO(method << " " << path);
    std::string answer = raw(srv.port(), method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    auto [status, body] = answer_of(answer);
    CHECK(status == 405);
    CHECK(answer.find("\r\nAllow: " + allow + "\r\n") != std::string::npos);
  }
  still_serves(srv);
}
