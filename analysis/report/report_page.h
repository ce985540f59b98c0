// Building blocks of the report page, shared by its section writers: a Page collects HTML
// and the Vega-Lite specifications of its charts; helpers escape text and format numbers
// the same way on every machine (no locale, fixed precision) so reports are byte-stable.
#pragma once

#include <string>
#include <vector>

#include "analysis/report/report.h"

namespace geosim::report {

using Json = ReportJson;

std::string esc(const std::string& s);                     // HTML text and attribute escaping
std::string pct(double p, int decimals = 1);               // 0.1234 -> "12.3%"
std::string num(double v, int decimals = 3);               // fixed decimals
std::string date_plus(const std::string& start, int days);  // "2020-01-06" + 7 -> "2020-01-13"
// (A step's date in a chart is the last day of the step: date_plus(start, k x days - 1).)
int step_days(const Json& run);                             // 7 for weekly runs, 1 for daily
std::string str_or(const Json& j, const char* key, const std::string& fallback);

class Page {
 public:
  void html(const std::string& s) { body_ += s; }
  void h2(const std::string& text, const std::string& anchor);
  void p(const std::string& html_text) { body_ += "<p>" + html_text + "</p>\n"; }
  // A chart with its caption (plain language: how to read it) and the table of the numbers
  // it shows (data_table()), for a reader who cannot see the chart or wants the figures:
  // folded under the caption, or shown open when `open`. `name` is for tests and anchors.
  void chart(const std::string& name, const Json& spec, const std::string& caption, const std::string& table,
             bool open = false);
  const std::string& body() const { return body_; }
  const Json& charts() const { return charts_; }
  const std::vector<std::pair<std::string, std::string>>& toc() const { return toc_; }

 private:
  std::string body_;
  Json charts_ = Json::array();
  std::vector<std::pair<std::string, std::string>> toc_;
};

// An HTML table of a chart's numbers. `header` is plain text (escaped here); cells are HTML
// (escape text with esc()). `align` holds one letter per column: 'n' right-aligns numbers,
// anything else aligns left.
std::string data_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::string& align);

// A Vega-Lite spec with the report's common settings (size, fonts, UTC dates).
Json base_spec(const std::string& title, int width = 640, int height = 260);

// Sections, one writer per kind of input.
void run_sections(Page& page, const ReportInput& in, bool head);
void compare_sections(Page& page, const ReportInput& in, bool head);
void sweep_sections(Page& page, const ReportInput& in, bool head);
void sensitivity_sections(Page& page, const ReportInput& in, bool head);
void discovery_sections(Page& page, const ReportInput& in, bool head);
void calibration_sections(Page& page, const ReportInput& in, bool head);
// Shared by run and compare: lever effects as a tornado chart.
// `table` is the chart's numbers (data_table()).
void tornado(Page& page, const std::string& name, const Json& rows, const std::string& caption, const std::string& table);

}  // namespace geosim::report
