#include "engine/output/files.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "engine/core/error.h"

namespace geosim {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message, const std::string& hint = {}) {
  throw InputError(FileLoc{path, 0, 0}, message, hint);
}

const std::atomic<bool>* g_interrupt_flag = nullptr;
bool stop_asked();

// Writes all of `text` to `fd`; false (errno set) on failure. A write that a signal
// interrupts is retried, unless the signal asked geosim to stop: then false with EINTR.
// On a pipe, FIFO, socket or device (`wait`), geosim waits for room with poll() in slices of
// a quarter second and writes at most a page at a time, so that a reader that never drains
// cannot keep it blocked after SIGINT or SIGTERM, whichever of its threads the signal reached.
bool write_all(int fd, const std::string& text, bool wait = false) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    if (wait) {
      pollfd pfd{fd, POLLOUT, 0};
      const int ready = ::poll(&pfd, 1, 250);
      if (ready < 0 && errno != EINTR) return false;
      if (ready <= 0) {
        if (stop_asked()) {
          errno = EINTR;
          return false;
        }
        continue;
      }
    }
    ssize_t n = ::write(fd, p, wait ? std::min<size_t>(left, 4096) : left);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (wait) continue;
      }
      if (errno == EINTR && !stop_asked()) continue;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// While a temporary file exists, SIGINT, SIGTERM and SIGHUP are only recorded; once it is
// renamed or removed the previous handlers come back and a recorded signal is raised
// again, so it takes effect (ends the process, or sets geosim's interrupted flag).
volatile std::sig_atomic_t g_pending_signal = 0;
extern "C" void geosim_record_signal(int sig) { g_pending_signal = sig; }

bool stop_asked() { return g_pending_signal != 0 || (g_interrupt_flag && g_interrupt_flag->load()); }

class DeferSignals {
 public:
  DeferSignals() {
    struct sigaction sa {};
    sa.sa_handler = geosim_record_signal;
    sigemptyset(&sa.sa_mask);
    g_pending_signal = 0;
    for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~DeferSignals() {
    for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &old_[i], nullptr);
    int sig = g_pending_signal;
    g_pending_signal = 0;
    if (sig) std::raise(sig);
  }
  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;

 private:
  // SIGPIPE too: a reader of standard output that goes away (| head) makes the write fail
  // with EPIPE instead of killing geosim with the other outputs' temporary files still there;
  // the signal is raised again once they are removed.
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  static constexpr size_t kCount = sizeof kSignals / sizeof kSignals[0];
  struct sigaction old_[kCount] {};
};

// An unpredictable temporary name beside the target: ".NAME.tmp.XXXXXXXXXXXX".
std::string temp_name(const std::string& base) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[12];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  std::string name = "." + base.substr(0, 200) + ".tmp.";
  for (unsigned char b : bytes) name += kAlphabet[b % 36];
  return name;
}

// Writes directly to a character device or a FIFO (no temporary file, no rename).
void write_special(const std::string& path, const std::string& text) {
  // O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of blocking.
  int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENXIO) fail(path, "is a FIFO that nobody reads", "start its reader first, or write to a file");
    fail(path, std::string("cannot write output file: ") + std::strerror(errno));
  }
  bool ok = write_all(fd, text, true);  // (the descriptor stays non-blocking: write_all polls)
  int err = errno;
  ::close(fd);
  if (!ok && err == EINTR) throw Interrupted("interrupted while writing " + path + "; its output is incomplete");
  if (!ok) fail(path, std::string("writing the output failed (") + std::strerror(err) + ")");
}

void write_stream(std::ostream& os, const std::string& what, const std::string& text) {
  errno = 0;
  // Standard output or error on a pipe or terminal: written to the descriptor with
  // write_all's polling, so that a reader that never drains cannot hold geosim after Ctrl-C.
  const int fd = &os == &std::cout ? STDOUT_FILENO : &os == &std::cerr ? STDERR_FILENO : -1;
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    os.flush();
    if (os) {
      if (write_all(fd, text, true)) return;
      const int err = errno;
      if (err == EINTR) throw Interrupted("interrupted while writing " + what + "; its output is incomplete");
      fail(what, "writing the output failed" + (err ? std::string(" (") + std::strerror(err) + ")" : ""));
    }
  }
  os << text;
  os.flush();
  const int err = errno;
  if (!os && stop_asked()) throw Interrupted("interrupted while writing " + what + "; its output is incomplete");
  if (!os) fail(what, "writing the output failed" + (err ? std::string(" (") + std::strerror(err) + ")" : ""));
}

