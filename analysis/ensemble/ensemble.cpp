#include "analysis/ensemble/ensemble.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "engine/core/cluster.h"
#include "engine/core/error.h"
#include "engine/output/numbers.h"
#include "engine/runner/distributed.h"
#include "engine/runner/run_loop.h"

namespace geosim {

namespace {

std::string pad(const std::string& s, size_t w, bool right = false) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

// Every structure's run r on the same thread; per outcome k and pair s <= t whose runs both
// ended in k, one count (the diagonal: the runs of s that ended in k).
struct EnsembleVisitor {
  const std::vector<const Model*>& models;
  const std::vector<std::vector<int>>& map;  // structure -> its outcome -> the first's
  uint64_t seed;
  size_t K, S;
  std::vector<uint64_t> joint;

  struct Local {
    std::vector<RunState> st;
    std::vector<size_t> o;
    std::vector<uint64_t> joint;
  };

  std::unique_ptr<Local> make_local() const {
    auto l = std::make_unique<Local>();
    l->st.resize(S);
    for (size_t s = 0; s < S; ++s) models[s]->prepare(l->st[s]);
    l->o.assign(S, 0);
    l->joint.assign(K * S * S, 0);
    return l;
  }

  void run(Local& l, uint64_t r) const {
    for (size_t s = 0; s < S; ++s)
      l.o[s] = static_cast<size_t>(map[s][static_cast<size_t>(simulate(*models[s], l.st[s], seed, r))]);
    for (size_t s = 0; s < S; ++s)
      for (size_t t = s; t < S; ++t)
        if (l.o[s] == l.o[t]) ++l.joint[(l.o[s] * S + s) * S + t];
  }

