// Structural uncertainty (`geosim run --ensemble`): the same question asked of several model
// structures, so that a student sees how much of an answer is Monte Carlo sampling and how
// much is the model (Lempert, Popper & Bankes 2003, Shaping the Next One Hundred Years).
//
// Each structure is a scenario (a file, or the base file with other --set values) with the
// same outcomes; each is run with the same runs and seed, so the structures share their
// random numbers wherever they share a parameter or an event (common random numbers), and
// their differences are the structures', not the draws'.
#pragma once

#include <string>
#include <vector>

#include "engine/output/output.h"  // Json
#include "engine/runner/summary.h"

namespace geosim {

struct EnsembleMember {
  std::string file, title;
  Summary summary;
};

// Per outcome, across the structures (each weighted equally).
struct EnsembleOutcome {
  std::string id, label;
  std::vector<double> p;          // per structure
  double lo = 0, hi = 0;          // the smallest and largest structure's probability
  double pooled = 0;              // the mean over structures (each structure equally likely)
  Interval pooled_ci95;           // Monte Carlo interval of the pooled probability
  double between_sd = 0;          // sd of the probability across structures
  double within_se = 0;           // Monte Carlo standard error of the pooled probability
  double structural_share = 0;    // between variance / (between + Monte Carlo variance)
};

struct EnsembleSummary {
  uint64_t runs = 0, seed = 0;
  std::vector<EnsembleMember> members;
  std::vector<EnsembleOutcome> outcomes;
};

// The outcomes of `members` compared by id; throws InputError (at the member's file) when a
// structure lacks an outcome of the first or has one the first lacks.
EnsembleSummary summarize_ensemble(std::vector<EnsembleMember> members, uint64_t runs, uint64_t seed);

std::string ensemble_table(const EnsembleSummary& e);
Json ensemble_json(const EnsembleSummary& e);
std::string ensemble_csv(const EnsembleSummary& e);

}  // namespace geosim
