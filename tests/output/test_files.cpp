// Output and input files (engine/output/files.h): atomic writes that no planted symlink can
// redirect, special files written directly and never replaced, inputs read only from regular
// files with a limit, outputs that may not overwrite inputs, and the lock of an output folder.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "engine/core/error.h"
#include "engine/output/files.h"
#include "tests/cli.h"

using namespace geosim;
using geosim::test::cli_run;
using geosim::test::read_text;
using geosim::test::error_of;
namespace fs = std::filesystem;

namespace {

// A fresh folder for one test, removed at the end.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& name) {
    path = (fs::temp_directory_path() / ("geosim-files-" + name + "-" + std::to_string(::getpid()))).string();
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

int entries(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("an atomic write replaces the file and leaves no temporary file", "[files]") {
  TempDir d("atomic");
  write(d / "out.txt", "old\n");
  write_file_atomic(d / "out.txt", "new\n");
  CHECK(read_text(d / "out.txt") == "new\n");
  CHECK(entries(d.path) == 1);
  write_file_atomic(d / "fresh.txt", "x");
  CHECK(read_text(d / "fresh.txt") == "x");
  CHECK(entries(d.path) == 2);
}

TEST_CASE("planted symlinks at predictable temporary names do not redirect the output", "[files]") {
  TempDir d("symlinks");
  write(d / "victim", "precious\n");
  // The names an attacker could predict: <target>.tmp.<pid> for this and the next pids.
  for (int k = 0; k < 50; ++k)
    fs::create_symlink(d / "victim", d / ("out.json.tmp." + std::to_string(::getpid() + k)));
  write_file_atomic(d / "out.json", "{}\n");
  CHECK(read_text(d / "victim") == "precious\n");
  CHECK(read_text(d / "out.json") == "{}\n");
  CHECK(fs::is_symlink(d / ("out.json.tmp." + std::to_string(::getpid()))));
}

TEST_CASE("SIGTERM while the temporary file exists leaves no temporary file", "[files]") {
  TempDir d("signal");
  const std::string target = d / "out.bin";
  write(target, "old");
  const size_t big = size_t{192} << 20;  // long enough to be caught while writing
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGTERM, SIG_DFL);
    try {
      write_file_atomic(target, std::string(big, 'x'));
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  bool sent = false;
  for (int i = 0; i < 20000 && !sent; ++i) {
    for (const auto& e : fs::directory_iterator(d.path))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) {
        ::kill(child, SIGTERM);
        sent = true;
        break;
      }
    if (!sent) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  if (!sent) WARN("the write finished before the signal could be sent; nothing was checked");
  if (sent) {
    CHECK(WIFSIGNALED(status));  // the signal still ends the process, once the file is in place
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGTERM);
  }
  CHECK(entries(d.path) == 1);  // no temporary file left
  const auto size = fs::file_size(target);
  CHECK((size == 3 || size == big));  // the old file or the new one, whole
}

TEST_CASE("a symlink to a regular file is followed: the file is replaced, the link stays", "[files]") {
  TempDir d("follow");
  write(d / "real.json", "old");
  fs::create_symlink(d / "real.json", d / "link.json");
  write_file_atomic(d / "link.json", "new");
  CHECK(fs::is_symlink(d / "link.json"));
  CHECK(read_text(d / "real.json") == "new");
  fs::create_symlink(d / "missing", d / "dangling.json");
  CHECK_THAT(error_of([&] { write_file_atomic(d / "dangling.json", "x"); }),
             Catch::Contains("is a symbolic link to nothing"));
  CHECK_FALSE(fs::exists(d / "missing"));
}

TEST_CASE("a FIFO is written into, never replaced, and one nobody reads is refused at once", "[files]") {
  TempDir d("fifo");
  const std::string fifo = d / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THAT(error_of([&] { write_file_atomic(fifo, "x"); }), Catch::Contains("is a FIFO that nobody reads"));
  int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(rd >= 0);
  write_file_atomic(fifo, "through the pipe\n");
  char buf[64] = {};
  ssize_t n = ::read(rd, buf, sizeof buf - 1);
  ::close(rd);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "through the pipe\n");
  CHECK(fs::is_fifo(fifo));
  CHECK(entries(d.path) == 1);
}

