#include "analysis/compare/paired.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "engine/runner/run_loop.h"

namespace geosim {

namespace {

// Both arms of run r on the same thread, counted in that thread's counts: per outcome,
// [0, k) under the base, [k, 2k) under the variant, [2k, 3k) under both.
struct PairVisitor {
  const Arm& base;
  const Arm& variant;
  uint64_t seed;
  const std::vector<int>& map;  // variant outcome -> base outcome
  size_t k;
  std::vector<uint64_t> counts;

  struct Local {
    RunState a, b;
    std::vector<uint64_t> counts;
    ParamValues va, vb;  // an arm's values for this run, when it has per-run values
  };

  std::unique_ptr<Local> make_local() const {
    auto l = std::make_unique<Local>();
    base.model->prepare(l->a);
    variant.model->prepare(l->b);
    l->counts.assign(3 * k, 0);
    return l;
  }

  // The arm's fixed values, with its per-run values where those leave a draw.
  static const ParamValues* values(const Arm& arm, ParamValues& buf, uint64_t seed, uint64_t r) {
    return run_values(arm.fixed, arm.per_run, arm.model->scenario().params.size(), seed, r, buf);
  }

  void run(Local& l, uint64_t r) const {
    const int a = simulate(*base.model, l.a, seed, r, values(base, l.va, seed, r));
    const int b = map[static_cast<size_t>(simulate(*variant.model, l.b, seed, r, values(variant, l.vb, seed, r)))];
    ++l.counts[static_cast<size_t>(a)];
    ++l.counts[k + static_cast<size_t>(b)];
    if (a == b) ++l.counts[2 * k + static_cast<size_t>(a)];
  }

