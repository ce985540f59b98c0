#include "engine/core/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8cpp/utf8.h>

#include <algorithm>
#include <cerrno>

namespace geosim {

FileRead try_read_regular_file(const std::string& path, size_t max_bytes) {
  FileRead r;
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    switch (errno) {
      case ENOENT:
      case ENOTDIR: r.problem = FileProblem::Missing; break;
      case ENAMETOOLONG: r.problem = FileProblem::NameTooLong; break;
      case EISDIR: r.problem = FileProblem::Folder; break;
      default: r.problem = FileProblem::CannotOpen; break;
    }
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.problem = FileProblem::ReadFailed;
  } else if (S_ISDIR(st.st_mode)) {
    r.problem = FileProblem::Folder;
  } else if (!S_ISREG(st.st_mode)) {
    r.problem = FileProblem::NotRegular;
  } else if (st.st_size > 0 && static_cast<unsigned long long>(st.st_size) > max_bytes) {
    r.problem = FileProblem::TooLarge;
    r.size = st.st_size;
  }
  if (r.problem != FileProblem::None) {
    ::close(fd);
    return r;
  }
  // The reported size is a hint only (files of /proc report 0): read at most max_bytes + 1.
  std::string text;
  text.resize(std::min(static_cast<size_t>(st.st_size), max_bytes) + 1);
  size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (got > max_bytes) break;
      text.resize(std::min(max_bytes + 1, std::max<size_t>(2 * text.size(), 4096)));
    }
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.problem = FileProblem::ReadFailed;
      break;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (r.problem != FileProblem::None) return r;
  if (got > max_bytes) {
    r.problem = FileProblem::TooLarge;
    return r;
  }
  text.resize(got);
  r.text = std::move(text);
  return r;
}

std::string file_problem_message(const FileRead& r, size_t max_bytes) {
  switch (r.problem) {
    case FileProblem::None: return {};
    case FileProblem::Missing: return "no such file";
    case FileProblem::Folder: return "is a folder, not a file";
    case FileProblem::NotRegular: return "is not a regular file (a device, a FIFO or a socket)";
    case FileProblem::NameTooLong: return "the file name is too long";
    case FileProblem::CannotOpen: return "cannot open file";
    case FileProblem::ReadFailed: return "cannot read file";
    case FileProblem::TooLarge:
      if (r.size >= 0)
        return "file is " + std::to_string(r.size) + " bytes, over the limit of " + std::to_string(max_bytes) + " bytes";
      return "file is over the limit of " + std::to_string(max_bytes) + " bytes";
  }
  return {};
}

std::string file_problem_hint(FileProblem p, const std::string& size_hint) {
  switch (p) {
    case FileProblem::None: return {};
    case FileProblem::Missing:
    case FileProblem::NameTooLong: return "check the path";
    case FileProblem::Folder: return "name a file inside it";
    case FileProblem::NotRegular: return "geosim reads only regular files";
    case FileProblem::CannotOpen:
    case FileProblem::ReadFailed: return "check the path and that the file is readable";
    case FileProblem::TooLarge: return size_hint.empty() ? "is this the right file?" : size_hint;
  }
  return {};
}

std::string display_path(const std::string& path) {
  constexpr size_t kMax = 160;
  if (path.size() <= kMax) return path;
  return path.substr(0, 80) + "..." + path.substr(path.size() - 60) + " (" + std::to_string(path.size()) +
         " characters)";
}

std::string read_regular_file(const std::string& path, size_t max_bytes, const std::string& size_hint) {
  FileRead r = try_read_regular_file(path, max_bytes);
  if (r.problem != FileProblem::None)
    throw InputError(FileLoc{display_path(path), 0, 0}, file_problem_message(r, max_bytes),
                     file_problem_hint(r.problem, size_hint));
  return std::move(r.text);
}

size_t find_invalid_utf8(std::string_view text) {
  auto it = utf8::find_invalid(text.begin(), text.end());
  return it == text.end() ? std::string_view::npos : static_cast<size_t>(it - text.begin());
}

FileLoc loc_of_offset(const std::string& file, std::string_view text, size_t offset) {
  FileLoc l{file, 1, 1};
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') {
      ++l.line;
      line_start = i + 1;
    }
  l.column = static_cast<int>(offset - line_start) + 1;
  return l;
}

size_t find_control(const std::string& s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    auto next = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    auto in = [](unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
    if (c < 0x20 || c == 0x7f || (c == 0xc2 && in(next(1), 0x80, 0x9f)) ||
        (c == 0xd8 && next(1) == 0x9c) ||  // U+061C, the Arabic letter mark
        (c == 0xe2 && next(1) == 0x80 &&
         (in(next(2), 0x8e, 0x8f) || in(next(2), 0xa8, 0xa9) || in(next(2), 0xaa, 0xae))) ||
        (c == 0xe2 && next(1) == 0x81 && in(next(2), 0xa6, 0xa9)))
      return i;
  }
  return std::string::npos;
}

size_t control_length(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  return c < 0x80 ? 1 : c < 0xe0 ? 2 : 3;
}

unsigned control_code_point(const std::string& s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(s[i + k])); };
  switch (control_length(s, i)) {
    case 1:
      return b(0);
    case 2:
      return (b(0) & 0x1f) << 6 | (b(1) & 0x3f);
    default:
      return (b(0) & 0x0f) << 12 | (b(1) & 0x3f) << 6 | (b(2) & 0x3f);
  }
}

std::string one_line(std::string s) {
  for (size_t i = find_control(s); i != std::string::npos; i = find_control(s, i + 1))
    s.replace(i, control_length(s, i), " ");
  return s;
}

}  // namespace geosim
