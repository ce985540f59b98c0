// Benchmarks of the Monte Carlo engine (Google Benchmark). docs/performance.md explains the
// figures and the command that produces them (scripts/bench.sh).
//
//   runs/s and ns per run-step on the shipped scenarios, at 1 and 2 threads, and on the frozen
//   format 1 copy of venezuela-2019 (bench/venezuela-2019-v1.yaml, "venezuela-2019-v1"), the
//   reference of the per-core figure across rounds;
//   cost against the number of actors, units and steps on synthetic scenarios.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <thread>

#include "bench/synthetic.h"
#include "engine/core/parallel.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

using namespace geosim;

namespace {

Scenario from_yaml(const std::string& yaml) {
  return build_scenario(parse_yaml_text(yaml, FileLoc{"synthetic.yaml", 0, 0}), "synthetic.yaml");
}

// Steps taken by all the runs of `acc`. A run ends with its outcome, except in format 2 with
// a leader: the outcome is how and when the leader left, and the run goes on under a
// successor until the regime ends (or the horizon), so its steps are the regime's end step.
uint64_t run_steps(const Accumulator& acc) {
  const size_t H1 = static_cast<size_t>(acc.horizon()) + 1;
  uint64_t steps = 0;
  if (acc.has_regime()) {
    // Accumulator::add_regime: the fates, then each fate's end-step histogram.
    for (size_t f = 0; f < kNumRegimeFates; ++f)
      for (size_t t = 0; t < H1; ++t) steps += acc.regime()[kNumRegimeFates + f * H1 + t] * t;
    return steps;
  }
  for (size_t k = 0; k < acc.outcome_counts().size(); ++k)
    for (size_t t = 0; t < H1; ++t) steps += acc.end_hist()[k * H1 + t] * t;
  return steps;
}

// Runs `runs` runs per iteration and reports runs/s, runs/s per thread and ns per run-step.
void run_scenario(benchmark::State& state, const Scenario& sc, uint64_t runs, int threads) {
  set_threads(threads);
  Model model(sc);
  RunOptions o;
  o.runs = runs;
  o.seed = 1;
  uint64_t steps = 0;
  for (auto _ : state) {
    Accumulator acc = run_monte_carlo(model, o);
    benchmark::DoNotOptimize(acc.outcome_counts().data());
    steps = run_steps(acc);
  }
  double n = static_cast<double>(runs) * static_cast<double>(state.iterations());
  state.counters["runs_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["runs_per_s_per_thread"] = benchmark::Counter(n / threads, benchmark::Counter::kIsRate);
  state.counters["time_per_run_step"] = benchmark::Counter(static_cast<double>(steps) * state.iterations(),
                                                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
                                                         benchmark::Counter::kIs1000);
  state.counters["threads"] = threads;
}

void register_file(const std::string& name, const std::string& path, uint64_t runs) {
  if (!std::filesystem::exists(path)) return;
  // 1 and 2 threads everywhere; 4, 8 and 16 where the machine has that many cores.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  for (int threads : {1, 2, 4, 8, 16}) {
    if (threads > 2 && threads > cores) continue;
    benchmark::RegisterBenchmark(("scenario/" + name + "/threads:" + std::to_string(threads)).c_str(),
                                 [path, runs, threads](benchmark::State& st) {
                                   static Scenario sc = load_scenario(path);
                                   run_scenario(st, sc, runs, threads);
                                 })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

void register_scaling() {
  auto reg = [](const std::string& name, int actors, int units, int steps, uint64_t runs) {
    benchmark::RegisterBenchmark(name.c_str(),
                                 [=](benchmark::State& st) {
                                   Scenario sc = from_yaml(bench::synthetic_yaml(actors, units, steps));
                                   run_scenario(st, sc, runs, 1);
                                   st.counters["actors"] = actors;
                                   st.counters["units"] = units;
                                   st.counters["steps"] = steps;
                                 })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  };
  for (int a : {10, 100, 1000}) reg("scale/actors:" + std::to_string(a), a, 100, 52, a >= 1000 ? 8 : (a >= 100 ? 256 : 4096));
  for (int u : {10, 100, 1000, 10000}) reg("scale/units:" + std::to_string(u), 10, u, 52, u >= 10000 ? 256 : 2048);
  for (int s : {52, 520, 5200}) reg("scale/steps:" + std::to_string(s), 10, 100, s, s >= 5200 ? 64 : 1024);
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = GEOSIM_SOURCE_DIR;
  register_file("teaching", root + "/scenarios/teaching.yaml", 20000);
  register_file("venezuela-2019-v1", root + "/bench/venezuela-2019-v1.yaml", 20000);
  register_file("venezuela-2019", root + "/scenarios/venezuela-2019.yaml", 20000);
  register_file("venezuela-2025", root + "/scenarios/venezuela-2025.yaml", 20000);
  register_scaling();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
