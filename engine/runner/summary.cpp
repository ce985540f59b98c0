#include "engine/runner/summary.h"

#include <algorithm>
#include <cmath>

#include "engine/core/simd.h"

namespace geosim {

FanLayout FanLayout::for_horizon(int horizon, int max_points, int bins) {
  FanLayout l;
  l.bins = bins;
  l.stride = std::max(1, (horizon + max_points - 1) / max_points);
  l.points = (horizon + l.stride - 1) / l.stride;
  return l;
}

GEOSIM_SIMD_CLONES
void Accumulator::count_fan_row(uint64_t* row, const double* vars, const size_t* var, const double* lo,
                                const double* width, size_t F, int bins) {
  const double b = bins;
  const Double4 zero = {0, 0, 0, 0}, nb = {b, b, b, b}, last = {b - 1, b - 1, b - 1, b - 1};
  const Int4 off = {0, bins, 2 * bins, 3 * bins};
  for (size_t f = 0; f < F; f += 4, row += 4 * static_cast<size_t>(bins)) {
    const Double4 v = {vars[var[f]], vars[var[f + 1]], vars[var[f + 2]], vars[var[f + 3]]};
    Double4 l, w;
    __builtin_memcpy(&l, lo + f, sizeof l);
    __builtin_memcpy(&w, width + f, sizeof w);
    // bin_of in each lane: the same IEEE operations, then the same clamping (NaN fails x >= 0).
    Double4 x = (v - l) / w * nb;
    x = x >= zero ? x : zero;
    x = x < nb ? x : last;
    // Each lane's cell in the row: its bin plus its fan's offset in the group (below 4 x bins).
    const Int4 cell = __builtin_convertvector(x, Int4) + off;
    if (f + 4 <= F) {
      ++row[cell[0]];
      ++row[cell[1]];
      ++row[cell[2]];
      ++row[cell[3]];
    } else {
      for (size_t j = 0; j < F - f; ++j) ++row[cell[j]];
    }
  }
}

Accumulator::Accumulator(const Scenario& sc, int horizon) : horizon_(horizon) {
  layout_ = FanLayout::for_horizon(horizon);
  outcome_count_.assign(sc.outcomes.size(), 0);
  end_hist_.assign(sc.outcomes.size() * static_cast<size_t>(horizon + 1), 0);
  for (int v : sc.fans) {
    fan_lo_.push_back(sc.vars[static_cast<size_t>(v)].lo);
    fan_hi_.push_back(sc.vars[static_cast<size_t>(v)].hi);
    fan_var_.push_back(static_cast<size_t>(v));
  }
  fan_lo4_ = fan_lo_;
  for (size_t f = 0; f < fan_lo_.size(); ++f) fan_width_.push_back(fan_hi_[f] - fan_lo_[f]);
  while (fan_var_.size() % 4 != 0) {
    fan_var_.push_back(0);
    fan_lo4_.push_back(0.0);
    fan_width_.push_back(1.0);
  }
  fan_hist_.assign(static_cast<size_t>(layout_.points) * fan_lo_.size() * static_cast<size_t>(layout_.bins), 0);
  if (sc.leadership.named()) {
    const size_t F = kNumRegimeFates;
    regime_.assign(F + F * (static_cast<size_t>(horizon) + 1) + sc.outcomes.size() * F + sc.leadership.rulers(), 0);
  }
}

void Accumulator::fold_ended(const std::vector<uint64_t>& ended, std::vector<uint64_t>& into) const {
  const size_t row = fan_lo_.size() * static_cast<size_t>(layout_.bins);  // one point
  std::vector<uint64_t> running(row, 0);
  for (size_t p = 0; p < static_cast<size_t>(layout_.points); ++p)
    for (size_t i = 0; i < row; ++i) {
      running[i] += ended[p * row + i];
      into[p * row + i] += running[i];
    }
}

void Accumulator::settle() {
  if (ended_.empty()) return;
  fold_ended(ended_, fan_hist_);
  std::fill(ended_.begin(), ended_.end(), 0);
}

void Accumulator::merge(const Accumulator& o) {
  for (size_t i = 0; i < outcome_count_.size(); ++i) outcome_count_[i] += o.outcome_count_[i];
  for (size_t i = 0; i < end_hist_.size(); ++i) end_hist_[i] += o.end_hist_[i];
  for (size_t i = 0; i < fan_hist_.size(); ++i) fan_hist_[i] += o.fan_hist_[i];
  for (size_t i = 0; i < regime_.size(); ++i) regime_[i] += o.regime_[i];
  if (!o.ended_.empty()) fold_ended(o.ended_, fan_hist_);
}

uint64_t Accumulator::runs() const {
  uint64_t n = 0;
  for (auto c : outcome_count_) n += c;
  return n;
}

Interval wilson95(uint64_t k, uint64_t n) {
  if (n == 0) return {0, 1};
  return wilson95_at(static_cast<double>(k) / static_cast<double>(n), static_cast<double>(n));
}

Interval wilson95_at(double p, double nn) {
  const double z = 1.959963984540054;
  double denom = 1 + z * z / nn;
  double centre = (p + z * z / (2 * nn)) / denom;
  double half = z / denom * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
  // At k = 0 and k = n the interval touches 0 or 1 exactly; rounding must not move it.
  return {p == 0 ? 0.0 : std::max(0.0, centre - half), p == 1 ? 1.0 : std::min(1.0, centre + half)};
}

RulerLabel ruler_label(const Scenario& sc, size_t k) {
  const Leadership& L = sc.leadership;
  const size_t S = L.successors.size();
  if (k == 0) return {L.id, L.name};
  if (k <= S) return {L.successors[k - 1].id, L.successors[k - 1].name};
  if (k == S + 1) return {"successor", "a successor the scenario does not name"};
  if (k == S + 2) {
    if (!sc.challenger.valid()) return {"challenger", "the challenger (after a transition)"};
    const Actor& c = sc.actors[static_cast<size_t>(sc.challenger)];
    return {c.id, c.name + " (after a transition)"};
  }
  return {"none", "nobody named (the regime collapsed)"};
}

namespace {

// Quantiles of a histogram of steps (the inverse of its empirical distribution function).
std::optional<int> step_quantile(const uint64_t* h, int H, uint64_t count, double frac) {
  if (count == 0) return std::nullopt;
  uint64_t need = static_cast<uint64_t>(std::ceil(frac * static_cast<double>(count)));
  if (need == 0) need = 1;
  uint64_t cum = 0;
  for (int t = 0; t <= H; ++t) {
    cum += h[t];
    if (cum >= need) return t;
  }
  return H;
}

void summarize_regime(const Scenario& sc, const Accumulator& acc, Summary& s) {
  const Leadership& L = sc.leadership;
  const int H = acc.horizon();
  const size_t F = kNumRegimeFates, H1 = static_cast<size_t>(H) + 1, K = sc.outcomes.size();
  const uint64_t* r = acc.regime().data();
  const double N = static_cast<double>(s.runs);
  auto share = [&](uint64_t k) { return s.runs ? static_cast<double>(k) / N : 0.0; };
  s.leader = L.id;
  s.leader_name = L.name;
  std::vector<double> ended(H1, 0.0);
  for (size_t f = 0; f < F; ++f) {
    RegimeSummary rs;
    rs.id = regime_fate_id(static_cast<int>(f));
    rs.count = r[f];
    rs.probability = share(rs.count);
    rs.ci95 = wilson95(rs.count, s.runs);
    const uint64_t* h = r + F + f * H1;
    if (f != kRegimeContinues) {
      rs.p10 = step_quantile(h, H, rs.count, 0.1);
      rs.median = step_quantile(h, H, rs.count, 0.5);
      rs.p90 = step_quantile(h, H, rs.count, 0.9);
      uint64_t cum = 0;
      for (size_t t = 0; t < H1; ++t) ended[t] += static_cast<double>(cum += h[t]);
    }
    s.regime.push_back(std::move(rs));
  }
  s.regime_survival.resize(H1);
  for (size_t t = 0; t < H1; ++t) s.regime_survival[t] = s.runs ? 1.0 - ended[t] / N : 1.0;
  const uint64_t* joint = r + F + F * H1;
  for (size_t o = 0; o < K; ++o)
    for (size_t f = 0; f < F; ++f) {
      const uint64_t c = joint[o * F + f];
      if (c == 0) continue;
      s.joint.push_back({sc.outcomes[o].id, regime_fate_id(static_cast<int>(f)), c, share(c), wilson95(c, s.runs)});
    }
  const uint64_t* rulers = joint + K * F;
  for (size_t k = 0; k < L.rulers(); ++k) {
    if (rulers[k] == 0) continue;
    RulerSummary rs;
    RulerLabel label = ruler_label(sc, k);
    rs.id = std::move(label.id);
    rs.name = std::move(label.name);
    rs.count = rulers[k];
    rs.probability = share(rs.count);
    rs.ci95 = wilson95(rs.count, s.runs);
    s.ruler.push_back(std::move(rs));
  }
}

}  // namespace

Summary summarize(const Scenario& sc, const Accumulator& acc, uint64_t seed) {
  Summary s;
  s.scenario = sc.id;
  s.title = sc.title;
  s.runs = acc.runs();
  s.seed = seed;
  s.scenario_hash = sc.content_hash;
  s.start = sc.start;
  s.horizon = acc.horizon();
  s.until = sc.date_of_step(s.horizon);
  s.unit = sc.unit;
  const int H = acc.horizon();
  const double N = static_cast<double>(s.runs);
  std::vector<double> removed(static_cast<size_t>(H) + 1, 0.0);
  for (size_t o = 0; o < sc.outcomes.size(); ++o) {
    OutcomeSummary os;
    os.id = sc.outcomes[o].id;
    os.label = sc.outcomes[o].label;
    os.is_default = sc.outcomes[o].is_default;
    os.removes_incumbent = sc.outcomes[o].removes_incumbent;
    os.count = acc.outcome_counts()[o];
    os.probability = s.runs ? static_cast<double>(os.count) / N : 0.0;
    os.ci95 = wilson95(os.count, s.runs);
    const uint64_t* h = acc.end_hist().data() + o * static_cast<size_t>(H + 1);
    os.p10 = step_quantile(h, H, os.count, 0.1);
    os.median = step_quantile(h, H, os.count, 0.5);
    os.p90 = step_quantile(h, H, os.count, 0.9);
    os.cumulative.assign(static_cast<size_t>(H) + 1, 0.0);
    uint64_t cum = 0;
    for (int t = 0; t <= H; ++t) {
      cum += h[t];
      os.cumulative[static_cast<size_t>(t)] = s.runs ? static_cast<double>(cum) / N : 0.0;
      if (os.removes_incumbent) removed[static_cast<size_t>(t)] += static_cast<double>(cum);
    }
    s.outcomes.push_back(std::move(os));
  }
  s.survival.resize(static_cast<size_t>(H) + 1);
  for (int t = 0; t <= H; ++t) s.survival[static_cast<size_t>(t)] = s.runs ? 1.0 - removed[static_cast<size_t>(t)] / N : 1.0;
  if (acc.has_regime()) summarize_regime(sc, acc, s);
  // Fans: quantiles from the fixed-bin histograms, linear inside a bin.
  const FanLayout& L = acc.layout();
  for (size_t f = 0; f < acc.num_fans(); ++f) {
    FanSummary fs;
    fs.var = sc.vars[static_cast<size_t>(sc.fans[f])].name;
    double lo = acc.fan_lo(static_cast<int>(f)), hi = acc.fan_hi(static_cast<int>(f));
    double width = (hi - lo) / L.bins;
    for (int p = 0; p < L.points; ++p) {
      fs.steps.push_back(L.step_of(p, H) + 1);
      const uint64_t* hist =
          acc.fan_hist().data() + (static_cast<size_t>(p) * acc.num_fans() + f) * static_cast<size_t>(L.bins);
      uint64_t total = 0;
      for (int b = 0; b < L.bins; ++b) total += hist[b];
      std::array<double, 5> qs{};
      const double fr[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
      for (int k = 0; k < 5; ++k) {
        double target = fr[k] * static_cast<double>(total);
        double cum = 0;
        qs[k] = lo;
        for (int b = 0; b < L.bins; ++b) {
          double c = static_cast<double>(hist[b]);
          if (c > 0 && cum + c >= target) {
            qs[k] = lo + width * (b + (target - cum) / c);
            break;
          }
          cum += c;
        }
      }
      fs.q.push_back(qs);
    }
    s.fans.push_back(std::move(fs));
  }
  return s;
}

}  // namespace geosim
