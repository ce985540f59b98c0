// `geosim sweep SPEC --output DIR`: run every point of a sweep spec (docs/sweep-format.md),

#include <fmt/format.h>
// committing each to DIR/results.sqlite, then write DIR/results.csv. Resumable.
// Under mpirun rank 0 deals points and writes; the other ranks compute (mpi_sweep.h).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>

#include "analysis/report/report.h"  // reproduce_command
#include "analysis/sweep/mpi_sweep.h"
#include "analysis/sweep/results_csv.h"
#include "analysis/sweep/store.h"
#include "cli/common.h"
#include "engine/core/cluster.h"
#include "engine/core/parallel.h"
#include "engine/runner/distributed.h"

namespace geosim::cli {

namespace {

// Points done / total, runs per second and ETA on stderr: a live line on a terminal, a
// plain line every few seconds otherwise (the same rhythm as Progress in common.h).
class SweepProgress {
 public:
  SweepProgress(int64_t done, int64_t total, uint64_t runs_per_point, bool quiet)
      : done0_(done), done_(done), total_(total), rpp_(runs_per_point), quiet_(quiet),
        tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_(start_) {}
  void point_done() { ++done_; }
  void update(uint64_t runs, bool force = false) {
    if (quiet_) return;
    auto now = std::chrono::steady_clock::now();
    double since_start = std::chrono::duration<double>(now - start_).count();
    double since_last = std::chrono::duration<double>(now - last_).count();
    if (!force && (since_start < 1.0 || since_last < (tty_ ? 0.2 : 5.0))) return;
    last_ = now;
    double rate = static_cast<double>(runs) / std::max(1e-9, since_start);
    double left = static_cast<double>(total_ - done_) * static_cast<double>(rpp_);
    const std::string line =
        fmt::format("points {} / {} ({:.0f}%), {} runs/s, ETA {:.0f}s", format_count(static_cast<uint64_t>(done_)),
                    format_count(static_cast<uint64_t>(total_)),
                    total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0,
                    format_count(static_cast<uint64_t>(rate)), rate > 0 ? left / rate : 0.0);
    if (tty_) std::fprintf(stderr, "\r%s\033[K", line.c_str());
    else std::fprintf(stderr, "%s\n", line.c_str());
    shown_ = true;
  }
  void finish() {
    if (shown_ && tty_) std::fprintf(stderr, "\r\033[K");
  }
  int64_t computed() const { return done_ - done0_; }

 private:
  int64_t done0_, done_, total_;
  uint64_t rpp_;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

int sweep_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim sweep SPEC --output DIR [options]\n\n"
      "Runs every point of a sweep spec (docs/sweep-format.md) and stores the results in\n"
      "DIR/results.sqlite, point by point, then DIR/results.csv. An interrupted sweep\n"
      "continues with --resume and gives the same results as one that was never stopped.\n\nOptions");
  std::string spec_file, dir, format = "wide";
  int threads = 0;
  bool resume = false, quiet = false;
  opts.add_options()("help,h", "show this help")
      ("spec", po::value<std::string>(&spec_file), "the sweep spec (YAML)")
      ("output,o", po::value<std::string>(&dir), "directory for results.sqlite and results.csv (required)")
      ("resume", po::bool_switch(&resume), "finish a sweep that was interrupted in DIR")
      ("format,f", po::value<std::string>(&format),
       "wide (default: results.csv, one row per point) or long (also results_long.csv, one row per point x "
       "outcome)")
      ("threads,t", po::value<int>(&threads), "threads to use (default: all cores; at most 4 per core); never changes results")
      ("quiet,q", po::bool_switch(&quiet), "no progress on stderr");
  po::positional_options_description pos;
  pos.add("spec", 1);
  auto vm = parse("sweep", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n"
              << "  geosim sweep scenarios/sweeps/teaching-grid.yaml --output out/grid\n"
              << "  geosim sweep scenarios/sweeps/teaching-grid.yaml --output out/grid --resume\n";
    return kExitOk;
  }
  if (spec_file.empty()) throw UsageError("sweep: which spec? (geosim sweep SPEC --output DIR; see 'geosim sweep --help')");
  if (dir.empty()) throw UsageError("sweep: --output DIR is required (where results.sqlite and results.csv go)");
  if (format != "wide" && format != "long")
    throw UsageError("sweep: --format must be wide or long, got '" + format + "'");
  apply_threads(threads, "sweep");
  SweepPlan plan = load_sweep_plan(spec_file);
  load_sweep_posterior(plan);
  {
    // The files the sweep writes in DIR must not be what it reads (a spec named results.csv).
    std::vector<PathRole> read = {{"the spec", spec_file}, {"the scenario", plan.spec.scenario}};
    for (const auto& f : plan.scenario.extended) read.push_back({"a file the scenario extends", f});
    for (auto& f : result_folder_files(plan.spec.posterior, "the spec's posterior folder"))
      read.push_back(std::move(f));
    check_distinct_paths(read, result_folder_files(dir, "the --output folder " + dir));
  }
  const Cluster& cl = cluster();
  // Only rank 0 opens the results; every rank learns whether it could before any rank
  // talks to another, so a refused directory ends all ranks with rank 0's message.
  std::unique_ptr<ResultStore> owned;
  std::exception_ptr open_error;
  if (cl.root()) {
    try {
      owned = std::make_unique<ResultStore>(dir, plan, StoreOptions{resume, reproduce_command("sweep", args), format == "long"});
    } catch (...) {
      open_error = std::current_exception();
    }
  }
  if (cluster_max(open_error ? 1 : 0)) {
    if (open_error) std::rethrow_exception(open_error);
    throw PeerFailure();
  }
  install_signal_handlers();
  if (!cl.root()) {
    SweepRunOptions so;
    so.stop = &interrupted();
    work_sweep(plan, so);
    return kExitOk;  // rank 0 decides the exit code; main() agrees on the largest
  }

