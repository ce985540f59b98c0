// Structural uncertainty (`geosim run --ensemble`): the same question asked of several model
// structures, so that a student sees how much of an answer is Monte Carlo sampling and how
// much is the model (Lempert, Popper & Bankes 2003, Shaping the Next One Hundred Years).
//
// Each structure is a scenario (a file, or the base file with other --set values) with the
// same outcomes; each is run with the same runs and seed, so the structures share their
// random numbers wherever they share a parameter or an event (common random numbers), and
// their differences are the structures', not the draws'. Because they share runs, their
// estimates are correlated: the Monte Carlo error of the pooled probability and of the spread
// between structures is computed from the runs' joint outcomes, not as if the structures
// were independent samples.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/output/output.h"  // Json
#include "engine/runner/summary.h"

namespace geosim {

struct EnsembleMember {
  std::string file, title, scenario_hash;
};

// The structures' outcomes, run by run: per outcome k (the first structure's order) and pair
// of structures s <= t, the runs that ended in k under both (s == t: under s). Integers, so
// the sums are the same for any threads and ranks; memory K x S x S whatever the runs.
struct EnsembleCounts {
  uint64_t runs = 0;  // runs counted (each run of every structure)
  size_t outcomes = 0, structures = 0;
  std::vector<uint64_t> joint;
  uint64_t both(size_t k, size_t s, size_t t) const {
    if (s > t) std::swap(s, t);
    return joint[(k * structures + s) * structures + t];
  }
  uint64_t count(size_t k, size_t s) const { return both(k, s, s); }
};

struct EnsembleRunOptions {
  uint64_t runs = 10000, seed = 1;
  const std::atomic<bool>* stop = nullptr;           // set to abandon the computation
  std::function<void(uint64_t, uint64_t)> progress;  // (runs done, runs in total)
};

// Runs 0 .. runs-1 of every structure (the same seed: common random numbers), over all MPI
// ranks (every rank gets the total). The structures' outcomes are matched to the first's by
// id; an InputError at a structure's file names an outcome it lacks or has beyond the first.
EnsembleCounts run_ensemble(const std::vector<const Model*>& models, const EnsembleRunOptions& options);

// Per outcome, across the structures (each weighted equally).
struct EnsembleOutcome {
  std::string id, label;
  std::vector<double> p;          // per structure
  double lo = 0, hi = 0;          // the smallest and largest structure's probability
  size_t lowest = 0, highest = 0;  // which structures those are
  double pooled = 0;              // the mean over structures (each structure equally likely)
  Interval pooled_ci95;           // Monte Carlo interval of the pooled probability
  double between_sd = 0;          // sd of the probability across structures
  double within_se = 0;           // Monte Carlo standard error of the pooled probability
  double structural_share = 0;    // structural variance / (structural + Monte Carlo variance)
  double range_se = 0;            // Monte Carlo standard error of hi - lo (paired runs)
};

struct EnsembleSummary {
  uint64_t runs = 0, seed = 0;
  std::vector<EnsembleMember> members;
  std::vector<EnsembleOutcome> outcomes;
};

// The statistics of docs/model.md ("Structural uncertainty"), from the run-by-run counts.
// `first` is the first structure's scenario (its outcomes' ids and labels).
EnsembleSummary summarize_ensemble(const Scenario& first, std::vector<EnsembleMember> members,
                                   const EnsembleCounts& counts, uint64_t seed);

std::string ensemble_table(const EnsembleSummary& e);
Json ensemble_json(const EnsembleSummary& e);
std::string ensemble_csv(const EnsembleSummary& e);

}  // namespace geosim
