#include "engine/scenario/yaml_tree.h"

#include <fmt/format.h>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "engine/core/text_file.h"

namespace geosim {

const YNode* YNode::find(const std::string& key) const {
  for (const auto& kv : map)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

YNode* YNode::find(const std::string& key) {
  for (auto& kv : map)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

FileLoc YNode::key_loc(const std::string& key) const {
  for (size_t i = 0; i < map.size(); ++i)
    if (map[i].first == key) return key_locs[i];
  return loc;
}

void YNode::set(const std::string& key, YNode value, FileLoc kloc) {
  type = Type::Map;
  for (size_t i = 0; i < map.size(); ++i) {
    if (map[i].first == key) {
      map[i].second = std::move(value);
      key_locs[i] = std::move(kloc);
      return;
    }
  }
  map.emplace_back(key, std::move(value));
  key_locs.push_back(std::move(kloc));
}

bool YNode::erase(const std::string& key) {
  for (size_t i = 0; i < map.size(); ++i) {
    if (map[i].first == key) {
      map.erase(map.begin() + static_cast<long>(i));
      key_locs.erase(key_locs.begin() + static_cast<long>(i));
      return true;
    }
  }
  return false;
}

std::string YNode::type_name() const {
  switch (type) {
    case Type::Null:
      return "nothing";
    case Type::Scalar:
      return "a single value";
    case Type::Sequence:
      return "a list";
    case Type::Map:
      return "a map";
  }
  return "?";
}

namespace {

FileLoc mark_loc(const std::string& file, const YAML::Mark& m, const FileLoc& base) {
  FileLoc l;
  l.file = file;
  if (m.line < 0) return base;
  // Text that came from a --set value is placed on the line of its origin, shifted.
  l.line = base.line > 0 ? base.line + m.line : m.line + 1;
  l.column = (m.line == 0 && base.column > 0) ? base.column + m.column : m.column + 1;
  return l;
}

// Text of a scalar or a key: escapes ("\0", "\uD800") can make what the raw-text check let
// through into a NUL or invalid UTF-8; both would break outputs later, so refuse them here.
void check_text(const std::string& s, const FileLoc& at) {
  if (s.find('\0') != std::string::npos)
    throw InputError(at, "text contains a NUL character (\\0)", "remove it; names and titles are plain text");
  if (find_invalid_utf8(s) != std::string_view::npos)
    throw InputError(at, "text is not valid UTF-8", "check the escapes (\\x, \\u, \\U) of this quoted text");
  // Other control characters (an escape sequence, a bare CR, a C1 control) would act on the
  // terminal that prints a title or a name (colour it, overwrite a line of a table); line
  // breaks and tabs are text (a quote over several lines), and so is a CRLF's CR.
  for (size_t i = find_control(s); i != std::string::npos; i = find_control(s, i + 1)) {
    if (s[i] == '\n' || s[i] == '\t' || (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) continue;
    throw InputError(at, fmt::format("text contains the control character U+{:04X}", control_code_point(s, i)),
                     "remove it: names, titles and quotes are plain text (a terminal would act on it)");
  }
}

// Memory of the tree (nodes, their text and the file name each one remembers) is bounded
// too, at 512 bytes a value on average (1 GiB for the 2,000,000 values of YamlLimits): long
// file names and long texts copied by aliases cannot multiply past it (docs/errors.md).
constexpr size_t kTreeBytesPerValue = 512;

struct Budget {
  const YamlLimits& limits;
  size_t nodes = 0;
  size_t bytes = 0;
};

// Memory a node costs in the tree: the node, its location's file name, its text.
size_t heap_bytes(const std::string& s) { return s.size() > 15 ? s.size() + 1 : 0; }

void count_bytes(Budget& b, const FileLoc& at, size_t bytes) {
  b.bytes += bytes;
  const size_t max_bytes = b.limits.max_nodes * kTreeBytesPerValue;
  if (b.bytes > max_bytes)
    throw InputError(
        at,
        "the values of the file take more than " + std::to_string(max_bytes >> 20) + " MiB once aliases are expanded",
        "aliases (*name) copy their anchor each time they are used; check for aliases of aliases");
}

void count_node(Budget& b, const FileLoc& at, size_t bytes) {
  if (++b.nodes > b.limits.max_nodes)
    throw InputError(at, "more than " + std::to_string(b.limits.max_nodes) + " values in the file",
                     "aliases (*name) copy their anchor each time they are used; check for aliases of aliases");
  count_bytes(b, at, bytes);
}

// The text a tree is converted from, with where its lines start, for the places of scalars
// (YNode::places).
struct Source {
  std::string_view text;                    // without a byte-order mark, which yaml-cpp's marks do not count
  mutable std::vector<size_t> line_starts;  // found when first needed: most files need none
  explicit Source(std::string_view t) : text(t) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  }
  // yaml-cpp's mark of text[offset] (0-based line and column).
  YAML::Mark mark_of(size_t offset) const {
    if (line_starts.empty()) {
      line_starts.push_back(0);
      for (size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') line_starts.push_back(i + 1);
    }
    YAML::Mark m;
    const size_t line =
        static_cast<size_t>(std::upper_bound(line_starts.begin(), line_starts.end(), offset) - line_starts.begin()) - 1;
    m.pos = static_cast<int>(offset);
    m.line = static_cast<int>(line);
    m.column = static_cast<int>(offset - line_starts[line]);
    return m;
  }
};

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// What a double-quoted scalar's escape at text[i] (a backslash) stands for, and how many
// characters of the text it takes; false for an escape this does not know.
bool decode_escape(std::string_view text, size_t i, std::string& bytes, size_t& len) {
  if (i + 1 >= text.size()) return false;
  const char e = text[i + 1];
  bytes.clear();
  len = 2;
  int hex = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
  if (hex > 0) {
    if (i + 2 + static_cast<size_t>(hex) > text.size()) return false;
    uint32_t cp = 0;
    for (int k = 0; k < hex; ++k) {
      const char h = text[i + 2 + static_cast<size_t>(k)];
      if (!std::isxdigit(static_cast<unsigned char>(h))) return false;
      cp = cp * 16 +
           static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10);
    }
    append_utf8(bytes, cp);
    len += static_cast<size_t>(hex);
    return true;
  }
  switch (e) {
    case '0':
      bytes = std::string(1, '\0');
      return true;
    case 'a':
      bytes = "\a";
      return true;
    case 'b':
      bytes = "\b";
      return true;
    case 't':
    case '\t':
      bytes = "\t";
      return true;
    case 'n':
      bytes = "\n";
      return true;
    case 'v':
      bytes = "\v";
      return true;
    case 'f':
      bytes = "\f";
      return true;
    case 'r':
      bytes = "\r";
      return true;
    case 'e':
      bytes = "\x1b";
      return true;
    case ' ':
    case '"':
    case '/':
    case '\\':
      bytes = std::string(1, e);
      return true;
    case 'N':
      append_utf8(bytes, 0x85);
      return true;
    case '_':
      append_utf8(bytes, 0xA0);
      return true;
    case 'L':
      append_utf8(bytes, 0x2028);
      return true;
    case 'P':
      append_utf8(bytes, 0x2029);
      return true;
    default:
      return false;
  }
}

// The places of a scalar's characters (YNode::places): null when they follow its first one on
// its line, as most do. Otherwise the value is matched with its source character by character,
// leaving out white space (what folding, indentation and line breaks make of it, and escapes
// of white space): the non-blank characters of a scalar are those of its source, in order,
// with an escape or a doubled '' standing for one. Should they not match, the places have no
// pieces and messages point at the scalar's start.
std::shared_ptr<const TextPlaces> scalar_places(const Source& src, const YAML::Mark& m, const std::string& value,
                                                const std::string& file, const FileLoc& base) {
  const std::string_view text = src.text;
  if (m.pos < 0 || static_cast<size_t>(m.pos) >= text.size()) return nullptr;
  size_t p = static_cast<size_t>(m.pos);
  if (text[p] == '&') {  // an anchor before the value
    while (p < text.size() && text[p] != ' ' && text[p] != '\t' && text[p] != '\n') ++p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    if (p >= text.size()) return nullptr;
  }
  enum class Style { Plain, Single, Double, Block } style = Style::Plain;
  if (text[p] == '"')
    style = Style::Double;
  else if (text[p] == '\'')
    style = Style::Single;
  else if (text[p] == '|' || text[p] == '>')
    style = Style::Block;
  size_t i = style == Style::Single || style == Style::Double ? p + 1 : p;
  if (p == static_cast<size_t>(m.pos) && style != Style::Block && value.find('\n') == std::string::npos &&
      text.compare(i, value.size(), value) == 0)
    return nullptr;
  // The mark must be where the text says (a byte-order mark, say, would shift it).
  if (const YAML::Mark at = src.mark_of(static_cast<size_t>(m.pos)); at.line != m.line || at.column != m.column)
    return nullptr;
  auto places = std::make_shared<TextPlaces>();
  if (style == Style::Block) {  // the value starts on the line after the header (`|-`, `>2 # note`)
    i = text.find('\n', p);
    if (i == std::string::npos) return places;
    ++i;
  }
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  // The next non-blank character of the value as the source writes it, and where.
  std::string pending;  // what an escape stands for, not yet matched
  size_t pending_at = 0, pending_i = 0;
  auto next = [&](char& c, size_t& at) -> bool {
    for (;;) {
      if (pending_i < pending.size()) {
        c = pending[pending_i++];
        at = pending_at;
        if (!blank(c)) return true;
        continue;
      }
      if (i >= text.size()) return false;
      const char t = text[i];
      if (style == Style::Double && t == '"') return false;
      if (style == Style::Single && t == '\'') {
        if (i + 1 >= text.size() || text[i + 1] != '\'') return false;
        c = '\'';
        at = i;
        i += 2;
        return true;
      }
      if (style == Style::Double && t == '\\') {
        if (i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) {  // the line goes on
          i += 2;
          continue;
        }
        size_t len = 0;
        if (!decode_escape(text, i, pending, len)) return false;
        pending_at = i;
        pending_i = 0;
        i += len;
        continue;
      }
      ++i;
      if (blank(t)) continue;
      c = t;
      at = i - 1;
      return true;
    }
  };
  std::vector<TextPlaces::Piece> pieces;
  for (size_t k = 0; k < value.size(); ++k) {
    if (blank(value[k])) {
      if (k == 0) {
        const FileLoc l = mark_loc(file, src.mark_of(std::min(i, text.size() - 1)), base);
        pieces.push_back({0, l.line, l.column});
      }
      continue;  // one column after the character before it
    }
    char c = 0;
    size_t at = 0;
    if (!next(c, at) || c != value[k]) return places;
    const FileLoc l = mark_loc(file, src.mark_of(at), base);
    if (!pieces.empty()) {
      const TextPlaces::Piece& last = pieces.back();
      if (last.line == l.line && last.column + static_cast<int>(k - last.offset) == l.column) continue;
    }
    pieces.push_back({k, l.line, l.column});
  }
  places->pieces = std::move(pieces);
  return places;
}

YNode convert(const YAML::Node& n, const Source& src, const std::string& file, const FileLoc& base, int depth,
              Budget& budget) {
  YNode out;
  out.loc = mark_loc(file, n.Mark(), base);
  if (depth > budget.limits.max_depth)
    throw InputError(out.loc, "nesting deeper than " + std::to_string(budget.limits.max_depth) + " levels",
                     "a scenario needs only a few levels; check for runaway indentation or brackets");
  count_node(budget, out.loc, sizeof(YNode) + heap_bytes(out.loc.file));
  // An explicit tag (!!str 0.5, !custom 0.5) would be dropped and the value read by its text:
  // !!str 0.5 as the number a quoted "0.5" is refused as. Tags are not part of the format.
  if (const std::string& tag = n.Tag(); !tag.empty() && tag != "?" && tag != "!") {
    const std::string core = "tag:yaml.org,2002:";
    const std::string shown = tag.rfind(core, 0) == 0 ? "!!" + tag.substr(core.size()) : tag;
    throw InputError(out.loc, "the YAML tag '" + shown + "' is not part of the scenario format",
                     "remove it: write a number plain, text in quotes");
  }
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.type = YNode::Type::Null;
      break;
    case YAML::NodeType::Scalar:
      out.type = YNode::Type::Scalar;
      out.scalar = n.Scalar();
      out.quoted = n.Tag() == "!";
      budget.bytes += heap_bytes(out.scalar);
      check_text(out.scalar, out.loc);
      out.places = scalar_places(src, n.Mark(), out.scalar, file, base);
      if (out.places)
        count_bytes(budget, out.loc, sizeof(TextPlaces) + out.places->pieces.size() * sizeof(TextPlaces::Piece));
      break;
    case YAML::NodeType::Sequence:
      out.type = YNode::Type::Sequence;
      out.seq.reserve(n.size());
      for (const auto& item : n) out.seq.push_back(convert(item, src, file, base, depth + 1, budget));
      break;
    case YAML::NodeType::Map: {
      out.type = YNode::Type::Map;
      // Duplicate keys: a linear look for small maps, a hash set for large ones (linear in all).
      constexpr size_t kSmall = 16;
      std::unordered_set<std::string> seen;
      for (const auto& kv : n) {
        FileLoc kl = mark_loc(file, kv.first.Mark(), base);
        if (!kv.first.IsScalar()) throw InputError(kl, "a map key must be a plain name", "write `name: value`");
        std::string key = kv.first.Scalar();
        check_text(key, kl);
        bool dup;
        if (out.map.size() < kSmall) {
          dup = out.find(key) != nullptr;
        } else {
          if (seen.empty())
            for (const auto& e : out.map) seen.insert(e.first);
          dup = !seen.insert(key).second;
        }
        if (dup) throw InputError(kl, "duplicate key '" + key + "'", "each key may appear once in a map");
        count_bytes(budget, kl,
                    sizeof(std::pair<std::string, YNode>) + sizeof(FileLoc) + heap_bytes(key) + heap_bytes(kl.file));
        out.map.emplace_back(key, convert(kv.second, src, file, base, depth + 1, budget));
        out.key_locs.push_back(kl);
      }
      break;
    }
  }
  return out;
}

// A scenario file is one YAML document: the line of the marker (`---` or `...`) before the
// second one, which yaml-cpp would otherwise silently ignore.
FileLoc second_document(const std::string& text, const YAML::Mark& second, const std::string& file,
                        const FileLoc& base) {
  int target = second.line;  // 0-based; -1 when unknown
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  if (target < 0 || static_cast<size_t>(target) >= starts.size()) target = static_cast<int>(starts.size()) - 1;
  for (int l = target; l >= 0; --l) {
    std::string_view line(text.data() + starts[static_cast<size_t>(l)], text.size() - starts[static_cast<size_t>(l)]);
    if (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") {
      YAML::Mark m;
      m.line = l;
      m.column = 0;
      return mark_loc(file, m, base);
    }
  }
  return mark_loc(file, second, base);
}

// Walks a document's parse events without building it: counts its nodes and the keys of
// each map, and keeps where it starts. The first document is probed before yaml-cpp builds its
// tree, so that a file of a million keys is refused in one streaming pass instead of after
// gigabytes of tree (limits bound time and memory, not only the tree we build).
//
// Aliases too: yaml-cpp's tree shares an anchor's node among its aliases, ours copies it each
// time, so the probe keeps what each anchor stands for once expanded (an alias inside an
// anchor counts every value it reaches) and adds it up at each alias, in the terms of the
// tree: its values and their memory (the node, its text, the file name each remembers).
struct ProbeLimit {
  YAML::Mark mark;
  std::string what;
  std::string hint = "a scenario needs far fewer; is this the right file? (docs/errors.md lists the limits)";
};
struct DocumentProbe : YAML::EventHandler {
  struct Size {
    size_t values = 0, bytes = 0;
    Size& operator+=(const Size& o) {
      values += o.values;
      bytes += o.bytes;
      return *this;
    }
  };
  const YamlLimits* limits = nullptr;  // null: count only
  size_t label_bytes = 0;              // what the location's file name of each value takes
  YAML::Mark start, first_node;
  size_t nodes = 0;
  std::vector<size_t> children;  // per open map or list: the nodes directly in it
  std::vector<char> is_map;
  std::vector<std::pair<YAML::anchor_t, Size>> opened;  // per open map or list: its anchor, `expanded` before it
  std::unordered_map<YAML::anchor_t, Size> anchors;     // what each closed anchor stands for, expanded
  Size expanded;                                        // the document so far, aliases expanded
  Size copied;                                          // what its aliases copied
  void node(const YAML::Mark& m, size_t text_bytes = 0) {
    if (nodes++ == 0) first_node = m;
    expanded += Size{1, sizeof(YNode) + label_bytes + text_bytes};
    if (!limits) return;
    if (nodes > limits->max_nodes)
      throw ProbeLimit{m, "more than " + std::to_string(limits->max_nodes) + " values in the file"};
    if (!children.empty() && ++children.back() > 2 * limits->max_map_keys && is_map.back())
      throw ProbeLimit{m, "a map with more than " + std::to_string(limits->max_map_keys) + " keys"};
  }
  void open(const YAML::Mark& m, YAML::anchor_t anchor, bool map) {
    opened.emplace_back(anchor, expanded);
    node(m);
    children.push_back(0);
    is_map.push_back(map);
  }
  void close() {
    if (!children.empty()) children.pop_back(), is_map.pop_back();
    if (opened.empty()) return;
    const auto [anchor, before] = opened.back();
    opened.pop_back();
    if (anchor != YAML::NullAnchor)
      anchors[anchor] = Size{expanded.values - before.values, expanded.bytes - before.bytes};
  }
  void leaf(const YAML::Mark& m, YAML::anchor_t anchor, size_t text_bytes) {
    const Size before = expanded;
    node(m, text_bytes);
    if (anchor != YAML::NullAnchor)
      anchors[anchor] = Size{expanded.values - before.values, expanded.bytes - before.bytes};
  }
  void alias(const YAML::Mark& m, YAML::anchor_t anchor) {
    // An alias of an anchor still open (`&a [*a]`) is a cycle, which the nesting limit stops.
    auto it = anchors.find(anchor);
    const Size copy = it != anchors.end() ? it->second : Size{1, sizeof(YNode) + label_bytes};
    node(m);  // one value as written
    expanded.values += copy.values - 1;
    expanded.bytes += copy.bytes - (sizeof(YNode) + label_bytes);
    copied += copy;
    if (!limits) return;
    const std::string hint =
        "each alias copies its anchor, an alias of an alias every value it reaches; use fewer (docs/errors.md lists "
        "the limits)";
    if (copied.values > limits->max_alias_values)
      throw ProbeLimit{m, "aliases (*name) copy more than " + std::to_string(limits->max_alias_values) + " values",
                       hint};
    if (copied.bytes > limits->max_alias_bytes)
      throw ProbeLimit{
          m, "aliases (*name) copy more than " + std::to_string(limits->max_alias_bytes >> 20) + " MiB of values",
          hint};
  }
  void OnDocumentStart(const YAML::Mark& m) override { start = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override { leaf(m, anchor, 0); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override { alias(m, anchor); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    leaf(m, anchor, heap_bytes(value));
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(m, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(m, anchor, true);
  }
  void OnMapEnd() override { close(); }
};

// Probes the first document against the limits (throws ProbeLimit), and returns where a
// second document starts, if the text has one. yaml-cpp's LoadAll loops forever on some
// malformed text (its parser hands back the same document again and again without moving
// on), so the documents are walked here, and one that does not start after the first ends
// the walk.
std::optional<YAML::Mark> probe_documents(const std::string& text, const YamlLimits& limits, size_t label_bytes) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentProbe first, second;
  first.limits = &limits;
  first.label_bytes = label_bytes;
  if (!parser.HandleNextDocument(first) || !parser.HandleNextDocument(second)) return std::nullopt;
  if (second.start.pos <= first.start.pos) return std::nullopt;
  return second.nodes > 0 ? second.first_node : second.start;
}

// yaml-cpp recurses once per nesting level while parsing: refuse absurd nesting before
// handing the text to it, so that a hostile file cannot overflow the stack.
void check_nesting(const std::string& text, const std::string& file, const FileLoc& base, int max_depth) {
  int depth = 0, line = 1, col = 0;
  bool in_single = false, in_double = false, in_comment = false;
  for (char c : text) {
    ++col;
    if (c == '\n') {
      ++line;
      col = 0;
      in_comment = false;
      continue;
    }
    if (in_comment) continue;
    if (in_double) {
      if (c == '"') in_double = false;
      continue;
    }
    if (in_single) {
      if (c == '\'') in_single = false;
      continue;
    }
    if (c == '#')
      in_comment = true;
    else if (c == '"')
      in_double = true;
    else if (c == '\'')
      in_single = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        FileLoc l = base;
        l.file = file;
        l.line = base.line > 0 ? base.line + line - 1 : line;
        l.column = col;
        throw InputError(l, "nesting deeper than " + std::to_string(max_depth) + " levels",
                         "a scenario needs only a few levels; check for runaway brackets");
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
}

YNode parse(const std::string& text, const std::string& file, const FileLoc& base, const YamlLimits& limits) {
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
    FileLoc at = loc_of_offset(file, text, bad);
    if (base.line > 0) {  // text of a --set value
      at.column = base.column + at.column - 1;
      at.line = base.line + at.line - 1;
    }
    throw InputError(at, fmt::format("invalid UTF-8 (byte 0x{:02X})", static_cast<unsigned char>(text[bad])),
                     "save the file as UTF-8");
  }
  // yaml-cpp breaks lines at LF (and CRLF) only: a file saved with bare CRs (old Mac) is one
  // long line to it, read as nothing when it starts with a comment ("the file is empty") or
  // as a wrong tree otherwise.
  for (size_t cr = text.find('\r'); cr != std::string::npos; cr = text.find('\r', cr + 1)) {
    if (cr + 1 < text.size() && text[cr + 1] == '\n') continue;
    FileLoc at = loc_of_offset(file, text, cr);
    if (base.line > 0) {  // text of a --set value
      at.column = base.column + at.column - 1;
      at.line = base.line + at.line - 1;
    }
    throw InputError(at, "a line ends in a bare CR (carriage return without line feed, as old Mac files have)",
                     "convert the line endings to LF (or CRLF), for example with `tr '\\r' '\\n'`");
  }
  check_nesting(text, file, base, limits.max_depth);
  YAML::Node root;
  try {
    if (auto second = probe_documents(text, limits, heap_bytes(file)))
      throw InputError(second_document(text, *second, file, base),
                       "a second YAML document starts here (after `---` or `...`)",
                       "a scenario file is one document: remove the marker and merge what follows into the scenario");
    root = YAML::Load(text);
  } catch (const ProbeLimit& e) {
    throw InputError(mark_loc(file, e.mark, base), e.what, e.hint);
  } catch (const YAML::DeepRecursion& e) {
    // Block nesting (`- - - x`, indentation) that the bracket count above cannot see.
    throw InputError(mark_loc(file, e.mark, base),
                     "nesting deeper than " + std::to_string(limits.max_depth) + " levels",
                     "a scenario needs only a few levels; check for runaway indentation or `- - -`");
  } catch (const YAML::ParserException& e) {
    FileLoc l = mark_loc(file, e.mark, base);
    std::string msg = e.msg;
    throw InputError(l, "YAML syntax error: " + msg,
                     "check indentation (spaces, not tabs) and that every `key: value` has a space after the colon");
  } catch (const YAML::Exception& e) {
    throw InputError(base, std::string("YAML error: ") + e.what());
  }
  Budget budget{limits};
  const Source src(text);
  return convert(root, src, file, base, 0, budget);
}

}  // namespace

YNode parse_yaml_file(const std::string& path, const YamlLimits& limits) {
  FileLoc where{display_path(path), 0, 0};
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(where, "is a folder, not a scenario file", "name a .yaml file inside it");
  std::string text =
      read_regular_file(path, limits.max_file_bytes, "a scenario is a few kilobytes; is this the right file?");
  if (text.find('\0') != std::string::npos)
    throw InputError(where, "file contains NUL bytes", "a scenario is a text file in UTF-8");
  return parse(text, path, FileLoc{}, limits);
}

YNode parse_yaml_text(const std::string& text, const FileLoc& loc, const YamlLimits& limits) {
  // Text given on the command line is labelled by itself (`--set PATH=VALUE`), and every value
  // of its tree remembers the label: an override of 60 KB would copy 60 KB into each of its
  // values, gigabytes in all. A long label is cut; the places still count in the whole text.
  constexpr size_t kMaxCommandLabel = 200;
  if (!loc.on_command_line() || loc.file.size() <= kMaxCommandLabel) return parse(text, loc.file, loc, limits);
  size_t cut = kMaxCommandLabel;
  while (cut > 0 && (static_cast<unsigned char>(loc.file[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  FileLoc shown = loc;
  shown.file = loc.file.substr(0, cut) + "\xE2\x80\xA6";  // U+2026, an ellipsis
  return parse(text, shown.file, shown, limits);
}

namespace {
bool is_id_list(const YNode& n) {
  if (!n.is_seq() || n.seq.empty()) return false;
  for (const auto& item : n.seq) {
    if (!item.is_map()) return false;
    const YNode* id = item.find("id");
    if (!id || !id->is_scalar()) return false;
  }
  return true;
}
}  // namespace

void merge_yaml(YNode& base, const YNode& overlay) {
  // Large maps and lists are indexed by key or id, so that merging stays linear.
  constexpr size_t kSmall = 16;
  if (base.is_map() && overlay.is_map()) {
    std::unordered_map<std::string, size_t> index;
    if (base.map.size() > kSmall && overlay.map.size() > 1)
      for (size_t j = 0; j < base.map.size(); ++j) index.emplace(base.map[j].first, j);
    for (size_t i = 0; i < overlay.map.size(); ++i) {
      const auto& [key, value] = overlay.map[i];
      size_t j = base.map.size();
      if (!index.empty()) {
        if (auto it = index.find(key); it != index.end()) j = it->second;
      } else {
        for (size_t k = 0; k < base.map.size(); ++k)
          if (base.map[k].first == key) {
            j = k;
            break;
          }
      }
      if (j < base.map.size()) {
        merge_yaml(base.map[j].second, value);
        base.key_locs[j] = overlay.key_locs[i];  // the key now lives in the overlay's file
      } else {
        if (!index.empty()) index.emplace(key, base.map.size());
        base.map.emplace_back(key, value);
        base.key_locs.push_back(overlay.key_locs[i]);
      }
    }
    return;
  }
  if (is_id_list(base) && is_id_list(overlay)) {
    // Removals only mark items (erased at the end), so that positions stay valid.
    std::unordered_map<std::string, size_t> index;
    const bool indexed = base.seq.size() > kSmall && overlay.seq.size() > 1;
    if (indexed)
      for (size_t j = base.seq.size(); j-- > 0;) index[base.seq[j].find("id")->scalar] = j;
    std::vector<bool> removed(base.seq.size(), false);
    // An id the overlay names twice would merge twice, the last silently winning (a base
    // file with a duplicate id is refused): refused, unless the first removes the item
    // (`remove: true`, then the item written anew, replaces it whole).
    std::unordered_map<std::string, bool> named;  // id -> its last mention removed it
    for (const auto& item : overlay.seq) {
      const YNode* r = item.find("remove");
      const bool removes = r && r->is_scalar() && r->scalar == "true";
      const YNode* id_node = item.find("id");
      auto [it, fresh] = named.emplace(id_node->scalar, removes);
      if (!fresh && !it->second)
        throw InputError(id_node->loc, "id '" + id_node->scalar + "' appears twice in this list",
                         "write each item once; to replace a base item whole, remove it (`remove: true`) and then "
                         "write it anew");
      it->second = removes;
    }
    for (const auto& item : overlay.seq) {
      const std::string& id = item.find("id")->scalar;
      size_t j = base.seq.size();
      if (indexed) {
        if (auto it = index.find(id); it != index.end() && !removed[it->second]) j = it->second;
      } else {
        for (size_t k = 0; k < base.seq.size(); ++k)
          if (!removed[k] && base.seq[k].find("id")->scalar == id) {
            j = k;
            break;
          }
      }
      const YNode* remove = item.find("remove");
      bool removing = remove && remove->is_scalar() && remove->scalar == "true";
      if (j == base.seq.size()) {
        // A `remove:` of an unknown id is kept so that validation reports it.
        if (indexed) index[id] = base.seq.size();
        base.seq.push_back(item);
        removed.push_back(false);
      } else if (removing) {
        removed[j] = true;
      } else {
        merge_yaml(base.seq[j], item);
      }
    }
    size_t w = 0;
    for (size_t j = 0; j < base.seq.size(); ++j) {
      if (removed[j]) continue;
      if (w != j) base.seq[w] = std::move(base.seq[j]);
      ++w;
    }
    base.seq.resize(w);
    return;
  }
  base = overlay;
}

std::string canonical_yaml(const YNode& n) {
  std::string s;
  switch (n.type) {
    case YNode::Type::Null:
      return "~";
    case YNode::Type::Scalar:
      s = n.quoted ? "\"" : "'";
      for (char c : n.scalar) s += (c == '\\' || c == '"' || c == '\'') ? std::string("\\") + c : std::string(1, c);
      return s + (n.quoted ? "\"" : "'");
    case YNode::Type::Sequence:
      s = "[";
      for (const auto& v : n.seq) s += canonical_yaml(v) + ",";
      return s + "]";
    case YNode::Type::Map:
      s = "{";
      for (const auto& [k, v] : n.map)
        s += canonical_yaml(YNode{YNode::Type::Scalar, k, false, {}, {}, {}, {}}) + ":" + canonical_yaml(v) + ",";
      return s + "}";
  }
  return s;
}

std::string hash_hex(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace geosim
