#include "analysis/calibrate/abc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numbers>
#include <numeric>
#include <sstream>

#include "engine/output/numbers.h"
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

std::string fmt(double v) { return general(v, 3); }

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

  // The generation is simulated in blocks of B particles, and after each block only the N
  // closest candidates so far are kept (the kept ones from before and the new ones), so
  // memory is a population and one block whatever the simulations. The N closest of all are
  // the N closest of (the N closest of the earlier blocks, this block): the ordering by
  // (distance, tie key, address) is total, so the result is the same as sorting the whole
  // generation at once, for any block size, thread or rank count.
  const size_t B = o_.block > 0 ? static_cast<size_t>(o_.block) : std::max<size_t>(N, 4096);
  std::vector<double> nu, nd, nobs, nw;
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
  size_t b0 = 0;  // the first particle of the block being simulated
  auto one = [&](Local& l, uint64_t index) {
    const size_t i = static_cast<size_t>(index) - b0;  // the slot in this block
    const uint64_t addr = particle_address(g, index);
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
  const Cluster& cl = cluster();

  // The candidates kept so far, in order. A kept one from before (index < P) is read from
  // pop_; a new one (index - P is its particle) from its slot in the store fu/fobs/fw, which
  // has room for N (no more than N new ones are ever kept at once).
  struct Cand {
    double d, key;
    uint64_t addr;
    size_t index;  // < P: kept from before; else new (index - P)
    size_t slot;   // a new one: its slot in the store (while merging: its slot in the block)
  };
  auto closer = [](const Cand& a, const Cand& b) {
    if (a.d != b.d) return a.d < b.d;
    if (a.key != b.key) return a.key < b.key;
    return a.addr < b.addr;
  };
  std::vector<Cand> kept, block, merged;
  kept.reserve(P);
  for (size_t j = 0; j < P; ++j)
    kept.push_back({pop_.distance[j], tie_key(o_.seed, pop_.address[j]), pop_.address[j], j, 0});
  std::sort(kept.begin(), kept.end(), closer);
  if (kept.size() > N) kept.resize(N);
  const size_t store = std::min(N, M);
  std::vector<double> fu(store * D), fobs(store * K), fw(store);
  std::vector<size_t> free_slots(store);
  std::iota(free_slots.rbegin(), free_slots.rend(), size_t{0});  // slot 0 is taken first
  std::vector<uint64_t> agree_count(K, 0);

  // This rank's particles in the whole generation, and in the blocks done (for progress).
  uint64_t mine = 0, done_before = 0;
  for (size_t b = 0; b < M; b += B) {
    uint64_t f = 0, c = 0;
    cluster_block(std::min(B, M - b), cl.rank, cl.size, f, c);
    mine += c;
  }
  for (b0 = 0; b0 < M; b0 += B) {
    const size_t count_b = std::min(B, M - b0);
    nu.assign(count_b * D, 0.0);
    nd.assign(count_b, 0.0);
    nobs.assign(count_b * K, 0.0);
    nw.assign(count_b, 1.0);
    // Under MPI each rank computes its share of the block (addressed by the particle's
    // index, so the split changes no number), then every rank gets the whole block.
    uint64_t first = 0, count = count_b;
    cluster_block(count_b, cl.rank, cl.size, first, count);
    if (o_.progress) lo.progress = [&, done_before, mine](uint64_t d, uint64_t) { o_.progress(done_before + d, mine); };
    agree_on_failure([&] { for_each_run({b0 + first, count}, lo, visitor); }, "calibration");
    if (cluster_max(o_.stop && o_.stop->load() ? 1 : 0)) return false;
    if (cl.size > 1) {
      share_rows(nu, D, first, count);
      share_rows(nd, 1, first, count);
      share_rows(nobs, K, first, count);
      share_rows(nw, 1, first, count);
    }
    done_before += count;
    for (size_t k = 0; k < K; ++k)
      for (size_t i = 0; i < count_b; ++i) agree_count[k] += nobs[i * K + k] <= 1.0 ? 1 : 0;

    block.clear();
    for (size_t i = 0; i < count_b; ++i) {
      const uint64_t addr = particle_address(g, b0 + i);
      block.push_back({nd[i], tie_key(o_.seed, addr), addr, P + b0 + i, i});
    }
    std::sort(block.begin(), block.end(), closer);
    merged.resize(kept.size() + block.size());
    std::merge(kept.begin(), kept.end(), block.begin(), block.end(), merged.begin(), closer);
    // New ones of earlier blocks that fall out free their slots; new ones of this block that
    // are kept take one.
    const size_t keep = std::min(N, merged.size());
    for (size_t r = keep; r < merged.size(); ++r)
      if (merged[r].index >= P && merged[r].index < P + b0) free_slots.push_back(merged[r].slot);
    merged.resize(keep);
    for (Cand& c : merged) {
      if (c.index < P + b0) continue;
      const size_t i = c.slot;
      c.slot = free_slots.back();
      free_slots.pop_back();
      std::copy_n(nu.data() + i * D, D, fu.data() + c.slot * D);
      std::copy_n(nobs.data() + i * K, K, fobs.data() + c.slot * K);
      fw[c.slot] = nw[i];
    }
    kept.swap(merged);
  }

  Population next;
  next.dims = static_cast<int>(D);
  next.observations = static_cast<int>(K);
  size_t fresh = 0;
  for (const Cand& c : kept) {
    bool old = c.index < P;
    const double* u = old ? pop_.u.data() + c.index * D : fu.data() + c.slot * D;
    const double* od = old ? pop_.obs.data() + c.index * K : fobs.data() + c.slot * K;
    next.u.insert(next.u.end(), u, u + D);
    next.obs.insert(next.obs.end(), od, od + K);
    next.weight.push_back(old ? pop_.weight[c.index] : fw[c.slot]);
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
  for (size_t k = 0; k < K; ++k) info.agree[k] = static_cast<double>(agree_count[k]) / static_cast<double>(M);
  if (g == 0) refuse_unmatched_facts(info, M);
  pop_ = std::move(next);
  history_.push_back(info);
  decide_stop();
  return true;
}

// A fact (a condition or an outcome) is at distance 0 or 2 from a run. One that held in none
// of the prior's runs puts every run at distance 2 or more: the runs cannot be told apart by
// it, the other observations' distances below 2 no longer count, and the "posterior" would be
// the prior. Said here, as `run --from` says it, rather than written as a result.
void Calibration::refuse_unmatched_facts(const GenerationInfo& info, size_t runs) const {
  const Scenario& sc = model_.scenario();
  std::vector<Diagnostic> bad;
  for (size_t k = 0; k < which_.size(); ++k) {
    const Observation& ob = sc.observations[static_cast<size_t>(which_[k])];
    if (ob.kind == Observation::Kind::Measure || info.agree[k] > 0) continue;
    bad.push_back({ob.loc,
                   "observation '" + ob.id + "' (" + ob.date.str() + ") held in none of the " + std::to_string(runs) +
                       " runs drawn from the prior, so the calibration cannot condition on it",
                   "check its date and condition (`geosim run --from " + ob.date.str() +
                       "` says how often the observations hold), or widen the priors that make it possible"});
  }
  if (!bad.empty()) throw InputError(std::move(bad));
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
