// `geosim run`: the odds of each outcome, and one run told as a story (--replay).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "analysis/report/report.h"
#include "analysis/sweep/paired.h"
#include "engine/cli/common.h"
#include "engine/core/cluster.h"
#include "engine/output/output.h"
#include "engine/runner/distributed.h"
#include "engine/runner/monte_carlo.h"

namespace geosim::cli {

// Paired effect of each lever (cmd_compare.cpp).
int print_lever_effects(const Model& model, uint64_t runs, uint64_t seed, const std::string& format,
                        const std::string& output, bool quiet);

namespace {

// Prints a run's history as sentences a student can follow.
class TextTrace : public Trace {
 public:
  TextTrace(const Scenario& sc, std::ostream& os) : sc_(sc), os_(os) {}
  void lever(int t, const Lever& l, bool active) override {
    line(t) << (active ? "lever on:  " : "lever off: ") << l.id << " (" << lever_kinds()[static_cast<size_t>(l.kind)].name
            << ", " << sc_.actors[static_cast<size_t>(l.by)].id << " -> " << sc_.actors[static_cast<size_t>(l.target)].id
            << ")\n";
  }
  void event(int t, const Event& e, bool has_outcome, bool ok) override {
    line(t) << "event: " << e.id;
    if (has_outcome)
      os_ << (ok ? " -> succeeds (" : " -> fails (") << sc_.outcomes[static_cast<size_t>(e.outcome)].id << ")";
    os_ << "\n";
  }
  void defections(int t, const Cohort& c, int newly, int total) override {
    line(t) << "defections: " << newly << " unit" << (newly == 1 ? "" : "s") << " of " << c.id << " ("
            << total << " of " << c.units << " gone)\n";
  }
  void talks(int t, bool open) override { line(t) << (open ? "talks open\n" : "talks close\n"); }
  void end(int t, const Outcome& o, const std::string& why) override {
    line(t) << "END: " << o.id << " - " << o.label << " (" << why << ")\n";
  }
  // One line for the round and its forecast, then one per actor that moved (as `geosim
  // bargain` tells a round, without the actors that stayed).
  void bargaining(int t, const Issue& issue, const bargaining::Move* moves, int n, double before,
                  double after) override {
    std::vector<const bargaining::Move*> moved;
    for (int i = 0; i < n; ++i)
      if (moves[i].kind != bargaining::OfferKind::None && moves[i].to != moves[i].from) moved.push_back(&moves[i]);
    line(t) << "bargaining on " << issue.id << ", round " << (t + 1) / issue.bargaining_every << ": ";
    if (moved.empty()) {
      os_ << "nobody moves; forecast stays " << num(after) << "\n";
      return;
    }
    os_ << moved.size() << " of " << n << " actor" << (n == 1 ? "" : "s") << " move; forecast " << num(before)
        << " -> " << num(after) << "\n";
    for (const bargaining::Move* m : moved)
      line(t) << "  " << sc_.actors[static_cast<size_t>(m->actor)].id << " moves toward "
              << sc_.actors[static_cast<size_t>(m->partner)].id << " (" << bargaining::to_string(m->kind)
              << "): " << num(m->from) << " -> " << num(m->to) << "\n";
  }

 private:
  std::ostream& line(int t) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  week %3d  %s  ", t + 1, sc_.date_of_step(t).str().c_str());
    if (sc_.unit == StepUnit::Day)
      std::snprintf(buf, sizeof buf, "  day %4d  %s  ", t + 1, sc_.date_of_step(t).str().c_str());
    return os_ << buf;
  }
  static std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
  }
  const Scenario& sc_;
  std::ostream& os_;
};

int replay(const Scenario& sc, const Model& model, uint64_t seed, uint64_t run) {
  std::cout << "Run " << run << " of '" << sc.id << "' (seed " << seed << "): one possible history.\n";
  RunState st;
  model.prepare(st);
  model.init_run(st, seed, run);
  auto uncertain = sc.uncertain_params();
  if (!uncertain.empty()) {
    std::cout << "\nUncertain values drawn for this run:\n";
    for (ParamId id : uncertain) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3f", st.p[static_cast<size_t>(id)]);
      std::cout << "  " << sc.params[static_cast<size_t>(id)].path << " = " << buf << "   ("
                << sc.params[static_cast<size_t>(id)].dist.describe() << ")\n";
    }
  }
  std::cout << "\nWhat happened:\n";
  TextTrace trace(sc, std::cout);
  RunState final_state;
  int outcome = replay_run(model, seed, run, trace, &final_state);
  std::cout << "\nState at the end:\n";
  for (int v : sc.fans) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %-24s %.3f\n", sc.vars[static_cast<size_t>(v)].name.c_str(),
                  final_state.vars[static_cast<size_t>(v)]);
    std::cout << buf;
  }
  std::cout << "\nTo replay exactly this run: geosim run " << sc.file << " --seed " << seed << " --replay " << run
            << "\n";
  (void)outcome;
  return kExitOk;
}

