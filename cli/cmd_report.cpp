// `geosim report`: one self-contained HTML page from result files (docs/report.md).
#include <iostream>

#include "analysis/report/report.h"
#include "cli/common.h"
#include "engine/output/output.h"

namespace geosim::cli {

namespace {

int report_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim report INPUT [MORE...] -o report.html\n\n"
      "Writes one HTML page with charts of a result, which opens offline in any browser.\n"
      "INPUT is the JSON of 'geosim run', 'geosim compare', 'geosim sensitivity' or\n"
      "'geosim discover' (--format json), or the output folder of 'geosim sweep' or\n"
      "'geosim calibrate'. The first input heads the page; further inputs add their sections.\n\nOptions");
  std::vector<std::string> inputs;
  std::string output, title;
  opts.add_options()("help,h", "show this help")("input", po::value<std::vector<std::string>>(&inputs),
                                                 "result files, sweep or calibration folders")(
      "output,o", po::value<std::string>(&output), "the HTML file to write (default: standard output)")(
      "title", po::value<std::string>(&title), "the page's title (default: the scenario's)");
  po::positional_options_description pos;
  pos.add("input", -1);
  auto vm = parse("report", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n"
              << "  geosim run scenarios/teaching.yaml --format json -o run.json && geosim report run.json -o report.html\n"
              << "  geosim run scenarios/teaching.yaml --report report.html\n"
              << "  geosim report sweep-out/ -o sweep.html\n";
    return kExitOk;
  }
  if (inputs.empty())
    throw UsageError("report: which result? (geosim report RESULT.json -o report.html; see 'geosim report --help')");
  std::vector<PathRole> read;
  for (const auto& path : inputs) {
    read.push_back({"the input", report_input_file(path)});
    // (also when the input is one file of a result folder: the folder's other files)
    const std::string folder = result_folder_of(path);
    for (auto& f : result_folder_files(folder, "the input folder " + folder)) read.push_back(std::move(f));
  }
  check_distinct_paths(read, {{"--output", output}});
  std::vector<ReportInput> in;
  for (const auto& path : inputs) in.push_back(read_report_input(path));
  ReportOptions ro;
  ro.title = title;
  std::string html = render_report(in, ro);
  write_file_atomic(output.empty() ? "-" : output, html);  // ("-": polled, so Ctrl-C stops a stuck pipe)
  return kExitOk;
}

Register reg("report", "write an HTML report with charts of a run, comparison, sweep or sensitivity result",
             report_command);

}  // namespace
}  // namespace geosim::cli
