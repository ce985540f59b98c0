// The batched paths of the engine against the plain ones they replace: Philox words drawn
// eight counters at a time in SIMD lanes, the normals of many words at once (their tails
// redone lane by lane), the Friedkin-Johnsen step and the stances' pulls and noise four
// actors at a time, every fan recorded at once (Accumulator::add_fans), fan histograms that
// count a run's final state once (Accumulator::add_ended) instead of at every later point,
// parameter draws deferred until an event needs them (RunState::defer_draws), conditions
// of the form `variable OP number` evaluated without muParser, and a cohort's thresholds
// computed in increasing order, a few at a time, only as the cascade reaches them. Each
// must give the same bits (or values), which is what keeps every output byte-identical.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <vector>

#include "engine/runner/run_loop.h"
#include "engine/core/fastmath.h"
#include "engine/core/rng.h"
#include "engine/model/expr.h"
#include "engine/stance/stance_models.h"
#include "helpers.h"

using namespace geosim;

static const std::string kTeaching = std::string(GEOSIM_SOURCE_DIR) + "/scenarios/teaching.yaml";

TEST_CASE("Philox words drawn in SIMD lanes equal one counter at a time", "[rng]") {
  // Counts that are not multiples of the lane count, and extreme counters and keys.
  const uint64_t seeds[] = {0, 7, 0xffffffffffffffffull, 0x123456789abcdef0ull};
  const uint64_t runs[] = {0, 3, 0xfffffffffull};
  for (uint64_t seed : seeds)
    for (uint64_t run : runs) {
      RunRng rng(seed, run);
      for (int n : {1, 7, 8, 9, 17, 64}) {
        std::vector<uint32_t> stream(static_cast<size_t>(n)), index(static_cast<size_t>(n)),
            out(4 * static_cast<size_t>(n), 0xdeadbeefu);
        for (int i = 0; i < n; ++i) {
          stream[static_cast<size_t>(i)] = stream_id(stream_id("s"), static_cast<uint32_t>(i * 31 + n));
          index[static_cast<size_t>(i)] = i % 3 == 0 ? 0xffffffffu - static_cast<uint32_t>(i) : static_cast<uint32_t>(i);
        }
        rng.bits_n(stream.data(), index.data(), n, out.data());
        int mismatches = 0;
        for (int i = 0; i < n; ++i) {
          auto w = rng.bits(stream[static_cast<size_t>(i)], index[static_cast<size_t>(i)]);
          for (int j = 0; j < 4; ++j)
            mismatches += out[4 * static_cast<size_t>(i) + static_cast<size_t>(j)] != w[static_cast<size_t>(j)];
        }
        CHECK(mismatches == 0);
      }
    }
}

TEST_CASE("normals of many words at once equal one word at a time, tails included", "[rng]") {
  // Words at the ends, around the bounds of the central region (u = 0.02425 lies between
  // the uniforms of two neighbouring words), and at random with about a quarter of them in
  // a tail, so that every pattern of four lanes occurs (the tails are redone lane by lane);
  // lengths that are not multiples of four.
  const double plow = 0.02425, phigh = 1 - plow;
  const auto bound = static_cast<uint32_t>(plow * 4294967296.0);
  std::vector<uint32_t> w = {0u, 1u, 0xffffffffu, 0xfffffffeu, bound - 1, bound, bound + 1, 0x80000000u,
                             0xffffffffu - bound - 1, 0xffffffffu - bound, 0xffffffffu - bound + 1};
  RunRng rng(3, 9);
  for (uint32_t k = 0; k < 4096; ++k) {
    const auto b = rng.bits(stream_id("words"), k);
    // b[0] % 4 == 0: a word in the lower (b[1] odd) or the upper tail; otherwise any word.
    w.push_back(b[0] % 4 != 0 ? b[2] : (b[1] % 2 ? b[2] % (2 * bound) : 0xffffffffu - b[2] % (2 * bound)));
  }
  int mismatches = 0, tails = 0;
  for (int n : {1, 2, 3, 4, 5, 7, 11, 13, 60, static_cast<int>(w.size())}) {
    for (size_t first = 0; first + static_cast<size_t>(n) <= w.size(); first += static_cast<size_t>(n) * 7 + 1) {
      std::vector<double> z(static_cast<size_t>(n), -7.0);
      normals_from_words_n(w.data() + first, z.data(), n);
      for (int i = 0; i < n; ++i) {
        const double u = u32_to_open01(w[first + static_cast<size_t>(i)]), want = inverse_normal_cdf_fast(u);
        tails += !(u >= plow && u <= phigh);
        mismatches += std::memcmp(&want, &z[static_cast<size_t>(i)], sizeof want) != 0;
      }
    }
  }
  CHECK(tails > 1000);  // the tails were exercised
  CHECK(mismatches == 0);
}

