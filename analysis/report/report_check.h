// Reading a result JSON checked, in one place: every field the report's sections read is
// checked here, before any section is written, for the type and the range the sections
// need (a probability in [0, 1], an interval [lo, hi] with lo <= hi, a date, a step within
// the horizon). A field that is not so is an InputError that names the file and the field
// by its JSON path ("B.json: regime[0].ci95 must be two numbers [lo, hi], got [0.5]"), so a
// damaged or hand-edited file gives one located sentence (exit code 3), never an internal
// error, and the sections can read what they use without checking it again.
//
// The rule for every kind of input: a field the report needs must be there; a field it can
// do without may be absent, but when it is there it must be right; fields the report does
// not read are not looked at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/report/report.h"

namespace geosim::report {

// The file a Field is in, and the command that writes such files ("geosim run --format
// json"), for the hint. It must outlive the Fields read from it.
struct FieldSource {
  std::string file, writer;
};

// A value of a result file and where it is: the file and its JSON path. Each accessor checks
// the value and returns it, or throws an InputError naming the file and the path.
class Field {
 public:
  Field(const ReportJson& j, const FieldSource& source) : j_(&j), src_(&source) {}

  const ReportJson& json() const { return *j_; }
  const std::string& path() const { return path_; }  // "" for the document itself
  bool is_null() const { return j_->is_null(); }

  // A member that must be there, and one that may be absent (nullopt; null is a value).
  Field at(const char* key) const;
  std::optional<Field> opt(const char* key) const;
  // The elements of a list; with `size`, exactly that many.
  std::vector<Field> list() const;
  std::vector<Field> list(size_t size, const std::string& of_what) const;
  std::vector<Field> nonempty_list() const;

  void object() const;
  std::string string() const;
  std::string one_of(std::initializer_list<const char*> values) const;
  std::string date() const;  // YYYY-MM-DD, a real date
  bool boolean() const;
  uint64_t count(uint64_t max) const;  // a whole number in [0, max]
  double number() const;
  double number(double lo, double hi) const;  // in [lo, hi]
  double probability() const { return number(0, 1); }
  // [lo, hi]: two numbers in [min, max] with lo <= hi.
  std::pair<double, double> interval(double min, double max) const;
  // A number, or null where the producer could not compute it (nullopt).
  std::optional<double> number_or_null() const;
  // [lo, hi] as above, or [null, null] (nullopt).
  std::optional<std::pair<double, double>> interval_or_nulls() const;

  // "PATH must be WHAT, got VALUE; <hint>".
  [[noreturn]] void fail(const std::string& must_be) const;
  // "PATH <says>; <hint>", for what is wrong beyond the type ("lies outside its ci95 ...").
  [[noreturn]] void fail_because(const std::string& says) const;

 private:
  Field(const ReportJson& j, const Field& parent, std::string path)
      : j_(&j), src_(parent.src_), path_(std::move(path)) {}
  std::string name() const;                                    // the path, or "the JSON" for the document
  [[noreturn]] void refuse(const std::string& message) const;  // "FILE: message; <hint>"

  const ReportJson* j_;
  const FieldSource* src_;
  std::string path_;
};

// Checks a result JSON of the given kind (Run, Compare, Sensitivity, Discovery or Calibration)
// read from `file`; throws InputError at the first field that is not what the report needs.
void check_report_json(ReportKind kind, const ReportJson& j, const std::string& file);

}  // namespace geosim::report
