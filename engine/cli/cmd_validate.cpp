// `geosim validate`: check scenario files without running them.
#include <iostream>

#include "analysis/sweep/spec.h"
#include "engine/cli/common.h"

namespace geosim::cli {
namespace {

// A sweep spec starts with `sweep: 1` where a scenario starts with `geosim: 1`.
bool is_sweep_spec(const std::string& path) {
  try {
    YNode n = parse_yaml_file(path);
    return n.is_map() && n.find("sweep") && !n.find("geosim");
  } catch (const InputError&) {
    return false;  // the scenario loader reports the problem
  }
}

int validate_command(const std::vector<std::string>& args) {
  po::options_description opts("geosim validate FILE... [options]\n\n"
                               "Checks scenario files: syntax, keys, types, ranges, references, distributions,\n"
                               "expressions and `extends:` chains; and sweep specs (files starting with\n"
                               "`sweep: 1`) with their scenario. Prints every problem as file:line:col.\n\nOptions");
  std::vector<std::string> files;
  bool quiet = false;
  ScenarioArgs sa;
  opts.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(&files),
                                                  "scenario files")("quiet,q", po::bool_switch(&quiet),
                                                                    "print only problems");
  sa.add_to(opts);
  po::positional_options_description pos;
  pos.add("files", -1);
  auto vm = parse("validate", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (files.empty()) throw UsageError("validate: which files? (geosim validate FILE...)");
  int bad = 0;
  for (const auto& f : files) {
    try {
      if (is_sweep_spec(f)) {
        // A sweep spec (docs/sweep-format.md): checked together with its scenario.
        SweepPlan plan = plan_sweep(load_sweep_spec(f));
        if (!quiet)
          std::cout << f << ": ok (sweep of " << plan.points << " points over " << plan.ids.size()
                    << " parameters of " << plan.scenario.id << ")\n";
        continue;
      }
      Scenario sc = load_scenario(f, sa.load_options());
      if (!quiet)
        std::cout << f << ": ok (" << sc.actors.size() << " actors, " << sc.levers.size() << " levers, "
                  << sc.events.size() << " events, " << sc.outcomes.size() << " outcomes, "
                  << sc.uncertain_params().size() << " uncertain parameters)\n";
      // A format 1 file: how to say the same in format 2, and what that would add.
      if (!quiet && sc.format_version == 1)
        std::cout << "  format 1: the same in format 2 is this file with `geosim: 2` as its first line (every key keeps "
                     "its meaning and its numbers); format 2 adds a leader apart from the regime (`leader:`), levers "
                     "that react, ladders and decisions (docs/scenario-format.md, \"What changed in format 2\")\n";
    } catch (const InputError& e) {
      ++bad;
      std::cerr << e.what() << "\n";
    }
  }
  if (bad) {
    std::cerr << bad << " of " << files.size() << " file" << (files.size() == 1 ? "" : "s") << " invalid\n";
    return kExitInvalidInput;
  }
  return kExitOk;
}

Register reg("validate", "check scenario files and list every problem", validate_command);

}  // namespace
}  // namespace geosim::cli