TEST_CASE("the Friedkin-Johnsen step four rows at a time equals the textbook loop", "[stances]") {
  // Every count of actors up to 21 (so every remainder of four and the blocks of sixteen);
  // x0 carries junk past n, which may reach only xnext's padding.
  RunRng rng(4, 6);
  uint32_t k = 0;
  auto uniform = [&] {
    const auto w = rng.bits(stream_id("fj inputs"), k++);
    return RunRng::to_open01(w[0], w[1]);
  };
  int mismatches = 0;
  for (int n = 1; n <= 21; ++n) {
    const int n4 = (n + 3) / 4 * 4;
    for (int rep = 0; rep < 50; ++rep) {
      std::vector<double> W(static_cast<size_t>(n * n)), Wt(static_cast<size_t>(n * n4), 0.0),
          lambda(static_cast<size_t>(n4), 0.0), x(static_cast<size_t>(n)), x0(static_cast<size_t>(n4)),
          xnext(static_cast<size_t>(n4), -5.0);
      for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int j = 0; j < n; ++j) s += W[static_cast<size_t>(i * n + j)] = uniform();
        for (int j = 0; j < n; ++j) W[static_cast<size_t>(i * n + j)] /= s;
        for (int j = 0; j < n; ++j) Wt[static_cast<size_t>(j * n4 + i)] = W[static_cast<size_t>(i * n + j)];
        lambda[static_cast<size_t>(i)] = uniform();
        x[static_cast<size_t>(i)] = uniform() * 2 - 0.5;
      }
      for (auto& v : x0) v = uniform() * 3 - 1;
      friedkin_johnsen_step(Wt.data(), lambda.data(), x0.data(), x.data(), xnext.data(), n, n4);
      for (int i = 0; i < n; ++i) {
        double wx = 0.0;
        for (int j = 0; j < n; ++j) wx += W[static_cast<size_t>(i * n + j)] * x[static_cast<size_t>(j)];
        const size_t ii = static_cast<size_t>(i);
        const double want = lambda[ii] * wx + (1.0 - lambda[ii]) * x0[ii];
        mismatches += std::memcmp(&want, &xnext[ii], sizeof want) != 0;
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("stances moved four actors at a time equal the scalar step, in place or not", "[stances]") {
  // Values that land inside, at and beyond both ends of the range, NaN among them; lengths
  // that are not multiples of four; the stances updated in place (x = from) and not.
  RunRng rng(8, 2);
  const double lo = -0.25, hi = 1.5;
  int mismatches = 0, clamped_lo = 0, clamped_hi = 0;
  uint32_t k = 0;
  for (int n : {1, 3, 4, 5, 8, 11, 13, 16}) {
    for (int rep = 0; rep < 200; ++rep) {
      std::vector<double> from(static_cast<size_t>(n)), push(static_cast<size_t>(n)), z(4 * static_cast<size_t>(n));
      auto draw = [&](double scale) {
        const auto w = rng.bits(stream_id("stance inputs"), k++);
        if (w[0] % 97 == 0) return std::nan("");
        return (RunRng::to_open01(w[1], w[2]) - 0.3) * scale;
      };
      for (auto& v : from) v = draw(2.5);
      for (auto& v : push) v = draw(0.5);
      for (auto& v : z) v = draw(6.0);
      const double sd = 0.05 + 0.1 * rep / 200.0;
      std::vector<double> want(static_cast<size_t>(n));
      for (size_t i = 0; i < want.size(); ++i) {
        double xi = from[i];
        xi += push[i];
        xi += sd * z[4 * i];
        want[i] = std::clamp(xi, lo, hi);
        clamped_lo += want[i] == lo;
        clamped_hi += want[i] == hi;
      }
      std::vector<double> out(static_cast<size_t>(n), -9.0), inplace = from;
      add_pull_noise_clamp(from.data(), push.data(), z.data(), sd, lo, hi, out.data(), n);
      add_pull_noise_clamp(inplace.data(), push.data(), z.data(), sd, lo, hi, inplace.data(), n);
      mismatches += std::memcmp(want.data(), out.data(), want.size() * sizeof(double)) != 0;
      mismatches += std::memcmp(want.data(), inplace.data(), want.size() * sizeof(double)) != 0;
    }
  }
  CHECK(clamped_lo > 100);
  CHECK(clamped_hi > 100);
  CHECK(mismatches == 0);
}

TEST_CASE("a condition `variable OP number` evaluated natively equals muParser's value", "[expr]") {
  // The same condition in parentheses is not of the simple form, so muParser evaluates it.
  const VarNames names({"talks", "t", "stance.armed_forces"});
  std::vector<double> vars(names.size(), 0.0);
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const double values[] = {-inf, -1.0, -0.0, 0.0, 0.5, std::nextafter(0.5, 1.0), 1.0, 2.0, 1e300, inf, nan};
  int compared = 0, mismatches = 0;
  for (const char* op : {"<", "<=", ">", ">=", "==", "!="})
    for (const char* k : {"0", "0.5", "1", "-1e3"})
      for (size_t v = 0; v < names.size(); ++v) {
        const std::string simple = names.list()[v] + " " + op + " " + k;
        BoundExpr fast(simple, names, vars.data()), parsed("(" + simple + ")", names, vars.data());
        for (double x : values) {
          vars[v] = x;
          mismatches += fast.eval() != parsed.eval();
          ++compared;
        }
      }
  CHECK(compared == 6 * 4 * 3 * 11);
  CHECK(mismatches == 0);
}

TEST_CASE("a condition whose value is not a number does not hold, one that is neither 0 nor NaN does", "[expr]") {
  const VarNames names({"talks"});
  std::vector<double> vars = {0.0};
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(BoundExpr("0/0", names, vars.data()).holds());
  CHECK_FALSE(BoundExpr("talks * 0/0 + 1", names, vars.data()).holds());
  CHECK_FALSE(BoundExpr("talks", names, vars.data()).holds());
  for (double x : {1.0, -1.0, 1e-300, inf, -inf}) {
    vars[0] = x;
    CHECK(BoundExpr("talks", names, vars.data()).holds());
  }
  vars[0] = nan;
  CHECK_FALSE(BoundExpr("talks", names, vars.data()).holds());
  CHECK(BoundExpr("talks != 1", names, vars.data()).holds());  // NaN differs from 1: IEEE's answer, 1
}

TEST_CASE("runs counted once when they end give the fan histograms of counting every point", "[summary]") {
  Scenario sc = load_scenario(kTeaching);
  Model model(sc);
  RunState st;
  model.prepare(st);
  Accumulator every(sc, sc.horizon), once(sc, sc.horizon);
  once.track_ended();
  const FanLayout& L = every.layout();
  const int nf = static_cast<int>(sc.fans.size());
  int ended_early = 0;
  for (uint64_t r = 0; r < 400; ++r) {
    int next = 0;
    simulate_with(model, st, 11, r, nullptr, nullptr, [] {}, [&](int t, bool ended) {
      if (ended) {
        for (int p = next; p < L.points; ++p)
          for (int f = 0; f < nf; ++f) every.add_fan(p, f, st.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])]);
        if (next < L.points) {
          for (int f = 0; f < nf; ++f) once.add_ended(next, f, st.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])]);
          ended_early += next < L.points - 1;
        }
        return;
      }
      if (next < L.points && t == L.step_of(next, sc.horizon)) {
        for (int f = 0; f < nf; ++f) {
          double v = st.vars[static_cast<size_t>(sc.fans[static_cast<size_t>(f)])];
          every.add_fan(next, f, v);
          once.add_fan(next, f, v);
        }
        ++next;
      }
    });
  }
  REQUIRE(ended_early > 0);  // the test exercises runs that end before the last point
  // Merging an unsettled accumulator folds its ended runs in, as settle() does.
  Accumulator merged(sc, sc.horizon);
  merged.merge(once);
  once.settle();
  CHECK(once.fan_hist() == every.fan_hist());
  CHECK(merged.fan_hist() == every.fan_hist());
  // settle() clears what it folded: settling again changes nothing.
  once.settle();
  CHECK(once.fan_hist() == every.fan_hist());
}

