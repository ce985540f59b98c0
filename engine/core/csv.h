// The one CSV reader: a bargaining actor table, a sweep's results.csv and a calibration's
// posterior.csv are split into cells here (the one writer of a field is csv_field in
// engine/output/numbers.h).
//
// RFC 4180: cells are separated by commas, rows by "\n" or "\r\n"; a cell in double quotes
// may hold commas, line breaks and quotes (written twice). A UTF-8 byte-order mark at the
// start is skipped and blank lines are skipped. Each cell remembers where it starts
// (line, column, 1-based), so that a reader can report a bad value at its place.
#pragma once

#include <string>
#include <vector>

namespace geosim {

struct CsvCell {
  std::string text;
  int line = 1, column = 1;  // where the cell starts (with trim: its first non-blank character)
  int end_column = 1;        // the column just after the cell
};
using CsvRow = std::vector<CsvCell>;

// What a file written by people allows beyond RFC 4180.
struct CsvDialect {
  bool comments = false;  // a row whose first non-blank character is '#' is skipped
  bool trim = false;      // blanks (space, tab) around a cell are dropped, never inside quotes
};

// Splits `text` into rows of cells. InputError at the opening quote of a quoted cell that is
// never closed ("a quoted field is never closed"); `file` names the text in errors, and
// `first_line` is the line number of the text's first line (a reader that goes line by line).
std::vector<CsvRow> split_csv(const std::string& text, const std::string& file, CsvDialect dialect = {},
                              int first_line = 1);

}  // namespace geosim