int run_command(const std::vector<std::string>& args) {
  po::options_description opts("geosim run SCENARIO [options]\n\n"
                               "Runs a scenario many times and prints the odds of each outcome.\n\nOptions");
  std::string file, format = "table", output, report;
  uint64_t runs = 10000, seed = 1;
  int threads = 0;
  int64_t replay_k = -1;
  bool timing = false, quiet = false, lever_effects = false;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")
      ("scenario", po::value<std::string>(&file), "the scenario file (YAML)")
      ("runs,n", po::value<uint64_t>(&runs), "number of Monte Carlo runs (default 10000)")
      ("seed,s", po::value<uint64_t>(&seed), "random seed; the same seed gives the same bytes (default 1)")
      ("threads,t", po::value<int>(&threads), "threads to use (default: all cores); never changes results")
      ("format,f", po::value<std::string>(&format), "table (default), json or csv")
      ("output,o", po::value<std::string>(&output), "write the result to this file instead of standard output")
      ("replay", po::value<int64_t>(&replay_k), "tell the story of run K step by step instead")
      ("report", po::value<std::string>(&report),
       "also write an HTML report with charts to this file (with --lever-effects: and the levers' effects)")
      ("lever-effects", po::bool_switch(&lever_effects),
       "switch each lever off in turn; report its paired effect on every outcome")
      ("timing", po::bool_switch(&timing), "add wall-clock time to the output (makes it differ between runs)")
      ("quiet,q", po::bool_switch(&quiet), "no progress on stderr");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  auto vm = parse("run", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n  geosim run scenarios/teaching.yaml\n"
              << "  geosim run scenarios/teaching.yaml --runs 100000 --format json -o result.json\n"
              << "  geosim run scenarios/teaching.yaml --set levers.sanctions.intensity=0.2\n"
              << "  geosim run scenarios/teaching.yaml --replay 17\n";
    return kExitOk;
  }
  if (file.empty()) throw UsageError("run: which scenario? (geosim run SCENARIO; see 'geosim run --help')");
  if (format != "table" && format != "json" && format != "csv")
    throw UsageError("run: --format must be table, json or csv, got '" + format + "'");
  if (runs == 0) throw UsageError("run: --runs must be at least 1");
  if (runs > (uint64_t{1} << 40)) throw UsageError("run: --runs is limited to 2^40");
  apply_threads(threads);
  Scenario sc = load_scenario(file, sa.load_options());
  Model model(sc);
  // One story, or the lever effects, come from rank 0 alone under MPI.
  if ((replay_k >= 0 || lever_effects) && !cluster().root()) return kExitOk;
  if (replay_k >= 0) return replay(sc, model, seed, static_cast<uint64_t>(replay_k));
  if (lever_effects && report.empty()) return print_lever_effects(model, runs, seed, format, output, quiet);

  install_signal_handlers();
  Progress progress("runs", quiet || !cluster().root());
  RunOptions ro;
  ro.runs = runs;
  ro.seed = seed;
  ro.stop = &interrupted();
  ro.progress = [&](uint64_t d, uint64_t t) { progress.update(d, t); };
  auto t0 = std::chrono::steady_clock::now();
  Accumulator acc = run_monte_carlo_everywhere(model, ro);  // all ranks, when under MPI
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted after " << format_count(acc.runs()) << " of " << format_count(runs)
              << " runs; nothing written\n";
    return kExitInterrupted;
  }
  if (!cluster().root()) return kExitOk;  // rank 0 alone writes
  Summary s = summarize(sc, acc, seed);
  std::string text;
  if (!report.empty()) {
    Json rj = run_json(sc, s, reproduce_command("run", args));
    if (lever_effects) {  // the report's "why" section: each lever's paired effect
      PairOptions po;
      po.runs = runs;
      po.seed = seed;
      po.stop = &interrupted();
      rj["lever_effects"] = compare_json(geosim::lever_effects(model, po));
      if (interrupted()) return kExitInterrupted;
    }
    write_file_atomic(report, render_report({report_input_from_json(rj, file)}));
  }
  if (format == "json") {
    Json j = run_json(sc, s, reproduce_command("run", args));
    if (timing) j["timing"] = {{"seconds", seconds}, {"runs_per_second", runs / seconds}};
    text = json_text(j);
  } else if (format == "csv") {
    text = summary_csv(s);
  } else {
    text = summary_table(sc, s);
    if (timing) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "\n  %.3f s, %.0f runs/s\n", seconds, runs / seconds);
      text += buf;
    }
  }
  if (output.empty()) std::cout << text;
  else write_file_atomic(output, text);
  return kExitOk;
}

Register reg("run", "run a scenario many times; print the odds of each outcome", run_command);

}  // namespace
}  // namespace geosim::cli
