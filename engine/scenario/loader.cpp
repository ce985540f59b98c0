// File handling of the loader: the `extends:` chain and `--set` overrides.
#include "engine/scenario/loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string_view>

#include "engine/core/text_file.h"

namespace geosim {

namespace fs = std::filesystem;

namespace {

// For every file reached through `extends:` (as its name appears in locations), the
// `extends:` key that named it.
using Includes = std::map<std::string, FileLoc>;

// Quoted text of a message ('...' or "...") is the content of the file: a file reached
// through `extends:` may not be one the user meant to show (a link to a private file).
std::string without_quotes(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char q = s[i];
    size_t close = (q == '\'' || q == '"') ? s.find(q, i + 1) : std::string::npos;
    if (close == std::string::npos) {
      out += q;
      continue;
    }
    out += q;
    out += "...";
    out += q;
    i = close;
  }
  return out;
}

// Errors located in a file the user did not name quote none of its content, and say which
// file included it: "base.yaml:7:3: unknown key '...' in an actor (in the file extended from
// variant.yaml:2:10)".
InputError with_includes(const InputError& e, const Includes& includes) {
  if (includes.empty()) return e;
  std::vector<Diagnostic> out;
  for (Diagnostic d : e.diagnostics()) {
    auto it = includes.find(d.loc.file);
    if (it != includes.end()) {
      d.loc.file = display_path(d.loc.file);
      bool plain_hint = d.hint.find_first_of("'\":") == std::string::npos;
      d.message = without_quotes(d.message) + " (in the file extended from " + display_path(it->second.str()) + ")";
      if (!plain_hint) d.hint.clear();
    }
    out.push_back(std::move(d));
  }
  return InputError(std::move(out));
}

// Marks every node of a file's tree with the file's format version.
void mark_format(YNode& n, int format) {
  n.format = format;
  for (auto& c : n.seq) mark_format(c, format);
  for (auto& kv : n.map) mark_format(kv.second, format);
}

YNode load_chain(const std::string& path, const LoadLimits& limits, std::vector<std::string>& stack,
                 const FileLoc& from, Includes& includes) {
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
  const size_t max_bytes = limits.yaml.max_file_bytes;
  if (from.file.empty()) {
    std::error_code dir_ec;
    if (fs::is_directory(path, dir_ec))
      throw InputError(FileLoc{display_path(path), 0, 0}, "is a folder, not a scenario file", "name a .yaml file inside it");
    if (find_invalid_utf8(path) != std::string_view::npos)
      throw InputError(FileLoc{display_path(path), 0, 0}, "the file name is not valid UTF-8",
                       "rename the file; outputs name it and must be UTF-8");
  }
  FileRead r = try_read_regular_file(path, max_bytes);
  const std::string size_hint = "a scenario is a few kilobytes; is this the right file?";
  if (r.problem != FileProblem::None) {
    if (from.file.empty())
      throw InputError(FileLoc{display_path(path), 0, 0}, file_problem_message(r, max_bytes),
                       file_problem_hint(r.problem, size_hint));
    switch (r.problem) {
      case FileProblem::Missing:
        throw InputError(from, "`extends:` names a file that does not exist: " + display_path(path),
                         "paths are relative to the file that extends");
      case FileProblem::NameTooLong:
        throw InputError(from, "`extends:` names a file whose name is too long",
                         "check the path (a file name has at most 255 bytes, a path 4096)");
      default:
        throw InputError(from, "`extends:` names " + display_path(path) + ", which " +
                                   [&] {
                                     std::string m = file_problem_message(r, max_bytes);
                                     return m.rfind("file is", 0) == 0 ? "is over the size limit of " +
                                                                             std::to_string(max_bytes) + " bytes"
                                            : m.rfind("is ", 0) == 0 ? m
                                                                     : "cannot be read (" + m + ")";
                                   }(),
                         file_problem_hint(r.problem, size_hint));
    }
  }
  if (!from.file.empty()) includes.emplace(path, from);
  if (r.text.find('\0') != std::string::npos)
    throw InputError(FileLoc{display_path(path), 0, 0}, "file contains NUL bytes", "a scenario is a text file in UTF-8");
  YNode node = parse_yaml_text(r.text, FileLoc{path, 0, 0}, limits.yaml);
  if (!node.is_map()) {
    if (node.is_null()) throw InputError(FileLoc{path, 1, 1}, "the file is empty", "a scenario starts with `geosim: 1`");
    throw InputError(node.loc, "a scenario must be a map of keys (geosim:, id:, actors:, ...), got " + node.type_name());
  }
  if (const YNode* ver = node.find("geosim"); ver && ver->is_scalar() && (ver->scalar == "1" || ver->scalar == "2"))
    mark_format(node, ver->scalar == "2" ? 2 : 1);
  const YNode* ext = node.find("extends");
  if (!ext) return node;
  if (!ext->is_scalar() || ext->scalar.empty())
    throw InputError(ext->loc, "`extends:` must be a file name", "for example extends: venezuela-2019.yaml");
  fs::path base_path = fs::path(path).parent_path() / ext->scalar;
  stack.push_back(key);
  YNode base = load_chain(base_path.string(), limits, stack, ext->loc, includes);
  stack.pop_back();
  // A variant in an older format than its base would read the base's newer keys as errors.
  const YNode* mine = node.find("geosim");
  const YNode* theirs = base.find("geosim");
  if (mine && theirs && mine->is_scalar() && theirs->is_scalar() && mine->scalar == "1" && theirs->scalar == "2")
    throw InputError(mine->loc, "a `geosim: 1` file cannot extend " + display_path(base_path.string()) +
                                    ", which is `geosim: 2`",
                     "write `geosim: 2`, or leave the key out: a variant takes its base's format");
  YNode overlay = std::move(node);
  overlay.erase("extends");
  merge_yaml(base, overlay);
  return base;
}

}  // namespace