// Where an output goes, found before anything is written (so that a command with several
// outputs refuses a bad one before it has replaced the others).
struct Target {
  enum Kind { Stdout, Stderr, Special, Regular } kind = Regular;
  std::string path;    // as given, for messages
  std::string target;  // the regular file to replace (a symbolic link's target)
  std::string dir, base;
  bool exists = false;  // a regular file is replaced: its mode is kept
  mode_t mode = 0;
};

// The folder and name of a regular target, checked: the folder exists and can be written.
void locate(Target& t) {
  t.dir = ".";
  t.base = t.target;
  if (auto slash = t.target.find_last_of('/'); slash != std::string::npos) {
    t.dir = slash == 0 ? "/" : t.target.substr(0, slash);
    t.base = t.target.substr(slash + 1);
  }
  if (t.base.empty() || t.base == "." || t.base == "..")
    fail(t.path, "is a folder, not a file", "name a file inside it");
  struct stat st {};
  if (::stat(t.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(t.dir.c_str(), W_OK | X_OK) != 0)
    fail(t.path, "cannot write output file", "check that the folder exists and is writable");
}

Target resolve_target(const std::string& path) {
  Target t;
  t.path = t.target = path;
  if (path == "-") {
    t.kind = Target::Stdout;
    return t;
  }
  if (path.empty()) fail(path, "the output path is empty", "name a file, or '-' for standard output");
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) != 0) {
    if (errno != ENOENT) fail(path, std::string("cannot write output file: ") + std::strerror(errno));
    locate(t);  // a new file
    return t;
  }
  struct stat st = lst;
  if (S_ISLNK(lst.st_mode) && ::stat(path.c_str(), &st) != 0)
    fail(path, "is a symbolic link to nothing", "remove the link or name the file itself");
  if (S_ISDIR(st.st_mode)) fail(path, "is a folder, not a file", "name a file inside it");
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    t.kind = Target::Special;
    return t;
  }
  if (!S_ISREG(st.st_mode))
    fail(path, "is not a regular file (a socket or block device)", "write to a regular file");
  t.exists = true;
  t.mode = st.st_mode & 0777;  // (no set-id bits on new content)
  if (S_ISLNK(lst.st_mode)) {
    // A symbolic link to a regular file. /dev/stdout and /dev/fd/N name open descriptors:
    // standard output and error are written to as such; no link in /dev or /proc is replaced.
    if (starts_with(path, "/dev/") || starts_with(path, "/proc/")) {
      struct stat fst {};
      if (::fstat(STDOUT_FILENO, &fst) == 0 && fst.st_dev == st.st_dev && fst.st_ino == st.st_ino) {
        t.kind = Target::Stdout;
        return t;
      }
      if (::fstat(STDERR_FILENO, &fst) == 0 && fst.st_dev == st.st_dev && fst.st_ino == st.st_ino) {
        t.kind = Target::Stderr;
        return t;
      }
      fail(path, "names a file through /dev or /proc", "give the file's own path");
    }
    // Other links: the file the link points to is replaced; the link stays.
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved))
      fail(path, std::string("cannot write output file: ") + std::strerror(errno));
    t.target = resolved;
  }
  locate(t);
  return t;
}

