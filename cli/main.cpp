// geosim: the command-line entry point. Dispatches to subcommands and turns every error
// into a message and an exit code (docs/errors.md): 0 ok, 1 internal, 2 usage, 3 input.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/common.h"
#include "engine/core/cluster.h"
#include "engine/core/version.h"
#include "engine/runner/distributed.h"

using namespace geosim;

static void usage(std::ostream& os) {
  os << "geosim " << kGeosimVersion << " - geopolitical scenario simulation\n\n"
     << "Usage: geosim COMMAND [options]\n\nCommands:\n";
  // In the order a newcomer needs them; any other command follows.
  static const std::vector<std::string> order = {"run",         "validate", "compare", "sweep",
                                                 "sensitivity", "discover", "report",  "bargain"};
  std::vector<const cli::Command*> cmds;
  for (const auto& c : cli::commands()) cmds.push_back(&c);
  auto rank = [&](const cli::Command* c) {
    return std::find(order.begin(), order.end(), c->name) - order.begin();
  };
  std::stable_sort(cmds.begin(), cmds.end(), [&](auto* a, auto* b) { return rank(a) < rank(b); });
  for (const auto* c : cmds) {
    std::string name = c->name;
    name.resize(12, ' ');
    os << "  " << name << c->summary << "\n";
  }
  os << "\nStart here:\n"
     << "  geosim run scenarios/teaching.yaml            odds of each outcome\n"
     << "  geosim run scenarios/teaching.yaml --replay 3 one possible history, step by step\n"
     << "  geosim validate scenarios/*.yaml              check files before running\n"
     << "\n'geosim COMMAND --help' explains each command. Docs: docs/tutorial.md\n";
}

// A result written to standard output that did not arrive (a full disk, /dev/full) is a
// failure, as it is with -o: the stream holds the error until it is flushed. Returns `code`,
// or kExitInvalidInput with a message when a successful command's output was lost.
static int stdout_written(int code) {
  errno = 0;
  std::cout.flush();
  if (code != kExitOk || std::cout) return code;
  if (cli::interrupted()) {  // a pipe nobody drained, and Ctrl-C or SIGTERM
    std::cerr << "geosim: interrupted while writing standard output; its output is incomplete\n";
    return kExitInterrupted;
  }
  const int err = errno;
  std::cerr << "standard output: writing the output failed" << (err ? std::string(" (") + std::strerror(err) + ")" : "")
            << "\n";
  return kExitInvalidInput;
}

// Runs a subcommand and turns its errors into messages and exit codes. Under MPI every
// rank loads the same input and fails the same way, so only rank 0 prints.
static int dispatch(const cli::Command& c, const std::vector<std::string>& args) {
  bool speak = cluster().root();
  try {
    return stdout_written(c.run(args));
  } catch (const PeerFailure&) {
    return kExitInternal;  // the failing rank has reported
  } catch (const Interrupted& e) {
    std::cerr << "geosim: " << e.what() << "\n";
    return kExitInterrupted;
  } catch (const InputError& e) {
    if (speak) std::cerr << e.what() << "\n";
    return kExitInvalidInput;
  } catch (const UsageError& e) {
    if (speak) std::cerr << "geosim " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    std::cerr << "geosim: out of memory; try fewer units, actors, outcomes or steps\n";
    return kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "geosim: internal error: " << e.what() << "\nPlease report it with the command line.\n";
    return kExitInternal;
  }
}

int main(int argc, char** argv) {
  cluster_init(&argc, &argv);
  struct Finalize {
    ~Finalize() { cluster_finalize(); }
  } finalize;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(std::cout);
    return stdout_written(args.empty() ? kExitUsage : kExitOk);
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::cout << "geosim " << kGeosimVersion << "\n";
    return stdout_written(kExitOk);
  }
  std::string name = args[0];
  args.erase(args.begin());
  for (const auto& c : cli::commands()) {
    if (name != c.name) continue;
    // Commands that split their work over MPI ranks; any other command runs on rank 0
    // alone while the other ranks wait to agree on its exit code.
    static const std::vector<std::string> kSplit = {"run", "sweep", "sensitivity", "calibrate"};
    bool split = std::find(kSplit.begin(), kSplit.end(), name) != kSplit.end();
    int code = (split || cluster().root()) ? dispatch(c, args) : kExitOk;
    // Every rank leaves with the same code, and none is left waiting for another.
    return cluster_max(code);
  }
  std::vector<std::string> names;
  for (const auto& c : cli::commands()) names.push_back(c.name);
  std::string guess = closest_match(name, names);
  std::cerr << "geosim: unknown command '" << name << "'"
            << (guess.empty() ? "" : "; did you mean '" + guess + "'?") << "\n(see 'geosim --help')\n";
  return kExitUsage;
}
