// A small YAML document tree that remembers which file every node came from.
//
// yaml-cpp gives line and column but not the file, and a scenario is often the merge of
// several files (`extends:`) plus command-line overrides (`--set`). Converting once into
// this tree lets the loader merge, override and validate while every error still points
// at `file:line:col` of the text the user wrote.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/text_places.h"

namespace geosim {

struct YNode {
  enum class Type { Null, Scalar, Sequence, Map };
  Type type = Type::Null;
  std::string scalar;                              // for Scalar
  bool quoted = false;                             // scalar was quoted in the source ("..." or '...')
  std::vector<YNode> seq;                          // for Sequence
  std::vector<std::pair<std::string, YNode>> map;  // for Map, in source order
  std::vector<FileLoc> key_locs;                   // location of each map key, parallel to `map`
  FileLoc loc;                                     // where the node starts
  // The `geosim:` format of the file the node was written in (0: not known, e.g. a --set
  // value): a number from a format 1 file that a format 2 file extends keeps its meaning.
  int format = 0;
  // For a scalar whose characters do not simply follow its first one on its line (several
  // lines, escapes): where each lies in the file, for messages that point inside it (an
  // expression's error). Null: they follow `loc` (the quote, for a quoted scalar, + 1).
  std::shared_ptr<const TextPlaces> places;

  bool is_null() const { return type == Type::Null; }
  bool is_scalar() const { return type == Type::Scalar; }
  bool is_seq() const { return type == Type::Sequence; }
  bool is_map() const { return type == Type::Map; }

  const YNode* find(const std::string& key) const;
  YNode* find(const std::string& key);
  FileLoc key_loc(const std::string& key) const;
  // Sets or replaces a key (keeps its position when it exists).
  void set(const std::string& key, YNode value, FileLoc key_loc);
  bool erase(const std::string& key);
  std::string type_name() const;  // "a number or string", "a list", "a map", "nothing"
};

// Limits that protect the loader from hostile or broken files (docs/errors.md).
struct YamlLimits {
  size_t max_file_bytes = 16u << 20;  // 16 MiB
  int max_depth = 64;                 // nesting of maps and lists
  // Nodes after expanding aliases: `*name` copies its anchor each time it is used, so a
  // few lines of nested aliases can stand for billions of nodes ("billion laughs").
  size_t max_nodes = 2000000;
  // Keys of one map: no map of a scenario needs more (its lists hold the many items).
  size_t max_map_keys = 100000;
  // What aliases may copy in all, counted in the streaming pass before any tree is built: the
  // values they stand for once expanded (an alias of an alias counts every value it reaches),
  // and the memory those copies take in the tree (each value, its text and the file name it
  // remembers). A scenario repeats a few blocks at most; a few hundred bytes of nested
  // aliases would otherwise build a tree of a gigabyte.
  size_t max_alias_values = 100000;
  size_t max_alias_bytes = 16u << 20;  // 16 MiB
};

// Parses a file; syntax errors become InputError with file:line:col.
YNode parse_yaml_file(const std::string& path, const YamlLimits& limits = {});
// Parses text that came from somewhere else (a --set value); `loc` is where it came from.
YNode parse_yaml_text(const std::string& text, const FileLoc& loc, const YamlLimits& limits = {});

// Deep merge used by `extends:`: maps merge key by key; a list whose items all carry an `id`
// merges item by item (an item with `remove: true` deletes the base item); any other value
// replaces the base value.
void merge_yaml(YNode& base, const YNode& overlay);

// Canonical text of a YAML tree (no comments, no layout, keys in the tree's order), for
// hashing.
std::string canonical_yaml(const YNode& n);
// 64-bit FNV-1a as 16 hex digits; an identity check, not a security measure.
std::string hash_hex(const std::string& text);

}  // namespace geosim