YNode load_scenario_tree(const std::string& path, const LoadLimits& limits) {
  std::vector<std::string> stack;
  Includes includes;
  try {
    return load_chain(path, limits, stack, FileLoc{}, includes);
  } catch (const InputError& e) {
    throw with_includes(e, includes);
  }
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

void apply_set(YNode& root, const std::string& assignment, const std::string& label) {
  auto eq = assignment.find('=');
  FileLoc where{label.empty() ? "--set " + assignment : label, 1, 1};
  if (eq == std::string::npos || eq == 0)
    throw InputError(where, "expected PATH=VALUE", "for example --set levers.oil_sanctions.intensity=0.5");
  std::string path = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  if (path == "extends")
    throw InputError(where, "`extends:` cannot be changed with --set; it is read with the file",
                     "write a small file with `extends:` naming the scenario you want");
  // YAML reads an empty value, and `---` or `...` (document markers), as nothing at all.
  auto parse_value = [&] {
    FileLoc at{where.file, 1, label.empty() ? static_cast<int>(eq) + 2 : 1};
    YNode v = parse_yaml_text(value, at);
    size_t b = value.find_first_not_of(" \t"), e = value.find_last_not_of(" \t");
    std::string trimmed = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    if (v.is_null() && trimmed != "~" && trimmed != "null" && trimmed != "Null" && trimmed != "NULL")
      throw InputError(at, trimmed.empty() ? "no value after '='" : "YAML reads this value as nothing",
                       "write a value; quote text that YAML reads specially, for example --set 'title=\"---\"'");
    return v;
  };
  auto parts = split_path(path);
  YNode* node = &root;
  std::string walked;
  bool list_item = false;  // whether `node` is an item of a list (named by its id)
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
      // A hazard's drivers are named by state variables, which may hold dots (stance.army,
      // fired.coup_attempt): a new driver takes the rest of the path as its name.
      const bool in_drivers = !walked.empty() && parts[i - 1] == "drivers";
      if (!next && !last && in_drivers) {
        std::string name = part;
        for (size_t k = i + 1; k < parts.size(); ++k) name += "." + parts[k];
        if (std::any_of(parts.begin() + static_cast<long>(i), parts.end(), [](const auto& q) { return q.empty(); }))
          throw InputError(where, "empty segment in path '" + path + "'");
        node->set(name, parse_value(), where);
        return;
      }
      if (!next) {
        if (last) {
          // A new key (for example a default that the file left out); validation checks it.
          node->set(part, parse_value(), where);
          return;
        }
        if ((walked.empty() ? part == "mechanisms" : walked == "mechanisms") || part == "drivers") {
          // A mechanism group the file leaves at its defaults (mechanisms.stance.rally=0), or
          // a hazard's first driver: a new map; validation checks its name and keys.
          YNode group;
          group.type = YNode::Type::Map;
          group.loc = where;
          node->set(part, std::move(group), where);
          node = node->find(part);
          walked = here;
          continue;
        }
        std::vector<std::string> keys;
        for (const auto& kv : node->map) keys.push_back(kv.first);
        std::string guess = closest_match(part, keys);
        throw InputError(where, "no '" + here + "' in the scenario",
                         guess.empty() ? "keys here: " + join(keys) : "did you mean '" + guess + "'?");
      }
      node = next;
      list_item = false;
    } else if (node->is_seq()) {
      YNode* next = nullptr;
      std::vector<std::string> ids;
      for (auto& item : node->seq) {
        const YNode* id = item.is_map() ? item.find("id") : nullptr;
        // The rungs of a ladder have no id: they are named by their lever.
        if (!id && item.is_map()) id = item.find("lever");
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
      list_item = true;
    } else {
      throw InputError(where, "'" + walked + "' is a single value; it has no '" + part + "'");
    }
    walked = here;
  }
  YNode given = parse_value();
  // A shared factor is named by its rank's path (factors.ID, as sweeps and analyses name it):
  // a value for the factor (a number or a distribution) is its rank.
  if (list_item && parts.size() == 2 && parts[0] == "factors" &&
      (given.is_scalar() || (given.is_map() && given.find("dist")))) {
    node->set("rank", std::move(given), where);
    return;
  }
  // `~` clears a key (build_scenario leaves it out, so its default applies); a list's item
  // is not a key, and an empty item would be refused without saying why.
  if (list_item && given.is_null())
    throw InputError(where, "`~` clears a key; '" + path + "' is an item of a list",
                     "switch a lever off with --set levers.ID.enabled=false, or remove an item in a variant "
                     "(`extends:`) with `remove: true`");
  *node = std::move(given);
}

void apply_sets(YNode& root, const std::vector<std::string>& assignments, const std::vector<std::string>& labels) {
  std::vector<Diagnostic> bad;
  for (size_t i = 0; i < assignments.size(); ++i) {
    try {
      apply_set(root, assignments[i], i < labels.size() ? labels[i] : std::string());
    } catch (const InputError& e) {
      bad.insert(bad.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!bad.empty()) throw InputError(std::move(bad));
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  std::vector<std::string> stack;
  Includes includes;
  try {
    YNode root = load_chain(path, options.limits, stack, FileLoc{}, includes);
    apply_sets(root, options.sets, options.set_labels);
    Scenario sc = build_scenario(root, path, options.limits);
    for (const auto& [file, from] : includes) sc.extended.push_back(file);
    return sc;
  } catch (const InputError& e) {
    throw with_includes(e, includes);
  }
}

}  // namespace geosim
