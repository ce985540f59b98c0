// `geosim compare BASE VARIANT`: what changes between two versions of a scenario, measured
// run by run under common random numbers. Also home of `geosim run --lever-effects`.
#include <iostream>

#include "analysis/calibrate/posterior.h"
#include "analysis/compare/paired.h"
#include "analysis/report/report.h"  // reproduce_command
#include "cli/common.h"
#include "engine/output/output.h"

namespace geosim::cli {

// Used by `geosim run --lever-effects` (cmd_run.cpp).
namespace {

// Paired runs stop on SIGINT/SIGTERM and show their progress on stderr.
PairOptions pair_options(uint64_t runs, uint64_t seed, Progress& progress) {
  PairOptions po;
  po.runs = runs;
  po.seed = seed;
  return stoppable(po, progress);
}

int write_report(const CompareReport& rep, const std::string& format, const std::string& output) {
  std::string text = compare_text(rep, format);
  write_file_atomic(output.empty() ? "-" : output, text);  // ("-": polled, so Ctrl-C stops a stuck pipe)
  return kExitOk;
}

}  // namespace

int print_lever_effects(const Model& model, uint64_t runs, uint64_t seed, const std::string& format,
                        const std::string& output, bool quiet, const std::string& command,
                        const std::string& posterior_dir) {
  PosteriorSample post;
  std::unique_ptr<PosteriorDraw> draw;
  if (!posterior_dir.empty()) {
    post = load_posterior(model.scenario(), posterior_dir);
    draw = std::make_unique<PosteriorDraw>(post, model.scenario());
  }
  Progress progress("run pairs", quiet);
  PairOptions po = pair_options(runs, seed, progress);
  po.per_run = draw.get();
  CompareReport rep = lever_effects(model, po);
  rep.parameters_from = draw ? post.file : "";
  rep.command = command;
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted; nothing written\n";
    return kExitInterrupted;
  }
  if (rep.comparisons.empty())
    std::cerr << "geosim: '" << model.scenario().id << "' has no lever that is on in any run; nothing to compare\n";
  return write_report(rep, format, output);
}

namespace {

int compare_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim compare BASE VARIANT [options]\n\n"
      "Runs two scenarios with the same random numbers per run and reports, for every outcome,\n"
      "the change in probability (variant - base) with a paired 95% interval, and the unpaired\n"
      "interval two independent experiments would give.\n\nOptions");
  std::string base_file, variant_file, format = "table", output, posterior_dir;
  uint64_t runs = 10000, seed = 1;
  int threads = 0;
  bool quiet = false;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")
      ("base", po::value<std::string>(&base_file), "the base scenario (YAML)")
      ("variant", po::value<std::string>(&variant_file), "the variant scenario (YAML)")
      ("runs,n", po::value<uint64_t>(&runs), "runs per arm (default 10000)")
      ("seed,s", po::value<uint64_t>(&seed), "random seed, shared by both arms (default 1)")
      ("threads,t", po::value<int>(&threads), "threads to use (default: all cores; at most 4 per core); never changes results")
      ("format,f", po::value<std::string>(&format), "table (default), json or csv")
      ("output,o", po::value<std::string>(&output), "write the result to this file instead of standard output")
      ("posterior", po::value<std::string>(&posterior_dir),
       "draw both arms' parameters from the posterior of `geosim calibrate` of the base scenario in this folder")
      ("quiet,q", po::bool_switch(&quiet), "no progress on stderr");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("base", 1).add("variant", 1);
  auto vm = parse("compare", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\n--set, --until and --horizon apply to both scenarios.\n\nExamples:\n"
              << "  geosim compare scenarios/teaching.yaml my-variant.yaml\n"
              << "  geosim compare scenarios/teaching.yaml my-variant.yaml --runs 100000 --format json\n"
              << "  geosim run scenarios/teaching.yaml --lever-effects   (each lever switched off in turn)\n";
    return kExitOk;
  }
  if (base_file.empty() || variant_file.empty())
    throw UsageError("compare: give two scenarios (geosim compare BASE VARIANT; see 'geosim compare --help')");
  if (format != "table" && format != "json" && format != "csv")
    throw UsageError("compare: --format must be table, json or csv, got '" + format + "'");
  if (runs == 0) throw UsageError("compare: --runs must be at least 1");
  if (runs > (uint64_t{1} << 40)) throw UsageError("compare: --runs is limited to 2^40");
  apply_threads(threads, "compare");
  std::vector<PathRole> read = {{"the base scenario", base_file}, {"the variant scenario", variant_file}};
  for (auto& f : result_folder_files(posterior_dir, "the --posterior folder")) read.push_back(std::move(f));
  check_distinct_paths(read, {{"--output", output}});
  Scenario base = load_scenario(base_file, sa.load_options());
  Scenario variant = load_scenario(variant_file, sa.load_options());
  sa.note_until(base, quiet);
  check_not_extended(base.extended, {{"--output", output}});
  check_not_extended(variant.extended, {{"--output", output}});
  Model mb(base), mv(variant);

  Progress progress("run pairs", quiet);
  Arm a{base_file, &mb, nullptr}, b{variant_file, &mv, nullptr};
  // From a posterior: each run takes one particle, the same in both arms (matched by
  // parameter path, so a variant that adds or drops parameters still pairs).
  PosteriorSample post;
  std::unique_ptr<PosteriorDraw> draw_a, draw_b;
  if (!posterior_dir.empty()) {
    post = load_posterior(base, posterior_dir);
    draw_a = std::make_unique<PosteriorDraw>(post, base);
    // What the variant changes stays its own (its value, or draws from its prior).
    draw_b = std::make_unique<PosteriorDraw>(post, variant, &base);
    a.per_run = draw_a.get();
    b.per_run = draw_b.get();
    if (!quiet && !draw_b->own().empty()) {
      std::string list;
      for (const auto& path : draw_b->own()) list += (list.empty() ? "" : ", ") + path;
      std::cerr << "compare: B keeps its own value or prior for what it changes, not the posterior's: " << list << "\n";
    }
  }
  PairCounts pc = run_paired(a, b, pair_options(runs, seed, progress));
  progress.finish();
  if (interrupted()) {
    std::cerr << "geosim: interrupted after " << format_count(pc.runs) << " of " << format_count(runs)
              << " run pairs; nothing written\n";
    return kExitInterrupted;
  }
  CompareReport rep;
  rep.scenario = base.id;
  rep.parameters_from = draw_a ? post.file : "";
  rep.runs = runs;
  rep.seed = seed;
  rep.base_hash = base.content_hash;
  rep.variant_hash = variant.content_hash;
  rep.command = reproduce_command("compare", args);
  rep.comparisons.push_back({base_file, variant_file, paired_effects(base, pc)});
  rep.has_changes = true;
  rep.changes = diff_scenarios(base, variant);
  return write_report(rep, format, output);
}

Register reg("compare", "compare two scenarios run by run (paired effects with common random numbers)",
             compare_command);

}  // namespace
}  // namespace geosim::cli
