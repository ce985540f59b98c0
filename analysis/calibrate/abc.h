// Calibration by approximate Bayesian computation (ABC): the scenario's uncertain
// parameters conditioned on its observations (docs/calibration.md).
//
// Generation 0 is rejection ABC with a percentile tolerance: N / alpha parameter sets drawn
// from the prior, each simulated once, and the N closest to the observations kept (the
// tolerance is the distance of the last one kept). Later generations are adaptive
// population Monte Carlo (Beaumont et al. 2009; Lenormand, Jabot & Deffuant 2013): N / alpha - N
// new sets are proposed by moving kept ones with a Gaussian kernel of twice the population's
// variance, weighted by prior / proposal density, pooled with the kept ones, and again the
// N closest are kept. It stops when the tolerance reaches 1 (every observation agrees
// within its stated tolerance; every fact held), when the share of new sets that are kept
// falls below min_acceptance (Lenormand's rule: more generations would barely tighten the
// tolerance), or after max_generations.
//
// The work happens in the quantile space of the prior: a parameter set is a point u of the
// unit cube and its values are F^-1(u) of each prior distribution, so the prior density is
// 1 on the cube whatever the distributions (discrete ones included), and the kernel is a
// normal truncated to the cube, drawn by its quantile function (one addressed uniform per
// coordinate, no rejection loop). Every random number is addressed by (seed, run) with run
// = generation << 32 | index, and every reduction is ordered, so the result is the same
// bytes for any number of threads. A generation is simulated in blocks and only the N closest
// candidates are kept between blocks, so memory holds the population and one block (N or
// 4,096 simulations, the larger), however many simulations a generation has.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/model/model.h"

namespace geosim {

struct AbcOptions {
  uint64_t seed = 1;
  int particles = 1000;         // N, kept per generation
  double alpha = 0.5;           // share of a generation's pool that is kept
  double min_acceptance = 0.05; // stop when fewer new sets than this share are kept
  int max_generations = 20;
  double target = 1.0;          // stop when the tolerance is at most this
  uint64_t block = 0;           // simulations per block; 0: N or 4,096, the larger (changes no number)
  std::function<void(uint64_t, uint64_t)> progress;  // (simulations done, in this generation)
  const std::atomic<bool>* stop = nullptr;
};

// The kept population of a generation.
struct Population {
  int dims = 0, observations = 0;
  std::vector<double> u;         // n x dims, the points in quantile space
  std::vector<double> weight;    // normalised to sum 1
  std::vector<double> distance;  // the run's distance: the largest over observations
  std::vector<double> obs;       // n x observations: each observation's distance
  std::vector<uint64_t> address; // the run that simulated it
  size_t size() const { return weight.size(); }
};

struct GenerationInfo {
  int generation = 0;
  double epsilon = 0;       // the tolerance: the largest distance kept
  double acceptance = 0;    // share of this generation's new simulations that were kept
  double ess = 0;           // effective sample size, 1 / sum w^2
  uint64_t simulations = 0; // new simulations in this generation
  std::vector<double> agree;  // per observation: share of the new simulations that agreed
};

class Calibration {
 public:
  Calibration(const Model& model, AbcOptions options);

  // Runs one generation. Returns false when interrupted (the state is then unchanged).
  bool next_generation();
  bool done() const { return !stop_reason_.empty(); }
  const std::string& stop_reason() const { return stop_reason_; }

  const Population& population() const { return pop_; }
  const std::vector<GenerationInfo>& history() const { return history_; }
  const std::vector<ParamId>& params() const { return params_; }
  const AbcOptions& options() const { return o_; }
  int pool() const { return pool_; }

  // Restores a saved state (resume).
  void restore(Population pop, std::vector<GenerationInfo> history, std::string stop_reason);

  // Parameter values of point u (all parameters; NaN for those not calibrated).
  void values(const double* u, ParamValues& out) const;

 private:
  void decide_stop();
  void refuse_unmatched_facts(const GenerationInfo& info, size_t runs) const;

  const Model& model_;
  AbcOptions o_;
  std::vector<ParamId> params_;
  std::vector<int> which_;
  int pool_ = 0;  // N / alpha
  Population pop_;
  std::vector<GenerationInfo> history_;
  std::string stop_reason_;
};

// The run address of particle i of generation g.
inline uint64_t particle_address(int generation, uint64_t i) {
  return (static_cast<uint64_t>(generation) << 32) | i;
}

}  // namespace geosim
