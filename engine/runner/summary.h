// Streaming summaries of many runs, in integers only.
//
// Every statistic geosim reports is derived from integer counts: outcome counts, a histogram
// of the step at which each outcome happened, and fixed-bin histograms of the fan-chart
// variables at sampled steps. Integer addition is associative, so partial accumulators from
// any number of threads or MPI ranks merge to the same bytes, and memory depends on the
// horizon and the number of fans, never on the number of runs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/scenario/scenario.h"

namespace geosim {

struct FanLayout {
  int points = 0;  // sampled steps
  int stride = 1;  // a point every `stride` steps
  int bins = 200;  // histogram bins over the variable's range
  // Step (0-based) whose end state point p records.
  int step_of(int p, int horizon) const { return std::min(horizon - 1, (p + 1) * stride - 1); }
  static FanLayout for_horizon(int horizon, int max_points = 520, int bins = 200);
};

class Accumulator {
 public:
  Accumulator() = default;
  Accumulator(const Scenario& sc, int horizon);

  void add_run(int outcome, int end_step) {
    ++outcome_count_[static_cast<size_t>(outcome)];
    ++end_hist_[static_cast<size_t>(outcome) * static_cast<size_t>(horizon_ + 1) + static_cast<size_t>(end_step)];
  }
  // Format 2 with a leader: the regime's fate and the step it ended, jointly with how the
  // leader left, and who rules at the horizon (a Leadership ruler slot).
  bool has_regime() const { return !regime_.empty(); }
  void add_regime(int leader_outcome, int fate, int end_step, int ruler) {
    const size_t F = kNumRegimeFates, H1 = static_cast<size_t>(horizon_) + 1;
    const size_t f = static_cast<size_t>(fate);
    ++regime_[f];
    ++regime_[F + f * H1 + static_cast<size_t>(end_step)];
    ++regime_[F + F * H1 + static_cast<size_t>(leader_outcome) * F + f];
    ++regime_[F + F * H1 + outcome_count_.size() * F + static_cast<size_t>(ruler)];
  }
  // Records value v of fan f at point p.
  void add_fan(int p, int f, double v) { ++fan_hist_[cell(p, f, bin(f, v))]; }
  // Records every fan at point p, each read from a run's state variables (`vars`, indexed as
  // Scenario::vars): add_fan(p, f, vars[sc.fans[f]]) for every f.
  void add_fans(int p, const double* vars) { count_fans(fan_hist_, p, vars); }
  // Records value v of fan f at every point from p to the last: the final state of a run
  // that ended before point p. Rather than adding it to each later point (a run ending at
  // week 10 of 52 would touch 42 points per fan), it is counted once at p in `ended_`, a
  // difference array that settle() turns into the same counts by a running sum over the
  // points. Call track_ended() once before the first add_ended().
  void track_ended() { ended_.assign(fan_hist_.size(), 0); }
  void add_ended(int p, int f, double v) { ++ended_[cell(p, f, bin(f, v))]; }
  // add_ended(p, f, vars[sc.fans[f]]) for every fan f, as add_fans.
  void add_ended_fans(int p, const double* vars) { count_fans(ended_, p, vars); }
  // Adds the runs recorded by add_ended to fan_hist (integer sums: the counts are exactly
  // those add_fan at every point would give) and clears them.
  void settle();
  // Adds other's counts, including its runs recorded by add_ended and not yet settled.
  void merge(const Accumulator& other);

  uint64_t runs() const;
  int horizon() const { return horizon_; }
  const FanLayout& layout() const { return layout_; }
  size_t num_fans() const { return fan_lo_.size(); }
  // Raw arrays, for MPI reductions and checkpoints.
  std::vector<uint64_t>& outcome_counts() { return outcome_count_; }
  std::vector<uint64_t>& end_hist() { return end_hist_; }
  std::vector<uint64_t>& fan_hist() { return fan_hist_; }
  // Regime counts (empty without a leader): fates, their end-step histograms, the joint
  // counts [leader outcome][fate], the rulers at the horizon, in that order.
  std::vector<uint64_t>& regime() { return regime_; }
  const std::vector<uint64_t>& regime() const { return regime_; }
  // Runs whose regime met fate `f`, and runs ruled at the horizon by ruler slot `k`
  // (Leadership::rulers()), for a scenario with a leader.
  uint64_t fate_count(int f) const { return regime_[static_cast<size_t>(f)]; }
  uint64_t ruler_count(size_t k) const {
    const size_t F = kNumRegimeFates;
    return regime_[F + F * (static_cast<size_t>(horizon_) + 1) + outcome_count_.size() * F + k];
  }
  const std::vector<uint64_t>& outcome_counts() const { return outcome_count_; }
  const std::vector<uint64_t>& end_hist() const { return end_hist_; }
  const std::vector<uint64_t>& fan_hist() const { return fan_hist_; }
  double fan_lo(int f) const { return fan_lo_[static_cast<size_t>(f)]; }
  double fan_hi(int f) const { return fan_hi_[static_cast<size_t>(f)]; }

