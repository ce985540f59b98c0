// The studio's HTTP server (cpp-httplib): the page, and an API that is the command line.
#include <httplib.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/compare/paired.h"
#include "analysis/compare/variant_diff.h"
#include "analysis/lint/step_check.h"
#include "analysis/report/report.h"
#include "analysis/studio/studio.h"
#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/core/text_file.h"
#include "engine/core/thread_limit.h"
#include "engine/output/output.h"
#include "engine/output/replay_text.h"
#include "engine/output/run_limits.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

namespace geosim::studio {

// The page's files, generated from analysis/studio/page at build time (embed_page.cmake).
const std::string& page_asset(const std::string& name);

namespace {

namespace fs = std::filesystem;

// An answer other than success: HTTP status, error class, exit code of the command, text.
struct HttpError {
  int status;
  std::string cls;
  int exit;
  std::string message;
};

HttpError usage_error(const std::string& msg) { return {400, "usage", kExitUsage, msg}; }

// The most work (runs x steps) one request may ask for, and where that limit comes from.
uint64_t max_run_steps_of(const Options& o) {
  if (o.max_run_steps > 0) return o.max_run_steps;
  return o.max_runs > std::numeric_limits<uint64_t>::max() / kRunStepsPerRun ? std::numeric_limits<uint64_t>::max()
                                                                             : o.max_runs * kRunStepsPerRun;
}
std::string work_limit_source(const Options& o) {
  return o.max_run_steps > 0 ? "--max-run-steps" : "--max-runs x " + std::to_string(kRunStepsPerRun);
}

// A header's value without the spaces and tabs around it (optional whitespace, RFC 9110 §5.6.3).
std::string trim_ows(const std::string& v) {
  size_t a = v.find_first_not_of(" \t"), b = v.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
}

// An answer's text. Messages quote what a request or the folder holds (a Host header, a
// file name), which may not be UTF-8; such bytes become U+FFFD rather than an exception
// that would turn the answer into a 500.
std::string json_answer(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

std::string error_body(const HttpError& e) {
  Json j;
  j["error"] = {{"class", e.cls}, {"exit", e.exit}, {"status", e.status}, {"message", e.message}};
  return json_answer(j);
}

bool is_utf8(const std::string& s) { return find_invalid_utf8(s) == std::string::npos; }

void send_error(httplib::Response& res, const HttpError& e) {
  res.status = e.status;
  res.set_content(error_body(e), "application/json");
}

// A request's scenario, overrides, runs and seed, and their command line.
struct Request {
  std::string rel;                // the file as the API names it, relative to the served folder
  std::string path;               // as the command line names it
  std::vector<std::string> sets;  // "PATH=VALUE", in the request's order
  uint64_t runs = 10000, seed = 1;
  uint64_t run = 0;  // for replays
  std::string name;  // for variants
};

bool is_local_name(const std::string& h) {
  if (h == "localhost") return true;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') {  // an IPv6 literal
    for (char c : h.substr(1, h.size() - 2))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    return true;
  }
  // An IPv4 literal: a DNS-rebinding attack needs a name, never a bare address.
  int dots = 0, digits = 0;
  for (char c : h) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

// Connections, before a worker sees them. httplib gives each accepted connection a worker
// that waits for its request: a few hundred connections that send nothing, or a few dozen
// that send a byte a second, would hold every worker. Here one thread, the reception, reads
// what every connection sends (poll, no blocking read) until a request has come whole, its
// request line, headers and body; only then does a worker take it, and after the answer the
// connection returns to the reception for its next request. The reception also checks each
// request's head, so that what httplib reads is what any other reader (a proxy in front)
// would read, and answers a malformed one itself.

// A request must arrive whole (request line, headers and body) within this many seconds of
// its first byte; a connection waits this many for the first byte of its next request.
constexpr int kRequestSeconds = 5;
constexpr int kIdleSeconds = 2;
// An answer must be written within kWriteSeconds of its first byte plus the time its bytes
// take at kMinWriteRate (bytes a second), and no kWriteSeconds may pass without a byte taken
// by the client; else its connection is reset and the worker freed (DeadlineStream::write).
constexpr int kWriteSeconds = 5;
constexpr double kMinWriteRate = 128 * 1024;
// Connections waiting for a request: past this many, the one waiting longest is closed.
constexpr size_t kMaxWaiting = 256;
// A request's head: each line at most kMaxLine bytes (httplib's own limit), at most
// kMaxHeaderLines header lines and kMaxHead bytes in all.
constexpr size_t kMaxLine = 8192;
constexpr size_t kMaxHeaderLines = 100;
constexpr size_t kMaxHead = 64 * 1024;

using Clock = std::chrono::steady_clock;

// Set on a worker thread when the request it reads misses its deadline, for the error
// handler (called on the same thread) to answer 408 where httplib says 400.
thread_local bool request_late = false;

// Set on a worker thread when the pre-routing handler refuses a request: what follows its
// headers on the connection (a body, a second request smuggled in it) is not read as a
// request; the connection is closed once the refusal is written.
thread_local bool drop_connection = false;

// Set on a worker thread once the pre-routing handler has seen the request: an answer
// written before (httplib could not read the request) closes the connection too.
thread_local bool prerouted = false;

// The connection of the request a worker thread is answering, for its computation to be
// abandoned when the client goes away (Studio::Ticket).
thread_local socket_t current_socket = INVALID_SOCKET;

// Headers of every answer: the page's files widen the policy for their scripts and styles.
// Ranges are not served (Accept-Ranges: none; httplib would say `bytes`).
httplib::Headers answer_headers() {
  return {{"X-Content-Type-Options", "nosniff"},
          {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
          {"Accept-Ranges", "none"}};
}

bool is_tchar(unsigned char c) {  // a character of a method or header name (RFC 9110 §5.6.2)
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Part of a request quoted in a message (the JSON escapes control characters, shows odd bytes as U+FFFD).
std::string quoted_part(std::string_view s) {
  return "'" + std::string(s.substr(0, 80)) + (s.size() > 80 ? "...'" : "'");
}

// What the reception makes of a request's head (from its request line to the empty line that
// ends its headers): the first thing wrong with it, as an answer's status and message; or the
// length of its body, whether it asks for `100 Continue`, and the edits httplib is to read it
// with: its Range lines dropped (ranges are not served; httplib would answer a malformed one
// 416), its Content-Type lines dropped (the body is read as JSON whatever its type: httplib
// would cap a form-encoded body at 8 KiB and read it as query parameters, and take a multipart
// one apart), and an absolute-form target (`http://host:port/path`, RFC 9112 §3.2.2) made its path.
struct Head {
  int status = 0;
  std::string message;
  size_t body = 0;
  bool expect_continue = false;
  struct Edit {
    size_t begin, end;        // [begin, end) of the head
    std::string replacement;  // what takes its place
  };
  std::vector<Edit> edits;  // in increasing order, not overlapping
};

Head read_head(std::string_view head, size_t max_body) {
  Head h;
  auto refuse = [&](int status, const std::string& message) {
    h.status = status;
    h.message = "serve: " + message;
    return h;
  };
  std::string_view method, length;
  size_t lines = 0, lengths = 0;
  bool encoded = false;
  std::string authority, host;  // an absolute-form target's host[:port], and the Host header's value
  for (size_t at = 0; at < head.size();) {
    const size_t begin = at, nl = head.find('\n', at);
    std::string_view line = head.substr(at, nl - at);
    at = nl + 1;
    const bool request_line = lines++ == 0;
    if (line.size() + 1 > kMaxLine)
      return request_line ? refuse(414, "the request line is longer than " + std::to_string(kMaxLine) + " bytes")
                          : refuse(431, "a header line is longer than " + std::to_string(kMaxLine) + " bytes");
    // Lines end in CRLF (RFC 9112 §2.2): httplib skips a header line that ends in a bare LF,
    // which a proxy in front may read.
    if (line.empty() || line.back() != '\r')
      return refuse(400, "a line of the request ends in a bare LF (no CR before it); end every line with CRLF");
    line.remove_suffix(1);
    if (line.find('\0') != std::string_view::npos) return refuse(400, "the request's head holds a NUL byte");
    if (line.find('\r') != std::string_view::npos)
      return refuse(400, "the request's head holds a CR that does not end a line");
    if (request_line) {
      const size_t s1 = line.find(' '), s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
      if (s2 == std::string_view::npos || s1 == 0 || s2 == s1 + 1 || s2 + 1 == line.size() ||
          line.find(' ', s2 + 1) != std::string_view::npos)
        return refuse(400, "the request line " + quoted_part(line) +
                               " is not METHOD TARGET HTTP/1.1 (three parts, one space between them)");
      method = line.substr(0, s1);
      const std::string_view target = line.substr(s1 + 1, s2 - s1 - 1), version = line.substr(s2 + 1);
      // Absolute form: the studio is its origin server, so it reads the path and, below, holds
      // the target's host to the Host header (which the Host check reads).
      for (std::string_view scheme : {"http://", "https://"})
        if (target.size() >= scheme.size() && strncasecmp(target.data(), scheme.data(), scheme.size()) == 0) {
          const std::string_view rest = target.substr(scheme.size());
          const size_t path = std::min(rest.find_first_of("/?"), rest.size());
          authority = std::string(rest.substr(0, path));
          if (authority.empty()) return refuse(400, "the request's target " + quoted_part(target) + " names no host");
          const size_t at_target = begin + s1 + 1;
          h.edits.push_back(
              {at_target, at_target + scheme.size() + path, path < rest.size() && rest[path] == '/' ? "" : "/"});
        }
      if (!is_token(method)) return refuse(400, "the request's method " + quoted_part(method) + " is not a name");
      if (!std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
        return refuse(400, "the request's target holds a control character or a byte outside ASCII; percent-encode it");
      if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        auto digit = [](char c) { return c >= '0' && c <= '9'; };
        const bool numbered = version.size() == 8 && version.substr(0, 5) == "HTTP/" && digit(version[5]) &&
                              version[6] == '.' && digit(version[7]);
        return numbered ? refuse(505, "the studio speaks HTTP/1.1 (and 1.0), not " + std::string(version))
                        : refuse(400, "the request line ends in " + quoted_part(version) + ", not HTTP/1.1");
      }
      const std::array<std::string_view, 7> known = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
      if (std::find(known.begin(), known.end(), method) == known.end())
        return refuse(501, "the studio does not implement the method " + quoted_part(method) +
                               "; it answers GET, HEAD and POST (methods are case-sensitive)");
      continue;
    }
    if (line.empty()) break;  // the end of the head
    if (lines - 1 > kMaxHeaderLines)
      return refuse(431, "the request has more than " + std::to_string(kMaxHeaderLines) + " header lines");
    // A field name, its colon at once, and a value (RFC 9112 §5): anything else httplib
    // reads in its own way (a line without a colon is skipped, `Name :` is another name)
    // where a proxy may read it otherwise.
    if (line.front() == ' ' || line.front() == '\t')
      return refuse(400,
                    "a header line starts with a space or tab (obsolete line folding, RFC 9112 §5.2); write each "
                    "header on one line");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return refuse(400, "the header line " + quoted_part(line) + " has no colon; write NAME: VALUE");
    const std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    if (name.empty()) return refuse(400, "a header line starts with a colon (it has no name)");
    if (name.back() == ' ' || name.back() == '\t')
      return refuse(400, "the header name " + quoted_part(name) +
                             " has white space before its colon, which a proxy may read otherwise (RFC 9112 §5.1); "
                             "write NAME: VALUE");
    if (!is_token(name))
      return refuse(400, "the header name " + quoted_part(name) + " holds a character a name cannot (RFC 9110 §5.6.2)");
    auto control = [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return (u < 0x20 && u != '\t') || u == 0x7f;
    };
    if (std::any_of(value.begin(), value.end(), control))
      return refuse(400, "the value of the header " + quoted_part(name) + " holds a control character");
    // httplib reads every header value percent-decoded (`%32` as `2`), a proxy as written.
    for (const char* read : {"Host", "Origin", "Content-Length", "Transfer-Encoding", "Connection", "Expect"})
      if (same_name(name, read) && value.find('%') != std::string_view::npos)
        return refuse(400, "the request's " + std::string(read) +
                               " header holds a '%', which the studio would read percent-decoded and a proxy as "
                               "written; send it plainly");
    const std::string trimmed = trim_ows(std::string(value));
    if (same_name(name, "Content-Length")) {
      ++lengths;
      length = line.substr(colon + 1);
    } else if (same_name(name, "Transfer-Encoding")) {
      // httplib drops a header without a value, so an empty one would be read two ways too.
      if (trimmed.empty()) return refuse(400, "the request's Transfer-Encoding header is empty");
      encoded = true;
    } else if (same_name(name, "Expect")) {
      h.expect_continue = strcasecmp(trimmed.c_str(), "100-continue") == 0;
    } else if (same_name(name, "Range") || same_name(name, "Content-Type")) {
      h.edits.push_back({begin, at, ""});
    } else if (same_name(name, "Host")) {
      host = trimmed;
    }
  }
  if (!authority.empty() && strcasecmp(authority.c_str(), host.c_str()) != 0)
    return refuse(400, "the request's target names the host " + quoted_part(authority) + " and its Host header " +
                           (host.empty() ? std::string("none") : quoted_part(host)) + "; send the same host in both");
  // The body to wait for: that of a method httplib reads a body for, framed by one
  // Content-Length of digits within the cap. Any other request goes to a worker at the end of
  // its head; the pre-routing handler refuses what it must (two lengths, Transfer-Encoding, ...).
  const std::string digits = trim_ows(std::string(length));
  const bool reads_body = method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
  uint64_t n = 0;
  if (reads_body && lengths == 1 && !encoded && !digits.empty() && digits.size() <= 20 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      std::from_chars(digits.data(), digits.data() + digits.size(), n).ec == std::errc() && n <= max_body)
    h.body = static_cast<size_t>(n);
  return h;
}

// An answer the reception writes itself: a malformed request or one too slow, refused.
std::string refusal_text(int status, const std::string& message) {
  static const std::map<int, const char*> reasons = {{400, "Bad Request"},     {408, "Request Timeout"},
                                                     {414, "URI Too Long"},    {431, "Request Header Fields Too Large"},
                                                     {501, "Not Implemented"}, {505, "HTTP Version Not Supported"}};
  const std::string body = error_body({status, "usage", kExitUsage, message});
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reasons.at(status) + "\r\n";
  for (const auto& [name, value] : answer_headers()) text += name + ": " + value + "\r\n";
  text += "Connection: close\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n";
  return text + body;
}

// A connection between requests, held by the reception until its next request has come whole.
struct Waiting {
  socket_t sock = INVALID_SOCKET;
  std::string buf;          // what has come of the request (and perhaps of the next one)
  Clock::time_point since;  // connected, or its last request answered
  Clock::time_point first;  // the request's first byte, once `started`
  bool started = false;
  bool fresh = true;    // bytes came since it was last looked at
  size_t scan = 0;      // where the head's line not yet read whole starts
  size_t head_end = 0;  // past the empty line that ends the head, once it has come
  size_t whole = 0;     // the request's bytes, head and body, once the head has come
  bool expect_continue = false, continue_sent = false;
  size_t served = 0;        // requests this connection has had answered
  bool closing = false;     // refused: what still comes is read and dropped until it closes...
  Clock::time_point close;  // ...or until then
};

// The reception: one thread that reads every waiting connection until its request is whole,
// then hands it to `dispatch` (a worker).
class Reception {
 public:
  Reception(const std::atomic<socket_t>& listener, size_t max_body) : listener_(listener), max_body_(max_body) {}
  ~Reception() { stop(); }
  Reception(const Reception&) = delete;
  Reception& operator=(const Reception&) = delete;

  void start(std::function<void(Waiting)> dispatch) {
    dispatch_ = std::move(dispatch);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      wake();
    }
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& w : incoming_) drop(w.sock);
    incoming_.clear();
    if (wake_ >= 0) close(wake_);
    wake_ = -1;
  }
  // A new connection, or one whose answer has been written (`rest`: what came after its request).
  void add(socket_t sock, std::string rest = {}, size_t served = 0) {
    Waiting w;
    w.sock = sock;
    w.since = w.first = Clock::now();
    w.started = !rest.empty();
    w.buf = std::move(rest);
    w.served = served;
    put(std::move(w));
  }
  // A connection whose request was refused with its answer written: what the client still
  // sends (the refused request's body) is read for a moment before the connection is closed,
  // as a close with unread bytes resets it and the client may lose the answer.
  void add_closing(socket_t sock) {
    Waiting w;
    w.sock = sock;
    w.since = Clock::now();
    w.closing = true;
    w.close = w.since + std::chrono::seconds(1);
    shutdown(sock, SHUT_WR);
    put(std::move(w));
  }

 private:
  static void drop(socket_t sock) {
    shutdown(sock, SHUT_RDWR);
    close(sock);
  }
  void wake() const {  // with mu_ held
    const uint64_t one = 1;
    if (wake_ >= 0 && ::write(wake_, &one, sizeof one) < 0) return;  // full: it is awake already
  }
  void put(Waiting w) {
    const socket_t sock = w.sock;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopped_) {
        incoming_.push_back(std::move(w));
        wake();
        return;
      }
    }
    drop(sock);  // the server is stopping
  }
  void refuse(Waiting& w, int status, const std::string& message) {
    const std::string text = refusal_text(status, message);
    // The socket's send buffer is empty: the answer (a few hundred bytes) fits at once.
    [[maybe_unused]] auto sent = send(w.sock, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    shutdown(w.sock, SHUT_WR);
    w.buf.clear();
    w.closing = true;
    w.close = Clock::now() + std::chrono::seconds(1);
  }
  // Reads what has come; false when the client has gone (closed or reset).
  bool receive(Waiting& w) {
    std::array<char, 16384> chunk;
    const ssize_t n = recv(w.sock, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (w.closing) return true;
    if (!w.started) {
      w.started = true;
      w.first = Clock::now();
    }
    w.buf.append(chunk.data(), static_cast<size_t>(n));
    w.fresh = true;
    return true;
  }
  // Moves `w` on with what it has sent: true when it is done here (handed to a worker).
  bool progress(Waiting& w) {
    if (w.closing || !w.fresh) return false;
    w.fresh = false;
    if (w.head_end == 0) {
      // Empty lines before a request line are ignored (RFC 9112 §2.2).
      size_t skip = 0;
      while (w.scan == 0 && w.buf.compare(skip, 2, "\r\n") == 0) skip += 2;
      w.buf.erase(0, skip);
      // Bytes that cannot start a request line are refused at once, not at the deadline.
      for (size_t i = 0; w.scan == 0 && i < w.buf.size() && w.buf[i] != ' ' && w.buf[i] != '\r' && w.buf[i] != '\n';
           ++i)
        if (!is_tchar(static_cast<unsigned char>(w.buf[i]))) {
          refuse(w, 400, "serve: the request does not start with a method (GET, POST)");
          return false;
        }
      // The head ends at its first empty line; the lines before it are read once each.
      size_t end = std::string::npos;
      for (size_t nl; end == std::string::npos && (nl = w.buf.find('\n', w.scan)) != std::string::npos; w.scan = nl + 1)
        if (nl == w.scan || (nl == w.scan + 1 && w.buf[w.scan] == '\r')) end = nl + 1;
      if (end == std::string::npos) {
        if (w.buf.size() - w.scan + 1 > kMaxLine)
          refuse(w, w.scan == 0 ? 414 : 431,
                 w.scan == 0 ? "serve: the request line is longer than " + std::to_string(kMaxLine) + " bytes"
                             : "serve: a header line is longer than " + std::to_string(kMaxLine) + " bytes");
        else if (w.buf.size() > kMaxHead)
          refuse(w, 431, "serve: the request's headers are longer than " + std::to_string(kMaxHead) + " bytes");
        return false;
      }
      if (end > kMaxHead) {
        refuse(w, 431, "serve: the request's headers are longer than " + std::to_string(kMaxHead) + " bytes");
        return false;
      }
      Head head = read_head(std::string_view(w.buf).substr(0, end), max_body_);
      if (head.status != 0) {
        refuse(w, head.status, head.message);
        return false;
      }
      for (auto e = head.edits.rbegin(); e != head.edits.rend(); ++e) {
        w.buf.replace(e->begin, e->end - e->begin, e->replacement);
        end = end - (e->end - e->begin) + e->replacement.size();
      }
      w.head_end = end;
      w.whole = end + head.body;
      w.expect_continue = head.expect_continue;
    }
    if (w.buf.size() < w.whole) {
      if (w.expect_continue && !w.continue_sent) {
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        [[maybe_unused]] auto sent = send(w.sock, kContinue.data(), kContinue.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        w.continue_sent = true;
      }
      return false;
    }
    dispatch_(std::move(w));
    return true;
  }
  // Ends a wait that has run out: false when `w` is to be closed.
  bool expire(Waiting& w, Clock::time_point now) {
    if (w.closing) return now < w.close;
    if (!w.started) return now < w.since + std::chrono::seconds(kIdleSeconds);
    if (now < w.first + std::chrono::seconds(kRequestSeconds)) return true;
    // Answered once its request line has come; a connection that sent less is just closed.
    if (w.buf.find('\n') == std::string::npos) return false;
    refuse(w, 408,
           "serve: the request did not arrive within " + std::to_string(kRequestSeconds) + " seconds; it was dropped");
    return true;
  }
  void run() {
    std::vector<Waiting> waiting;
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopped_) break;
        for (auto& w : incoming_) {
          if (waiting.size() >= kMaxWaiting) {
            // Past the cap, one is closed: one being closed or one that has sent nothing
            // rather than one sending its request, and of those the one waiting longest.
            auto rank = [](const Waiting& x) { return x.closing ? 0 : x.started ? 2 : 1; };
            auto oldest = std::min_element(waiting.begin(), waiting.end(), [&](const Waiting& a, const Waiting& b) {
              return std::make_pair(rank(a), a.since) < std::make_pair(rank(b), b.since);
            });
            drop(oldest->sock);
            waiting.erase(oldest);
          }
          waiting.push_back(std::move(w));
        }
        incoming_.clear();
      }
      if (listener_.load() == INVALID_SOCKET) break;  // the server is stopping
      fds.assign(1, pollfd{wake_, POLLIN, 0});
      for (const auto& w : waiting) fds.push_back(pollfd{w.sock, POLLIN, 0});
      // In slices of 100 ms at most, so that deadlines are kept to a tenth of a second; at
      // once when a connection comes with the rest of its last request (fresh).
      const bool fresh = std::any_of(waiting.begin(), waiting.end(), [](const Waiting& w) { return w.fresh; });
      poll(fds.data(), fds.size(), fresh ? 0 : 100);
      if (fds[0].revents != 0) {
        uint64_t n = 0;
        if (::read(wake_, &n, sizeof n) < 0) n = 0;
      }
      // Each connection moves on: handed to a worker, kept waiting, or closed.
      const auto now = Clock::now();
      size_t kept = 0;
      for (size_t i = 0; i < waiting.size(); ++i) {
        Waiting& w = waiting[i];
        bool keep = fds[i + 1].revents == 0 || receive(w);
        if (keep && progress(w)) continue;
        keep = keep && expire(w, now);
        if (!keep) {
          drop(w.sock);
          continue;
        }
        if (kept != i) waiting[kept] = std::move(w);
        ++kept;
      }
      waiting.resize(kept);
    }
    for (auto& w : waiting) drop(w.sock);
  }

