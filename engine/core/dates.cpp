#include "engine/core/dates.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

namespace geosim {

std::string Date::str() const {
  using namespace std::chrono;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::optional<Date> parse_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  int y = std::stoi(s.substr(0, 4));
  unsigned m = static_cast<unsigned>(std::stoi(s.substr(5, 2)));
  unsigned d = static_cast<unsigned>(std::stoi(s.substr(8, 2)));
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return Date{static_cast<int>(sys_days{ymd}.time_since_epoch().count())};
}

std::string StepCalendar::span(int a, int b) const {
  const std::string from = first_day(a).str(), to = last_day(b).str();
  if (from == to) return from;
  // The same year: the second date without it ("2019-04-24..04-30").
  return from + ".." + (from.substr(0, 5) == to.substr(0, 5) ? to.substr(5) : to);
}

std::string StepCalendar::range(int k) const { return span(k, k); }

}  // namespace geosim
