// The wire form of a sweep point's result: what a worker rank sends is what rank 0 commits,
// bit for bit, so results do not depend on which rank computed a point.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "analysis/sweep/mpi_sweep.h"

using namespace geosim;

namespace {
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

TEST_CASE("point results survive the wire bit for bit", "[mpi]") {
  PointResult r;
  r.point = 123456789012;
  r.ok = true;
  r.runs = 4000000000ull;
  r.counts = {0, 1, 3999999999ull, std::numeric_limits<uint64_t>::max()};
  r.states = {{0.1, -0.0, 1e-310}, {std::nan(""), std::numeric_limits<double>::infinity(), 2.0 / 3.0}};
  PointResult back = decode_point_result(encode_point_result(r));
  CHECK(back.point == r.point);
  CHECK(back.ok);
  CHECK(back.reason.empty());
  CHECK(back.runs == r.runs);
  CHECK(back.counts == r.counts);
  REQUIRE(back.states.size() == r.states.size());
  for (size_t i = 0; i < r.states.size(); ++i)
    for (size_t j = 0; j < 3; ++j) CHECK(same_bits(back.states[i][j], r.states[i][j]));
}

TEST_CASE("a failed point keeps its reason on the wire", "[mpi]") {
  PointResult r;
  r.point = 7;
  r.reason = std::string("levers.x = 2 is outside its range [0, 1]\0with a zero byte", 58);
  PointResult back = decode_point_result(encode_point_result(r));
  CHECK(back.point == 7);
  CHECK_FALSE(back.ok);
  CHECK(back.reason == r.reason);
  CHECK(back.counts.empty());
  CHECK(back.states.empty());
}

TEST_CASE("truncated or padded point messages are refused", "[mpi]") {
  PointResult r;
  r.point = 1;
  r.ok = true;
  r.runs = 10;
  r.counts = {4, 6};
  r.states = {{1, 2, 3}};
  std::string bytes = encode_point_result(r);
  for (size_t n = 0; n < bytes.size(); ++n) CHECK_THROWS(decode_point_result(bytes.substr(0, n)));
  CHECK_THROWS(decode_point_result(bytes + "x"));
}
