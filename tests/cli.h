// Running the geosim binary from a test: exit code, standard output and standard error.
// Shared by the test folders that check the command line (tests/bargain, tests/sensitivity).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "engine/core/error.h"

namespace geosim::test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A path in the temp folder unique to this process (builds may test side by side).
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("geosim_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

inline std::string source_path(const std::string& relative) { return std::string(GEOSIM_SOURCE_DIR) + "/" + relative; }

// Runs `geosim ARGS` in the source directory (ARGS is passed to the shell as written).
inline CliResult cli_run(const std::string& args) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string cmd = std::string("cd '") + GEOSIM_SOURCE_DIR + "' && '" + GEOSIM_BINARY + "' " + args + " > '" +
                          out + "' 2> '" + err + "'";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// The message of the InputError that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace geosim::test