  const std::atomic<socket_t>& listener_;  // the server's listening socket, INVALID_SOCKET once stopping
  const size_t max_body_;
  std::function<void(Waiting)> dispatch_;
  int wake_ = -1;
  std::thread thread_;
  std::mutex mu_;
  bool stopped_ = false;
  std::vector<Waiting> incoming_;
};

// A connection's socket for a worker: the request the reception read whole, then (should
// httplib want more, for a request the pre-routing handler refuses) the socket, read against
// the request's deadline; and the answer, written against its own (kWriteSeconds).
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, const std::atomic<socket_t>& listener, std::string bytes, Clock::time_point deadline)
      : sock_(sock), listener_(listener), buf_(std::move(bytes)), deadline_(deadline) {}

  bool late() const { return late_; }
  bool answer_late() const { return answer_late_; }       // the answer was cut off at its deadline
  std::string rest() const { return buf_.substr(off_); }  // what came after the request

  bool is_readable() const override {
    if (off_ < buf_.size()) return true;
    if (wait(POLLIN, deadline_)) return true;
    // The deadline, not the client, ended the wait (a stopping server is not the client's fault).
    if (Clock::now() >= deadline_) request_late = late_ = true;
    return false;
  }
  bool is_writable() const override { return wait_to_write(); }
  ssize_t read(char* ptr, size_t size) override {
    if (off_ == buf_.size()) {
      if (!is_readable()) return -1;
      std::array<char, 4096> chunk;
      ssize_t n = httplib::detail::read_socket(sock_, chunk.data(), chunk.size(), 0);
      if (n <= 0) return n;
      buf_.assign(chunk.data(), static_cast<size_t>(n));
      off_ = 0;
    }
    size_t n = std::min(size, buf_.size() - off_);
    std::memcpy(ptr, buf_.data() + off_, n);
    off_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    // The reception answers `Expect: 100-continue` itself, as it waits for the body; by now
    // the body has come (or the request is refused), and httplib's own would be a second.
    if (std::string_view(ptr, size) == "HTTP/1.1 100 Continue\r\n\r\n") return static_cast<ssize_t>(size);
    // Sent whole or not at all (httplib writes the head, then the body, each once), without
    // blocking: a blocking send waited up to the socket's timeout on each call, so a client
    // that took a few bytes every few seconds held the worker for as long as it liked. Each
    // call adds the time its bytes take at kMinWriteRate to the answer's deadline. Once a write
    // has failed the answer is over: httplib writes the body after a head it could not write.
    if (failed_) return -1;
    if (!writing_) write_by_ = Clock::now() + std::chrono::seconds(kWriteSeconds);
    writing_ = true;
    write_by_ += std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(size) / kMinWriteRate));
    moved_ = Clock::now();
    for (size_t sent = 0; sent < size;) {
      const ssize_t n = send(sock_, ptr + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        moved_ = Clock::now();
        unacked_ = unacked();
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        failed_ = true;
        return -1;
      } else if (!wait_to_write()) {
        answer_late_ = Clock::now() >= write_limit();
        failed_ = true;
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  // poll() until `until`, in slices so that a stopping server is noticed at once (an answer
  // already computed is still written: wait_to_write).
  bool wait(short events, Clock::time_point until) const {
    while (listener_.load() != INVALID_SOCKET) {
      // Rounded up: a wait never ends before `until`, so a request's deadline has passed when it ends.
      auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{sock_, events, 0};
      int n = poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
      if (n > 0) return true;  // ready, or an error or hang-up that the next call reports
      if (n < 0 && errno != EINTR) return false;
    }
    return false;
  }
  // Until when a write may wait: the answer's deadline, or kWriteSeconds after the client last
  // took a byte.
  Clock::time_point write_limit() const { return std::min(write_by_, moved_ + std::chrono::seconds(kWriteSeconds)); }
  // The bytes written that the client has not acknowledged yet (-1 if unknown).
  int unacked() const {
    int n = -1;
    return ioctl(sock_, SIOCOUTQ, &n) == 0 ? n : -1;
  }
  // Waits, until write_limit(), for room in the socket's buffer. Its readiness (POLLOUT) comes
  // only once a third of that buffer is free, which takes a slow client more than a few
  // seconds even while it reads; every quarter second the bytes not yet acknowledged are
  // counted, and the client has taken some when they are fewer.
  bool wait_to_write() const {
    const auto before = Clock::now() + std::chrono::seconds(kWriteSeconds);  // before the answer's first write
    for (;;) {
      const auto until = writing_ ? write_limit() : before;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{sock_, POLLOUT, 0};
      const int n = poll(&p, 1, static_cast<int>(std::min<long long>(left, 250)));
      if (n > 0) return true;  // room, or an error or hang-up that the next send reports
      if (n < 0 && errno != EINTR) return false;
      const int now_unacked = unacked();
      if (now_unacked >= 0 && now_unacked < unacked_) moved_ = Clock::now();
      unacked_ = now_unacked;
    }
  }
  void address(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    std::array<char, NI_MAXHOST> host{};
    std::array<char, NI_MAXSERV> serv{};
    if (get(sock_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        getnameinfo(reinterpret_cast<sockaddr*>(&a), len, host.data(), host.size(), serv.data(), serv.size(),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
      return;
    ip = host.data();
    port = std::atoi(serv.data());
  }

  socket_t sock_;
  const std::atomic<socket_t>& listener_;  // the server's listening socket, INVALID_SOCKET once stopping
  std::string buf_;
  size_t off_ = 0;
  Clock::time_point deadline_;
  mutable bool late_ = false;
  bool writing_ = false;             // the answer's first write has begun
  Clock::time_point write_by_;       // the answer's deadline, as far as its bytes so far
  mutable Clock::time_point moved_;  // when the client last took a byte (or a write began)
  mutable int unacked_ = -1;         // unacked() when last counted
  bool answer_late_ = false;
  bool failed_ = false;  // a write failed
};

// httplib's server with the reception in front: its accept loop hands each connection to the
// reception (the task queue runs that at once, on the accept thread), and the workers, a
// pool of our own, answer whole requests, one each time (at most keep_alive_max_count_ on a
// connection).
class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(size_t max_body) : reception_(svr_sock_, max_body) {}
  ~HttpServer() override { finish(); }

  // Starts the workers and the reception; listen_after_bind() stops them when it returns.
  void start(size_t workers) {
    pool_ = std::make_unique<httplib::ThreadPool>(workers);
    reception_.start([this](Waiting w) {
      auto job = std::make_shared<Waiting>(std::move(w));
      pool_->enqueue([this, job] { answer(std::move(*job)); });
    });
    new_task_queue = [this] { return new Front(*this); };
  }
  void finish() {
    reception_.stop();
    if (pool_ && !pool_done_) pool_->shutdown();  // its workers answer what is queued (a stopping studio, briefly)
    pool_done_ = true;
  }

 private:
  class Front : public httplib::TaskQueue {
   public:
    explicit Front(HttpServer& s) : s_(s) {}
    void enqueue(std::function<void()> fn) override { fn(); }  // process_and_close_socket: to the reception
    void shutdown() override { s_.finish(); }

   private:
    HttpServer& s_;
  };

  bool process_and_close_socket(socket_t sock) override {
    reception_.add(sock);
    return true;
  }

  void answer(Waiting w) {
    DeadlineStream strm(w.sock, svr_sock_, std::move(w.buf), w.first + std::chrono::seconds(kRequestSeconds));
    request_late = drop_connection = prerouted = false;
    current_socket = w.sock;
    bool closed = false;
    const bool last = w.served + 1 >= keep_alive_max_count_;
    const bool ok = process_request(strm, last, closed, nullptr);
    current_socket = INVALID_SOCKET;
    if (strm.answer_late()) {
      // Reset (a close with SO_LINGER 0): what is still queued for the client is dropped at
      // once, rather than trickled out for minutes, and the client learns that the answer
      // was cut off.
      linger reset{1, 0};
      setsockopt(w.sock, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      close(w.sock);
    } else if (drop_connection) {
      reception_.add_closing(w.sock);
    } else if (!ok || closed || last || strm.late() || svr_sock_ == INVALID_SOCKET) {
      shutdown(w.sock, SHUT_RDWR);
      close(w.sock);
    } else {
      reception_.add(w.sock, strm.rest(), w.served + 1);
    }
  }

  Reception reception_;
  std::unique_ptr<httplib::ThreadPool> pool_;
  bool pool_done_ = false;
};

class Studio {
 public:
  Studio(const Options& o) : opt_(o) {
    std::error_code ec;
    fs::path root(o.root);
    // Every answer names files by their paths, in JSON (UTF-8), as the loader does.
    if (!is_utf8(o.root)) throw UsageError("serve: the path '" + o.root + "' is not valid UTF-8; rename it");
    if (!fs::exists(root, ec))
      throw UsageError("serve: '" + o.root + "' does not exist; give a scenario file or a folder of them");
    if (fs::is_directory(root, ec)) {
      dir_ = o.root;
    } else {
      if (!is_scenario_name(root.filename().string()))
        throw UsageError("serve: '" + o.root + "' is not a scenario file (.yaml) or a folder");
      single_ = root.filename().string();
      dir_ = root.parent_path().empty() ? "." : root.parent_path().string();
    }
    canon_dir_ = fs::canonical(dir_, ec);
    if (ec) throw UsageError("serve: cannot open the folder '" + dir_ + "': " + ec.message());
  }

  void install(httplib::Server& svr);
  // Where the server listens: its port, the name or address it was given (--host), and the
  // page's address as printed.
  void set_address(int port, const std::string& host, const std::string& url) {
    port_ = port;
    host_ = lower(host);
    url_ = url;
  }
  void stop_all() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto* t : active_) t->cancel();
  }
  // Abandons the computations whose clients have gone (called now and then by serve()).
  void watch_clients() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto* t : active_) t->cancel_if_gone();
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  static bool is_scenario_name(const std::string& n) {
    auto ends = [&](const std::string& s) {
      return n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0;
    };
    return ends(".yaml") || ends(".yml");
  }

  // Host and Origin must name this server by a local address, or by the name it was told to
  // listen on (--host): a page from elsewhere that rebinds its DNS name to 127.0.0.1 still
  // sends its own name. Names are case-insensitive (curl sends them as typed).
  std::string check_origin(const httplib::Request& req) const {
    auto host_ok = [&](const std::string& given) {
      const std::string hp = lower(given);
      std::string host = hp, port = "80";
      auto colon = hp.rfind(':');
      if (colon != std::string::npos && hp.find(']', colon) == std::string::npos) {
        host = hp.substr(0, colon);
        port = hp.substr(colon + 1);
      }
      return (is_local_name(host) || host == host_) && port == std::to_string(port_);
    };
    if (!req.has_header("Host")) return "the request has no Host header";
    std::string host = req.get_header_value("Host");
    if (!host_ok(host)) return "Host '" + host + "' is not this server's local address; open the page at " + url_;
    if (req.has_header("Origin")) {
      std::string origin = req.get_header_value("Origin");
      const std::string scheme = "http://";
      if (lower(origin).rfind(scheme, 0) != 0 || !host_ok(origin.substr(scheme.size())))
        return "Origin '" + origin + "' is not this server; the studio answers only its own page";
    }
    return {};
  }

  // The file a request names, as the command line would name it; only scenario files under
  // the served folder, whatever the symbolic links say.
  std::string resolve(const std::string& rel) const {
    if (rel.empty()) throw usage_error("serve: the request names no scenario file (\"file\")");
    if (rel.size() > 1024 || rel.find('\0') != std::string::npos)
      throw HttpError{400, "usage", kExitUsage, "serve: the file name is not a usable path"};
    fs::path p(rel);
    bool up = false;
    for (const auto& part : p) up = up || part == "..";
    if (p.is_absolute() || up || rel.find('\\') != std::string::npos)
      throw HttpError{403, "forbidden", kExitUsage, "serve: '" + rel + "' is outside the served folder"};
    if (!is_scenario_name(p.filename().string()))
      throw HttpError{404, "not_found", kExitUsage, "serve: '" + rel + "' is not a scenario file (.yaml or .yml)"};
    if (!single_.empty() && p.lexically_normal() != fs::path(single_))
      throw HttpError{404, "not_found", kExitUsage,
                      "serve: '" + rel + "' is not served; this studio serves " + single_};
    fs::path full = fs::path(dir_) / p;
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(full, ec);
    if (ec) throw HttpError{404, "not_found", kExitUsage, "serve: cannot resolve '" + rel + "': " + ec.message()};
    auto [a, b] = std::mismatch(canon_dir_.begin(), canon_dir_.end(), canon.begin(), canon.end());
    if (a != canon_dir_.end())
      throw HttpError{403, "forbidden", kExitUsage,
                      "serve: '" + rel + "' leads outside the served folder (a symbolic link); it is not served"};
    return full.lexically_normal().string();
  }

  Request parse_request(const std::string& body, const std::vector<std::string>& allowed) const {
    // Checked before parsing: the parser's message would quote the bytes it stopped at.
    if (!is_utf8(body)) throw usage_error("serve: the request body is not valid UTF-8");
    Json j;
    // A key given twice in one object: nlohmann keeps the last, a proxy or log in front may read
    // the first ("two readers, two readings"), so it is refused, as a repeated header is.
    std::vector<std::set<std::string>> keys;
    std::string repeated;
    auto check_keys = [&](int, nlohmann::json::parse_event_t event, Json& parsed) {
      using E = nlohmann::json::parse_event_t;
      if (event == E::object_start) keys.emplace_back();
      if (event == E::object_end && !keys.empty()) keys.pop_back();
      if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second && repeated.empty())
        repeated = parsed.get<std::string>();
      return true;
    };
    try {
      j = Json::parse(body, check_keys);
    } catch (const nlohmann::json::exception& e) {
      std::string msg = e.what();
      auto p = msg.find("syntax error");
      throw usage_error("serve: the request body is not valid JSON (" + (p == std::string::npos ? msg : msg.substr(p)) +
                        ")");
    }
    if (!j.is_object())
      throw usage_error("serve: the request body must be a JSON object such as {\"file\": \"x.yaml\"}");
    if (!repeated.empty())
      throw usage_error("serve: the key '" + repeated + "' is given twice in the request body; give it once");
    Request r;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw usage_error("serve: unknown key '" + it.key() + "' in the request; expected " + list);
      }
    }
    auto count = [&](const char* key, uint64_t& out) {
      if (!j.contains(key)) return;
      const Json& v = j[key];
      const char* least = std::string_view(key) == "runs" ? " >= 1" : " >= 0";
      // 1e3 and 1000.0 are whole numbers, as --runs 1e3 is on the command line; past 2^53 a
      // double no longer holds every whole number, so such a value must be written in digits.
      if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d >= 0 && d == std::floor(d) && d <= 9007199254740992.0) {
          out = static_cast<uint64_t>(d);
          return;
        }
      }
      if (!v.is_number_unsigned())
        throw usage_error(std::string("serve: \"") + key + "\" must be a whole number" + least + ", got " + v.dump() +
                          (v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() > 9007199254740992.0
                               ? " (above 2^53, write it in digits)"
                               : ""));
      out = v.get<uint64_t>();
    };
    if (!j.contains("file") || !j["file"].is_string())
      throw usage_error("serve: the request names no scenario file (\"file\": \"name.yaml\")");
    r.rel = j["file"].get<std::string>();
    count("runs", r.runs);
    count("seed", r.seed);
    count("run", r.run);
    if (j.contains("name")) {
      if (!j["name"].is_string() || j["name"].get<std::string>().size() > 200)
        throw usage_error("serve: \"name\" must be a short text");
      r.name = j["name"].get<std::string>();
      // It becomes a comment line of the variant file, which must stay one line of text.
      if (find_control(r.name) != std::string::npos)
        throw usage_error("serve: \"name\" must be one line of text without control characters");
    }
    if (j.contains("set")) {
      const Json& s = j["set"];
      if (!s.is_object())
        throw usage_error("serve: \"set\" must be an object of overrides, e.g. {\"levers.x.intensity\": 0.5}");
      if (s.size() > 1000) throw usage_error("serve: at most 1000 overrides per request");
      for (auto it = s.begin(); it != s.end(); ++it) {
        std::string v;
        if (it.value().is_string())
          v = it.value().get<std::string>();
        else if (it.value().is_number() || it.value().is_boolean())
          v = it.value().dump();
        else
          throw usage_error("serve: the override of '" + it.key() +
                            "' must be a number, true/false or YAML text, got " + it.value().dump());
        r.sets.push_back(it.key() + "=" + v);
      }
    }
    r.path = resolve(r.rel);
    return r;
  }

  static LoadOptions overrides(const Request& r) {
    LoadOptions lo;
    lo.sets = r.sets;
    return lo;
  }

  void check_runs(const Request& r) const {
    check_run_count("run", r.runs);
    if (r.runs > opt_.max_runs)
      throw HttpError{400, "usage", kExitUsage,
                      "serve: at most " + std::to_string(opt_.max_runs) + " runs per request, got " +
                          std::to_string(r.runs) + " (geosim serve --max-runs; or run it with geosim run)"};
  }

  // The work of a request: its runs times the steps of each (of both arms, for a comparison).
  // --max-runs alone does not bound it, as an override may make a run 100,000 steps long.
  uint64_t max_run_steps() const { return max_run_steps_of(opt_); }
  void check_work(const Request& r, uint64_t steps) const {
    const uint64_t limit = max_run_steps();
    if (steps == 0 || r.runs <= limit / steps) return;
    throw HttpError{400, "usage", kExitUsage,
                    "serve: " + std::to_string(r.runs) + " runs of " + std::to_string(steps) +
                        " steps are more work than one request may ask for (at most " + std::to_string(limit) +
                        " runs x steps: " + work_limit_source(opt_) +
                        "); ask for fewer runs or a shorter horizon, or run it with geosim run"};
  }

  std::vector<std::string> args_of(const Request& r, bool runs) const {
    std::vector<std::string> a = {r.path};
    for (const auto& s : r.sets) {
      a.push_back("--set");
      a.push_back(s);
    }
    if (runs) {
      a.push_back("--runs");
      a.push_back(std::to_string(r.runs));
    }
    a.push_back("--seed");
    a.push_back(std::to_string(r.seed));
    return a;
  }

  // A computation that a newer request on the same lane (the X-Geosim-Lane header), its
  // client going away or the server's shutdown abandons.
  class Ticket {
   public:
    Ticket(Studio& s, const std::string& lane) : s_(s), lane_(lane), sock_(current_socket) {
      std::lock_guard<std::mutex> lock(s_.mu_);
      if (s_.stopping_) flag_.store(true);
      if (!lane_.empty()) {
        auto it = s_.lanes_.find(lane_);
        if (it != s_.lanes_.end()) it->second->store(true);
        s_.lanes_[lane_] = &flag_;
      }
      s_.active_.insert(this);
    }
    ~Ticket() {
      std::lock_guard<std::mutex> lock(s_.mu_);
      s_.active_.erase(this);
      auto it = s_.lanes_.find(lane_);
      if (it != s_.lanes_.end() && it->second == &flag_) s_.lanes_.erase(it);
    }
    const std::atomic<bool>* flag() const { return &flag_; }
    void cancel() { flag_.store(true); }
    // The client has gone when its connection is closed or reset: it has sent its end (a
    // read would give 0 bytes) or an error. Bytes it sent meanwhile (a next request) are
    // left for the connection to read.
    void cancel_if_gone() {
      if (sock_ == INVALID_SOCKET || flag_.load()) return;
      pollfd p{sock_, POLLIN | POLLRDHUP, 0};
      if (poll(&p, 1, 0) <= 0) return;
      char c = 0;
      if ((p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 || recv(sock_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
        cancel();
    }
    void check() const {
      if (flag_.load())
        throw HttpError{409, "cancelled", kExitInterrupted,
                        "serve: cancelled by a newer request, the client going away or the server stopping"};
    }

   private:
    Studio& s_;
    std::string lane_;
    socket_t sock_;  // the connection of the request
    std::atomic<bool> flag_{false};
  };

  std::string lane_of(const httplib::Request& req) const {
    std::string lane = req.get_header_value("X-Geosim-Lane");
    if (lane.size() > 64) lane.resize(64);
    return lane;
  }

  void apply_threads() const {
    if (opt_.threads > 0) set_threads(threads_to_use(opt_.threads));
  }

  Json scenario_list() const;
  Json scenario_json(const std::string& rel, const std::string& path) const;
  std::string run(const Request& r, const Ticket& t) const;
  std::string compare(const Request& r, const Ticket& t) const;
  Json step_check(const Request& r, const Ticket& t) const;
  Json replay(const Request& r) const;
  Json variant(const Request& r) const;

  // Runs `f`, turning every failure into the command line's message and exit class.
  void answer(httplib::Response& res, const std::function<void()>& f) const {
    try {
      f();
    } catch (const HttpError& e) {
      send_error(res, e);
    } catch (const InputError& e) {
      send_error(res, {422, "input", kExitInvalidInput, e.what()});
    } catch (const UsageError& e) {
      send_error(res, {400, "usage", kExitUsage, std::string("geosim ") + e.what()});
    } catch (const std::bad_alloc&) {
      send_error(res,
                 {500, "internal", kExitInternal, "geosim: out of memory; try fewer units, actors, outcomes or steps"});
    } catch (const std::exception& e) {
      send_error(res, {500, "internal", kExitInternal, std::string("geosim: internal error: ") + e.what()});
    }
  }

  Options opt_;
  std::string dir_;     // the served folder, as given
  std::string single_;  // the one file served, when a file was given
  fs::path canon_dir_;
  int port_ = 0;
  std::string host_;  // --host, in lower case
  std::string url_;   // the page's address, as printed
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::map<std::string, std::atomic<bool>*> lanes_;
  std::set<Ticket*> active_;
};

Json Studio::scenario_list() const {
  Json list = Json::array();
  std::vector<std::string> files;
  if (!single_.empty()) {
    files.push_back(single_);
  } else {
    std::error_code ec;
    fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec), end;
    size_t seen = 0;
    for (; !ec && it != end && seen < 5000 && files.size() < 500; it.increment(ec), ++seen) {
      std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it.depth() >= 5 && it->is_directory()) it.disable_recursion_pending();
      if (!it->is_regular_file() || !is_scenario_name(name)) continue;
      files.push_back(it->path().lexically_relative(dir_).generic_string());
    }
    std::sort(files.begin(), files.end());
  }
  for (const auto& rel : files) {
    Json e;
    e["file"] = rel;
    // A name that is not UTF-8 cannot be asked for (requests are UTF-8) nor shown as it is:
    // listed with its reason (the bytes shown as U+FFFD), as the loader would refuse it.
    if (!is_utf8(rel)) {
      e["error"] = "serve: the file name '" + rel + "' is not valid UTF-8; rename the file to open it";
      list.push_back(e);
      continue;
    }
    try {
      std::string path = resolve(rel);
      // Sweep specifications live beside scenarios; they are not scenarios.
      YNode top = parse_yaml_file(path);
      if (top.is_map() && top.find("sweep")) continue;
      Scenario sc = load_scenario(path);
      e["id"] = sc.id;
      e["title"] = sc.title;
    } catch (const HttpError&) {
      continue;  // a link out of the folder
    } catch (const InputError& err) {
      e["error"] = err.what();
    } catch (const std::exception& err) {
      e["error"] = err.what();
    }
    list.push_back(e);
  }
  Json j;
  j["folder"] = dir_;
  j["scenarios"] = list;
  return j;
}

