// Where the characters of a text value lie in its file, for messages that point inside the
// value (an expression's unknown name at its 23rd character).
//
// A value written on one line without escapes needs nothing: its characters follow its first
// one. A value over several lines (a plain or quoted scalar that goes on, a `|` or `>` block)
// or with escapes ("\t" is two characters of the file, one of the value) does not: its
// places are kept piece by piece, each piece a run of characters that follow one another on
// one line of the file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "engine/core/error.h"

namespace geosim {

struct TextPlaces {
  struct Piece {
    size_t offset = 0;  // the value's characters from this one, up to the next piece's...
    int line = 0;       // ...lie on this line, from this column on, one column each
    int column = 0;
  };
  std::vector<Piece> pieces;  // by offset, the first at 0; empty: only the start is known

  // The place of value[offset]; `start` is the place of value[0] (and names the file). With
  // no pieces (a value whose places could not be worked out) every character is at `start`:
  // the start of the value rather than a wrong column.
  FileLoc at(const FileLoc& start, size_t offset) const {
    if (pieces.empty()) return start;
    auto it =
        std::upper_bound(pieces.begin(), pieces.end(), offset, [](size_t o, const Piece& p) { return o < p.offset; });
    if (it != pieces.begin()) --it;
    FileLoc l = start;
    l.line = it->line;
    l.column = it->column + static_cast<int>(offset - it->offset);
    return l;
  }
};

}  // namespace geosim
