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

// The one calendar of a run's steps (docs/output.md, "Dates"). Step k (k = 1, 2, ...)
// covers the days start + (k - 1) d to start + k d - 1, with d days per step. A step is
// printed as the days it covers ("2019-04-24..04-30"; a day step as its day); a single date
// that stands for a step, or for the state after k steps, is the last day of step k (for
// k = 0, the day before the start).
struct StepCalendar {
  Date start;
  int days_per_step = 7;

  Date first_day(int k) const { return start.plus_days((k - 1) * days_per_step); }
  Date last_day(int k) const { return start.plus_days(k * days_per_step - 1); }
  std::string last(int k) const { return last_day(k).str(); }
  // "2019-04-24..04-30", "2019-12-30..2020-01-05", or "2019-04-24" for a day step.
  std::string range(int k) const;
  // The days from the first day of step a to the last day of step b (a <= b), as above.
  std::string span(int a, int b) const;
};

}  // namespace geosim