// The temporary files of a batch of outputs: written in full before any is renamed over its
// target; those not renamed are removed whatever happens.
class TempFiles {
 public:
  ~TempFiles() {
    for (auto& e : entries_)
      if (e.dfd >= 0) {
        if (!e.renamed && !e.tmp.empty()) ::unlinkat(e.dfd, e.tmp.c_str(), 0);
        ::close(e.dfd);
      }
  }
  // Writes `text` to a new temporary file beside t.target (with the mode of the file it replaces).
  void prepare(const Target& t, const std::string& text) {
    entries_.push_back({&t, -1, {}, false});
    Entry& e = entries_.back();
    e.dfd = ::open(t.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (e.dfd < 0) fail(t.path, "cannot write output file", "check that the folder exists and is writable");
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
      e.tmp = temp_name(t.base);
      fd = ::openat(e.dfd, e.tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
      e.tmp.clear();
      fail(t.path, "cannot write output file", "check that the folder exists and is writable");
    }
    // A replaced file keeps its permissions (its owner and group are the writer's: keeping
    // another's needs privileges).
    if (t.exists) (void)::fchmod(fd, t.mode);
    bool ok = write_all(fd, text) && ::fsync(fd) == 0;
    int err = errno;
    if (::close(fd) != 0 && ok) {
      ok = false;
      err = errno;
    }
    if (!ok) {
      if (err == EINTR) throw Interrupted("interrupted while writing " + t.path + "; nothing written");
      fail(t.path, "writing the output failed (disk full?)", std::strerror(err));
    }
  }
  // Renames every temporary file over its target, then syncs the folders.
  void commit() {
    for (auto& e : entries_) {
      const Target& t = *e.target;
      // Never rename over something that is not a regular file (it may have appeared meanwhile).
      struct stat st {};
      if (::fstatat(e.dfd, t.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
          !S_ISLNK(st.st_mode))
        fail(t.path, "is not a regular file; geosim does not replace it", "choose another output path");
      if (::renameat(e.dfd, e.tmp.c_str(), e.dfd, t.base.c_str()) != 0)
        fail(t.path, std::string("cannot replace the output file: ") + std::strerror(errno));
      e.renamed = true;
    }
    for (auto& e : entries_) ::fsync(e.dfd);  // the renames themselves survive a crash
  }

 private:
  struct Entry {
    const Target* target;
    int dfd;
    std::string tmp;
    bool renamed;
  };
  std::vector<Entry> entries_;
};

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) { write_files_atomic({{path, text}}); }

void write_files_atomic(const std::vector<OutputFile>& files) {
  // Every target is checked before anything is written.
  std::vector<Target> targets;
  targets.reserve(files.size());
  for (const auto& f : files) targets.push_back(resolve_target(f.path));
  bool any_regular = false;
  for (const auto& t : targets) any_regular = any_regular || t.kind == Target::Regular;
  std::optional<DeferSignals> defer;
  if (any_regular) defer.emplace();
  {
    TempFiles temps;  // declared after `defer`: the files go before the signals come back
    for (size_t i = 0; i < files.size(); ++i)
      if (targets[i].kind == Target::Regular) temps.prepare(targets[i], files[i].text);
    // Streams and devices, which cannot be taken back, once every file is ready.
    for (size_t i = 0; i < files.size(); ++i) {
      const Target& t = targets[i];
      if (t.kind == Target::Stdout)
        write_stream(std::cout, "standard output", files[i].text);
      else if (t.kind == Target::Stderr)
        write_stream(std::cerr, "standard error", files[i].text);
      else if (t.kind == Target::Special)
        write_special(t.path, files[i].text);
    }
    temps.commit();
  }
}

void check_writable(const std::vector<PathRole>& outputs) {
  for (const auto& o : outputs)
    if (!o.path.empty()) resolve_target(o.path);
}

void set_interrupt_flag(const std::atomic<bool>* flag) { g_interrupt_flag = flag; }

std::string shell_word(const std::string& text) {
  bool plain = !text.empty(), control = false;
  for (char c : text) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./:=,+@%-", c) != nullptr);
    control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  }
  if (plain) return text;
  if (control) {  // bash's $'...': the word stays on one line and reads back the same
    static const char kHex[] = "0123456789abcdef";
    std::string q = "$'";
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\n')
        q += "\\n";
      else if (c == '\t')
        q += "\\t";
      else if (c == '\r')
        q += "\\r";
      else if (c == '\\')
        q += "\\\\";
      else if (c == '\'')
        q += "\\'";
      else if (u < 0x20 || u == 0x7f)
        q += std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
      else
        q += c;
    }
    return q + "'";
  }
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string read_input_file(const std::string& path, uint64_t limit, const std::string& what) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) fail(path, "cannot open " + what, "check the path");
    fail(path, "cannot open " + what + ": " + std::strerror(errno), "check the path and its permissions");
  }
  struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
  } guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path, std::string("cannot read the file: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(path, "is a folder, not a file", "name a file");
  if (!S_ISREG(st.st_mode))
    fail(path, "is not a regular file (a device, FIFO or socket)", "give a file on disk");
  auto over = [&](uint64_t size) {
    fail(path, "file is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(limit) + " bytes",
         "is this the right file?");
  };
  if (static_cast<uint64_t>(st.st_size) > limit) over(static_cast<uint64_t>(st.st_size));
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  // The size may be wrong (a file that grows): stop as soon as the limit is passed.
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, std::string("cannot read the file: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > limit) over(text.size());
  }
  return text;
}