TEST_CASE("every fan recorded at once lands in the bin of recording it alone", "[summary]") {
  // add_fans and add_ended_fans read each fan's variable from the run's state. Values at
  // and around every range's ends and its bins' edges, NaN, infinities, values far outside
  // the range (beyond what an int holds once scaled), and values at random.
  Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/venezuela-2019.yaml");
  REQUIRE(sc.fans.size() >= 2);
  Accumulator one(sc, sc.horizon), four(sc, sc.horizon);
  one.track_ended();
  four.track_ended();
  const FanLayout& L = one.layout();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> vars(sc.vars.size(), 0.0);
  RunRng rng(5, 1);
  int cases = 0;
  for (uint32_t k = 0; k < 3000; ++k) {
    const auto w = rng.bits(stream_id("fan values"), k);
    for (size_t f = 0; f < sc.fans.size(); ++f) {
      const double lo = one.fan_lo(static_cast<int>(f)), hi = one.fan_hi(static_cast<int>(f));
      const double edge = lo + (hi - lo) * static_cast<double>(w[f % 4] % (L.bins + 1)) / L.bins;
      const double special[] = {lo, hi, std::nextafter(lo, -inf), std::nextafter(hi, inf), edge,
                                std::nextafter(edge, -inf), std::nextafter(edge, inf), std::nan(""), inf, -inf,
                                1e300, -1e300, lo + (hi - lo) * 3e9, lo - (hi - lo) * 3e9};
      const uint32_t pick = w[(f + 1) % 4] >> 20;
      vars[static_cast<size_t>(sc.fans[f])] =
          pick % 3 == 0 ? special[pick / 3 % std::size(special)]
                        : lo + (hi - lo) * (RunRng::to_open01(w[(f + 2) % 4], w[(f + 3) % 4]) * 1.2 - 0.1);
    }
    const int p = static_cast<int>(k % static_cast<uint32_t>(L.points));
    for (size_t f = 0; f < sc.fans.size(); ++f) {
      one.add_fan(p, static_cast<int>(f), vars[static_cast<size_t>(sc.fans[f])]);
      one.add_ended(p, static_cast<int>(f), vars[static_cast<size_t>(sc.fans[f])]);
    }
    four.add_fans(p, vars.data());
    four.add_ended_fans(p, vars.data());
    ++cases;
  }
  REQUIRE(cases == 3000);
  one.settle();
  four.settle();
  CHECK(four.fan_hist() == one.fan_hist());
  // The values reached both end bins and most bins between them, summed over the points.
  const size_t F = sc.fans.size(), B = static_cast<size_t>(L.bins);
  for (size_t f = 0; f < F; ++f) {
    std::vector<uint64_t> per_bin(B, 0);
    for (size_t p = 0; p < static_cast<size_t>(L.points); ++p)
      for (size_t b = 0; b < B; ++b) per_bin[b] += one.fan_hist()[(p * F + f) * B + b];
    size_t empty = 0;
    for (uint64_t c : per_bin) empty += c == 0;
    CHECK(per_bin.front() > 0);
    CHECK(per_bin.back() > 0);
    CHECK(empty < B / 4);
  }
}

