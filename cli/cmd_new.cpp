// `geosim new NAME [--from SCENARIO] [--format 1|2]`: a commented starting scenario that
// validates — the teaching scenario under a new id (in format 2 unless --format 1), or a
// variant of an existing scenario (`extends:`) that lists the base's levers as commented
// blocks to edit.
#include <fmt/format.h>

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/common.h"
#include "engine/core/text_file.h"
#include "engine/output/files.h"
#include "engine/output/output.h"

namespace geosim::cli {

const char* teaching_template();          // generated from scenarios/teaching.yaml
const char* teaching_template_format2();  // from scenarios/teaching-format2.yaml

namespace {

namespace fs = std::filesystem;

// A scenario id from NAME: lower-case letters, digits and '_' ('-' becomes '_').
std::string id_from_name(const std::string& name) {
  std::string id = name;
  for (char& c : id)
    if (c == '-') c = '_';
  bool ok = !id.empty() && id.size() <= 64 && id[0] >= 'a' && id[0] <= 'z';
  for (char c : id) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok)
    throw UsageError("new: '" + name +
                     "' cannot be a scenario id; use lower-case letters, digits, '_' or '-', starting with a "
                     "letter (e.g. geosim new myanmar-2021)");
  return id;
}

// `s` exactly, as a YAML double-quoted scalar (a file name may hold any character but NUL;
// a title keeps its quotes).
std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The teaching scenario in `format` (1 or 2) with its opening comment, id and title replaced.
std::string from_template(const std::string& id, int format) {
  std::istringstream in(format == 1 ? teaching_template() : teaching_template_format2());
  std::ostringstream out;
  out << "# " << id << ": a new scenario, started from geosim's teaching scenario" << (format == 1 ? " (format 1)" : "")
      << ".\n"
      << "#\n"
      << "# Replace the actors, levers, events and outcomes with those of your crisis, and give\n"
      << "# every number its evidence (a quote with `cite:`) or an `assumption:`. `geosim validate`\n"
      << "# checks the file; `geosim describe` lists lever kinds, channels and state variables;\n"
      << "# docs/scenario-format.md describes every key.\n";
  if (format == 1)
    out << "# Format 1 reads its numbers per step (its noise, shock lengths and hazards); format 2,\n"
        << "# which `geosim new` writes by default, reads rates per year and lengths as durations.\n";
  else
    out << "# Rates are per year and lengths are durations, so the file means the same in daily and\n"
        << "# weekly steps: `geosim validate --step-check` measures how far its odds depend on them.\n";
  out << "\n";
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header && (line.empty() || line[0] == '#')) continue;
    header = false;
    if (line.rfind("id: ", 0) == 0)
      line = "id: " + id;
    else if (line.rfind("title: ", 0) == 0)
      line = "title: " + yaml_quoted(id + ": say in one line what the crisis is");
    out << line << "\n";
  }
  return out.str();
}

// A variant of `base` (already validated) that extends it from `out_path`'s folder.
std::string variant(const std::string& id, const std::string& base_path, const Scenario& base,
                    const std::string& out_path) {
  // Both resolved as the loader will find them (through links), so that the relative path
  // leads from the written file's real folder to the base's real file.
  const fs::path out_dir = fs::weakly_canonical(fs::absolute(out_path)).parent_path();
  const std::string rel = fs::weakly_canonical(fs::absolute(base_path)).lexically_relative(out_dir).generic_string();
  if (find_invalid_utf8(rel) != std::string::npos)
    throw InputError(FileLoc{base_path, 0, 0},
                     "the path from -o's folder to this file is not valid UTF-8, which a "
                     "scenario file cannot hold",
                     "rename the file or its folder");
  // Text in a `#` comment stays on its line (one_line): a line break in the base's title
  // (or a file name) would otherwise start a line of live YAML in the variant.
  std::ostringstream os;
  os << "# " << id << ": a variant of " << one_line(base.id) << " (" << one_line(base.title) << ").\n"
     << "#\n"
     << "# It inherits everything from the file named in `extends:`; write only what differs.\n"
     << "# Uncomment a block below and change a key; `geosim validate` checks the file and\n"
     << "# `geosim compare " << one_line(shell_word(base_path)) << " " << one_line(shell_word(out_path))
     << "` shows what the change does\n"
     << "# (both arms with the same random numbers).\n\n"
     << "geosim: " << base.format_version << "\n"
     << "extends: " << yaml_quoted(rel) << "\n"
     << "id: " << id << "\n"
     << "title: " << yaml_quoted(base.title + " (variant " + id + ")") << "\n";
  if (!base.levers.empty()) {
    os << "\n# The base's levers. Change intensity, credibility, from/until, or switch one off:\n"
       << "# levers:\n";
    for (const auto& l : base.levers) {
      os << "#   - id: " << l.id << "    # " << lever_kinds()[static_cast<size_t>(l.kind)].name << ", "
         << base.actors[static_cast<size_t>(l.by)].id << " -> " << base.actors[static_cast<size_t>(l.target)].id;
      if (l.intensity != kNoParam) os << "; intensity " << base.params[l.intensity.index()].dist.describe();
      if (l.credibility != kNoParam) os << ", credibility " << base.params[l.credibility.index()].dist.describe();
      os << "\n#     enabled: false\n#     assumption: \"what-if: say why\"\n";
    }
  }
  os << "\n# Any other key of the base may be overridden the same way (docs/scenario-format.md,\n"
     << "# \"extends:\"), e.g. a later horizon:\n# horizon: " << base.horizon;
  // Format 2 writes a length as a duration (a bare number is refused there).
  if (base.format_version >= 2) os << (base.unit == StepUnit::Week ? " weeks" : " days");
  os << "\n";
  return os.str();
}