  void merge(const Local& l) {
    for (size_t i = 0; i < joint.size(); ++i) joint[i] += l.joint[i];
  }
};

}  // namespace

EnsembleCounts run_ensemble(const std::vector<const Model*>& models, const EnsembleRunOptions& o) {
  GEOSIM_CHECK(!models.empty(), "run_ensemble needs a structure");
  const Scenario& first = models[0]->scenario();
  const size_t S = models.size(), K = first.outcomes.size();
  std::vector<std::vector<int>> map(S);
  for (size_t m = 0; m < S; ++m) {
    const Scenario& sc = models[m]->scenario();
    for (const auto& oc : first.outcomes)
      if (sc.find_outcome(oc.id) < 0)
        throw InputError(FileLoc{sc.file, 0, 0}, "has no outcome '" + oc.id + "', which " + first.file + " has",
                         "the structures of an ensemble answer the same question: give them the same outcomes");
    for (const auto& oc : sc.outcomes) {
      const int k = first.find_outcome(oc.id);
      if (k < 0)
        throw InputError(FileLoc{sc.file, 0, 0}, "has an outcome '" + oc.id + "' that " + first.file + " lacks",
                         "the structures of an ensemble answer the same question: give them the same outcomes");
      map[m].push_back(k);
    }
  }
  EnsembleVisitor v{models, map, o.seed, K, S, std::vector<uint64_t>(K * S * S, 0)};
  const Cluster& c = cluster();
  uint64_t first_run = 0, count = o.runs;
  if (c.size > 1) cluster_block(o.runs, c.rank, c.size, first_run, count);
  LoopOptions lo;
  lo.block = kBlock;
  lo.stop = o.stop;
  if (c.root()) lo.progress = o.progress;
  agree_on_failure([&] { for_each_run({first_run, count}, lo, v); }, "computation");
  if (c.size > 1) cluster_sum(v.joint);
  EnsembleCounts ec;
  ec.outcomes = K;
  ec.structures = S;
  ec.joint = std::move(v.joint);
  for (size_t k = 0; k < K; ++k) ec.runs += ec.count(k, 0);
  return ec;
}

EnsembleSummary summarize_ensemble(const Scenario& first, std::vector<EnsembleMember> members, const EnsembleCounts& ec,
                                   uint64_t seed) {
  EnsembleSummary e;
  e.runs = ec.runs;
  e.seed = seed;
  const size_t S = ec.structures;
  if (S == 0 || ec.runs == 0) {
    e.members = std::move(members);
    return e;
  }
  const double R = static_cast<double>(ec.runs), Sd = static_cast<double>(S);
  for (size_t k = 0; k < ec.outcomes; ++k) {
    EnsembleOutcome eo;
    eo.id = first.outcomes[k].id;
    eo.label = first.outcomes[k].label;
    // In integers where they can be: c_r is the number of structures that reached k in run r.
    uint64_t total = 0;  // sum over runs of c_r
    double c2 = 0;       // sum over runs of c_r^2
    for (size_t s = 0; s < S; ++s) {
      eo.p.push_back(static_cast<double>(ec.count(k, s)) / R);
      total += ec.count(k, s);
      for (size_t t = 0; t < S; ++t) c2 += static_cast<double>(ec.both(k, s, t));
    }
    eo.lowest = static_cast<size_t>(std::min_element(eo.p.begin(), eo.p.end()) - eo.p.begin());
    eo.highest = static_cast<size_t>(std::max_element(eo.p.begin(), eo.p.end()) - eo.p.begin());
    eo.lo = eo.p[eo.lowest];
    eo.hi = eo.p[eo.highest];
    // The pooled probability is the mean over runs of m_r = c_r / S; the runs are
    // independent, the structures within a run are not (common random numbers).
    eo.pooled = static_cast<double>(total) / (Sd * R);
    const double T = static_cast<double>(total);
    const double var_m = std::max(0.0, (c2 * R - T * T) / (Sd * Sd * R * R));
    eo.within_se = std::sqrt(var_m / R);
    // Wilson's interval at the sample size the runs are worth (R when the structures agree
    // run by run, up to R x S as for independent structures).
    double n_eff = R;
    if (eo.pooled > 0 && eo.pooled < 1)
      n_eff = var_m > 0 ? std::min(R * Sd, std::max(R, R * eo.pooled * (1 - eo.pooled) / var_m)) : R * Sd;
    eo.pooled_ci95 = wilson95_at(eo.pooled, n_eff);
    // The variance of the structures' probabilities, and what Monte Carlo error alone adds to
    // it: per structure, the variance over runs of S x 1[s reached k] - c_r, over S^2 R.
    double between = 0, mc_var = 0;
    if (S > 1) {
      for (size_t s = 0; s < S; ++s) {
        const double dev = Sd * static_cast<double>(ec.count(k, s)) - T;  // sum over runs of S 1[s] - c_r
        double cross = 0;                                                 // sum over runs of 1[s] c_r
        for (size_t t = 0; t < S; ++t) cross += static_cast<double>(ec.both(k, s, t));
        const double sq = Sd * Sd * static_cast<double>(ec.count(k, s)) - 2 * Sd * cross + c2;
        between += dev * dev;
        // (the sample variance over runs, R - 1 below: one run leaves it unknown, infinite)
        mc_var +=
            R > 1 ? std::max(0.0, sq * R - dev * dev) / (R * R * (R - 1)) : std::numeric_limits<double>::infinity();
      }
      between /= Sd * Sd * R * R * (Sd - 1);
      mc_var /= Sd * Sd * (Sd - 1);
    }
    eo.between_sd = std::sqrt(between);
    const double structural = std::max(0.0, between - mc_var);
    eo.structural_share = std::isfinite(mc_var) && structural + mc_var > 0 ? structural / (structural + mc_var) : 0.0;
    // The highest less the lowest, run by run.
    const double d = eo.hi - eo.lo;
    const double sq_d = static_cast<double>(ec.count(k, eo.highest) + ec.count(k, eo.lowest)) -
                        2 * static_cast<double>(ec.both(k, eo.highest, eo.lowest));
    eo.range_se = eo.highest == eo.lowest ? 0.0 : std::sqrt(std::max(0.0, sq_d / R - d * d) / R);
    e.outcomes.push_back(std::move(eo));
  }
  e.members = std::move(members);
  return e;
}

std::string ensemble_table(const EnsembleSummary& e) {
  std::string out = "Structural ensemble: " + std::to_string(e.members.size()) + " model structures, " +
                    std::to_string(e.runs) + " runs each, seed " + std::to_string(e.seed) + "\n";
  for (size_t m = 0; m < e.members.size(); ++m)
    out += "  [" + std::to_string(m + 1) + "] " + e.members[m].file +
           (e.members[m].title.empty() ? "" : "  (" + e.members[m].title + ")") + "\n";
  size_t w = 8;
  for (const auto& o : e.outcomes) w = std::max(w, o.id.size());
  out += "\n  " + pad("outcome", w);
  for (size_t m = 0; m < e.members.size(); ++m) out += pad("[" + std::to_string(m + 1) + "]", 8, true);
  out += "   between structures   pooled   95% Monte Carlo   share from structure\n";
  for (const auto& o : e.outcomes) {
    out += "  " + pad(o.id, w);
    for (double p : o.p) out += pad(percent(p), 8, true);
    out += "   " + pad(percent(o.lo) + " - " + percent(o.hi), 18) + "  " + pad(percent(o.pooled), 7, true) + "   " +
           pad(percent(o.pooled_ci95.lo) + " - " + percent(o.pooled_ci95.hi), 16) + "  " +
           pad(std::to_string(static_cast<int>(std::lround(100 * o.structural_share))) + "%", 5, true) + "\n";
  }
  // The outcome on which the structures disagree most, in words.
  const EnsembleOutcome* widest = nullptr;
  for (const auto& o : e.outcomes)
    if (!widest || o.hi - o.lo > widest->hi - widest->lo) widest = &o;
  if (widest && e.members.size() > 1 && widest->hi > widest->lo)
    out += "\n  The structures disagree most on " + widest->id + ": " + fixed(100 * (widest->hi - widest->lo), 1) +
           " points between the lowest [" + std::to_string(widest->lowest + 1) + "] and the highest [" +
           std::to_string(widest->highest + 1) + "], against a Monte Carlo margin of about +-" +
           fixed(100 * 1.96 * widest->range_se, 1) +
           " points for that difference (the same runs under both).\n  'share from structure': of the spread "
           "between the structures' estimates, the share the choice of structure explains (the rest is "
           "sampling).\n";
  return out;
}

Json ensemble_json(const EnsembleSummary& e) {
  Json j;
  j["runs"] = e.runs;
  j["seed"] = e.seed;
  Json st = Json::array();
  for (const auto& m : e.members)
    st.push_back({{"file", m.file}, {"title", m.title}, {"scenario_hash", m.scenario_hash}});
  j["structures"] = st;
  Json os = Json::array();
  for (const auto& o : e.outcomes) {
    Json ps = Json::array();
    for (double p : o.p) ps.push_back(p);
    os.push_back({{"id", o.id},
                  {"label", o.label},
                  {"probability", ps},
                  {"min", o.lo},
                  {"max", o.hi},
                  {"pooled", o.pooled},
                  {"pooled_ci95", {o.pooled_ci95.lo, o.pooled_ci95.hi}},
                  {"between_sd", o.between_sd},
                  {"monte_carlo_se", o.within_se},
                  {"structural_share", o.structural_share},
                  {"range_se", o.range_se}});
  }
  j["outcomes"] = os;
  return j;
}

std::string ensemble_csv(const EnsembleSummary& e) {
  std::string out = "outcome,structure,file,probability\n";
  for (const auto& o : e.outcomes)
    for (size_t m = 0; m < o.p.size(); ++m) {
      out += csv_field(o.id) + "," + std::to_string(m + 1) + "," + csv_field(e.members[m].file) + "," +
             shortest_double(o.p[m]) + "\n";
    }
  return out;
}

}  // namespace geosim