Json param_json(const Scenario& sc, ParamId id) {
  if (id == kNoParam) return nullptr;
  const Param& p = sc.params[static_cast<size_t>(id)];
  Json j;
  j["path"] = p.path;
  j["value"] = p.dist.describe();
  j["uncertain"] = !p.dist.is_constant();
  j["mean"] = p.dist.mean();
  j["min"] = p.dist.min();
  j["max"] = p.dist.max();
  j["range"] = {p.range.lo < -1e299 ? Json(nullptr) : Json(p.range.lo),
                p.range.hi > 1e299 ? Json(nullptr) : Json(p.range.hi)};
  j["doc"] = p.doc;
  return j;
}

Json provenance(const Provenance& p) {
  Json ev = Json::array();
  for (const auto& e : p.evidence) {
    if (!e.seed.empty())
      ev.push_back({{"seed", e.seed}, {"quote", e.quote}});
    else
      ev.push_back({{"cite", e.cite}, {"note", e.note}});
  }
  Json j;
  j["evidence"] = ev;
  j["assumption"] = p.assumption;
  return j;
}

Json Studio::scenario_json(const std::string& rel, const std::string& path) const {
  Scenario sc = load_scenario(path);
  const StepCalendar cal = sc.calendar();
  Json j;
  j["file"] = rel;
  j["path"] = path;
  j["id"] = sc.id;
  j["title"] = sc.title;
  j["description"] = sc.description;
  j["start"] = sc.start.str();
  j["until"] = cal.last(sc.horizon);
  j["step"] = sc.unit == StepUnit::Week ? "week" : "day";
  j["horizon"] = sc.horizon;
  Json levers = Json::array();
  for (const auto& l : sc.levers) {
    Json lj;
    lj["id"] = l.id;
    lj["name"] = l.name.empty() ? l.id : l.name;
    const auto& kind = lever_kinds()[static_cast<size_t>(l.kind)];
    lj["kind"] = kind.name;
    lj["kind_doc"] = kind.doc;
    const Actor& by = sc.actors[static_cast<size_t>(l.by)];
    const Actor& target = sc.actors[static_cast<size_t>(l.target)];
    lj["by"] = {{"id", by.id}, {"name", by.name.empty() ? by.id : by.name}};
    lj["target"] = {{"id", target.id}, {"name", target.name.empty() ? target.id : target.name}};
    // Format 1 acts in whole steps (their days); format 2 on the days as written, a step that
    // holds part of the window acting for that part.
    const bool days = sc.format_version >= 2 && l.start_step < l.end_step;
    lj["from"] = days ? l.first_day.str() : cal.first_day(l.start_step + 1).str();
    lj["until"] = days ? l.last_day.str() : cal.last(std::max(l.start_step + 1, l.end_step));
    lj["enabled"] = param_json(sc, l.enabled);
    lj["intensity"] = param_json(sc, l.intensity);
    lj["credibility"] = param_json(sc, l.credibility);
    lj["provenance"] = provenance(l.provenance);
    levers.push_back(lj);
  }
  j["levers"] = levers;
  Json mech = Json::array();
  for (const ParamId id : sc.mech)
    if (id != kNoParam) mech.push_back(param_json(sc, id));
  j["mechanisms"] = mech;
  Json outs = Json::array();
  for (const auto& o : sc.outcomes) outs.push_back({{"id", o.id}, {"label", o.label}, {"default", o.is_default}});
  j["outcomes"] = outs;
  j["parameters"] = parameters_json(sc);
  return j;
}