TEST_CASE("values outside a fan's range fall in its end bins", "[summary]") {
  // Below the range, -infinity and NaN: the first bin; at or above its end, +infinity and
  // values that overflow an int once scaled: the last. Recorded alone and all fans at once.
  Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/venezuela-2019.yaml");
  const size_t F = sc.fans.size();
  REQUIRE(F >= 2);
  const double inf = std::numeric_limits<double>::infinity();
  Accumulator probe(sc, sc.horizon);
  const size_t B = static_cast<size_t>(probe.layout().bins);
  for (size_t f = 0; f < F; ++f) {
    const double lo = probe.fan_lo(static_cast<int>(f)), hi = probe.fan_hi(static_cast<int>(f));
    const struct {
      double v;
      size_t bin;
    } cases[] = {{lo, 0},
                 {std::nextafter(lo, -inf), 0},
                 {-inf, 0},
                 {std::nan(""), 0},
                 {-1e300, 0},
                 {lo + (hi - lo) * 0.5, B / 2},
                 {std::nextafter(hi, -inf), B - 1},
                 {hi, B - 1},
                 {inf, B - 1},
                 {1e300, B - 1},
                 {lo + (hi - lo) * 3e9, B - 1}};
    for (const auto& c : cases) {
      Accumulator one(sc, sc.horizon), all(sc, sc.horizon);
      std::vector<double> vars(sc.vars.size(), 0.0);
      vars[static_cast<size_t>(sc.fans[f])] = c.v;
      one.add_fan(0, static_cast<int>(f), c.v);
      all.add_fans(0, vars.data());
      INFO("fan " << f << " value " << c.v);
      CHECK(one.fan_hist()[f * B + c.bin] == 1);
      CHECK(all.fan_hist()[f * B + c.bin] == 1);
      // add_fans counted each fan once: F counts in the point's row, none elsewhere.
      uint64_t total = 0;
      for (uint64_t n : all.fan_hist()) total += n;
      CHECK(total == F);
    }
  }
}