TEST_CASE("a character device is written directly and stays a device", "[files]") {
  TempDir d("device");
  // Private copies of /dev/null and /dev/full (device numbers 1,3 and 1,7), so that a
  // regression replaces these, not the system's. Creating device nodes needs privilege.
  const std::string null_dev = d / "null", full_dev = d / "full";
  if (::mknod(null_dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
      ::mknod(full_dev.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0) {
    WARN("cannot create device nodes here; checking /dev/null read-only");
    CHECK(fs::is_character_file("/dev/null"));
    return;
  }
  write_file_atomic(null_dev, "discarded");
  CHECK(fs::is_character_file(null_dev));
  CHECK_THAT(error_of([&] { write_file_atomic(full_dev, "no space"); }), Catch::Contains("writing the output failed"));
  CHECK(fs::is_character_file(full_dev));
  CHECK(entries(d.path) == 2);
}

TEST_CASE("a folder as the output is refused", "[files]") {
  TempDir d("folder");
  CHECK_THAT(error_of([&] { write_file_atomic(d.path, "x"); }), Catch::Contains("is a folder, not a file"));
  CHECK_THAT(error_of([&] { write_file_atomic(d / "no/such/out.json", "x"); }),
             Catch::Contains("cannot write output file; check that the folder exists and is writable"));
}

TEST_CASE("inputs are read only from regular files, within their limit", "[files]") {
  TempDir d("read");
  write(d / "small.txt", "hello");
  CHECK(read_input_file(d / "small.txt", 5) == "hello");
  CHECK_THAT(error_of([&] { read_input_file(d / "small.txt", 4); }),
             Catch::Contains("file is 5 bytes, over the limit of 4 bytes"));
  CHECK_THAT(error_of([&] { read_input_file("/dev/zero", 1 << 20); }), Catch::Contains("is not a regular file"));
  CHECK_THAT(error_of([&] { read_input_file(d.path, 1 << 20); }), Catch::Contains("is a folder"));
  CHECK_THAT(error_of([&] { read_input_file(d / "missing", 10); }), Catch::Contains("cannot open file"));
  const std::string fifo = d / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // No writer: reading must not wait for one.
  CHECK_THAT(error_of([&] { read_input_file(fifo, 10); }), Catch::Contains("is not a regular file"));
}

TEST_CASE("an output that is an input or another output is found by identity, not by name", "[files]") {
  TempDir d("distinct");
  write(d / "in.yaml", "x");
  fs::create_symlink(d / "in.yaml", d / "alias.yaml");
  fs::create_hard_link(d / "in.yaml", d / "hard.yaml");
  fs::create_directories(d / "sub");
  const std::vector<PathRole> in = {{"the scenario", d / "in.yaml"}};
  CHECK_THAT(error_of([&] { check_distinct_paths(in, {{"--output", d / "sub/../in.yaml"}}); }),
             Catch::Contains("--output names the same file as the scenario"));
  CHECK_THAT(error_of([&] { check_distinct_paths(in, {{"--output", d / "alias.yaml"}}); }),
             Catch::Contains("the same file"));
  CHECK_THAT(error_of([&] { check_distinct_paths(in, {{"--output", d / "hard.yaml"}}); }),
             Catch::Contains("the same file"));
  // Two outputs not yet written, named differently.
  CHECK_THAT(error_of([&] { check_distinct_paths(in, {{"--output", d / "new.json"}, {"--report", d / "sub/../new.json"}}); }),
             Catch::Contains("--report and --output name the same file"));
  CHECK_THAT(error_of([&] { check_distinct_paths(in, {{"--output", "-"}, {"--report", "-"}}); }),
             Catch::Contains("standard output"));
  CHECK(error_of([&] { check_distinct_paths(in, {{"--output", d / "a.json"}, {"--report", d / "b.html"}}); }) ==
        "(no error)");
  CHECK(error_of([&] { check_distinct_paths(in, {{"--output", "/dev/null"}, {"--report", "/dev/null"}}); }) ==
        "(no error)");
  CHECK(error_of([&] { check_distinct_paths(in, {{"--output", ""}}); }) == "(no error)");
}

TEST_CASE("a folder's lock is held by one holder at a time", "[files]") {
  TempDir d("lock");
  {
    DirLock first(d.path, "test");
    CHECK_THAT(error_of([&] { DirLock second(d.path, "test"); }),
               Catch::Contains("another geosim command is writing to this folder (process " + std::to_string(::getpid())));
  }
  CHECK(error_of([&] { DirLock again(d.path, "test"); }) == "(no error)");
}

// --- the command line ---------------------------------------------------------------------

TEST_CASE("the thread count (--threads) is bounded by a multiple of the cores, with a usage error", "[files][cli]") {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string limit = std::to_string(4 * cores);
  for (const char* cmd : {"run scenarios/teaching.yaml --runs 10 -q", "compare scenarios/teaching.yaml "
                          "scenarios/teaching.yaml --runs 10 -q", "bargain tests/data/ec_emissions.csv"}) {
    auto r = cli_run(std::string(cmd) + " --threads 100000");
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("--threads must be 0 (all cores) or from 1 to " + limit));
    CHECK_THAT(r.err, Catch::Contains("got 100000"));
  }
  auto ok = cli_run("run scenarios/teaching.yaml --runs 10 -q --threads " + limit);
  CHECK(ok.code == 0);
  CHECK(cli_run("run scenarios/teaching.yaml --runs 10 -q --threads -1").code == 2);
}

TEST_CASE("an output may not overwrite the command's input or its other output", "[files][cli]") {
  TempDir d("cli-distinct");
  fs::copy_file(geosim::test::source_path("scenarios/teaching.yaml"), d / "s.yaml");
  const std::string before = read_text(d / "s.yaml");
  auto r = cli_run("run '" + (d / "s.yaml") + "' --runs 10 -q -f json -o '" + (d / "s.yaml") + "'");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("--output names the same file as the scenario"));
  CHECK(read_text(d / "s.yaml") == before);

  r = cli_run("run '" + (d / "s.yaml") + "' --runs 10 -q -f json -o '" + (d / "same.json") + "' --report '" + d.path +
              "/./same.json'");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("--report and --output name the same file"));
  CHECK_FALSE(fs::exists(d / "same.json"));

  fs::copy_file(geosim::test::source_path("tests/data/ec_emissions.csv"), d / "ec.csv");
  fs::create_directories(d / "sub");
  r = cli_run("bargain '" + (d / "ec.csv") + "' -o '" + (d / "sub/../ec.csv") + "'");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("names the same file as the input"));
  CHECK(read_text(d / "ec.csv") == read_text(geosim::test::source_path("tests/data/ec_emissions.csv")));
}