std::string Studio::run(const Request& r, const Ticket& t) const {
  check_runs(r);
  Scenario sc = load_scenario(r.path, overrides(r));
  check_work(r, static_cast<uint64_t>(sc.horizon));
  Model model(sc);
  RunOptions ro;
  ro.runs = r.runs;
  ro.seed = r.seed;
  ro.stop = t.flag();
  apply_threads();
  Accumulator acc = run_monte_carlo(model, ro);
  t.check();
  std::vector<std::string> args = args_of(r, true);
  args.insert(args.end(), {"--format", "json"});
  return json_text(run_json(sc, summarize(sc, acc, r.seed), reproduce_command("run", args)));
}

std::string Studio::compare(const Request& r, const Ticket& t) const {
  check_runs(r);
  Scenario base = load_scenario(r.path);
  Scenario variant = load_scenario(r.path, overrides(r));
  check_work(r, static_cast<uint64_t>(base.horizon) + static_cast<uint64_t>(variant.horizon));
  Model mb(base), mv(variant);
  std::string label = reproduce_command("run", args_of(r, false));
  label = label.substr(std::string("geosim run ").size());
  Arm a{r.path, &mb, nullptr}, b{label, &mv, nullptr};
  PairOptions po;
  po.runs = r.runs;
  po.seed = r.seed;
  po.stop = t.flag();
  apply_threads();
  PairCounts pc = run_paired(a, b, po);
  t.check();
  CompareReport rep;
  rep.scenario = base.id;
  rep.runs = r.runs;
  rep.seed = r.seed;
  rep.base_hash = base.content_hash;
  rep.variant_hash = variant.content_hash;
  rep.comparisons.push_back({r.path, label, paired_effects(base, pc)});
  rep.has_changes = true;
  rep.changes = diff_scenarios(base, variant);
  // No `command`: the variant is the file with the overrides, which `geosim compare` (whose
  // --set applies to both arms) takes as a second file; "Save as variant" writes one.
  return compare_text(rep, "json");
}