TEST_CASE("a parameter drawn when its event fires gives the runs of drawing it at the start", "[rng]") {
  // venezuela-2025: the success of the CIA's covert operation is a beta draw that only that
  // rare event reads.
  Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/scenarios/venezuela-2025.yaml");
  Model model(sc);
  RunState eager, lazy;
  model.prepare(eager);
  model.prepare(lazy);
  lazy.defer_draws = true;
  int deferred_runs = 0, drawn_late = 0, mismatches = 0;
  for (uint64_t r = 0; r < 3000; ++r) {
    std::vector<double> ve, vl;
    std::vector<size_t> pending;
    simulate_with(model, eager, 5, r, nullptr, nullptr, [] {}, [&](int, bool) {
      ve.insert(ve.end(), eager.vars.begin(), eager.vars.end());
    });
    simulate_with(
        model, lazy, 5, r, nullptr, nullptr,
        [&] {
          for (size_t i = 0; i < lazy.p.size(); ++i)
            if (std::isnan(lazy.p[i])) pending.push_back(i);
        },
        [&](int, bool) { vl.insert(vl.end(), lazy.vars.begin(), lazy.vars.end()); });
    deferred_runs += !pending.empty();
    mismatches += ve.size() != vl.size() || std::memcmp(ve.data(), vl.data(), ve.size() * sizeof(double)) != 0;
    mismatches += eager.outcome != lazy.outcome || eager.end_step != lazy.end_step ||
                  eager.regime_fate != lazy.regime_fate || eager.regime_end != lazy.regime_end || eager.ruler != lazy.ruler;
    // A deferred parameter is still pending, or holds exactly the value drawn at the start.
    for (size_t i = 0; i < lazy.p.size(); ++i) {
      if (std::isnan(lazy.p[i])) continue;
      mismatches += std::memcmp(&lazy.p[i], &eager.p[i], sizeof(double)) != 0;
    }
    for (size_t i : pending) drawn_late += !std::isnan(lazy.p[i]);
  }
  REQUIRE(deferred_runs == 3000);  // the scenario has a deferred draw in every run
  REQUIRE(drawn_late > 0);         // and the test sees it drawn late in some
  CHECK(mismatches == 0);
}

