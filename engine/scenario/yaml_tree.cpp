#include "engine/scenario/yaml_tree.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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
    case Type::Null: return "nothing";
    case Type::Scalar: return "a single value";
    case Type::Sequence: return "a list";
    case Type::Map: return "a map";
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

YNode convert(const YAML::Node& n, const std::string& file, const FileLoc& base, int depth,
              const YamlLimits& limits, size_t& nodes) {
  YNode out;
  out.loc = mark_loc(file, n.Mark(), base);
  if (depth > limits.max_depth)
    throw InputError(out.loc, "nesting deeper than " + std::to_string(limits.max_depth) + " levels",
                     "a scenario needs only a few levels; check for runaway indentation or brackets");
  if (++nodes > limits.max_nodes)
    throw InputError(out.loc, "more than " + std::to_string(limits.max_nodes) + " values in the file",
                     "aliases (*name) copy their anchor each time they are used; check for aliases of aliases");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.type = YNode::Type::Null;
      break;
    case YAML::NodeType::Scalar:
      out.type = YNode::Type::Scalar;
      out.scalar = n.Scalar();
      out.quoted = n.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      out.type = YNode::Type::Sequence;
      for (const auto& item : n) out.seq.push_back(convert(item, file, base, depth + 1, limits, nodes));
      break;
    case YAML::NodeType::Map:
      out.type = YNode::Type::Map;
      for (const auto& kv : n) {
        FileLoc kl = mark_loc(file, kv.first.Mark(), base);
        if (!kv.first.IsScalar())
          throw InputError(kl, "a map key must be a plain name", "write `name: value`");
        std::string key = kv.first.Scalar();
        if (out.find(key))
          throw InputError(kl, "duplicate key '" + key + "'", "each key may appear once in a map");
        out.map.emplace_back(key, convert(kv.second, file, base, depth + 1, limits, nodes));
        out.key_locs.push_back(kl);
      }
      break;
  }
  return out;
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
    if (c == '#') in_comment = true;
    else if (c == '"') in_double = true;
    else if (c == '\'') in_single = true;
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

YNode parse(const std::string& text, const std::string& file, const FileLoc& base,
            const YamlLimits& limits) {
  check_nesting(text, file, base, limits.max_depth);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // Block nesting (`- - - x`, indentation) that the bracket count above cannot see.
    throw InputError(mark_loc(file, e.mark, base), "nesting deeper than " + std::to_string(limits.max_depth) + " levels",
                     "a scenario needs only a few levels; check for runaway indentation or `- - -`");
  } catch (const YAML::ParserException& e) {
    FileLoc l = mark_loc(file, e.mark, base);
    std::string msg = e.msg;
    throw InputError(l, "YAML syntax error: " + msg,
                     "check indentation (spaces, not tabs) and that every `key: value` has a space after the colon");
  } catch (const YAML::Exception& e) {
    throw InputError(base, std::string("YAML error: ") + e.what());
  }
  size_t nodes = 0;
  return convert(root, file, base, 0, limits, nodes);
}

}  // namespace

YNode parse_yaml_file(const std::string& path, const YamlLimits& limits) {
  FileLoc where{path, 0, 0};
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(where, "is a folder, not a scenario file", "name a .yaml file inside it");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(where, "cannot open file", "check the path and that the file is readable");
  in.seekg(0, std::ios::end);
  auto size = static_cast<long long>(in.tellg());
  if (size < 0) throw InputError(where, "cannot read file", "is it a directory?");
  if (static_cast<size_t>(size) > limits.max_file_bytes)
    throw InputError(where, "file is " + std::to_string(size) + " bytes, over the limit of " +
                                std::to_string(limits.max_file_bytes) + " bytes",
                     "a scenario is a few kilobytes; is this the right file?");
  in.seekg(0);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.find('\0') != std::string::npos)
    throw InputError(where, "file contains NUL bytes", "a scenario is a text file in UTF-8");
  return parse(text, path, FileLoc{}, limits);
}

YNode parse_yaml_text(const std::string& text, const FileLoc& loc, const YamlLimits& limits) {
  return parse(text, loc.file, loc, limits);
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
  if (base.is_map() && overlay.is_map()) {
    for (size_t i = 0; i < overlay.map.size(); ++i) {
      const auto& [key, value] = overlay.map[i];
      YNode* existing = base.find(key);
      if (existing) {
        merge_yaml(*existing, value);
        // The key now lives in the overlay's file.
        for (size_t j = 0; j < base.map.size(); ++j)
          if (base.map[j].first == key) base.key_locs[j] = overlay.key_locs[i];
      } else {
        base.map.emplace_back(key, value);
        base.key_locs.push_back(overlay.key_locs[i]);
      }
    }
    return;
  }
  if (is_id_list(base) && is_id_list(overlay)) {
    for (const auto& item : overlay.seq) {
      const std::string& id = item.find("id")->scalar;
      auto it = base.seq.begin();
      for (; it != base.seq.end(); ++it)
        if (it->find("id")->scalar == id) break;
      const YNode* remove = item.find("remove");
      bool removing = remove && remove->is_scalar() && remove->scalar == "true";
      if (it == base.seq.end()) {
        // A `remove:` of an unknown id is kept so that validation reports it.
        base.seq.push_back(item);
      } else if (removing) {
        base.seq.erase(it);
      } else {
        merge_yaml(*it, item);
      }
    }
    return;
  }
  base = overlay;
}

}  // namespace geosim