TEST_CASE("output to '-' goes to standard output, a FIFO is written, not replaced", "[files][cli]") {
  TempDir d("cli-dash");
  auto r = cli_run("run scenarios/teaching.yaml --runs 10 -q -f csv -o -");
  CHECK(r.code == 0);
  // The CSV (its reproduction lines, then the table) on standard output.
  CHECK_THAT(r.out, Catch::StartsWith("# geosim ") && Catch::Contains("\noutcome,count,probability"));
  CHECK_FALSE(fs::exists(geosim::test::source_path("-")));
  const std::string fifo = d / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  r = cli_run("run scenarios/teaching.yaml --runs 10 -q -f csv -o '" + fifo + "'");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("is a FIFO that nobody reads"));
  CHECK(fs::is_fifo(fifo));
}

namespace {

// A copy of the teaching grid in `dir`, with `runs` runs per point and `steps` values per axis.
std::string grid_spec(const TempDir& d, const std::string& name, int runs, int steps) {
  const std::string path = d / name;
  write(path, "sweep: 1\nid: " + name.substr(0, name.find('.')) + "\nscenario: " +
                  geosim::test::source_path("scenarios/teaching.yaml") +
                  "\nparameters:\n  - path: levers.sanctions.intensity\n    min: 0\n    max: 1\n    steps: " +
                  std::to_string(steps) +
                  "\n  - path: levers.amnesty_for_officers.credibility\n    min: 0\n    max: 1\n    steps: " +
                  std::to_string(steps) + "\nruns: " + std::to_string(runs) + "\nseed: 1\n");
  return path;
}

// Whether a sweep's database has recorded its spec's hash (ResultStore::create commits it
// just after the file appears, so a sweep stopped in between leaves no results of its own).
bool recorded_spec(const std::string& db_path) {
  sqlite3* db = nullptr;
  bool yes = false;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM metadata WHERE key='spec_hash'", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      yes = sqlite3_column_int64(s, 0) > 0;
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return yes;
}

bool locked(const std::string& dir) {
  try {
    DirLock probe(dir, "test");
    return false;
  } catch (const InputError&) {
    return true;
  }
}

}  // namespace

TEST_CASE("a sweep refuses a folder another command holds", "[files][cli][sweep]") {
  TempDir d("sweep-held");
  const std::string spec = grid_spec(d, "small.yaml", 20, 2);
  fs::create_directories(d / "out");
  {
    DirLock held(d / "out", "test");
    auto r = cli_run("sweep '" + spec + "' --output '" + (d / "out") + "' -q");
    CHECK(r.code == 3);
    CHECK_THAT(r.err, Catch::Contains("another geosim command is writing to this folder"));
    CHECK_FALSE(fs::exists(d / "out/results.sqlite"));
  }
  auto r = cli_run("sweep '" + spec + "' --output '" + (d / "out") + "' -q");
  CHECK(r.code == 0);
  CHECK(fs::exists(d / "out/results.csv"));
}

