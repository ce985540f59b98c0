// `geosim discover`: scenario discovery on a sweep's results. In which ranges of the swept
// parameters does an outcome become likely? PRIM (analysis/sensitivity/prim.h) peels a box
// around the sweep points where the outcome's probability exceeds a threshold; the
// reading of results.csv and the reports live in analysis/sensitivity/discover.h.
#include <iostream>

#include "analysis/sensitivity/discover.h"
#include "analysis/report/report.h"  // reproduce_command
#include "cli/common.h"
#include "engine/core/version.h"

namespace geosim::cli {

namespace {

int discover_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim discover RESULTS --outcome ID --threshold P [options]\n\n"
      "Finds the ranges of the swept parameters where an outcome's probability exceeds P\n"
      "(PRIM scenario discovery). RESULTS is a sweep's output directory or its results.csv.\n\nOptions");
  std::string results, format = "table", output;
  gsa::DiscoverOptions o;
  bool have_threshold = false;
  opts.add_options()("help,h", "show this help")
      ("results", po::value<std::string>(&results), "sweep output directory, or its results.csv")
      ("outcome", po::value<std::string>(&o.outcome), "the outcome id (a p_<ID> column of the results)")
      ("threshold", po::value<double>(&o.threshold), "a point counts when the outcome's probability exceeds this, in [0, 1)")
      ("alpha", po::value<double>(&o.prim.peel_alpha), "share of the box's points removed by each peel, in (0, 0.5) (default 0.05)")
      ("min-mass", po::value<double>(&o.prim.mass_min), "smallest box, as a share of all points, in [0, 1] (default 0.05)")
      ("density", po::value<double>(&o.prim.density_threshold),
       "choose the last box whose density reaches this, else the densest (default 0.8)")
      ("box", po::value<int>(&o.box), "report box K of the trajectory instead of the chosen one")
      ("paste", po::bool_switch(&o.prim.paste), "after peeling, grow the box back where that raises the density")
      ("format,f", po::value<std::string>(&format), "table (default) or json")
      ("output,o", po::value<std::string>(&output), "write the result to this file instead of standard output");
  po::positional_options_description pos;
  pos.add("results", 1);
  auto vm = parse("discover", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExample:\n  geosim discover sweep-out --outcome defection_collapse --threshold 0.3\n";
    return kExitOk;
  }
  have_threshold = vm.count("threshold") > 0;
  if (results.empty()) throw UsageError("discover: which results? (geosim discover RESULTS --outcome ID --threshold P)");
  if (o.outcome.empty()) throw UsageError("discover: --outcome is required: the outcome whose conditions to find");
  if (!have_threshold) throw UsageError("discover: --threshold is required: a probability in [0, 1), e.g. 0.5");
  if (!(o.threshold >= 0 && o.threshold < 1))
    throw UsageError("discover: --threshold must be a probability in [0, 1), got " + std::to_string(o.threshold));
  if (!(o.prim.peel_alpha > 0 && o.prim.peel_alpha < 0.5))
    throw UsageError("discover: --alpha must lie strictly between 0 and 0.5, got " + std::to_string(o.prim.peel_alpha));
  if (!(o.prim.mass_min >= 0 && o.prim.mass_min <= 1))
    throw UsageError("discover: --min-mass must lie in [0, 1], got " + std::to_string(o.prim.mass_min));
  if (!(o.prim.density_threshold >= 0 && o.prim.density_threshold <= 1))
    throw UsageError("discover: --density must lie in [0, 1], got " + std::to_string(o.prim.density_threshold));
  if (vm.count("box") && o.box < 0) throw UsageError("discover: --box must be 0 or more");
  if (format != "table" && format != "json")
    throw UsageError("discover: --format must be table or json, got '" + format + "'");

  const std::string csv_path = gsa::sweep_csv_path(results);
  std::vector<PathRole> read = {{"the results", csv_path}};
  for (auto& f : result_folder_files(result_folder_of(results), "the results folder")) read.push_back(std::move(f));
  check_distinct_paths(read, {{"--output", output}});
  gsa::SweepTable table = gsa::read_sweep_csv(csv_path);
  gsa::DiscoverResult r = gsa::discover(table, o);
  // Both end with the command that reproduces them (and the JSON with the version).
  const std::string command = reproduce_command("discover", args);
  std::string text;
  if (format == "json") {
    Json j = gsa::discover_json(table, r);
    j["geosim_version"] = kGeosimVersion;
    j["command"] = command;
    text = j.dump(2) + "\n";
  } else {
    text = gsa::discover_table(table, r) + "\nreproduce: " + command + "\n";
  }
  write_file_atomic(output.empty() ? "-" : output, text);  // ("-": polled, so Ctrl-C stops a stuck pipe)
  return kExitOk;
}

Register reg("discover", "scenario discovery: the parameter ranges where an outcome is likely (PRIM)",
             discover_command);

}  // namespace
}  // namespace geosim::cli