TEST_CASE("values taken in increasing order a batch at a time equal the sorted array", "[defection]") {
  // Cohorts of one unit to more than a scan's groups of four, ties (equal values must fall in
  // the same batch), values at both ends of (0, 1), and values bunched so that a batch's first
  // guess of its upper end finds none and must widen it.
  RunRng rng(11, 0);
  const double top = std::nextafter(1.0, 0.0), bottom = std::numeric_limits<double>::denorm_min();
  int cases = 0, widened = 0;
  for (int n : {1, 2, 3, 4, 5, 7, 8, 13, 20, 64, 100, 131}) {
    for (int kind = 0; kind < 5; ++kind) {
      std::vector<double> u(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        double v = rng.uniform(static_cast<uint32_t>(n * 8 + kind), static_cast<uint32_t>(i));
        if (kind == 1) v = std::round(v * 4) / 4 * 0.999 + 1e-3;  // at most five values: many ties
        if (kind == 2) v = i % 3 == 0 ? top : (i % 3 == 1 ? bottom : v);
        if (kind == 3) v = 0.999 + v * 1e-3;  // all above the first guesses
        if (kind == 4) v = 1e-300 * (1 + v);  // all below them, and tiny
        u[static_cast<size_t>(i)] = v;
      }
      const std::vector<double> before = u;
      std::vector<double> sorted = u;
      std::sort(sorted.begin(), sorted.end());
      std::vector<double> out(static_cast<size_t>(n), -1.0);
      double cut = 0.0;
      int have = 0, batches = 0;
      while (have < n && batches <= n) {
        const double was = cut;
        const int next = take_ascending(u.data(), n, have, cut, out.data());
        REQUIRE(next > have);
        REQUIRE(next <= n);
        // The contract: out[0 .. next) are exactly the values <= cut, and cut grew.
        CHECK(cut > was);
        CHECK(std::count_if(u.begin(), u.end(), [&](double v) { return v <= cut; }) == next);
        // All values above 0.999: the first guesses (from about 6 / n) find none, so hi is
        // widened until it reaches 1 and the one batch takes them all.
        if (kind == 3 && batches == 0 && n > 6) widened += cut == 1.0 && next == n;
        have = next;
        ++batches;
      }
      CHECK(have == n);
      CHECK(std::memcmp(out.data(), sorted.data(), sorted.size() * sizeof(double)) == 0);
      CHECK(u == before);  // the cohort's uniforms are never reordered (settle_cohort reads them)
      ++cases;
    }
  }
  CHECK(cases == 60);
  CHECK(widened == 7);  // the seven sizes above 6

  // Values equal to a batch's upper end, in the four-value groups and in the tail after them:
  // each is taken in that batch and not again in the next (which starts above it).
  for (int n : {7, 9, 13, 30, 31}) {
    const double first_hi = 0.0 + (1.0 - 0.0) * (6.0 / n);  // the first guess, as computed
    std::vector<double> u(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) u[static_cast<size_t>(i)] = 0.9 + 0.09 * rng.uniform(99, static_cast<uint32_t>(n * 64 + i));
    u[0] = u[static_cast<size_t>(n) - 1] = u[static_cast<size_t>(n) / 2] = first_hi;
    std::vector<double> out(static_cast<size_t>(n), -1.0);
    double cut = 0.0;
    int have = take_ascending(u.data(), n, 0, cut, out.data());
    REQUIRE(cut == first_hi);
    CHECK(have == 3);
    have = take_ascending(u.data(), n, have, cut, out.data());
    CHECK(std::count_if(u.begin(), u.end(), [&](double v) { return v <= cut; }) == have);
    while (have < n) have = take_ascending(u.data(), n, have, cut, out.data());
    // Nothing is left above the last cut: a further call returns at once, all in place.
    CHECK(take_ascending(u.data(), n, have, cut, out.data()) == n);
    std::vector<double> sorted = u;
    std::sort(sorted.begin(), sorted.end());
    CHECK(out == sorted);
  }
}

