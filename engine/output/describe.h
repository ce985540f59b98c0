// The model's own tables, as the program knows them: lever kinds and the channels they feed,
// the mechanisms in the order they run with their parameters, and the state variables that
// hazards and conditions read. `geosim describe` prints them for students; docs/model.md and
// docs/scenario-format.md include the same tables (in Markdown) between markers, and a test
// checks that the docs match, so the docs cannot drift from the code.
#pragma once

#include <string>
#include <vector>

namespace geosim {

struct DescribeTable {
  std::string title;                 // one line shown above the table in text form
  std::vector<std::string> header;   // column names
  std::vector<std::vector<std::string>> rows;
};

// What `geosim describe` can show: "levers", "channels", "mechanisms", "variables", or
// "mechanisms GROUP" for one mechanism's parameters (GROUP as in `mechanisms.GROUP.`).
std::vector<std::string> describe_topics();
// Throws InputError-free std::invalid_argument with a did-you-mean hint for an unknown topic.
DescribeTable describe_table(const std::string& topic, const std::string& group = "");

std::string render_markdown(const DescribeTable& t);
std::string render_text(const DescribeTable& t);

}  // namespace geosim
