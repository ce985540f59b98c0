// Helpers of the sweep tests: temporary directories, spec files, running the geosim binary.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace geosim::test {

inline const std::string kTeachingPath = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml";

// A fresh, empty directory under the system's temporary folder.
inline std::string fresh_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("geosim-sweep-test-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Starts the geosim binary with `args`; returns its pid.
inline pid_t spawn_geosim(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = GEOSIM_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for a child; its exit code, or 128 + signal when a signal ended it.
inline int wait_child(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

inline int run_geosim(const std::vector<std::string>& args) { return wait_child(spawn_geosim(args)); }

// A spec of two points of 20 runs of the teaching scenario in `dir`, with `extra` keys.
inline std::string spec_in(const std::string& dir, const std::string& extra = "") {
  return write_text(dir + "/spec.yaml", "sweep: 1\nid: t\nscenario: " + kTeachingPath +
                                            "\nparameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\n"
                                            "runs: 20\n" +
                                            extra);
}

}  // namespace geosim::test