// `geosim validate FILE --set ... --step-check --step-runs N --seed S`, as JSON
// (step_check_json): the scenario with the overrides in its step and in daily steps over the
// same days, N paired runs. A file it does not apply to (format 1, daily steps) gets
// {"applies": false, "why"} rather than an error: the page says why.
Json Studio::step_check(const Request& r, const Ticket& t) const {
  check_runs(r);
  const Scenario own = load_scenario(r.path, overrides(r));
  if (const std::string refusal = step_check_refusal(own); !refusal.empty())
    return {{"file", r.path}, {"applies", false}, {"why", "the step check " + refusal}};
  LoadOptions lo = overrides(r);
  add_daily_steps(lo, own, "step check");
  const Scenario daily = load_scenario(r.path, lo);
  check_work(r, static_cast<uint64_t>(own.horizon) + static_cast<uint64_t>(daily.horizon));
  const Model mo(own), md(daily);
  PairOptions po;
  po.runs = r.runs;
  po.seed = r.seed;
  po.stop = t.flag();
  apply_threads();
  const StepCheck c = geosim::step_check(mo, md, po);
  t.check();
  Json j = step_check_json(c);
  j["applies"] = true;
  std::vector<std::string> args = args_of(r, false);
  args.insert(args.end() - 2, {"--step-check", "--step-runs", std::to_string(r.runs)});
  j["command"] = reproduce_command("validate", args);
  return j;
}

