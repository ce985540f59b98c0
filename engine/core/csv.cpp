#include "engine/core/csv.h"

#include "engine/core/error.h"

namespace geosim {

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

std::vector<CsvRow> split_csv(const std::string& text, const std::string& file, CsvDialect dialect, int first_line) {
  std::vector<CsvRow> rows;
  CsvRow row;
  CsvCell cell;
  size_t keep = 0;       // with trim: the cell's text up to its last quoted or non-blank character
  bool quoted = false;   // inside quotes
  bool started = false;  // the cell has begun (with trim: a character other than a blank)
  bool any = false;      // the row has begun
  int line = first_line, column = 1;
  FileLoc quote_at;
  cell.line = line;
  // A cell ends at `column`, the comma or line end after it; the next one starts after that.
  auto end_cell = [&] {
    if (dialect.trim) cell.text.resize(keep);
    if (!started) cell.column = column;  // an empty cell sits where it ends
    cell.end_column = column;
    row.push_back(std::move(cell));
    cell = CsvCell{};
    cell.line = line;
    cell.column = column + 1;
    keep = 0;
    started = false;
  };
  for (size_t i = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell.text += '"';
        ++i;
        column += 2;
        keep = cell.text.size();
        continue;
      }
      if (c == '"') {
        quoted = false;
      } else {
        cell.text += c;
        keep = cell.text.size();
      }
      if (c == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
      continue;
    }
    if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      if (any) {
        end_cell();
        rows.push_back(std::move(row));
      }
      row.clear();
      any = started = false;
      keep = 0;
      ++line;
      column = 1;
      cell = CsvCell{};
      cell.line = line;
      continue;
    }
    if (dialect.comments && row.empty() && !started && c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n' &&
             !(text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n'))
        ++i;
      continue;
    }
    if (c == ',') {
      any = true;
      end_cell();
      ++column;
      continue;
    }
    if (dialect.trim && !started && is_blank(c)) {
      ++column;
      cell.column = column;
      continue;
    }
    if (!started) {
      started = any = true;
      cell.line = line;
      cell.column = column;
    }
    if (c == '"') {
      quoted = true;
      quote_at = FileLoc{file, line, column};
    } else {
      cell.text += c;
      if (!is_blank(c)) keep = cell.text.size();
    }
    ++column;
  }
  if (quoted) throw InputError(quote_at, "a quoted field is never closed", "add the closing '\"'");
  if (any) {
    end_cell();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace geosim