// Whether `path` names standard output through /dev or /proc (/dev/stdout, /dev/fd/1,
// /proc/self/fd/1, or another name of the same open file).
bool names_stdout(const std::string& path) {
  if (path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1" ||
      path == "/proc/" + std::to_string(::getpid()) + "/fd/1")
    return true;
  if (!starts_with(path, "/dev/") && !starts_with(path, "/proc/")) return false;
  struct stat lst {
  }, st{}, out{};
  return ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode) && ::stat(path.c_str(), &st) == 0 &&
         ::fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino;
}

namespace {

// Identity of a path: device and inode of the file, or of its folder plus its name when the
// file does not exist yet. `shared` paths (devices, FIFOs) are not compared.
struct Identity {
  bool known = false, shared = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;  // for a file not yet created
  bool operator==(const Identity& o) const { return dev == o.dev && ino == o.ino && name == o.name; }
};


Identity identity_of(const std::string& path, int depth = 0) {
  Identity id;
  if (path.empty()) return id;  // not given
  if (path == "-" || names_stdout(path)) {
    id.known = true;
    // Standard output redirected to a file is that file (`-o out.txt > out.txt` beside
    // `--report /dev/stdout` would write both into it); a pipe or terminal is "-".
    struct stat out {};
    if (::fstat(STDOUT_FILENO, &out) == 0 && S_ISREG(out.st_mode)) {
      id.dev = out.st_dev;
      id.ino = out.st_ino;
      return id;
    }
    id.name = "-";
    return id;
  }
  struct stat st {};
  // A symbolic link to a file not yet written is the file it will write: its target's.
  if (::stat(path.c_str(), &st) != 0 && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::string target(PATH_MAX, '\0');
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n <= 0 || depth >= 40) return id;  // unknown: not compared
    target.resize(static_cast<size_t>(n));
    if (target[0] != '/')
      if (auto slash = path.find_last_of('/'); slash != std::string::npos) target = path.substr(0, slash + 1) + target;
    return identity_of(target, depth + 1);
  }
  if (::stat(path.c_str(), &st) == 0) {
    id.known = true;
    id.shared = !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    return id;
  }
  std::string dir = ".", base = path;
  if (auto slash = path.find_last_of('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
    base = path.substr(slash + 1);
  }
  if (::stat(dir.c_str(), &st) == 0) {
    id.known = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.name = "/" + base;
  }
  return id;
}

}  // namespace

void check_not_extended(const std::vector<std::string>& extended, const std::vector<PathRole>& outputs) {
  std::vector<PathRole> inputs;
  for (const auto& f : extended) inputs.push_back({"a file the scenario extends", f});
  if (!inputs.empty()) check_distinct_paths(inputs, outputs);
}

std::string result_folder_of(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) return "";
  if (fs::is_directory(path, ec)) return path;
  if (!fs::exists(fs::symlink_status(path, ec))) return "";
  // (the folder of the file as named, and of the file it links to)
  auto holder = [&](const fs::path& file) -> std::string {
    fs::path dir = file.parent_path();
    if (dir.empty()) dir = ".";
    auto is_result = [&](const fs::path& d) {
      for (const char* marker :
           {"results.sqlite", "results.csv", "calibration.json", "posterior.csv", DirLock::kFileName})
        if (fs::exists(fs::symlink_status(d / marker, ec))) return true;
      return false;
    };
    if (is_result(dir)) return dir.string();
    // a calibration's generations/NNNN.json
    if (dir.filename() == "generations") {
      fs::path up = dir.parent_path();
      if (up.empty()) up = ".";
      if (is_result(up)) return up.string();
    }
    return "";
  };
  if (std::string d = holder(fs::path(path)); !d.empty()) return d;
  const fs::path real = fs::canonical(path, ec);
  if (!ec)
    if (std::string d = holder(real); !d.empty()) return d;
  return "";
}