Json Studio::replay(const Request& r) const {
  // `geosim run --replay K` reads K as a signed 64-bit number: a larger one is refused there,
  // and the command shown would fail.
  if (r.run > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw usage_error("geosim run: the argument ('" + std::to_string(r.run) + "') for option '--replay' is invalid");
  Scenario sc = load_scenario(r.path, overrides(r));
  Model model(sc);
  std::ostringstream os;
  write_replay(os, sc, model, r.seed, r.run);
  std::vector<std::string> args = args_of(r, false);
  args.insert(args.end(), {"--replay", std::to_string(r.run)});
  Json j;
  j["run"] = r.run;
  j["seed"] = r.seed;
  j["command"] = reproduce_command("run", args);
  j["text"] = os.str();
  return j;
}

// "Save as variant": the overrides as an `extends:` file. The file holds the difference
// between the scenario's tree and the tree the overrides give, as the loader applies them
// (a key may hold dots, fired.coup_attempt; a ladder's rungs are named by their lever; a
// value is read as YAML, so `--- 0.5` is 0.5), laid out so that merge_yaml, which merges a
// variant into its base, turns the one into the other: maps key by key, lists of items with
// ids item by item, any other value whole. What such a file cannot say is refused up front,
// naming the key: clearing a key (`~`), dropping a key from a map, an order of items that
// merging does not give (an item written anew goes last).

HttpError cannot_save(const std::string& why, const std::string& hint) {
  return usage_error("serve: a variant file cannot hold these settings: " + why + "; " + hint);
}

std::string dotted(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

bool same_tree(const YNode& a, const YNode& b) {
  if (a.type != b.type || a.scalar != b.scalar || a.quoted != b.quoted || a.seq.size() != b.seq.size() ||
      a.map.size() != b.map.size())
    return false;
  for (size_t i = 0; i < a.seq.size(); ++i)
    if (!same_tree(a.seq[i], b.seq[i])) return false;
  for (size_t i = 0; i < a.map.size(); ++i)
    if (a.map[i].first != b.map[i].first || !same_tree(a.map[i].second, b.map[i].second)) return false;
  return true;
}

// A list that merge_yaml merges item by item (yaml_tree.cpp): every item a map with an id.
bool is_id_list(const YNode& n) {
  if (!n.is_seq() || n.seq.empty()) return false;
  for (const auto& item : n.seq) {
    const YNode* id = item.is_map() ? item.find("id") : nullptr;
    if (!id || !id->is_scalar()) return false;
  }
  return true;
}

// A tree with the keys an override cleared (`PATH=~`) left out, as the loader reads it.
YNode without_cleared(YNode n) {
  drop_cleared_keys(n);
  return n;
}

void add_key(YNode& map, const std::string& key, YNode value) {
  map.type = YNode::Type::Map;
  map.map.emplace_back(key, std::move(value));
  map.key_locs.emplace_back();
}

YNode scalar_node(const std::string& text) {
  YNode n;
  n.type = YNode::Type::Scalar;
  n.scalar = text;
  return n;
}

// What a variant lays over `base` (merge_yaml) so that it becomes `want`; nothing when they
// are the same. `where` names the place, for messages (levers.sanctions).
std::optional<YNode> overlay_of(const YNode& base, const YNode& want, const std::string& where) {
  if (same_tree(base, want)) return std::nullopt;
  const std::string run_instead = "run them with `geosim run --set` instead";
  if (base.is_map() && want.is_map()) {
    for (const auto& [key, value] : base.map)
      if (!want.find(key))
        throw cannot_save("an override gives '" + where + "' a value without its key '" + key +
                              "', and an `extends:` file only adds and changes keys",
                          "set the keys one by one (" + dotted(where, "KEY") + "=VALUE), or " + run_instead);
    YNode out;
    out.type = YNode::Type::Map;
    for (const auto& [key, value] : want.map) {
      const YNode* was = base.find(key);
      if (is_cleared(value)) {
        if (!was) continue;  // cleared a key the scenario does not write: nothing to say
        throw cannot_save(
            "an override clears '" + dotted(where, key) + "' (~), and an `extends:` file cannot remove a key",
            "leave it as written, or " + run_instead);
      }
      if (!was) {
        add_key(out, key, without_cleared(value));
      } else if (auto d = overlay_of(*was, value, dotted(where, key))) {
        add_key(out, key, std::move(*d));
      }
    }
    if (out.map.empty()) return std::nullopt;
    return out;
  }
  if (is_id_list(base) && is_id_list(want)) {
    auto id_of = [](const YNode& item) { return item.find("id")->scalar; };
    auto removal = [&](const YNode& item) {
      YNode rm;
      add_key(rm, "id", *item.find("id"));
      add_key(rm, "remove", scalar_node("true"));
      return rm;
    };
    YNode out;
    out.type = YNode::Type::Sequence;
    std::set<std::string> wanted_ids, gone;
    std::vector<std::string> added;  // merging puts these last, in this order
    for (const auto& item : want.seq) wanted_ids.insert(id_of(item));
    for (const auto& item : want.seq) {
      const std::string id = id_of(item);
      const YNode* was = nullptr;
      for (const auto& b : base.seq)
        if (id_of(b) == id) was = &b;
      bool whole = was == nullptr;  // a new item, or one replaced whole (levers.ID={...})
      if (was)
        for (const auto& kv : was->map) whole = whole || !item.find(kv.first);
      if (whole) {
        // One replaced whole drops keys, which merging cannot: removed, then written anew.
        if (was) {
          out.seq.push_back(removal(item));
          gone.insert(id);
        }
        out.seq.push_back(without_cleared(item));
        added.push_back(id);
      } else if (auto d = overlay_of(*was, item, dotted(where, id))) {
        // merge_yaml finds the base's item by the id, which leads the item.
        if (!d->find("id")) {
          d->map.insert(d->map.begin(), {"id", *item.find("id")});
          d->key_locs.insert(d->key_locs.begin(), FileLoc{});
        }
        out.seq.push_back(std::move(*d));
      }
    }
    for (const auto& b : base.seq)
      if (!wanted_ids.count(id_of(b))) {
        out.seq.push_back(removal(b));
        gone.insert(id_of(b));
      }
    std::vector<std::string> merged, wanted;
    for (const auto& b : base.seq)
      if (!gone.count(id_of(b))) merged.push_back(id_of(b));
    merged.insert(merged.end(), added.begin(), added.end());
    for (const auto& item : want.seq) wanted.push_back(id_of(item));
    if (merged != wanted)
      throw cannot_save("the items of '" + where +
                            "' would not keep their order (an `extends:` file puts an item it writes anew last)",
                        "change an item's keys one by one (" + dotted(where, "ID.KEY") + "=VALUE), or " + run_instead);
    if (out.seq.empty()) return std::nullopt;
    return out;
  }
  return without_cleared(want);  // replaced whole (a value, or a list such as a ladder's rungs)
}

// A scalar's text that YAML reads back as the same scalar. A plain one stays plain (its
// text is one a block value takes as it is); a quoted one, or a plain one that would read
// otherwise, is written in double quotes with escapes (a line break or '#' stays inside).
bool plain_ok(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':' || find_control(s) != std::string::npos)
    return false;
  if (std::string("?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) return false;
  if (s.front() == '-' && (s.size() == 1 || s[1] == ' ' || s.rfind("---", 0) == 0)) return false;
  return s.find(": ") == std::string::npos && s.find(" #") == std::string::npos;
}

std::string quoted_text(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    auto next = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    char buf[16];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) {  // C1 controls, NEL among them
      std::snprintf(buf, sizeof buf, "\\u%04x", next(1));
      out += buf;
      i += 1;
    } else if (c == 0xe2 && next(1) == 0x80 && (next(2) == 0xa8 || next(2) == 0xa9)) {  // line, paragraph separators
      out += next(2) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool is_block(const YNode& v) { return (v.is_map() && !v.map.empty()) || (v.is_seq() && !v.seq.empty()); }

std::string inline_text(const YNode& v) {
  if (v.is_scalar()) return !v.quoted && plain_ok(v.scalar) ? v.scalar : quoted_text(v.scalar);
  if (v.is_map()) return "{}";
  if (v.is_seq()) return "[]";
  return "~";
}

// A map's keys or a list's items in YAML's block style, at `indent` spaces.
void emit(const YNode& n, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (n.is_map()) {
    for (const auto& [key, v] : n.map) {
      out += pad + (plain_ok(key) ? key : quoted_text(key)) + ":";
      if (!is_block(v)) {
        out += " " + inline_text(v) + "\n";
      } else {
        out += "\n";
        emit(v, indent + 2, out);
      }
    }
    return;
  }
  for (const auto& item : n.seq) {
    if (!is_block(item)) {
      out += pad + "- " + inline_text(item) + "\n";
    } else if (item.is_map()) {  // its first key on the line of the dash
      std::string body;
      emit(item, indent + 2, body);
      out += pad + "- " + body.substr(static_cast<size_t>(indent) + 2);
    } else {
      out += pad + "-\n";
      emit(item, indent + 2, out);
    }
  }
}

Json Studio::variant(const Request& r) const {
  check_runs(r);
  // The same scenario the overrides give, or a clear error (as `geosim run --set` would).
  Scenario wanted = load_scenario(r.path, overrides(r));
  YNode base = load_scenario_tree(r.path);
  YNode want = base;
  apply_sets(want, r.sets);
  YNode overlay;
  overlay.type = YNode::Type::Map;
  if (auto d = overlay_of(base, want, "")) overlay = std::move(*d);
  // A horizon in steps is the command line's (--set horizon=30); a format 2 file states it
  // in calendar units, which say the same steps in the scenario's unit.
  if (YNode* h = overlay.find("horizon"); h && wanted.format_version >= 2 && h->is_scalar() && !h->quoted &&
                                          !h->scalar.empty() &&
                                          h->scalar.find_first_not_of("0123456789") == std::string::npos)
    h->scalar += wanted.unit == StepUnit::Week ? " weeks" : " days";
  fs::path p(r.path);
  std::string stem = p.stem().string();
  std::string name = stem + "-whatif.yaml";
  // The scenario's file name, in double quotes with escapes, as `extends:` must read it back
  // (plain, `a #b.yaml` would read as `a`, `&x.yaml` as an anchor). A name the loader refuses
  // there (a control character) is no file a variant can extend: the name is the problem.
  const std::string extended = p.filename().string(), extends = quoted_text(extended);
  try {
    YNode e = parse_yaml_text("extends: " + extends + "\n", FileLoc{name, 1, 1});
    const YNode* v = e.find("extends");
    if (!v || !v->is_scalar() || v->scalar != extended)
      throw InputError(FileLoc{name, 1, 10}, "it reads back as another name");
  } catch (const InputError& e) {
    std::string why = e.what();
    if (auto nl = why.find('\n'); nl != std::string::npos) why.resize(nl);
    throw usage_error("serve: the scenario's file name '" + extended +
                      "' cannot be written as the `extends:` of a variant file (" + why +
                      "); rename the file to save a variant of it, or run the settings with `geosim run --set`");
  }
  std::string saved = (p.parent_path() / name).lexically_normal().string();
  std::string body;
  emit(overlay, 0, body);
  std::vector<std::string> run_args = {saved, "--runs", std::to_string(r.runs), "--seed", std::to_string(r.seed)};
  std::vector<std::string> cmp_args = {
      r.path, saved, "--runs", std::to_string(r.runs), "--seed", std::to_string(r.seed)};
  // A title may hold control characters too, written as escapes ("\t" in a quoted title).
  std::string text =
      "# What if: " + one_line(r.name.empty() ? wanted.title + ", with the studio's settings" : r.name) + "\n";
  text += "# Saved from geosim serve; keep it beside " + (plain_ok(extended) ? extended : extends) +
          ". The studio's numbers:\n";
  text += "#   " + reproduce_command("run", run_args) + " --format json\n";
  text += "#   " + reproduce_command("compare", cmp_args) + "\n";
  text += "extends: " + extends + "\n" + body;
  // It must load to the same scenario: check it as the loader checks a file (no NUL bytes;
  // parse_yaml_text checks the UTF-8 and the YAML), merge it as `extends:` would and
  // compare every value. A file is read more strictly than --set (a shorter horizon may not
  // leave scheduled events out): what it refuses is refused here, with its message.
  if (text.find('\0') != std::string::npos)
    throw HttpError{500, "internal", kExitInternal, "serve: the variant file would contain NUL bytes"};
  Scenario got;
  try {
    YNode file = parse_yaml_text(text, FileLoc{name, 1, 1});
    file.erase("extends");
    merge_yaml(base, file);
    got = build_scenario(base, r.path);
  } catch (const InputError& e) {
    std::string why = e.what();
    if (auto nl = why.find('\n'); nl != std::string::npos) why.resize(nl);
    throw cannot_save("a file with them is refused (" + why + ")", "run them with `geosim run --set` instead");
  }
  bool same = got.params.size() == wanted.params.size() && got.levers.size() == wanted.levers.size();
  for (size_t i = 0; same && i < got.params.size(); ++i)
    same = got.params[i].path == wanted.params[i].path &&
           got.params[i].dist.describe() == wanted.params[i].dist.describe();
  for (size_t i = 0; same && i < got.levers.size(); ++i)
    same =
        got.levers[i].start_step == wanted.levers[i].start_step && got.levers[i].end_step == wanted.levers[i].end_step;
  if (!same)
    throw cannot_save("written as a file they would give another scenario", "run them with `geosim run --set` instead");
  Json j;
  j["filename"] = name;
  j["path"] = saved;
  j["yaml"] = text;
  j["commands"] = {reproduce_command("run", run_args) + " --format json", reproduce_command("compare", cmp_args),
                   reproduce_command("run", args_of(r, true)) + " --format json"};
  return j;
}

// The studio's places and the method each takes.
const std::map<std::string, std::string> kPlaces = {{"/", "GET"},
                                                    {"/studio.js", "GET"},
                                                    {"/studio.css", "GET"},
                                                    {"/vega.js", "GET"},
                                                    {"/api/scenarios", "GET"},
                                                    {"/api/scenario", "GET"},
                                                    {"/api/run", "POST"},
                                                    {"/api/compare", "POST"},
                                                    {"/api/replay", "POST"},
                                                    {"/api/step-check", "POST"},
                                                    {"/api/variant", "POST"}};

void Studio::install(httplib::Server& svr) {
  auto too_large = [this] {
    return HttpError{413, "usage", kExitUsage,
                     "serve: the request body is larger than " + std::to_string(opt_.max_body) + " bytes"};
  };
  // Every answer carries answer_headers(); no byte ranges are served either: the reception
  // drops a request's Range lines (httplib would build a multipart answer holding the whole
  // file once per range a request lists: thousands of `0-` are gigabytes).
  svr.set_default_headers(answer_headers());
  // Runs before httplib reads a request's body; a refusal leaves it unread and closes the
  // connection (drop_connection).
  svr.set_pre_routing_handler([this, too_large](const httplib::Request& req, httplib::Response& res) {
    prerouted = true;
    auto refuse = [&](const HttpError& e) {
      send_error(res, e);
      res.set_header("Connection", "close");
      drop_connection = true;
      return httplib::Server::HandlerResponse::Handled;
    };
    // Two Hosts, lengths or Origins: a proxy in front may read the one, the studio the other
    // (request smuggling), and check_origin sees only the first Host and Origin.
    for (const char* header : {"Host", "Content-Length", "Origin"})
      if (req.get_header_value_count(header) > 1)
        return refuse(
            usage_error(std::string("serve: the request has more than one ") + header + " header; send it once"));
    // A body is framed by its Content-Length only. httplib would honour Transfer-Encoding:
    // chunked over a Content-Length (a proxy in front reading the length would pass a second
    // request inside the chunks: request smuggling), read a chunked body past the size cap,
    // and read a body of any other coding until the connection closes. So a request with
    // both is malformed (RFC 9112 §6.3 lets a server reject it), and one with
    // Transfer-Encoding alone is asked for a length (411) or, for a coding the studio does
    // not know, told it is not implemented (501, RFC 9112 §6.1).
    if (req.has_header("Transfer-Encoding")) {
      if (req.has_header("Content-Length"))
        return refuse(
            usage_error("serve: the request has both Transfer-Encoding and Content-Length headers; send the body with "
                        "Content-Length only"));
      bool chunked = true;
      for (size_t i = 0, n = req.get_header_value_count("Transfer-Encoding"); i < n; ++i)
        chunked = chunked && strcasecmp(trim_ows(req.get_header_value("Transfer-Encoding", i)).c_str(), "chunked") == 0;
      if (chunked)
        return refuse({411, "usage", kExitUsage,
                       "serve: the studio reads a request body by its Content-Length only (no Transfer-Encoding: "
                       "chunked); send one"});
      return refuse({501, "usage", kExitUsage,
                     "serve: the studio does not implement the request's Transfer-Encoding; send the body as it "
                     "is, with a Content-Length"});
    }
    // httplib reads a body for these methods only; for the others the bytes after the
    // headers would be read as the next request.
    const bool reads_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                            req.method == "DELETE" || req.method == "PRI";
    // Methods the studio takes nowhere: 405 with what the place takes, before asking for a
    // length their body does not need (a DELETE without one was told to send one, 411).
    if (req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE") {
      const auto place = kPlaces.find(req.path);
      const bool post = place != kPlaces.end() && place->second == "POST";
      res.set_header("Allow", post ? "POST" : "GET, HEAD");
      return refuse({405, "usage", kExitUsage,
                     "serve: the studio takes GET, HEAD and POST, not " + req.method +
                         (post ? " (" + req.path + " takes POST with a JSON body)" : "")});
    }
    if (!req.has_header("Content-Length")) {
      // Without a length httplib would read the body until the connection closes (a
      // request's body is empty then, RFC 9112 §6.3): the client is asked for one at once.
      if (reads_body)
        return refuse({411, "usage", kExitUsage,
                       "serve: a " + req.method + " request needs a Content-Length header (0 for no body); send one"});
    } else {
      // 1*DIGIT (RFC 9110 §8.6), at most 2^64 − 1: httplib reads it with strtoull, which
      // takes a sign, spaces and overflow, so `-1` was a length of 2^64 − 1.
      std::string v = trim_ows(req.get_header_value("Content-Length"));
      uint64_t length = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
      if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          ec != std::errc() || end != v.data() + v.size())
        return refuse(
            usage_error("serve: the request's Content-Length is not a number of bytes (digits 0-9, below "
                        "2^64); send the body's length"));
      if (length > 0 && !reads_body)
        return refuse(usage_error("serve: a " + req.method + " request carries no body here; send it without one"));
      // Too large: refused at once, rather than its bytes read (or waited for) and thrown away.
      if (length > opt_.max_body) return refuse(too_large());
    }
    std::string why = check_origin(req);
    if (!why.empty()) return refuse({403, "forbidden", kExitUsage, "serve: " + why});
    // A place of the studio asked with a method it does not take: 405, with the methods it does.
    if (auto place = kPlaces.find(req.path); place != kPlaces.end()) {
      const bool post = place->second == "POST";
      if (post ? req.method != "POST" : req.method != "GET" && req.method != "HEAD") {
        res.set_header("Allow", post ? "POST" : "GET, HEAD");
        return refuse(
            {405, "usage", kExitUsage,
             "serve: " + req.path + (post ? " takes POST with a JSON body" : " takes GET") + ", not " + req.method});
      }
    }
    // A path or query that is not UTF-8 names nothing here: refused as the command line
    // would refuse such a file name, before any message quotes it.
    bool utf8 = is_utf8(req.path);
    for (const auto& [key, value] : req.params) utf8 = utf8 && is_utf8(key) && is_utf8(value);
    if (!utf8) return refuse(usage_error("serve: the request's path or query is not valid UTF-8"));
    // A name given twice in the query: httplib reads the first, a proxy or log may read the last.
    for (auto it = req.params.begin(); it != req.params.end(); it = req.params.upper_bound(it->first))
      if (req.params.count(it->first) > 1)
        return refuse(usage_error("serve: the query gives '" + it->first + "' more than once; give it once"));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Whatever httplib answers by itself (413, 404, 400) comes as JSON too. One it answers
  // before the pre-routing handler has seen the request, it could not read: the connection
  // is closed, as what follows is not known to be a request.
  svr.set_error_handler([too_large](const httplib::Request& req, httplib::Response& res) {
    if (!prerouted) {
      drop_connection = true;
      res.set_header("Connection", "close");
    }
    if (!res.body.empty()) return;
    std::string msg;
    if (res.status == 400 && request_late) {  // cut off at its deadline (DeadlineStream)
      res.status = 408;
      msg = "serve: the request did not arrive within " + std::to_string(kRequestSeconds) + " seconds; it was dropped";
    } else if (res.status == 413)
      msg = too_large().message;
    else if (res.status == 404)
      msg = "serve: nothing at " + req.path + " (the page is at /, the API under /api/)";
    else
      msg = "serve: the request could not be read whole (HTTP " + std::to_string(res.status) + ")";
    send_error(res, {res.status, res.status == 404 ? "not_found" : "usage", kExitUsage, msg});
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, {500, "internal", kExitInternal, "geosim: internal error while serving the request"});
  });
  auto asset = [this, &svr](const std::string& url, const std::string& name, const std::string& type) {
    svr.Get(url, [name, type](const httplib::Request&, httplib::Response& res) {
      res.headers.erase("Content-Security-Policy");  // the answers' policy, widened for the page
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
                     "connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'");
      res.set_header("Cache-Control", "no-store");
      res.set_content(page_asset(name), type);
    });
  };
  asset("/", "studio.html", "text/html; charset=utf-8");
  asset("/studio.js", "studio.js", "text/javascript; charset=utf-8");
  asset("/studio.css", "studio.css", "text/css; charset=utf-8");
  svr.Get("/vega.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(report_scripts(), "text/javascript; charset=utf-8");
  });
  svr.Get("/api/scenarios", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { res.set_content(json_answer(scenario_list()), "application/json"); });
  });
  svr.Get("/api/scenario", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      std::string rel = req.get_param_value("file");
      res.set_content(json_answer(scenario_json(rel, resolve(rel))), "application/json");
    });
  });
  svr.Post("/api/run", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      Request r = parse_request(req.body, {"file", "set", "runs", "seed"});
      Ticket t(*this, lane_of(req));
      res.set_content(run(r, t), "application/json");
    });
  });
  svr.Post("/api/compare", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      Request r = parse_request(req.body, {"file", "set", "runs", "seed"});
      Ticket t(*this, lane_of(req));
      res.set_content(compare(r, t), "application/json");
    });
  });
  svr.Post("/api/step-check", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      Request r = parse_request(req.body, {"file", "set", "runs", "seed"});
      Ticket t(*this, lane_of(req));
      res.set_content(json_answer(step_check(r, t)), "application/json");
    });
  });
  svr.Post("/api/replay", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      Request r = parse_request(req.body, {"file", "set", "seed", "run"});
      res.set_content(json_answer(replay(r)), "application/json");
    });
  });
  svr.Post("/api/variant", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      Request r = parse_request(req.body, {"file", "set", "runs", "seed", "name"});
      res.set_content(json_answer(variant(r)), "application/json");
    });
  });
}

}  // namespace