TEST_CASE("taking every value of a large cohort scans it O(log n) times, in sorted order", "[defection]") {
  // A cascade through most of a cohort of 10^6 units (the largest a scenario may have) took
  // n / 6 batches, each a scan of all n values: hours for one run. The batches now grow with
  // what was taken; the values still come out as std::sort gives them, ties included.
  RunRng rng(12, 0);
  for (int n : {1000, 50000, 300000}) {
    for (int ties = 0; ties < 2; ++ties) {
      INFO("n " << n << (ties ? ", rounded to 1/1000: many ties" : ""));
      std::vector<double> u(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        double v = rng.uniform(static_cast<uint32_t>(n + ties), static_cast<uint32_t>(i));
        u[static_cast<size_t>(i)] = ties ? (std::floor(v * 1000) + 0.5) / 1000 : v;
      }
      std::vector<double> sorted = u;
      std::sort(sorted.begin(), sorted.end());
      std::vector<double> out(static_cast<size_t>(n), -1.0);
      double cut = 0.0;
      int have = 0, batches = 0;
      while (have < n && batches <= n) {
        const int next = take_ascending(u.data(), n, have, cut, out.data());
        REQUIRE(next > have);
        have = next;
        ++batches;
      }
      CHECK(std::memcmp(out.data(), sorted.data(), sorted.size() * sizeof(double)) == 0);
      // Doubling from 6: about log2(n / 6) batches, and a few more where the guesses miss.
      CHECK(batches <= 2 * static_cast<int>(std::log2(n)) + 8);
    }
  }
}

TEST_CASE("thresholds computed lazily are the smallest of the sorted thresholds of all units", "[defection]") {
  // The frozen format 1 Venezuela file: two cohorts with drawn thresholds (20 and 100 units).
  // After each run, the thresholds the cascade computed must be the first of the sorted
  // quantiles of all the cohort's uniforms (what drawing them all and sorting gives), bit
  // for bit.
  Scenario sc = load_scenario(std::string(GEOSIM_SOURCE_DIR) + "/bench/venezuela-2019-v1.yaml");
  Model model(sc);
  RunState st;
  model.prepare(st);
  int lazy_cohorts = 0, computed = 0, partial = 0, mismatches = 0;
  for (uint64_t r = 0; r < 2000; ++r) {
    simulate(model, st, 3, r);
    for (size_t g = 0; g < sc.cohorts.size(); ++g) {
      const Cohort& c = sc.cohorts[g];
      if (!c.thresholds.empty() || c.threshold.is_constant()) continue;
      lazy_cohorts += r == 0;
      const double shift = st.p[static_cast<size_t>(c.threshold_shift)];
      std::vector<double> all(static_cast<size_t>(c.units));
      for (int u = 0; u < c.units; ++u)
        all[static_cast<size_t>(u)] = c.threshold.quantile(st.theta_u[static_cast<size_t>(c.first_unit + u)]) + shift;
      std::sort(all.begin(), all.end());
      const int ready = st.theta_ready[g];
      computed += ready;
      partial += ready < c.units;
      REQUIRE(ready >= st.defected[g]);
      mismatches += std::memcmp(all.data(), st.theta.data() + c.first_unit, static_cast<size_t>(ready) * sizeof(double)) != 0;
    }
  }
  REQUIRE(lazy_cohorts == 2);
  CHECK(computed > 2000);       // the cascade reached thresholds in most runs
  CHECK(partial > 2000);        // and most cohorts kept most of theirs uncomputed
  CHECK(mismatches == 0);
}
