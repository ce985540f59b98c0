// Calendar dates as days since 1970-01-01 (proleptic Gregorian), parsed from and printed
// as YYYY-MM-DD. Scenarios speak in dates; the model speaks in steps.
#pragma once

#include <optional>
#include <string>

namespace geosim {

struct Date {
  int days = 0;  // since 1970-01-01
  bool operator==(const Date& o) const { return days == o.days; }
  bool operator<(const Date& o) const { return days < o.days; }
  Date plus_days(int d) const { return Date{days + d}; }
  std::string str() const;  // "2019-01-23"
};

// Parses "YYYY-MM-DD"; nullopt when malformed or not a real date (2019-02-30).
std::optional<Date> parse_date(const std::string& s);

}  // namespace geosim