TEST_CASE("two sweeps started into one folder: the second is refused while the first runs", "[files][cli][sweep]") {
  TempDir d("sweep-race");
  const std::string long_spec = grid_spec(d, "long.yaml", 200000, 11);
  const std::string other_spec = grid_spec(d, "other.yaml", 20, 3);
  const std::string out = d / "out";
  const std::string pid_file = d / "pid";
  // The first sweep, in the background; it takes minutes, and is stopped below.
  const std::string start = "cd '" + geosim::test::source_path("") + "' && ('" + GEOSIM_BINARY + "' sweep '" +
                            long_spec + "' --output '" + out + "' -q > /dev/null 2>&1 & echo $! > '" + pid_file + "')";
  REQUIRE(std::system(start.c_str()) == 0);
  bool held = false;
  for (int i = 0; i < 600 && !held; ++i) {  // up to 60 s for it to start on a busy machine
    // results.sqlite exists only once the sweep holds the lock: probing earlier could take
    // the lock first and turn the first sweep away.
    held = fs::exists(out + "/results.sqlite") && locked(out);
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(held);
  auto r = cli_run("sweep '" + other_spec + "' --output '" + out + "' -q");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("another geosim command is writing to this folder"));
  // Before stopping it, let the first sweep record its spec (a sweep stopped before that
  // leaves an empty database, which any sweep may then use).
  bool recorded = false;
  for (int i = 0; i < 600 && !(recorded = recorded_spec(out + "/results.sqlite")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(recorded);
  // Stop the first sweep and wait until it has let go of the folder.
  const std::string pid = read_text(pid_file);
  REQUIRE(std::system(("kill -TERM " + pid).c_str()) == 0);
  for (int i = 0; i < 600 && locked(out); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(locked(out));
  // The folder now holds the first sweep's partial results: the other spec is refused by its hash.
  r = cli_run("sweep '" + other_spec + "' --output '" + out + "' -q --resume");
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("holds the results of another sweep"));
}

TEST_CASE("an empty value is refused, never read as not given, and --help still needs none", "[files][cli]") {
  for (const char* command : {"run", "validate", "compare", "sweep", "sensitivity", "discover", "report", "bargain",
                              "calibrate", "describe", "new", "serve"}) {
    INFO(command);
    CHECK(cli_run(std::string(command) + " --help").code == 0);
    CHECK(cli_run(std::string(command) + " -h").code == 0);
  }
  const struct {
    const char* args;
    const char* message;
  } cases[] = {
      {"run scenarios/teaching.yaml --runs 10 -q -o ''", "geosim run: --output is empty; give a value"},
      {"run scenarios/teaching.yaml --runs 10 -q --report ''", "geosim run: --report is empty; give a value"},
      {"run scenarios/teaching.yaml --runs 10 -q --fan-histograms ''", "--fan-histograms is empty"},
      {"run scenarios/teaching.yaml --runs 10 -q --until ''", "--until is empty"},
      {"run ''", "geosim run: the scenario argument is empty; give a value"},
      {"compare scenarios/teaching.yaml scenarios/teaching.yaml --runs 10 -q -o ''", "--output is empty"},
      {"new x -o ''", "geosim new: --output is empty; give a value"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    auto r = cli_run(c.args);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
    CHECK(r.out.empty());
  }
  CHECK_FALSE(fs::exists(geosim::test::source_path("x.yaml")));
}

TEST_CASE("a result lost on standard output is a failure, not exit 0", "[files][cli]") {
  // /dev/full takes nothing: the output written to standard output is lost, as it is with
  // -o /dev/full, which already failed with exit 3.
  if (!std::filesystem::exists("/dev/full")) {
    WARN("no /dev/full: not checked");
    return;
  }
  const std::string err = geosim::test::temp_path("full-stderr");
  for (const char* args : {"run scenarios/teaching.yaml --runs 10 -q --format json",
                           "run scenarios/teaching.yaml --runs 10 -q", "run scenarios/teaching.yaml --replay 2",
                           "compare scenarios/teaching.yaml scenarios/teaching.yaml --runs 10 -q",
                           "validate scenarios/teaching.yaml", "--help", "--version", "run --help"}) {
    INFO(args);
    const std::string cmd = std::string("cd '") + GEOSIM_SOURCE_DIR + "' && '" + GEOSIM_BINARY + "' " + args +
                            " > /dev/full 2> '" + err + "'";
    const int status = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3);
    CHECK_THAT(geosim::test::read_text(err), Catch::Contains("standard output: writing the output failed"));
  }
  std::remove(err.c_str());
}
