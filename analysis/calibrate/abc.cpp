#include "analysis/calibrate/abc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numbers>
#include <numeric>
#include <sstream>

#include "analysis/calibrate/observe.h"
#include "engine/core/cluster.h"
#include "engine/core/fastmath.h"
#include "engine/runner/distributed.h"
#include "engine/core/parallel.h"
#include "engine/core/rng.h"
#include "engine/runner/run_loop.h"

namespace geosim {

namespace {

constexpr uint32_t kStreamPrior = stream_id("abc:prior");
constexpr uint32_t kStreamPick = stream_id("abc:pick");
constexpr uint32_t kStreamMove = stream_id("abc:move");
constexpr uint32_t kStreamTie = stream_id("abc:tie");
constexpr int64_t kChunk = 64;  // particles per parallel block

double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double clamp_open(double u) { return std::clamp(u, 0x1p-53, 1.0 - 0x1p-53); }

// Under MPI each rank computes a block of a generation's rows; this gives every rank every
// row. Each row's bits come from the one rank that computed it (the others contribute zero
// bits), so an integer sum of the bit patterns is the rows themselves, exactly.
void share_rows(std::vector<double>& v, size_t row, uint64_t first, uint64_t count) {
  static_assert(sizeof(double) == sizeof(uint64_t));
  std::vector<uint64_t> bits(v.size(), 0);
  std::memcpy(bits.data() + first * row, v.data() + first * row, count * row * sizeof(double));
  cluster_sum(bits);
  std::memcpy(v.data(), bits.data(), v.size() * sizeof(double));
}

// Tie-break among equal distances: an addressed uniform, so that the runs kept among ties
// are a random subset (as random as the runs themselves) and not the oldest.
double tie_key(uint64_t seed, uint64_t address) { return RunRng(seed, address).uniform(kStreamTie, 0); }

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(3);
  s << v;
  return s.str();
}

}  // namespace

Calibration::Calibration(const Model& model, AbcOptions options) : model_(model), o_(std::move(options)) {
  const Scenario& sc = model.scenario();
  params_ = sc.independent_params();  // a parameter that follows a factor is calibrated through it
  for (size_t i = 0; i < sc.observations.size(); ++i) which_.push_back(static_cast<int>(i));
  if (o_.particles < 1) o_.particles = 1;
  pool_ = static_cast<int>(std::ceil(o_.particles / o_.alpha));
  if (pool_ <= o_.particles) pool_ = o_.particles + 1;
  pop_.dims = static_cast<int>(params_.size());
  pop_.observations = static_cast<int>(which_.size());
}

void Calibration::values(const double* u, ParamValues& out) const {
  const Scenario& sc = model_.scenario();
  out.assign(sc.params.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t k = 0; k < params_.size(); ++k)
    out[static_cast<size_t>(params_[k])] = sc.params[static_cast<size_t>(params_[k])].dist.quantile(clamp_open(u[k]));
}

void Calibration::restore(Population pop, std::vector<GenerationInfo> history, std::string stop_reason) {
  pop_ = std::move(pop);
  history_ = std::move(history);
  stop_reason_ = std::move(stop_reason);
}

