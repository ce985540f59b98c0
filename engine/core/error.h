// Errors for people and invariants for programmers.
//
// A user mistake (a bad scenario, a bad flag) becomes an `InputError` that carries
// where it happened (`FileLoc`) and, when it helps, a hint. Loaders collect every
// problem of a file into `Diagnostics` before giving up, so a student sees all the
// mistakes at once. Programmer mistakes use GEOSIM_CHECK, which names the source line;
// user input must never reach one.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace geosim {

// A place in an input file; line and column are 1-based, 0 when unknown.
struct FileLoc {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;  // "file:line:col", "file:line", or "file"
  // A value given on the command line (--set, --until, --horizon) rather than in a file.
  bool on_command_line() const;
};

struct Diagnostic {
  FileLoc loc;
  std::string message;  // what is wrong
  std::string hint;     // what would be right; may be empty

  // "file:line:col: message; hint"
  std::string str() const;
};

// Exit codes of the geosim command (documented in docs/errors.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitInvalidInput = 3,
  kExitInterrupted = 130,
};

// One or more problems with user input. what() holds every diagnostic, one a line.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  InputError(FileLoc loc, std::string message, std::string hint = {});

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A wrong command line (unknown flag, missing argument): exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// SIGINT or SIGTERM arrived while an output was being written to a pipe, FIFO or device that
// blocked (docs/errors.md, exit code 130). what() names the output.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Collects the diagnostics of one input so that all of them are reported together.
class Diagnostics {
 public:
  void error(FileLoc loc, std::string message, std::string hint = {});
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  void append(const Diagnostics& other);
  // Throws InputError holding every diagnostic, if there are any.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

// The closest candidate to `word` by edit distance, or "" when none is close enough.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);
// "a, b, c"
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

[[noreturn]] void check_failed(const char* file, int line, const char* expr, const std::string& msg);

}  // namespace geosim

#define GEOSIM_CHECK(cond, msg)                                   \
  do {                                                            \
    if (!(cond)) ::geosim::check_failed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