std::vector<PathRole> result_folder_files(const std::string& dir, const std::string& role) {
  namespace fs = std::filesystem;
  std::vector<PathRole> files;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return files;
  static const char* const kNames[] = {"results.sqlite", "results.sqlite-wal", "results.sqlite-shm",
                                       "results.csv",    "results_long.csv",   DirLock::kFileName,
                                       "posterior.csv",  "summary.json",       "calibration.json"};
  for (const char* name : kNames) files.push_back({"a file of " + role, (fs::path(dir) / name).string()});
  // A calibration's generations, one file each (not followed into a linked folder).
  const fs::path gen = fs::path(dir) / "generations";
  if (fs::is_directory(fs::symlink_status(gen, ec)))
    for (fs::directory_iterator it(gen, ec), end; !ec && it != end; it.increment(ec))
      files.push_back({"a file of " + role, it->path().string()});
  return files;
}

void check_distinct_paths(const std::vector<PathRole>& inputs_given, const std::vector<PathRole>& outputs) {
  std::vector<PathRole> inputs = inputs_given;
  inputs.push_back({"the running geosim program", "/proc/self/exe"});
  std::vector<Identity> in_ids, out_ids;
  for (const auto& p : inputs) in_ids.push_back(identity_of(p.path));
  for (const auto& p : outputs) out_ids.push_back(identity_of(p.path));
  for (size_t o = 0; o < outputs.size(); ++o) {
    const Identity& oid = out_ids[o];
    if (!oid.known || oid.shared) continue;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (in_ids[i].known && oid == in_ids[i])
        fail(outputs[o].path,
             outputs[o].role + " names the same file as " + inputs[i].role + " (" + inputs[i].path +
                 "); writing it would destroy an input",
             "choose another output path");
    for (size_t k = 0; k < o; ++k)
      if (out_ids[k].known && oid == out_ids[k])
        fail(outputs[o].path,
             outputs[o].role + " and " + outputs[k].role + " name the same " +
                 (oid.name == "-" || outputs[o].path == "-" || outputs[k].path == "-" || names_stdout(outputs[o].path) ||
                          names_stdout(outputs[k].path)
                      ? std::string("standard output")
                      : std::string("file")) +
                 "; one would be lost",
             "give each output its own path");
  }
  check_writable(outputs);
}

void check_result_folder(const std::string& dir, ResultFolder mine) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool sweep = fs::exists(fs::path(dir) / "results.sqlite", ec);
  const bool calibration = fs::exists(fs::path(dir) / "calibration.json", ec);
  if (mine == ResultFolder::Calibration && sweep)
    throw InputError(FileLoc{dir, 0, 0}, "this folder holds a sweep (results.sqlite), not a calibration",
                     "choose another --output for the calibration");
  if (mine == ResultFolder::Sweep && calibration)
    throw InputError(FileLoc{dir, 0, 0}, "this folder holds a calibration (calibration.json), not a sweep",
                     "choose another --output for the sweep");
}

DirLock::DirLock(const std::string& dir, const std::string& command) {
  const std::string path = dir + "/" + kFileName;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(dir, std::string("cannot create the lock file ") + kFileName + ": " + std::strerror(errno),
                    "check that the folder is writable");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder;
    char buf[32] = {};
    if (::pread(fd_, buf, sizeof buf - 1, 0) > 0) holder = std::string(buf).substr(0, std::string(buf).find('\n'));
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      fail(dir, "another geosim command is writing to this folder" + (holder.empty() ? "" : " (process " + holder + ")"),
           "wait for it to finish, or choose another output folder");
    fail(dir, std::string("cannot lock the folder: ") + std::strerror(err));
  }
  // Who holds it, for the message a second command prints.
  std::string me = std::to_string(::getpid()) + ", " + command + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace geosim