  void merge(const Local& l) {
    for (size_t i = 0; i < counts.size(); ++i) counts[i] += l.counts[i];
  }
};

}  // namespace

PairCounts run_paired(const Arm& base, const Arm& variant, const PairOptions& o) {
  GEOSIM_CHECK(base.model && variant.model, "run_paired needs two models");
  const Scenario& sa = base.model->scenario();
  const Scenario& sb = variant.model->scenario();
  // Variant outcome index -> base outcome index, matched by id.
  std::vector<int> map(sb.outcomes.size(), -1);
  std::vector<std::string> missing;
  for (size_t j = 0; j < sb.outcomes.size(); ++j) {
    map[j] = sa.find_outcome(sb.outcomes[j].id);
    if (map[j] < 0) missing.push_back(sb.outcomes[j].id + " (only in " + variant.name + ")");
  }
  for (const auto& oc : sa.outcomes)
    if (sb.find_outcome(oc.id) < 0) missing.push_back(oc.id + " (only in " + base.name + ")");
  if (!missing.empty())
    throw InputError(FileLoc{sb.file, 0, 0}, "the two scenarios do not have the same outcomes: " + join(missing),
                     "a paired comparison needs the same outcome ids in both files");

  PairCounts pc;
  pc.k = static_cast<int>(sa.outcomes.size());
  const size_t k = static_cast<size_t>(pc.k);
  Arm a = base, b = variant;
  if (!a.per_run) a.per_run = o.per_run;
  if (!b.per_run) b.per_run = o.per_run;
  PairVisitor v{a, b, o.seed, map, k, std::vector<uint64_t>(3 * k, 0)};
  LoopOptions lo;
  lo.block = kBlock;
  lo.stop = o.stop;
  lo.progress = o.progress;
  for_each_run({0, o.runs}, lo, v);
  pc.base.assign(v.counts.begin(), v.counts.begin() + static_cast<long>(k));
  pc.variant.assign(v.counts.begin() + static_cast<long>(k), v.counts.begin() + static_cast<long>(2 * k));
  pc.both.assign(v.counts.begin() + static_cast<long>(2 * k), v.counts.end());
  for (uint64_t c : pc.base) pc.runs += c;
  return pc;
}

Interval newcombe_diff95(uint64_t a, uint64_t b, uint64_t c, uint64_t d, bool paired) {
  const uint64_t n = a + b + c + d;
  if (n == 0) return {0, 0};
  const double p1 = static_cast<double>(a + b) / static_cast<double>(n);
  const double p2 = static_cast<double>(a + c) / static_cast<double>(n);
  const Interval w1 = wilson95(a + b, n), w2 = wilson95(a + c, n);
  double phi = 0;
  if (paired) {
    // Pearson correlation of the two indicators; 0 when a margin is empty.
    const double den = static_cast<double>(a + b) * static_cast<double>(c + d) * static_cast<double>(a + c) *
                       static_cast<double>(b + d);
    if (den > 0)
      phi = (static_cast<double>(a) * static_cast<double>(d) - static_cast<double>(b) * static_cast<double>(c)) /
            std::sqrt(den);
  }
  const double dl1 = p1 - w1.lo, du1 = w1.hi - p1, dl2 = p2 - w2.lo, du2 = w2.hi - p2;
  const double delta = std::sqrt(std::max(0.0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const double eps = std::sqrt(std::max(0.0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  const double theta = p1 - p2;
  return {std::max(-1.0, theta - delta), std::min(1.0, theta + eps)};
}

std::vector<PairedEffect> paired_effects(const Scenario& sc, const PairCounts& pc) {
  std::vector<PairedEffect> out;
  const uint64_t n = pc.runs;
  for (int k = 0; k < pc.k; ++k) {
    // 2x2 table of "reached outcome k" under the variant (first) and the base (second).
    const size_t o = static_cast<size_t>(k);
    const uint64_t both = pc.both[o], base_only = pc.base[o] - both, variant_only = pc.variant[o] - both;
    const uint64_t neither = n - both - base_only - variant_only;
    PairedEffect e;
    e.outcome = sc.outcomes[static_cast<size_t>(k)].id;
    e.base_count = both + base_only;
    e.variant_count = both + variant_only;
    double dn = n ? static_cast<double>(n) : 1.0;
    e.p_base = static_cast<double>(e.base_count) / dn;
    e.p_variant = static_cast<double>(e.variant_count) / dn;
    e.diff = e.p_variant - e.p_base;
    e.ci_base = wilson95(e.base_count, n);
    e.ci_variant = wilson95(e.variant_count, n);
    e.paired = newcombe_diff95(both, variant_only, base_only, neither, true);
    e.unpaired = newcombe_diff95(both, variant_only, base_only, neither, false);
    e.discordant_up = variant_only;
    e.discordant_down = base_only;
    out.push_back(e);
  }
  return out;
}

ParamValues lever_off(const Scenario& sc, int lever) {
  ParamValues fixed(sc.params.size(), std::nan(""));
  ParamId id = sc.levers[static_cast<size_t>(lever)].enabled;
  GEOSIM_CHECK(id != kNoParam, "every lever has an `enabled` parameter");
  fixed[static_cast<size_t>(id)] = 0.0;
  return fixed;
}

std::vector<int> enabled_levers(const Scenario& sc) {
  std::vector<int> out;
  for (size_t i = 0; i < sc.levers.size(); ++i) {
    ParamId id = sc.levers[i].enabled;
    if (id == kNoParam) continue;
    const Distribution& d = sc.params[static_cast<size_t>(id)].dist;
    if (d.is_constant() && d.value() == 0.0) continue;  // already off in every run
    out.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace geosim

namespace geosim {

CompareReport lever_effects(const Model& model, const PairOptions& o) {
  const Scenario& sc = model.scenario();
  CompareReport rep;
  rep.scenario = sc.id;
  rep.runs = o.runs;
  rep.seed = o.seed;
  rep.base_hash = sc.content_hash;
  std::vector<int> levers = enabled_levers(sc);
  for (size_t i = 0; i < levers.size(); ++i) {
    if (o.stop && o.stop->load()) break;
    ParamValues off = lever_off(sc, levers[i]);
    const std::string& id = sc.levers[static_cast<size_t>(levers[i])].id;
    Arm without{"without " + id, &model, &off}, as_written{"with " + id, &model, nullptr};
    PairOptions po = o;
    if (o.progress)
      po.progress = [&, i](uint64_t d, uint64_t) { o.progress(i * o.runs + d, levers.size() * o.runs); };
    PairCounts pc = run_paired(without, as_written, po);
    rep.comparisons.push_back({without.name, as_written.name, paired_effects(sc, pc)});
  }
  return rep;
}

}  // namespace geosim
