// Shared pieces of the geosim subcommands: option parsing, loading with overrides,
// progress on stderr, and interruption.
#pragma once

#include <boost/program_options.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/output/files.h"
#include "engine/scenario/loader.h"

namespace geosim {
class Model;
}

namespace geosim::cli {

namespace po = boost::program_options;

// A subcommand: name, one-line summary, entry point (argv without the subcommand name).
struct Command {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>&)> run;
};
// All subcommands, in help order. Each command file registers itself here.
std::vector<Command>& commands();
struct Register {
  Register(const char* name, const char* summary, std::function<int(const std::vector<std::string>&)> run);
};

// Parses args against `opts` (+ positional names); throws UsageError with the help hint.
po::variables_map parse(const std::string& command, const std::vector<std::string>& args,
                        const po::options_description& opts, const po::positional_options_description& pos);

// The options every scenario-reading command shares: --set, --until, --horizon.
struct ScenarioArgs {
  std::vector<std::string> sets;
  std::string until;
  std::string horizon;  // steps, or in format 2 a duration ('26 weeks'); empty: not given
  void add_to(po::options_description& opts);
  LoadOptions load_options() const;
  // When --until falls inside a step, says on standard error where the runs end instead
  // (the end of that step); nothing otherwise, or when `quiet`.
  void note_until(const Scenario& sc, bool quiet) const;
};

// Threads: 0 = all cores (at most thread_limit(), engine/core/thread_limit.h); 1 ..
// thread_limit() as given. Anything else is a UsageError naming `command` and the range.
void apply_threads(int threads, const std::string& command);

// Progress on stderr: a live line on a terminal, a plain line every few seconds otherwise.
class Progress {
 public:
  Progress(std::string what, bool quiet);
  void update(uint64_t done, uint64_t total);
  void finish();

 private:
  std::string what_;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

// Set by SIGINT/SIGTERM once install_signal_handlers() has run; interrupted_again() by a
// second one (a sweep then abandons the point it is computing instead of finishing it).
std::atomic<bool>& interrupted();
std::atomic<bool>& interrupted_again();
void install_signal_handlers();

// An options struct (RunOptions, PairOptions, ...) that stops on SIGINT/SIGTERM and shows its
// progress on `progress`.
template <class Options>
Options stoppable(Options o, Progress& progress) {
  install_signal_handlers();
  o.stop = &interrupted();
  o.progress = [&progress](uint64_t done, uint64_t total) { progress.update(done, total); };
  return o;
}

std::string format_count(uint64_t n);  // 1,234,567

// `geosim run --lever-effects`: the paired effect of switching each lever off
// (cmd_compare.cpp, beside `geosim compare`, which shares its report).
int print_lever_effects(const Model& model, uint64_t runs, uint64_t seed, const std::string& format,
                        const std::string& output, bool quiet, const std::string& command,
                        const std::string& posterior_dir = "");

}  // namespace geosim::cli
