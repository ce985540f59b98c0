// Starting `geosim serve` on a free loopback port for a test, and talking to it.
#pragma once

#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace geosim::test {

// What comes from `fd` until its other end closes it or `ms` pass.
inline std::string read_until_closed(int fd, int ms) {
  std::string got;
  char buf[4096];
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// A `geosim serve ARGS --port 0 --host HOST` child process; the constructor waits (at most
// 60 s) for the address it prints, the destructor stops it with SIGINT (then SIGKILL after 30 s).
class Server {
 public:
  explicit Server(const std::vector<std::string>& args, const std::string& host = "127.0.0.1") {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      if (chdir(GEOSIM_SOURCE_DIR) != 0) _exit(127);
      std::vector<std::string> all = {GEOSIM_BINARY, "serve"};
      all.insert(all.end(), args.begin(), args.end());
      all.insert(all.end(), {"--port", "0", "--host", host});
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(GEOSIM_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    std::string line = read_line(60000);
    const std::string start = "http://" + host + ":";
    auto p = line.find(start);
    if (p == std::string::npos) throw std::runtime_error("geosim serve printed no address: '" + line + "'");
    port_ = std::stoi(line.substr(p + start.size()));
    url_ = line.substr(p, line.find(' ', p) - p);
  }
  ~Server() {
    if (pid_ > 0) stop();
    if (fd_ >= 0) close(fd_);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }  // the page's address, as printed
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(10);
    c.set_read_timeout(120);
    c.set_write_timeout(10);
    return c;
  }

  // Sends SIGINT and waits (bounded) for the exit; returns the exit code, -1 if it had to be killed.
  int stop() {
    kill(pid_, SIGINT);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  // What the server printed after its address (read until end of file, bounded).
  std::string rest_of_output(int timeout_ms) { return read_until_closed(fd_, timeout_ms); }

 private:
  std::string read_line(int timeout_ms) {
    std::string line;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(fd_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
  std::string url_;
};

}  // namespace geosim::test
