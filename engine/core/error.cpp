#include "engine/core/error.h"

#include <algorithm>
#include <sstream>

#include "engine/core/text_file.h"

namespace geosim {

std::string FileLoc::str() const {
  std::ostringstream os;
  // A location on the command line is the argument itself (`--set title=...`), whose control
  // characters would act on the terminal that prints the message: shown as spaces.
  os << (file.empty() ? std::string("<input>") : on_command_line() ? one_line(file) : file);
  if (line > 0) {
    os << ':' << line;
    if (column > 0) os << ':' << column;
  }
  return os.str();
}

bool FileLoc::on_command_line() const {
  for (const char* flag : {"--set ", "--until ", "--horizon "})
    if (file.rfind(flag, 0) == 0) return true;
  return false;
}

std::string Diagnostic::str() const {
  std::string s = loc.str() + ": " + message;
  if (!hint.empty()) s += "; " + hint;
  return s;
}

static std::string render(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (size_t i = 0; i < ds.size(); ++i) {
    if (i) s += "\n";
    s += ds[i].str();
  }
  return s;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(render(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(FileLoc loc, std::string message, std::string hint)
    : InputError(std::vector<Diagnostic>{Diagnostic{std::move(loc), std::move(message), std::move(hint)}}) {}

void Diagnostics::error(FileLoc loc, std::string message, std::string hint) {
  items_.push_back(Diagnostic{std::move(loc), std::move(message), std::move(hint)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) throw InputError(items_);
}

static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = static_cast<size_t>(-1);
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Accept up to a third of the word's length (at least 2 edits for short words).
  size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string();
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) s += sep;
    s += items[i];
  }
  return s;
}

void check_failed(const char* file, int line, const char* expr, const std::string& msg) {
  std::ostringstream os;
  os << "internal error at " << file << ":" << line << ": check '" << expr << "' failed: " << msg;
  throw std::logic_error(os.str());
}

}  // namespace geosim