int new_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim new NAME [--from SCENARIO] [--format 1|2] [-o FILE]\n\n"
      "Writes a commented starting scenario that validates: the teaching scenario under the\n"
      "id NAME (scenarios/teaching-format2.yaml; with --format 1, scenarios/teaching.yaml),\n"
      "or with --from a variant of SCENARIO (`extends:`) listing its levers to edit.\n"
      "The file is NAME.yaml unless -o says otherwise; an existing file is kept unless --force.\n\nOptions");
  std::string name, from, output;
  bool force = false;
  int format = 2;
  opts.add_options()("help,h", "show this help")("name", po::value<std::string>(&name), "the new scenario's id")(
      "from", po::value<std::string>(&from), "write a variant of this scenario")(
      "format", po::value<int>(&format), "the teaching scenario's format: 2 (default) or 1")(
      "output,o", po::value<std::string>(&output), "file to write (default NAME.yaml)")(
      "force", po::bool_switch(&force), "overwrite an existing file");
  po::positional_options_description pos;
  pos.add("name", 1);
  auto vm = parse("new", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (name.empty()) throw UsageError("new: which name? (geosim new NAME [--from SCENARIO])");
  if (format != 1 && format != 2) throw UsageError("new: --format must be 1 or 2, got " + std::to_string(format));
  // A variant keeps its base's format (the base's numbers keep their meaning).
  if (vm.count("format") && !from.empty())
    throw UsageError("new: --format is for the teaching scenario; a variant (--from) has its base's format");
  const std::string id = id_from_name(name);
  if (output.empty()) output = name + ".yaml";
  std::error_code ec;
  // A device or FIFO (`-o /dev/stdout`) is written to, never replaced: it needs no --force.
  const auto kind = fs::status(output, ec).type();
  const bool to_stdout = output == "-" || names_stdout(output);
  const bool stream = to_stdout || kind == fs::file_type::character || kind == fs::file_type::fifo;
  if (!force && !stream && fs::exists(output, ec))
    throw InputError(FileLoc{output, 0, 0}, "the file exists already; geosim new does not overwrite it",
                     "choose another NAME or -o FILE, or add --force");
  std::string text;
  std::optional<Scenario> base;
  if (from.empty()) {
    text = from_template(id, format);
    check_writable({{"-o", output}});
  } else {
    base = load_scenario(from);
    // Even with --force, never over the scenario the variant extends (nor a file it extends).
    check_distinct_paths({{"--from", from}}, {{"-o", output}});
    check_not_extended(base->extended, {{"-o", output}});
    text = variant(id, from, *base, output);
  }
  // What is written must load: a template that fails to validate is a bug, not a user error.
  // It is checked before anything is written, in a folder of its own (the output may be a
  // device or a FIFO, which cannot be read back, and is never removed).
  {
    const fs::path tmp = fs::temp_directory_path(ec);
    std::string pattern = ((ec ? fs::path("/tmp") : tmp) / "geosim-new.XXXXXX").string();
    std::string dir = ::mkdtemp(pattern.data()) ? pattern : "";
    if (dir.empty())
      throw InputError(
          FileLoc{pattern, 0, 0},
          std::string("cannot create a temporary folder to check the scenario in: ") + std::strerror(errno),
          "set TMPDIR to a folder you can write to");
    struct Remove {
      std::string dir;
      ~Remove() {
        std::error_code e;
        fs::remove_all(dir, e);
      }
    } remove{dir};
    const std::string check = dir + "/" + id + ".yaml";
    write_file_atomic(check, base ? variant(id, from, *base, check) : text);
    try {
      load_scenario(check);
    } catch (const InputError& e) {
      throw std::logic_error(std::string("geosim new made a scenario that does not validate:\n") + e.what());
    }
  }
  write_file_atomic(output, text);
  // On standard error when the scenario itself went to standard output (`-o -`), where the
  // line would have made it a file that does not load.
  std::ostream& said = to_stdout ? std::cerr : std::cout;
  said << "wrote " << output << " (" << (from.empty() ? "from the teaching scenario" : "a variant of " + from) << ")";
  // A device or a pipe (-o /dev/null) keeps nothing to validate.
  std::error_code kind_ec;
  if (to_stdout || !std::filesystem::is_regular_file(output, kind_ec))
    said << "; save it to a file, then: geosim validate FILE && geosim run FILE\n";
  else
    said << "; next: geosim validate " << shell_word(output) << " && geosim run " << shell_word(output) << "\n";
  return kExitOk;
}

Register reg("new", "write a commented starting scenario, or a variant of one, that validates", new_command);

}  // namespace
}  // namespace geosim::cli