bool Calibration::next_generation() {
  const int g = static_cast<int>(history_.size());
  const size_t D = params_.size(), K = which_.size();
  const size_t N = static_cast<size_t>(o_.particles);
  const size_t M = g == 0 ? static_cast<size_t>(pool_) : static_cast<size_t>(pool_) - N;
  const size_t P = pop_.size();

  // The kernel: a normal of twice the population's weighted variance per coordinate,
  // truncated to the unit cube (Beaumont et al. 2009).
  std::vector<double> sigma(D, 0.0), cum(P, 0.0), logZ(P, 0.0);
  double wsum = 0;
  if (g > 0) {
    for (size_t j = 0; j < P; ++j) {
      wsum += pop_.weight[j];
      cum[j] = wsum;
    }
    for (size_t k = 0; k < D; ++k) {
      double mean = 0, var = 0;
      for (size_t j = 0; j < P; ++j) mean += pop_.weight[j] * pop_.u[j * D + k];
      mean /= wsum;
      for (size_t j = 0; j < P; ++j) {
        double e = pop_.u[j * D + k] - mean;
        var += pop_.weight[j] * e * e;
      }
      var /= wsum;
      sigma[k] = std::max(std::sqrt(2.0 * var), 1e-9);
    }
    for (size_t j = 0; j < P; ++j) {
      double z = 0;
      for (size_t k = 0; k < D; ++k) {
        double m = pop_.u[j * D + k];
        z += std::log(std::max(Phi((1.0 - m) / sigma[k]) - Phi(-m / sigma[k]), 1e-300));
      }
      logZ[j] = z;
    }
  }
  double log_norm = 0;  // sum of log(sigma_k sqrt(2 pi))
  for (size_t k = 0; k < D; ++k) log_norm += std::log(sigma[k] * std::sqrt(2.0 * std::numbers::pi));

  std::vector<double> nu(M * D), nd(M), nobs(M * K), nw(M, 1.0);
  // Each particle is one visit of the run loop (engine/runner/run_loop.h); what a particle
  // writes goes to its own slots, so the population is the same for any number of threads.
  struct Local {
    std::unique_ptr<Probe> probe;
    ParamValues fixed;
    std::vector<double> logk;
  };
  auto make_local = [&] {
    auto l = std::make_unique<Local>();
    l->probe = std::make_unique<Probe>(model_, which_);
    return l;
  };
  auto one = [&](Local& l, uint64_t index) {
    const size_t i = static_cast<size_t>(index);
    const uint64_t addr = particle_address(g, i);
    RunRng rng(o_.seed, addr);
    double* u = nu.data() + i * D;
    if (g == 0) {
      for (size_t k = 0; k < D; ++k) u[k] = rng.uniform(stream_id(kStreamPrior, static_cast<uint32_t>(k)), 0);
    } else {
      double r = rng.uniform(kStreamPick, 0) * wsum;
      size_t j = static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), r) - cum.begin());
      if (j >= P) j = P - 1;
      for (size_t k = 0; k < D; ++k) {
        double m = pop_.u[j * D + k];
        double fa = Phi(-m / sigma[k]), fb = Phi((1.0 - m) / sigma[k]);
        double v = rng.uniform(stream_id(kStreamMove, static_cast<uint32_t>(k)), 0);
        double p = std::clamp(fa + v * (fb - fa), 1e-300, 1.0 - 1e-16);
        u[k] = clamp_open(m + sigma[k] * inverse_normal_cdf(p));
      }
      // Importance weight: prior (1 on the cube) over the proposal's density.
      l.logk.resize(P);
      double top = -std::numeric_limits<double>::infinity();
      for (size_t jj = 0; jj < P; ++jj) {
        double q = 0;
        for (size_t k = 0; k < D; ++k) {
          double z = (u[k] - pop_.u[jj * D + k]) / sigma[k];
          q += z * z;
        }
        l.logk[jj] = std::log(pop_.weight[jj] / wsum) - 0.5 * q - log_norm - logZ[jj];
        top = std::max(top, l.logk[jj]);
      }
      double sum = 0;
      for (size_t jj = 0; jj < P; ++jj) sum += std::exp(l.logk[jj] - top);
      nw[i] = std::exp(-(top + std::log(sum)));
    }
    values(u, l.fixed);
    double* od = nobs.data() + i * K;
    l.probe->run(o_.seed, addr, &l.fixed, od);
    double d = 0;
    for (size_t k = 0; k < K; ++k) d = std::max(d, od[k]);
    nd[i] = d;
  };
  LambdaVisitor<Local, decltype(make_local), decltype(one)> visitor{make_local, one};
  LoopOptions lo;
  lo.block = kChunk;
  lo.stop = o_.stop;
  lo.progress = o_.progress;
  // Under MPI each rank computes its block of the new particles (addressed by their index,
  // so the split changes no number), then every rank gets them all.
  uint64_t first = 0, count = M;
  const Cluster& cl = cluster();
  cluster_block(M, cl.rank, cl.size, first, count);
  agree_on_failure([&] { for_each_run({first, count}, lo, visitor); }, "calibration");
  if (cluster_max(o_.stop && o_.stop->load() ? 1 : 0)) return false;
  if (cl.size > 1) {
    share_rows(nu, D, first, count);
    share_rows(nd, 1, first, count);
    share_rows(nobs, K, first, count);
    share_rows(nw, 1, first, count);
  }

  // Pool the kept and the new, keep the N closest (ties in a random order).
  struct Cand {
    double d, key;
    uint64_t addr;
    size_t index;  // < P: kept from before; else new (index - P)
  };
  std::vector<Cand> cands;
  cands.reserve(P + M);
  for (size_t j = 0; j < P; ++j)
    cands.push_back({pop_.distance[j], tie_key(o_.seed, pop_.address[j]), pop_.address[j], j});
  for (size_t i = 0; i < M; ++i) {
    uint64_t addr = particle_address(g, i);
    cands.push_back({nd[i], tie_key(o_.seed, addr), addr, P + i});
  }
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
    if (a.d != b.d) return a.d < b.d;
    if (a.key != b.key) return a.key < b.key;
    return a.addr < b.addr;
  });
  cands.resize(std::min(N, cands.size()));
  Population next;
  next.dims = static_cast<int>(D);
  next.observations = static_cast<int>(K);
  size_t fresh = 0;
  for (const Cand& c : cands) {
    bool old = c.index < P;
    size_t i = old ? c.index : c.index - P;
    const double* u = old ? pop_.u.data() + i * D : nu.data() + i * D;
    const double* od = old ? pop_.obs.data() + i * K : nobs.data() + i * K;
    next.u.insert(next.u.end(), u, u + D);
    next.obs.insert(next.obs.end(), od, od + K);
    next.weight.push_back(old ? pop_.weight[i] : nw[i]);
    next.distance.push_back(c.d);
    next.address.push_back(c.addr);
    if (!old) ++fresh;
  }
  GenerationInfo info;
  info.generation = g;
  info.epsilon = next.distance.empty() ? 0 : next.distance.back();
  info.simulations = M;
  info.acceptance = static_cast<double>(fresh) / static_cast<double>(M);
  double s1 = 0, s2 = 0;
  for (double w : next.weight) {
    s1 += w;
    s2 += w * w;
  }
  info.ess = s2 > 0 ? s1 * s1 / s2 : 0;
  info.agree.assign(K, 0.0);
  for (size_t k = 0; k < K; ++k) {
    size_t n = 0;
    for (size_t i = 0; i < M; ++i) n += nobs[i * K + k] <= 1.0 ? 1 : 0;
    info.agree[k] = static_cast<double>(n) / static_cast<double>(M);
  }
  pop_ = std::move(next);
  history_.push_back(info);
  decide_stop();
  return true;
}

void Calibration::decide_stop() {
  const GenerationInfo& h = history_.back();
  if (h.epsilon <= o_.target)
    stop_reason_ = "the tolerance reached " + fmt(h.epsilon) + " (target " + fmt(o_.target) +
                   "): every kept run agrees with every observation within its tolerance";
  else if (h.generation > 0 && h.acceptance < o_.min_acceptance)
    stop_reason_ = "only " + fmt(100 * h.acceptance) + "% of the new runs were kept (below " +
                   fmt(100 * o_.min_acceptance) + "%): more generations would barely tighten the tolerance " +
                   fmt(h.epsilon);
  else if (static_cast<int>(history_.size()) >= o_.max_generations)
    stop_reason_ = "reached " + std::to_string(o_.max_generations) + " generations with the tolerance at " +
                   fmt(h.epsilon);
}

}  // namespace geosim
