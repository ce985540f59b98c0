#include "engine/stance/bargaining_mc.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>

#include "engine/core/error.h"
#include "engine/core/fastmath.h"
#include "engine/core/rng.h"
#include "engine/runner/run_loop.h"

namespace geosim::bargaining {

namespace {

// Runs per block of the run loop: fixed, so block boundaries never depend on the thread count.
constexpr uint64_t kRunsPerBlock = 64;

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// The standard normal quantile (engine/core/fastmath.h: Acklam's approximation polished by
// one Halley step).
double normal_quantile(double p) { return inverse_normal_cdf(p); }

// Linear interpolation between order statistics of sorted values (R's type 7).
double quantile_sorted(const std::vector<double>& s, double level) {
  const double h = level * static_cast<double>(s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

}  // namespace

double truncated_normal_quantile(double mean, double sd, double lo, double hi, double u) {
  if (!(sd > 0)) return std::clamp(mean, lo, hi);
  const double flo = normal_cdf((lo - mean) / sd), fhi = normal_cdf((hi - mean) / sd);
  const double x = mean + sd * normal_quantile(flo + u * (fhi - flo));
  return std::clamp(x, lo, hi);  // rounding at the bounds must not leave the interval
}

void apply_pulls(const std::vector<Pull>& pulls, int steps, int n, double lo, double hi, double* position,
                 double* push) {
  for (int s = 0; s < steps; ++s) {
    std::fill(push, push + n, 0.0);
    for (const Pull& p : pulls) push[p.target] += p.k * (position[p.by] - position[p.target]);
    for (int i = 0; i < n; ++i) position[i] = std::clamp(position[i] + push[i], lo, hi);
  }
}

void trajectory(const double* capability, const double* salience, double* position, int n, int rounds,
                Workspace& ws, double* median, double* mean, RunInputs* between) {
  GEOSIM_CHECK(n >= 1, "bargaining needs actors");
  const auto [lo, hi] = std::minmax_element(position, position + n);
  double range = *hi - *lo;  // from the initial positions, fixed for the run
  for (int t = 0; t <= rounds; ++t) {
    if (t > 0 && between) {
      between->between_rounds(position);
      const auto [l, h] = std::minmax_element(position, position + n);
      range = std::max(range, *h - *l);
    }
    if (t > 0 && range > 0) step(capability, salience, position, n, range, ws, nullptr);
    median[t] = range > 0 ? weighted_median(position, capability, salience, n, range, ws) : position[0];
    mean[t] = weighted_mean(position, capability, salience, n);
  }
}

MonteCarloResult monte_carlo(int n, const InputDraw& draw, const std::vector<double>& reference_median,
                             const MonteCarloOptions& o) {
  GEOSIM_CHECK(n >= 1 && o.rounds >= 0 && o.runs >= 1 && o.bins >= 1 && o.hi > o.lo, "bad Monte Carlo options");
  GEOSIM_CHECK(reference_median.size() == static_cast<size_t>(o.rounds) + 1, "reference needs rounds + 1 values");
  const size_t per_run = static_cast<size_t>(o.rounds) + 1;
  // Every run writes its own slot; the reductions below read them in run order.
  std::vector<double> medians(o.runs * per_run), means(o.runs * per_run);
  std::vector<char> flat(o.runs, 0);

  struct Visitor {
    int n;
    const InputDraw& draw;
    const MonteCarloOptions& o;
    size_t per_run;
    std::vector<double>& medians;
    std::vector<double>& means;
    std::vector<char>& flat;

    struct Local {
      Workspace ws;
      std::vector<double> capability, salience, position;
      std::unique_ptr<RunInputs> inputs;
    };

    std::unique_ptr<Local> make_local() const {
      auto s = std::make_unique<Local>();
      s->ws.reserve(n);
      s->capability.resize(static_cast<size_t>(n));
      s->salience.resize(static_cast<size_t>(n));
      s->position.resize(static_cast<size_t>(n));
      s->inputs = draw();
      return s;
    }

    void run(Local& s, uint64_t r) const {
      s.inputs->draw(r, s.capability.data(), s.salience.data(), s.position.data());
      const auto [lo, hi] = std::minmax_element(s.position.begin(), s.position.end());
      flat[r] = *lo == *hi;
      trajectory(s.capability.data(), s.salience.data(), s.position.data(), n, o.rounds, s.ws,
                 medians.data() + r * per_run, means.data() + r * per_run,
                 s.inputs->moves_between_rounds() ? s.inputs.get() : nullptr);
    }
  };
  Visitor v{n, draw, o, per_run, medians, means, flat};
  LoopOptions lo;
  lo.block = kRunsPerBlock;
  if (o.progress) lo.progress = [&o](uint64_t done, uint64_t) { o.progress(done); };
  for_each_run({0, o.runs}, lo, v);

  MonteCarloResult res;
  res.runs = o.runs;
  res.lo = o.lo;
  res.hi = o.hi;
  for (char f : flat) res.no_range += f != 0;
  res.final_median_histogram.assign(static_cast<size_t>(o.bins), 0);
  std::vector<double> column(o.runs);
  for (size_t t = 0; t < per_run; ++t) {
    RoundDistribution rd;
    rd.round = static_cast<int>(t);
    for (uint64_t r = 0; r < o.runs; ++r) {
      column[r] = medians[r * per_run + t];
      rd.changed += std::abs(column[r] - reference_median[t]) > o.tolerance;
    }
    if (t + 1 == per_run) {
      for (double v : column) {
        int bin = static_cast<int>(std::floor((v - o.lo) / (o.hi - o.lo) * o.bins));
        ++res.final_median_histogram[static_cast<size_t>(std::clamp(bin, 0, o.bins - 1))];
      }
    }
    std::sort(column.begin(), column.end());
    for (int q = 0; q < 5; ++q) rd.median[q] = quantile_sorted(column, kQuantileLevels[q]);
    for (uint64_t r = 0; r < o.runs; ++r) column[r] = means[r * per_run + t];
    std::sort(column.begin(), column.end());
    for (int q = 0; q < 5; ++q) rd.mean[q] = quantile_sorted(column, kQuantileLevels[q]);
    res.rounds.push_back(rd);
  }
  return res;
}

InputDraw perturbation(const std::vector<Actor>& actors, double sd, double position_sd, uint64_t seed) {
  GEOSIM_CHECK(!actors.empty() && sd >= 0 && position_sd >= 0, "bad perturbation");
  struct Stream {
    uint32_t capability, salience, position;
  };
  std::vector<Stream> streams;
  double lo = actors[0].position, hi = lo;
  for (const auto& a : actors) {
    streams.push_back({stream_id("bargain:capability:" + a.name), stream_id("bargain:salience:" + a.name),
                       stream_id("bargain:position:" + a.name)});
    lo = std::min(lo, a.position);
    hi = std::max(hi, a.position);
  }
  const double x_sd = position_sd * (hi - lo);
  // Stateless: every thread may share one.
  class Perturbed : public RunInputs {
   public:
    Perturbed(std::vector<Actor> actors, std::vector<Stream> streams, double sd, double x_sd, double lo, double hi,
              uint64_t seed)
        : actors_(std::move(actors)), streams_(std::move(streams)), sd_(sd), x_sd_(x_sd), lo_(lo), hi_(hi),
          seed_(seed) {}
    void draw(uint64_t run, double* capability, double* salience, double* position) override {
      const RunRng rng(seed_, run);
      for (size_t k = 0; k < actors_.size(); ++k) {
        const Actor& a = actors_[k];
        capability[k] = truncated_normal_quantile(a.capability, sd_, 0, 1, rng.uniform(streams_[k].capability, 0));
        salience[k] = truncated_normal_quantile(a.salience, sd_, 0, 1, rng.uniform(streams_[k].salience, 0));
        position[k] = truncated_normal_quantile(a.position, x_sd_, lo_, hi_, rng.uniform(streams_[k].position, 0));
      }
    }

   private:
    std::vector<Actor> actors_;
    std::vector<Stream> streams_;
    double sd_, x_sd_, lo_, hi_;
    uint64_t seed_;
  };
  return [=]() -> std::unique_ptr<RunInputs> {
    return std::make_unique<Perturbed>(actors, streams, sd, x_sd, lo, hi, seed);
  };
}

}  // namespace geosim::bargaining
