// Running the geosim binary from a test: exit code, standard output and standard error.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace geosim::test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string temp_path(const std::string& name) {
  return "/tmp/geosim_gsa_test_" + std::to_string(::getpid()) + "_" + name;
}

// Runs `geosim ARGS` in the source directory (ARGS is passed to the shell as written).
inline CliResult cli_run(const std::string& args) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string cmd = std::string("cd '") + GEOSIM_SOURCE_DIR + "' && '" + GEOSIM_BINARY + "' " + args + " > '" +
                          out + "' 2> '" + err + "'";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

}  // namespace geosim::test