 private:
  // Histogram bin of value v of fan f (clamped to the range).
  int bin(int f, double v) const {
    return bin_of(v, fan_lo_[static_cast<size_t>(f)], fan_width_[static_cast<size_t>(f)], layout_.bins);
  }
  // NaN and values below the range fall in the first bin, values at or above its end in the
  // last (count_fan_row computes the same bins four fans at a time).
  static int bin_of(double v, double lo, double width, int bins) {
    const double x = (v - lo) / width * bins;
    return !(x >= 0) ? 0 : (x < bins ? static_cast<int>(x) : bins - 1);
  }
  // One count in `into` (this accumulator's fan_hist_ or ended_) for every fan at point p:
  // bin() and cell() for each fan, with the point's row read once.
  void count_fans(std::vector<uint64_t>& into, int p, const double* vars) {
    const size_t F = fan_lo_.size();
    const int bins = layout_.bins;
    count_fan_row(into.data() + static_cast<size_t>(p) * F * static_cast<size_t>(bins), vars, fan_var_.data(),
                  fan_lo4_.data(), fan_width_.data(), F, bins);
  }
  // ++row[f * bins + bin_of(vars[var[f]], lo[f], width[f], bins)] for f < F, four fans to a
  // vector; var, lo and width hold a multiple of four entries.
  static void count_fan_row(uint64_t* row, const double* vars, const size_t* var, const double* lo, const double* width,
                            size_t F, int bins);
  size_t cell(int p, int f, int b) const {
    return (static_cast<size_t>(p) * fan_lo_.size() + static_cast<size_t>(f)) * static_cast<size_t>(layout_.bins) +
           static_cast<size_t>(b);
  }
  // ended_ (same layout as fan_hist_) into `into`: point p gets the sum of points 0..p.
  void fold_ended(const std::vector<uint64_t>& ended, std::vector<uint64_t>& into) const;

  int horizon_ = 0;
  FanLayout layout_;
  std::vector<uint64_t> outcome_count_, end_hist_, fan_hist_, regime_;
  std::vector<uint64_t> ended_;  // empty unless track_ended() was called
  std::vector<double> fan_lo_, fan_hi_;
  // Per fan, padded to a multiple of four (count_fan_row): its state variable (Scenario::fans),
  // fan_lo_ again, and hi - lo. The padding (variable 0, range [0, 1]) is never counted.
  std::vector<size_t> fan_var_;
  std::vector<double> fan_lo4_, fan_width_;
};

struct Interval {
  double lo = 0, hi = 0;
};
// Wilson score interval for k successes in n trials at 95%.
Interval wilson95(uint64_t k, uint64_t n);
// The same at a proportion p of an effective sample size n > 0 (not a whole number: an
// estimate from correlated samples worth n independent ones).
Interval wilson95_at(double p, double n);

struct OutcomeSummary {
  std::string id, label;
  bool is_default = false, removes_incumbent = true;
  uint64_t count = 0;
  double probability = 0;
  Interval ci95;
  std::optional<int> p10, median, p90;  // steps to the outcome, among runs that reached it
  std::vector<double> cumulative;        // P(this outcome by step s), s = 0..horizon
};

// Format 2 with a leader: the regime's fate at the horizon, how the leader left jointly with
// it, and who rules at the horizon.
struct RegimeSummary {
  std::string id;  // continues, transition, collapse
  uint64_t count = 0;
  double probability = 0;
  Interval ci95;
  std::optional<int> p10, median, p90;  // steps to the regime's end, among runs where it ended
};
struct JointSummary {
  std::string leader, regime;
  uint64_t count = 0;
  double probability = 0;
  Interval ci95;
};
// The id and the name of ruler slot `k` of a scenario with a leader (Leadership::rulers()):
// the leader, each successor, `successor` (one the scenario does not name), the challenger
// (after a transition), `none` (after a collapse).
struct RulerLabel {
  std::string id, name;
};
RulerLabel ruler_label(const Scenario& sc, size_t k);

struct RulerSummary {
  std::string id, name;
  uint64_t count = 0;
  double probability = 0;
  Interval ci95;
};

struct FanSummary {
  std::string var;
  std::vector<int> steps;                    // 1-based step counts
  std::vector<std::array<double, 5>> q;      // p5, p25, p50, p75, p95
};

struct Summary {
  std::string scenario, title;
  uint64_t runs = 0, seed = 0;
  std::string scenario_hash;  // Scenario::content_hash
  Date start, until;          // until: the first day after the horizon
  int horizon = 0;
  StepUnit unit = StepUnit::Week;
  std::vector<OutcomeSummary> outcomes;
  std::vector<double> survival;  // P(incumbent still rules after s steps), s = 0..horizon
  std::vector<FanSummary> fans;
  // Format 2 with a leader (empty otherwise).
  std::string leader, leader_name;
  std::vector<RegimeSummary> regime;
  std::vector<JointSummary> joint;  // the pairs that occur
  std::vector<RulerSummary> ruler;  // the rulers that occur
  std::vector<double> regime_survival;  // P(the regime still stands after s steps)

  StepCalendar calendar() const { return {start, unit == StepUnit::Week ? 7 : 1}; }
};

Summary summarize(const Scenario& sc, const Accumulator& acc, uint64_t seed);

}  // namespace geosim