  ResultStore& store = *owned;
  std::vector<int64_t> pending = store.pending();
  int64_t done = plan.points - static_cast<int64_t>(pending.size());
  if (!quiet && done > 0)
    std::cerr << "resuming: " << format_count(static_cast<uint64_t>(done)) << " of "
              << format_count(static_cast<uint64_t>(plan.points)) << " points already done\n";

  SweepProgress progress(done, plan.points, plan.spec.runs, quiet);
  SweepRunOptions so;
  so.stop = &interrupted();
  so.abandon = &interrupted_again();
  bool told = false;  // that a stop request was seen (a point of many runs may take long)
  auto tell = [&] {
    if (told || !interrupted() || interrupted_again()) return;
    told = true;
    progress.finish();
    std::cerr << "geosim: stopping after this point (interrupt again to abandon it; --resume computes it)\n";
  };
  so.committed = [&](const PointResult& r, uint64_t runs) {
    progress.point_done();
    if (!r.ok) {
      progress.finish();
      if (!quiet) std::cerr << "point " << r.point << " failed: " << r.reason << "\n";
    }
    progress.update(runs);
  };
  so.running = [&](uint64_t runs) {
    tell();
    progress.update(runs);
  };
  SweepStats stats;
  if (cl.size > 1) {
    stats = serve_sweep(plan, pending, store, so);
  } else {
    ListDealer dealer(pending);
    stats = run_sweep(plan, dealer, store, so);
  }
  progress.finish();
  if (stats.stopped) {
    std::cerr << "geosim: interrupted; " << format_count(static_cast<uint64_t>(store.committed_count())) << " of "
              << format_count(static_cast<uint64_t>(plan.points)) << " points are saved in " << store.path()
              << "\nTo finish: geosim sweep " << shell_word(spec_file) << " --output " << shell_word(dir)
              << (format == "long" ? " --format long" : "") << " --resume\n";
    return kExitInterrupted;
  }
  store.finish();
  if (!quiet) {
    std::cerr << "sweep done: " << format_count(static_cast<uint64_t>(plan.points)) << " points ("
              << format_count(static_cast<uint64_t>(stats.committed)) << " computed now";
    std::cerr << ")\n  " << dir << "/results.sqlite\n  " << dir << "/results.csv\n";
    if (format == "long") std::cerr << "  " << dir << "/results_long.csv\n";
    // Failed points, of this run or an earlier one: results.csv marks them without a reason.
    constexpr size_t kShown = 5;
    const ResultStore::Failed failed = store.failed_points(kShown);
    if (failed.count > 0) {
      std::cerr << format_count(static_cast<uint64_t>(failed.count)) << " of "
                << format_count(static_cast<uint64_t>(plan.points)) << " points failed (status failed in results.csv, "
                << "with no results):\n";
      for (const auto& [point, reason] : failed.first) std::cerr << "  point " << point << ": " << reason << "\n";
      if (failed.count > static_cast<int64_t>(failed.first.size()))
        std::cerr << "  and " << format_count(static_cast<uint64_t>(failed.count) - failed.first.size()) << " more\n";
      std::cerr << "all reasons: " << failed_reasons_command(store.path()) << "\n";
    }
  }
  return kExitOk;
}

Register reg("sweep", "run a parameter sweep from a spec; results in SQLite and CSV, resumable", sweep_command);

}  // namespace
}  // namespace geosim::cli
