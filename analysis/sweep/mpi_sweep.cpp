#include "analysis/sweep/mpi_sweep.h"

#include <chrono>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "engine/core/cluster.h"
#include "engine/core/error.h"

#ifdef GEOSIM_WITH_MPI
#include <mpi.h>
#endif

namespace geosim {

namespace {

// Appends and reads plain values as raw bytes: both ends are the same binary.
template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, s_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string bytes(size_t n) {
    need(n);
    std::string out = s_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  bool at_end() const { return pos_ == s_.size(); }

 private:
  void need(size_t n) const {
    if (s_.size() - pos_ < n) throw std::runtime_error("sweep: truncated point result message");
  }
  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

std::string encode_point_result(const PointResult& r) {
  std::string out;
  put(out, r.point);
  put(out, static_cast<uint8_t>(r.ok ? 1 : 0));
  put(out, static_cast<uint64_t>(r.reason.size()));
  out += r.reason;
  put(out, r.runs);
  put(out, static_cast<uint64_t>(r.counts.size()));
  for (uint64_t c : r.counts) put(out, c);
  put(out, static_cast<uint64_t>(r.states.size()));
  for (const auto& q : r.states)
    for (double v : q) put(out, v);
  return out;
}

PointResult decode_point_result(const std::string& bytes) {
  Reader in(bytes);
  PointResult r;
  r.point = in.get<int64_t>();
  r.ok = in.get<uint8_t>() != 0;
  r.reason = in.bytes(in.get<uint64_t>());
  r.runs = in.get<uint64_t>();
  uint64_t n = in.get<uint64_t>();
  if (n > bytes.size()) throw std::runtime_error("sweep: malformed point result message");
  r.counts.resize(n);
  for (auto& c : r.counts) c = in.get<uint64_t>();
  n = in.get<uint64_t>();
  if (n > bytes.size()) throw std::runtime_error("sweep: malformed point result message");
  r.states.resize(n);
  for (auto& q : r.states)
    for (double& v : q) v = in.get<double>();
  if (!in.at_end()) throw std::runtime_error("sweep: malformed point result message");
  return r;
}

#ifdef GEOSIM_WITH_MPI

namespace {

// Worker -> rank 0: a request for up to N points (int64 N), a finished point, or a
// farewell from a worker that stops before being told there is nothing left.
// Rank 0 -> worker: the points dealt (int64 each; none means "nothing more").
enum Tag : int { kTagRequest = 1, kTagResult = 2, kTagBye = 3, kTagPoints = 4 };

// While idle, rank 0 sleeps this long between polls: short against any point's compute
// time, long enough that a waiting dealer takes no noticeable CPU from the workers.
constexpr auto kIdlePoll = std::chrono::microseconds(500);

// Asks rank 0 for points; blocking, but rank 0 answers every request promptly.
class RemoteDealer : public PointDealer {
 public:
  size_t take(size_t max, std::vector<int64_t>& out) override {
    if (done_) return 0;
    int64_t want = static_cast<int64_t>(max);
    MPI_Send(&want, 1, MPI_INT64_T, 0, kTagRequest, MPI_COMM_WORLD);
    MPI_Status st;
    MPI_Probe(0, kTagPoints, MPI_COMM_WORLD, &st);
    int n = 0;
    MPI_Get_count(&st, MPI_INT64_T, &n);
    std::vector<int64_t> got(static_cast<size_t>(n));
    MPI_Recv(got.data(), n, MPI_INT64_T, 0, kTagPoints, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (n == 0) done_ = true;
    out.insert(out.end(), got.begin(), got.end());
    return got.size();
  }
  bool done() const { return done_; }

 private:
  bool done_ = false;  // rank 0 has said there is nothing more, and counts this rank as gone
};

class RemoteWriter : public PointWriter {
 public:
  void commit(const PointResult& r) override {
    std::string msg = encode_point_result(r);
    MPI_Send(msg.data(), static_cast<int>(msg.size()), MPI_BYTE, 0, kTagResult, MPI_COMM_WORLD);
  }
};

// After the ranks have diverged an error cannot be agreed on: report it and end every rank.
[[noreturn]] void abort_all(const std::exception& e) {
  std::cerr << "geosim: rank " << cluster().rank << ": " << e.what() << "\n";
  cluster_abort(kExitInternal);
}

}  // namespace

SweepStats serve_sweep(const SweepPlan& plan, const std::vector<int64_t>& pending, PointWriter& writer,
                       const SweepRunOptions& o) {
  (void)plan;
  SweepStats stats;
  try {
    size_t next = 0;          // next index into `pending` to deal
    int64_t outstanding = 0;  // dealt, not yet committed
    int active = cluster().size - 1;
    std::string buf;
    while (active > 0) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
      if (!flag) {
        if (o.running) o.running(stats.runs);
        std::this_thread::sleep_for(kIdlePoll);
        continue;
      }
      int n = 0;
      MPI_Get_count(&st, MPI_BYTE, &n);
      buf.assign(static_cast<size_t>(n), '\0');
      MPI_Recv(buf.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (st.MPI_TAG == kTagResult) {
        PointResult r = decode_point_result(buf);
        writer.commit(r);
        --outstanding;
        ++stats.committed;
        if (!r.ok) ++stats.failed;
        stats.runs += r.runs;
        if (o.committed) o.committed(r, stats.runs);
      } else if (st.MPI_TAG == kTagRequest) {
        int64_t want = 0;
        if (buf.size() == sizeof want) std::memcpy(&want, buf.data(), sizeof want);
        bool stopping = o.stop && o.stop->load();
        size_t give = stopping ? 0 : std::min(static_cast<size_t>(std::max<int64_t>(want, 0)), pending.size() - next);
        MPI_Send(pending.data() + next, static_cast<int>(give), MPI_INT64_T, st.MPI_SOURCE, kTagPoints,
                 MPI_COMM_WORLD);
        next += give;
        outstanding += static_cast<int64_t>(give);
        if (give == 0) --active;
      } else if (st.MPI_TAG == kTagBye) {
        --active;
      }
    }
    stats.stopped = next < pending.size() || outstanding != 0;
  } catch (const std::exception& e) {
    abort_all(e);
  }
  return stats;
}

SweepStats work_sweep(const SweepPlan& plan, const SweepRunOptions& o) {
  try {
    RemoteDealer dealer;
    RemoteWriter writer;
    SweepStats stats = run_sweep(plan, dealer, writer, o);
    // Stopped by its own signal before rank 0 said "nothing more": say goodbye, so that
    // rank 0 does not wait for this rank.
    if (!dealer.done()) MPI_Send(nullptr, 0, MPI_BYTE, 0, kTagBye, MPI_COMM_WORLD);
    return stats;
  } catch (const std::exception& e) {
    abort_all(e);
  }
}

#else  // without MPI there is never more than one rank

SweepStats serve_sweep(const SweepPlan&, const std::vector<int64_t>&, PointWriter&, const SweepRunOptions&) {
  throw std::logic_error("serve_sweep: geosim was built without MPI");
}

SweepStats work_sweep(const SweepPlan&, const SweepRunOptions&) {
  throw std::logic_error("work_sweep: geosim was built without MPI");
}

#endif

}  // namespace geosim
