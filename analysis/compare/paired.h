// Paired comparisons of two arms under common random numbers (lever effects, what-ifs).
//
// Both arms compute run r with the same (seed, r), and a run's draws depend only on
// (seed, run, parameter path), so every parameter the arms share takes the same value in
// both. The difference of outcome probabilities is then estimated from per-run pairs, whose
// interval is far tighter than that of two independent samples. Pairs are streamed into
// integer counts per outcome (reached under the base, under the variant, under both): memory
// is 3 K whatever the number of runs (a K x K matrix of joint outcomes took gigabytes for
// thousands of outcomes), and integer merging keeps the result byte-identical for any
// thread count.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/compare/variant_diff.h"
#include "engine/model/model.h"
#include "engine/output/output.h"
#include "engine/runner/run_loop.h"  // RunValues
#include "engine/runner/summary.h"

namespace geosim {

// One arm of a comparison: a model and, optionally, values that replace draws.
struct Arm {
  std::string name;                    // shown in reports ("base", "without sanctions", ...)
  const Model* model = nullptr;
  const ParamValues* fixed = nullptr;  // NaN entries draw as usual
  // Per-run values where `fixed` leaves a draw (NaN): the arm's own switches win.
  const RunValues* per_run = nullptr;
};

struct PairOptions {
  uint64_t runs = 10000;  // pairs of runs
  uint64_t seed = 1;
  const std::atomic<bool>* stop = nullptr;  // set to abandon the computation
  std::function<void(uint64_t, uint64_t)> progress;  // (pairs done, pairs in total)
  const RunValues* per_run = nullptr;  // for an arm that has none of its own
};

// Outcome counts of paired runs; outcomes are the base's, in its order.
struct PairCounts {
  int k = 0;                      // number of outcomes
  uint64_t runs = 0;              // pairs counted
  std::vector<uint64_t> base;     // k: pairs whose base run ended in outcome o
  std::vector<uint64_t> variant;  // k: pairs whose variant run ended in o
  std::vector<uint64_t> both;     // k: pairs where both did
};

// Runs both arms on every run index in [0, runs). The variant's outcomes are matched to
// the base's by id; an InputError names any outcome id the two arms do not share.
PairCounts run_paired(const Arm& base, const Arm& variant, const PairOptions& options);

// Difference (variant - base) of one outcome's probability.
struct PairedEffect {
  std::string outcome;
  uint64_t base_count = 0, variant_count = 0;
  double p_base = 0, p_variant = 0, diff = 0;
  Interval ci_base, ci_variant;  // Wilson 95 %
  Interval paired;    // Newcombe (1998) method 10 with the pairs' correlation
  Interval unpaired;  // the same method as if the arms were independent samples
  uint64_t discordant_up = 0;    // runs where the variant reached the outcome and the base did not
  uint64_t discordant_down = 0;  // and the reverse
};

// Newcombe's hybrid score interval for p1 - p2 at 95 %. a: both, b: first only, c: second
// only, d: neither. `paired` false drops the correlation term (independent samples).
Interval newcombe_diff95(uint64_t a, uint64_t b, uint64_t c, uint64_t d, bool paired);

std::vector<PairedEffect> paired_effects(const Scenario& base, const PairCounts& pc);

// One comparison as reported: the arms' names and their effects.
struct Comparison {
  std::string base_name, variant_name;
  std::vector<PairedEffect> effects;
};

struct CompareReport {
  std::string scenario;  // base scenario id
  std::string parameters_from;  // empty: the prior; else the posterior.csv the runs drew from
  uint64_t runs = 0, seed = 0;
  std::vector<Comparison> comparisons;
  // To reproduce it: the command line (set by the command), the scenarios' content hashes
  // (Scenario::content_hash; the variant's empty for lever effects, whose arms are one file).
  std::string command, base_hash, variant_hash;
  // Two scenarios (`geosim compare`): what the variant changes against the base, written
  // to the JSON as `changes`; lever effects (one scenario, levers switched off in turn)
  // have none and write none.
  bool has_changes = false;
  std::vector<VariantChange> changes;
};

Json compare_json(const CompareReport& r);
std::string compare_table(const CompareReport& r);
std::string compare_csv(const CompareReport& r);
// Text in one of the formats "table", "json", "csv".
std::string compare_text(const CompareReport& r, const std::string& format);

// The ParamValues that switch lever `lever` off (its `enabled` param = 0).
ParamValues lever_off(const Scenario& sc, int lever);
// Levers that can be on in some run (their `enabled` is not the constant 0).
std::vector<int> enabled_levers(const Scenario& sc);

}  // namespace geosim

namespace geosim {

// Each enabled lever switched off in turn: base arm "without <lever>", variant arm the
// scenario as written, so each difference is the lever's own effect (with - without).
// The progress callback counts pairs over all levers.
CompareReport lever_effects(const Model& model, const PairOptions& options);

}  // namespace geosim
