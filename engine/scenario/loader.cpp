// File handling of the loader: the `extends:` chain and `--set` overrides.
#include "engine/scenario/loader.h"

#include <filesystem>

namespace geosim {

namespace fs = std::filesystem;

static YNode load_chain(const std::string& path, const LoadLimits& limits, std::vector<std::string>& stack,
                        const FileLoc& from) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::path(path), ec);
  std::string key = ec ? path : canonical.string();
  for (size_t i = 0; i < stack.size(); ++i) {
    if (stack[i] == key) {
      std::string chain;
      for (size_t j = i; j < stack.size(); ++j) chain += fs::path(stack[j]).filename().string() + " -> ";
      chain += fs::path(key).filename().string();
      throw InputError(from, "`extends:` forms a cycle: " + chain, "a scenario may not extend itself, directly or not");
    }
  }
  if (static_cast<int>(stack.size()) >= limits.max_extends_depth)
    throw InputError(from, "`extends:` chain deeper than " + std::to_string(limits.max_extends_depth) + " files");
  if (!fs::exists(path)) {
    if (from.file.empty()) throw InputError(FileLoc{path, 0, 0}, "no such file", "check the path");
    throw InputError(from, "`extends:` names a file that does not exist: " + path,
                     "paths are relative to the file that extends");
  }
  YNode node = parse_yaml_file(path, limits.yaml);
  if (!node.is_map()) {
    if (node.is_null()) throw InputError(FileLoc{path, 1, 1}, "the file is empty", "a scenario starts with `geosim: 1`");
    throw InputError(node.loc, "a scenario must be a map of keys (geosim:, id:, actors:, ...), got " + node.type_name());
  }
  const YNode* ext = node.find("extends");
  if (!ext) return node;
  if (!ext->is_scalar() || ext->scalar.empty())
    throw InputError(ext->loc, "`extends:` must be a file name", "for example extends: venezuela-2019.yaml");
  fs::path base_path = fs::path(path).parent_path() / ext->scalar;
  stack.push_back(key);
  YNode base = load_chain(base_path.string(), limits, stack, ext->loc);
  stack.pop_back();
  YNode overlay = node;
  overlay.erase("extends");
  merge_yaml(base, overlay);
  return base;
}

YNode load_scenario_tree(const std::string& path, const LoadLimits& limits) {
  std::vector<std::string> stack;
  return load_chain(path, limits, stack, FileLoc{});
}

static std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : p) {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

void apply_set(YNode& root, const std::string& assignment) {
  auto eq = assignment.find('=');
  FileLoc where{"--set " + assignment, 1, 1};
  if (eq == std::string::npos || eq == 0)
    throw InputError(where, "expected PATH=VALUE", "for example --set levers.oil_sanctions.intensity=0.5");
  std::string path = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  auto parts = split_path(path);
  YNode* node = &root;
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    // A map key may itself contain dots (a hazard driver `fired.coup_attempt`): take the
    // longest run of segments that names a key here.
    if (node->is_map()) {
      for (size_t j = parts.size(); j > i + 1; --j) {
        std::string joined = parts[i];
        for (size_t k = i + 1; k < j; ++k) joined += "." + parts[k];
        if (node->find(joined)) {
          parts[i] = joined;
          parts.erase(parts.begin() + static_cast<long>(i) + 1, parts.begin() + static_cast<long>(j));
          break;
        }
      }
    }
    const std::string& part = parts[i];
    if (part.empty()) throw InputError(where, "empty segment in path '" + path + "'");
    bool last = i + 1 == parts.size();
    std::string here = walked.empty() ? part : walked + "." + part;
    if (node->is_map()) {
      YNode* next = node->find(part);
      if (!next) {
        if (last) {
          // A new key (for example a default that the file left out); validation checks it.
          YNode v = parse_yaml_text(value, FileLoc{where.file, 1, static_cast<int>(eq) + 2});
          node->set(part, std::move(v), where);
          return;
        }
        std::vector<std::string> keys;
        for (const auto& kv : node->map) keys.push_back(kv.first);
        std::string guess = closest_match(part, keys);
        throw InputError(where, "no '" + here + "' in the scenario",
                         guess.empty() ? "keys here: " + join(keys) : "did you mean '" + guess + "'?");
      }
      node = next;
    } else if (node->is_seq()) {
      YNode* next = nullptr;
      std::vector<std::string> ids;
      for (auto& item : node->seq) {
        const YNode* id = item.is_map() ? item.find("id") : nullptr;
        if (id && id->is_scalar()) {
          ids.push_back(id->scalar);
          if (id->scalar == part) next = &item;
        }
      }
      if (!next) {
        std::string guess = closest_match(part, ids);
        throw InputError(where, "no item with id '" + part + "' in '" + walked + "'",
                         guess.empty() ? "ids here: " + join(ids) : "did you mean '" + guess + "'?");
      }
      node = next;
    } else {
      throw InputError(where, "'" + walked + "' is a single value; it has no '" + part + "'");
    }
    walked = here;
  }
  *node = parse_yaml_text(value, FileLoc{where.file, 1, static_cast<int>(eq) + 2});
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  YNode root = load_scenario_tree(path, options.limits);
  for (const auto& s : options.sets) apply_set(root, s);
  return build_scenario(root, path, options.limits);
}

}  // namespace geosim
