// `geosim describe`: the model's tables as the program knows them (lever kinds, channels,
// mechanisms and their parameters, state variables). docs/model.md and
// docs/scenario-format.md include the Markdown form, checked by tests/docs.
#include <iostream>
#include <stdexcept>

#include "cli/common.h"
#include "engine/output/describe.h"

namespace geosim::cli {
namespace {

int describe_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim describe [levers|channels|mechanisms [GROUP]|variables] [options]\n\n"
      "Prints the tables that give a scenario's words their meaning: lever kinds and the\n"
      "channels they feed, the mechanisms in the order they run and their parameters\n"
      "(`describe mechanisms resources`), and the state variables that hazards and\n"
      "conditions may read. With no topic, prints them all.\n\nOptions");
  std::vector<std::string> words;
  std::string format = "text";
  opts.add_options()("help,h", "show this help")("topic", po::value<std::vector<std::string>>(&words),
                                                 "what to describe")(
      "format,f", po::value<std::string>(&format), "text or markdown");
  po::positional_options_description pos;
  pos.add("topic", -1);
  auto vm = parse("describe", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (format != "text" && format != "markdown")
    throw UsageError("describe: --format must be text or markdown, got '" + format + "'");
  if (words.size() > 2) throw UsageError("describe: at most a topic and a group (geosim describe mechanisms resources)");
  std::vector<DescribeTable> tables;
  try {
    if (words.empty()) {
      for (const auto& t : describe_topics()) tables.push_back(describe_table(t));
    } else {
      tables.push_back(describe_table(words[0], words.size() > 1 ? words[1] : ""));
    }
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("describe: ") + e.what());
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i) std::cout << "\n";
    std::cout << (format == "markdown" ? render_markdown(tables[i]) : render_text(tables[i]));
  }
  return kExitOk;
}

Register reg("describe", "print the model's tables: lever kinds, channels, mechanisms, variables", describe_command);

}  // namespace
}  // namespace geosim::cli