void serve(const Options& options, const std::atomic<bool>& stop,
           const std::function<void(const std::string&)>& ready) {
  if (options.port < 0 || options.port > 65535) throw UsageError("serve: --port must be 0..65535");
  if (options.max_runs == 0) throw UsageError("serve: --max-runs must be at least 1");
  // As for `geosim run`: thousands of threads crash the OpenMP runtime at the first computation.
  if (!threads_allowed(options.threads))
    throw UsageError("serve: --threads must be " + thread_range() + ", got " + std::to_string(options.threads));
  Studio studio(options);
  HttpServer svr(options.max_body);
  svr.set_payload_max_length(options.max_body);
  // The reception and DeadlineStream keep the request's deadline, the idle time and the
  // answer's deadline; these are the sockets' own timeouts, which httplib sets on each
  // connection (DeadlineStream neither reads nor writes a socket that is not ready).
  svr.set_read_timeout(kRequestSeconds, 0);
  svr.set_write_timeout(kWriteSeconds, 0);
  svr.set_keep_alive_timeout(kIdleSeconds);
  // SO_REUSEADDR alone: httplib's default adds SO_REUSEPORT, which would let a second
  // studio bind the same port and share its connections instead of failing.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });
  studio.install(svr);
  int port = options.port;
  if (port == 0) {
    port = svr.bind_to_any_port(options.host);
    if (port < 0) throw UsageError("serve: cannot listen on " + options.host + " (is it an address of this machine?)");
  } else if (!svr.bind_to_port(options.host, port)) {
    throw UsageError("serve: cannot listen on " + options.host + ":" + std::to_string(port) +
                     " (in use? try --port with another number, or --port 0 for any free port)");
  }
  std::string shown = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  if (options.host == "0.0.0.0" || options.host == "::") shown = "127.0.0.1";
  const std::string url = "http://" + shown + ":" + std::to_string(port) + "/";
  studio.set_address(port, options.host, url);
  // Ctrl-C (or the caller) sets `stop`; the watcher then abandons open computations and
  // stops the server, again until it has stopped (a stop before listening begins is kept).
  // Every tenth of a second it also abandons the computations whose clients have gone.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    for (int tick = 0; !done.load(); ++tick) {
      if (stop.load()) {
        studio.stop_all();
        svr.stop();
      }
      if (tick % 5 == 0) studio.watch_clients();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  svr.start(static_cast<size_t>(std::max(2, options.workers)));
  ready(url);
  svr.listen_after_bind();
  done.store(true);
  studio.stop_all();
  watcher.join();
}

}  // namespace geosim::studio
