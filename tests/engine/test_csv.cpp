// The one CSV reader (engine/core/csv.h) and the one reading of a number as text
// (engine/core/number_text.h).
#include <catch2/catch.hpp>

#include <clocale>
#include <string>

#include "engine/core/csv.h"
#include "engine/core/error.h"
#include "engine/core/number_text.h"

using namespace geosim;

namespace {
std::string where(const CsvCell& c) { return std::to_string(c.line) + ":" + std::to_string(c.column); }
}  // namespace

TEST_CASE("CSV: RFC 4180 cells with their places", "[csv]") {
  const auto rows = split_csv("a,\"b,\"\"c\"\"\",\r\n\n\"multi\nline\",x\n", "f.csv");
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[0].size() == 3);
  CHECK(rows[0][0].text == "a");
  CHECK(rows[0][1].text == "b,\"c\"");
  CHECK(where(rows[0][1]) == "1:3");
  CHECK(rows[0][2].text.empty());  // an empty last cell after the comma
  CHECK(where(rows[0][2]) == "1:13");
  REQUIRE(rows[1].size() == 2);
  CHECK(rows[1][0].text == "multi\nline");
  CHECK(where(rows[1][0]) == "3:1");
  CHECK(rows[1][1].text == "x");
  CHECK(where(rows[1][1]) == "4:7");
  CHECK(rows[1][1].end_column == 8);
}

TEST_CASE("CSV: blanks are text unless the dialect trims them, comments only when asked", "[csv]") {
  const std::string text = "\xEF\xBB\xBF# note\n  x ,\" y \" , z\n \t\n";
  const auto plain = split_csv(text, "f.csv");
  REQUIRE(plain.size() == 3);
  CHECK(plain[0][0].text == "# note");
  CHECK(plain[1][0].text == "  x ");
  CHECK(plain[2][0].text == " \t");
  const auto people = split_csv(text, "f.csv", CsvDialect{true, true});
  REQUIRE(people.size() == 1);
  REQUIRE(people[0].size() == 3);
  CHECK(people[0][0].text == "x");
  CHECK(where(people[0][0]) == "2:3");
  CHECK(people[0][1].text == " y ");  // blanks inside quotes stay
  CHECK(where(people[0][1]) == "2:6");
  CHECK(people[0][2].text == "z");
  CHECK(where(people[0][2]) == "2:14");
  // An empty cell sits where it ends.
  const auto empty = split_csv("a, ,b\n", "f.csv", CsvDialect{false, true});
  CHECK(empty[0][1].text.empty());
  CHECK(where(empty[0][1]) == "1:4");
}

TEST_CASE("CSV: a quote that never closes is reported where it opens", "[csv]") {
  CHECK_THROWS_WITH(split_csv("a,b\nc,\"d\ne,f\n", "f.csv"),
                    "f.csv:2:3: a quoted field is never closed; add the closing '\"'");
  CHECK_THROWS_WITH(split_csv("\"x", "g.csv", {}, 7),
                    "g.csv:7:1: a quoted field is never closed; add the closing '\"'");
}

TEST_CASE("numbers as text: one reading everywhere", "[csv][numbers]") {
  struct Case {
    const char* text;
    NumberText want;
    double value;
  };
  const Case cases[] = {
      {"0.5", NumberText::kOk, 0.5},      {"+0.5", NumberText::kOk, 0.5},      {"-0.5", NumberText::kOk, -0.5},
      {"5e-1", NumberText::kOk, 0.5},     {".5", NumberText::kOk, 0.5},        {"0x1A", NumberText::kOk, 26},
      {"-0x1p-1", NumberText::kOk, -0.5}, {"1e-400", NumberText::kOk, 0},      {"1e400", NumberText::kNotFinite, 0},
      {"inf", NumberText::kNotFinite, 0}, {"nan", NumberText::kNotFinite, 0},  {"", NumberText::kNotNumber, 0},
      {" 1", NumberText::kNotNumber, 0},  {"1 ", NumberText::kNotNumber, 0},   {"--1", NumberText::kNotNumber, 0},
      {"+-1", NumberText::kNotNumber, 0}, {"0,5", NumberText::kNotNumber, 0},  {"1e", NumberText::kNotNumber, 0},
      {"0x", NumberText::kNotNumber, 0},  {"0x-1", NumberText::kNotNumber, 0}, {"one", NumberText::kNotNumber, 0},
  };
  for (const Case& c : cases) {
    INFO("'" << c.text << "'");
    double v = -99;
    CHECK(read_number(c.text, v) == c.want);
    if (c.want == NumberText::kOk)
      CHECK(v == c.value);
    else
      CHECK(v == -99);  // left alone
  }
}

TEST_CASE("numbers as text do not depend on the locale", "[csv][numbers]") {
  // A host program (Python, say) may set a locale whose decimal mark is a comma.
  const char* tried[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
  const char* set = nullptr;
  for (const char* l : tried)
    if ((set = std::setlocale(LC_NUMERIC, l))) break;
  if (!set) WARN("no locale with a decimal comma is installed; checked in the C locale only");
  double v = 0;
  CHECK(read_number("0.25", v) == NumberText::kOk);
  CHECK(v == 0.25);
  CHECK(read_number("0,25", v) == NumberText::kNotNumber);
  std::setlocale(LC_NUMERIC, "C");
}
