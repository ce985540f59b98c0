#include "cli/common.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "engine/core/parallel.h"
#include "engine/core/thread_limit.h"
#include "engine/output/files.h"
#include "engine/output/numbers.h"

namespace geosim::cli {

std::vector<Command>& commands() {
  static std::vector<Command> cmds;
  return cmds;
}

Register::Register(const char* name, const char* summary, std::function<int(const std::vector<std::string>&)> run) {
  commands().push_back(Command{name, summary, std::move(run)});
}

namespace {

// Whole-number options: `1e5` means 100000, and a negative number given to an option that
// cannot be negative is refused with its name (Boost would wrap -1 to 2^64 - 1).
enum class Whole { No, Unsigned, Signed };
Whole whole_kind(const po::option_description& o) {
  const po::value_semantic* s = o.semantic().get();
  if (dynamic_cast<const po::typed_value<uint64_t>*>(s) || dynamic_cast<const po::typed_value<unsigned>*>(s))
    return Whole::Unsigned;
  if (dynamic_cast<const po::typed_value<int64_t>*>(s) || dynamic_cast<const po::typed_value<int>*>(s))
    return Whole::Signed;
  return Whole::No;
}

// The value as a whole number written plainly, or "" when it is not one written in
// scientific notation (`1e5`, `2.5E3`): those are rewritten, the rest left to Boost.
std::string plain_whole(const std::string& v) {
  if (v.find_first_of("eE") == std::string::npos) return "";
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size() || !std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) return "";
  return fixed(d, 0);
}

std::vector<std::string> normalise_whole_numbers(const std::string& command, const std::vector<std::string>& args,
                                                 const po::options_description& opts) {
  std::vector<std::string> out = args;
  auto kind_of = [&](const std::string& name, bool is_long) {
    for (const auto& o : opts.options()) {
      if (is_long ? o->long_name() == name : o->canonical_display_name(po::command_line_style::allow_dash_for_short) == "-" + name)
        return std::make_pair(whole_kind(*o), o->long_name());
    }
    return std::make_pair(Whole::No, std::string());
  };
  auto fix = [&](std::string& value, Whole kind, const std::string& name) {
    if (kind == Whole::Unsigned && !value.empty() && value[0] == '-')
      throw UsageError(command + ": --" + name + " cannot be negative, got '" + value + "'\n(see 'geosim " + command +
                       " --help')");
    if (std::string p = plain_whole(value); !p.empty()) value = p;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    std::string& a = out[i];
    if (a == "--") break;
    if (a.rfind("--", 0) == 0) {
      const size_t eq = a.find('=');
      auto [kind, name] = kind_of(a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2), true);
      if (kind == Whole::No) continue;
      if (eq != std::string::npos) {
        std::string v = a.substr(eq + 1);
        fix(v, kind, name);
        a = a.substr(0, eq + 1) + v;
      } else if (i + 1 < out.size()) {
        fix(out[++i], kind, name);
      }
    } else if (a.size() >= 2 && a[0] == '-' && std::isalpha(static_cast<unsigned char>(a[1]))) {
      auto [kind, name] = kind_of(a.substr(1, 1), false);
      if (kind == Whole::No) continue;
      if (a.size() > 2) {
        std::string v = a.substr(2);
        fix(v, kind, name);
        a = a.substr(0, 2) + v;
      } else if (i + 1 < out.size()) {
        fix(out[++i], kind, name);
      }
    }
  }
  return out;
}

}  // namespace

