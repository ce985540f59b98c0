// Reading input files safely: only regular files (never a device, a FIFO or a socket, which
// could block or never end), never more than a byte limit whatever size the file reports,
// and a check that text is UTF-8 with the place of the first bad byte.
//
// Every reader of user files (scenarios, `extends:`, sweep specs, CSV tables) goes through
// here, so that `/dev/zero`, `/dev/urandom` or a FIFO gives a clear message at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/core/error.h"

namespace geosim {

enum class FileProblem { None, Missing, Folder, NotRegular, NameTooLong, CannotOpen, TooLarge, ReadFailed };

struct FileRead {
  FileProblem problem = FileProblem::None;
  std::string text;       // the whole file, when problem == None
  long long size = -1;    // TooLarge: the size, or -1 when only "more than the limit" is known
};

// Reads a whole regular file of at most `max_bytes` bytes; never throws for a bad path.
FileRead try_read_regular_file(const std::string& path, size_t max_bytes);

// What is wrong, in words ("no such file", "is not a regular file (a device, FIFO or
// socket)", ...) and a hint; `size_hint` replaces the hint of TooLarge.
std::string file_problem_message(const FileRead& r, size_t max_bytes);
std::string file_problem_hint(FileProblem p, const std::string& size_hint = {});

// try_read_regular_file that throws InputError at `path` (shortened by display_path).
std::string read_regular_file(const std::string& path, size_t max_bytes, const std::string& size_hint = {});

// A path fit for a message: long ones keep their start and end around "...".
std::string display_path(const std::string& path);

// Offset of the first byte that is not valid UTF-8 (an overlong form, a surrogate or a cut
// sequence included), or std::string_view::npos when all of `text` is valid.
size_t find_invalid_utf8(std::string_view text);

// Offset of the first control character at or after `from` (C0, DEL, C1), line or
// paragraph separator (U+2028, U+2029) or bidirectional control (the marks U+061C, U+200E,
// U+200F, the embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069) in UTF-8
// text, or npos: none belongs in one line of a YAML comment or value (a NUL makes `geosim
// validate` refuse the file, the others end the line or are not printable YAML, and the
// bidirectional ones reorder what a terminal shows of the text around them).
size_t find_control(const std::string& s, size_t from = 0);
// The bytes and the code point of the character find_control found at `i`.
size_t control_length(const std::string& s, size_t i);
unsigned control_code_point(const std::string& s, size_t i);

// `s` with each control character (as find_control sees them) replaced by a space.
std::string one_line(std::string s);

// Line and column (1-based, in bytes) of `offset` in `text`.
FileLoc loc_of_offset(const std::string& file, std::string_view text, size_t offset);

}  // namespace geosim
