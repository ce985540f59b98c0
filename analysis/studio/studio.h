// `geosim serve`: the what-if studio, a local web page where a student switches levers on
// and off, moves their sliders and sees the odds of each outcome change.
//
// The page is one self-contained document compiled into geosim (with the report's charting
// scripts); it speaks only to the server that sent it. The API is the command line:
// POST /api/run answers with exactly the bytes `geosim run FILE --set ... --runs N --seed S
// --format json` prints, and errors carry the command's messages and exit classes
// (docs/studio.md). The server is safe by default: it listens on 127.0.0.1, serves only the
// scenario files under its folder, refuses requests whose Host or Origin is not a local
// address (DNS rebinding), refuses requests that a proxy could read another way, and caps
// request bodies, the time a request may take to arrive, runs and the work (runs x steps)
// of a request. Connections wait for their requests without holding a worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace geosim::studio {

// The work one request may ask for when Options::max_run_steps is 0: this many steps a run
// at --max-runs (the shipped scenarios have at most 364 steps, a comparison twice that).
constexpr uint64_t kRunStepsPerRun = 1000;

struct Options {
  std::string root = ".";  // a folder, or one scenario file
  std::string host = "127.0.0.1";
  int port = 8765;              // 0: any free port
  uint64_t max_runs = 200000;   // per request
  uint64_t max_run_steps = 0;   // runs x steps per request (both arms of a comparison); 0: max_runs x kRunStepsPerRun
  size_t max_body = 64 * 1024;  // bytes per request body
  int threads = 0;              // per computation; 0 = all cores
  int workers = 16;             // requests served at once
};

// Serves until `stop` is set (then finishes cleanly: open computations are abandoned,
// connections closed). `ready` receives the page's address once the port is bound.
// Throws UsageError when the folder is missing or the port cannot be bound.
void serve(const Options& options, const std::atomic<bool>& stop, const std::function<void(const std::string&)>& ready);

}  // namespace geosim::studio
