// A sweep over MPI ranks: rank 0 deals points one request at a time and is the only
// writer; every other rank computes the points it is dealt with all its threads and sends
// each result back. A rank that finishes early asks again, so fast and slow points, and
// fast and slow nodes, balance themselves.
//
// Rank 0 does not compute when there are other ranks. A dealer busy with a point would
// leave workers waiting for their next one, and its commits (one SQLite transaction per
// point) would slow its share; waiting, it sleeps between polls and takes almost no CPU,
// so on one node the usual layout is one rank more than the computing ones.
//
// Results do not depend on the rank count: a point's result depends only on the plan and
// the point index (sweep.h), results travel as raw bytes (doubles bit for bit), and the
// CSV is written from the database in point order. A stop request (SIGINT/SIGTERM on any
// rank) makes rank 0 deal no more points; the points being computed are still committed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/sweep/sweep.h"

namespace geosim {

// Rank 0 (with size > 1): deals `pending` to the other ranks, commits each result they
// send through `writer`, and returns once every other rank has left. `options.stop` is
// polled while waiting; `options.committed` is called after each commit and
// `options.running` now and then while waiting (with the runs committed so far).
SweepStats serve_sweep(const SweepPlan& plan, const std::vector<int64_t>& pending, PointWriter& writer,
                       const SweepRunOptions& options);

// Every other rank: computes the points rank 0 deals until it has none left or
// `options.stop` is set. Returns this rank's counts.
SweepStats work_sweep(const SweepPlan& plan, const SweepRunOptions& options);

// The wire form of a PointResult (exposed for tests): counts and doubles as raw bytes.
std::string encode_point_result(const PointResult& r);
// Throws std::runtime_error on a truncated or malformed message.
PointResult decode_point_result(const std::string& bytes);

}  // namespace geosim
