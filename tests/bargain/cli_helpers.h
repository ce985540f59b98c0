// Running the geosim binary from a test: exit code, standard output and standard error.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace geosim::test {

struct CommandResult {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A path in the temp folder unique to this process (builds may test side by side).
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("geosim_test_bargain_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// Runs `geosim ARGS` (ARGS as a shell would split them).
inline CommandResult run_geosim(const std::string& args) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string cmd = std::string("'") + GEOSIM_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

inline std::string source_path(const std::string& relative) { return std::string(GEOSIM_SOURCE_DIR) + "/" + relative; }

}  // namespace geosim::test