po::variables_map parse(const std::string& command, const std::vector<std::string>& raw_args,
                        const po::options_description& opts, const po::positional_options_description& pos) {
  po::variables_map vm;
  const std::vector<std::string> args = normalise_whole_numbers(command, raw_args, opts);
  try {
    // No abbreviated long options (--thread for --threads) and no grouped short ones (-qt2):
    // the command recorded in an output leaves out --threads, --output and the like by their
    // names, and an abbreviation would carry them into the bytes (docs/output.md).
    namespace cls = po::command_line_style;
    const int style = cls::unix_style & ~cls::allow_guessing & ~cls::allow_sticky;
    po::store(po::command_line_parser(args).options(opts).positional(pos).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::string msg = e.what();
    if (auto* u = dynamic_cast<const po::unknown_option*>(&e)) {
      std::vector<std::string> names;
      for (const auto& o : opts.options()) names.push_back("--" + o->long_name());
      std::string guess = closest_match(u->get_option_name(), names);
      if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
    }
    throw UsageError(command + ": " + msg + "\n(see 'geosim " + command + " --help')");
  }
  // An empty value (--output '', a positional '') would otherwise read as "not given": the
  // file asked for would silently not be written, or a default be used instead.
  for (const auto& [name, value] : vm) {
    const auto* text = boost::any_cast<std::string>(&value.value());
    const auto* texts = boost::any_cast<std::vector<std::string>>(&value.value());
    const bool empty =
        text ? text->empty()
             : texts && std::any_of(texts->begin(), texts->end(), [](const auto& t) { return t.empty(); });
    if (value.defaulted() || !empty) continue;
    // A switch without a value (--help) is stored as an empty string too.
    const po::option_description* d = opts.find_nothrow(name, false);
    if (d && d->semantic()->max_tokens() == 0) continue;
    bool positional = false;
    for (unsigned i = 0; i < pos.max_total_count() && i < 64; ++i) positional |= pos.name_for_position(i) == name;
    throw UsageError(command + ": " + (positional ? "the " + name + " argument" : "--" + name) +
                     " is empty; give a value\n(see 'geosim " + command + " --help')");
  }
  return vm;
}

void ScenarioArgs::add_to(po::options_description& opts) {
  opts.add_options()("set", po::value<std::vector<std::string>>(&sets)->composing(),
                     "override a scenario value: PATH=VALUE, e.g. levers.oil_sanctions.intensity=0.5 "
                     "(repeatable; VALUE may be a distribution such as '{dist: uniform, min: 0, max: 1}')")(
      "until", po::value<std::string>(&until), "stop at this date (YYYY-MM-DD) instead of the scenario's horizon")(
      "horizon", po::value<std::string>(&horizon)->notifier([](const std::string& h) {
        // A number of steps must be a positive one (a duration is checked by the loader,
        // against the file's format and step).
        const bool steps = h.find_first_not_of("0123456789") == std::string::npos;
        if (h.empty() || (steps && h.find_first_not_of('0') == std::string::npos) ||
            (!steps && h.find_first_not_of("+-0123456789") == std::string::npos))
          throw UsageError(
              "--horizon must be a positive number of steps (or, in format 2, a duration such as "
              "'26 weeks'), got '" +
              h + "'");
      }),
      "stop after this many steps (or, in format 2, after a duration such as '26 weeks') instead of the "
      "scenario's horizon");
}

LoadOptions ScenarioArgs::load_options() const {
  if (!until.empty() && !horizon.empty()) throw UsageError("give --until or --horizon, not both");
  LoadOptions lo;
  lo.sets = sets;
  // The horizon flags replace whichever of horizon/until the file used; their messages name
  // the flag as given.
  auto flag = [&lo](const std::string& assignment, const std::string& label) {
    lo.set_labels.resize(lo.sets.size());
    lo.sets.push_back(assignment);
    lo.set_labels.push_back(label);
  };
  if (!until.empty()) {
    flag("until=" + until, "--until " + until);
    flag("horizon=~", "--until " + until);
  } else if (!horizon.empty()) {
    flag("horizon=" + horizon, "--horizon " + horizon);
    flag("until=~", "--horizon " + horizon);
  }
  return lo;
}

void ScenarioArgs::note_until(const Scenario& sc, bool quiet) const {
  if (until.empty() || quiet) return;
  const Date end = sc.date_of_step(sc.horizon);
  if (end.str() == until) return;
  const char* unit = sc.unit == StepUnit::Week ? "week" : "day";
  // (the runs cover the days before `until`, rounded up to whole steps: they end on the last
  // day of the step holding the day before it)
  std::cerr << "note: --until " << until << " falls inside " << unit << " " << sc.horizon << "; the runs end with that "
            << unit << ", on " << end.plus_days(-1).str() << "\n";
}

// The bound lives in engine/core/thread_limit.h, which the Python module's threads= shares.
void apply_threads(int threads, const std::string& command) {
  if (!threads_allowed(threads))
    throw UsageError(command + ": --threads must be " + thread_range() + ", got " + std::to_string(threads));
  set_threads(threads_to_use(threads));
}

Progress::Progress(std::string what, bool quiet)
    : what_(std::move(what)), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {
  start_ = last_ = std::chrono::steady_clock::now();
}

std::string format_count(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

void Progress::update(uint64_t done, uint64_t total) {
  if (quiet_) return;
  auto now = std::chrono::steady_clock::now();
  double since_start = std::chrono::duration<double>(now - start_).count();
  double since_last = std::chrono::duration<double>(now - last_).count();
  // Quiet for short jobs; a terminal gets 5 updates a second, a log a line every 5 s.
  if (since_start < 1.0 || since_last < (tty_ ? 0.2 : 5.0)) return;
  last_ = now;
  double rate = done / std::max(1e-9, since_start);
  double eta = rate > 0 ? (total - done) / rate : 0;
  const std::string line = fmt::format("{} {} / {} ({:.0f}%), {}/s, ETA {:.0f}s", what_, format_count(done),
                                       format_count(total), total ? 100.0 * done / total : 100.0,
                                       format_count(static_cast<uint64_t>(rate)), eta);
  if (tty_) std::fprintf(stderr, "\r%s\033[K", line.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  shown_ = true;
}

void Progress::finish() {
  if (shown_ && tty_) std::fprintf(stderr, "\r\033[K");
}

std::atomic<bool>& interrupted() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::atomic<bool>& interrupted_again() {
  static std::atomic<bool> flag{false};
  return flag;
}

extern "C" void geosim_on_signal(int) {
  if (interrupted().exchange(true)) interrupted_again().store(true);
}

// Without SA_RESTART (std::signal sets it): a write blocked on a pipe or FIFO that nobody
// drains returns EINTR, and the writer (engine/output/files.cpp) sees the flag and gives up
// (exit 130) instead of blocking again. Other blocking calls retry on EINTR (read_input_file,
// the studio's sockets through cpp-httplib).
void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = geosim_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  set_interrupt_flag(&interrupted());
}

}  // namespace geosim::cli
