// `geosim serve`: the what-if studio, a local page where levers are switches and sliders
// and the odds of each outcome update as they move (analysis/studio, docs/studio.md).
#include <iostream>

#include "analysis/studio/studio.h"
#include "cli/common.h"

namespace geosim::cli {
namespace {

int serve_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim serve [SCENARIO or FOLDER] [options]\n\n"
      "Serves the what-if studio: a page where each lever is a switch with sliders, and the\n"
      "odds of every outcome (with the paired change against the scenario as written) update\n"
      "as they move. Only the scenario files under FOLDER (default: the current folder) are\n"
      "served, on this machine alone unless --host says otherwise. Ctrl-C stops it.\n\nOptions");
  studio::Options so;
  uint64_t max_runs = so.max_runs;
  opts.add_options()("help,h", "show this help")("root", po::value<std::string>(&so.root),
                                                 "a scenario file, or a folder of them")(
      "port,p", po::value<int>(&so.port), "port to listen on (default 8765; 0: any free port)")(
      "host", po::value<std::string>(&so.host),
      "address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")(
      "max-runs", po::value<uint64_t>(&max_runs), "most runs one request may ask for (default 200000)")(
      "max-run-steps", po::value<uint64_t>(&so.max_run_steps),
      "most runs x steps one request may ask for, both arms of a comparison (default: --max-runs x 1000)")(
      "threads,t", po::value<int>(&so.threads), "threads per computation (default: all cores); never changes results");
  po::positional_options_description pos;
  pos.add("root", 1);
  auto vm = parse("serve", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n  geosim serve scenarios/\n  geosim serve scenarios/venezuela-2019.yaml --port 9000\n"
              << "\nThe API (docs/studio.md) answers POST /api/run with the bytes of\n"
              << "  geosim run FILE --set PATH=VALUE ... --runs N --seed S --format json\n";
    return kExitOk;
  }
  // The bound and words of `geosim run --threads` (engine/core/thread_limit.h): thousands
  // of threads would crash the OpenMP runtime at the first computation.
  apply_threads(so.threads, "serve");
  so.max_runs = max_runs;
  if (vm.count("max-run-steps") && so.max_run_steps == 0)
    throw UsageError("serve: --max-run-steps must be at least 1 (leave it out for --max-runs x 1000)");
  install_signal_handlers();
  studio::serve(so, interrupted(), [](const std::string& url) {
    std::cout << "geosim studio: " << url << "  (Ctrl-C stops it)" << std::endl;
  });
  std::cout << "geosim studio: stopped" << std::endl;
  return kExitOk;
}

Register reg("serve", "the what-if studio: a local page with levers as switches and sliders", serve_command);

}  // namespace
}  // namespace geosim::cli
