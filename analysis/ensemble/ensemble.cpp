#include "analysis/ensemble/ensemble.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/core/error.h"
#include "engine/output/numbers.h"

namespace geosim {

namespace {

std::string pad(const std::string& s, size_t w, bool right = false) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

}  // namespace

EnsembleSummary summarize_ensemble(std::vector<EnsembleMember> members, uint64_t runs, uint64_t seed) {
  EnsembleSummary e;
  e.runs = runs;
  e.seed = seed;
  if (members.empty()) return e;
  const Summary& first = members[0].summary;
  for (size_t m = 1; m < members.size(); ++m) {
    std::map<std::string, bool> ids;
    for (const auto& o : members[m].summary.outcomes) ids[o.id] = false;
    for (const auto& o : first.outcomes)
      if (!ids.count(o.id))
        throw InputError(FileLoc{members[m].file, 0, 0}, "has no outcome '" + o.id + "', which " + members[0].file + " has",
                         "the structures of an ensemble answer the same question: give them the same outcomes");
    for (const auto& o : members[m].summary.outcomes) {
      bool known = false;
      for (const auto& f : first.outcomes) known |= f.id == o.id;
      if (!known)
        throw InputError(FileLoc{members[m].file, 0, 0}, "has an outcome '" + o.id + "' that " + members[0].file + " lacks",
                         "the structures of an ensemble answer the same question: give them the same outcomes");
    }
  }
  const double S = static_cast<double>(members.size());
  for (const auto& fo : first.outcomes) {
    EnsembleOutcome eo;
    eo.id = fo.id;
    eo.label = fo.label;
    uint64_t total = 0;
    double within_var = 0;
    for (const auto& m : members)
      for (const auto& o : m.summary.outcomes)
        if (o.id == fo.id) {
          eo.p.push_back(o.probability);
          total += o.count;
          within_var += o.probability * (1 - o.probability) / static_cast<double>(runs);
        }
    eo.lo = *std::min_element(eo.p.begin(), eo.p.end());
    eo.hi = *std::max_element(eo.p.begin(), eo.p.end());
    for (double p : eo.p) eo.pooled += p / S;
    double between = 0;
    for (double p : eo.p) between += (p - eo.pooled) * (p - eo.pooled);
    between = eo.p.size() > 1 ? between / (S - 1) : 0.0;
    eo.between_sd = std::sqrt(between);
    // The pooled probability is a mean of S independent binomial estimates (each structure's
    // runs are its own draws), so its Monte Carlo variance is the mean variance over S.
    const double pooled_var = within_var / (S * S);
    eo.within_se = std::sqrt(pooled_var);
    eo.pooled_ci95 = wilson95(total, runs * members.size());
    // The structures' own spread: the sample variance of their probabilities less what
    // Monte Carlo error alone would give (mc_var, one structure's sampling variance).
    const double mc_var = within_var / S;
    const double structural = std::max(0.0, between - mc_var);
    eo.structural_share = structural + mc_var > 0 ? structural / (structural + mc_var) : 0.0;
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
  if (widest && e.members.size() > 1)
    out += "\n  The structures disagree most on " + widest->id + ": " + fixed(100 * (widest->hi - widest->lo), 1) +
           " points between the lowest and the highest, against a Monte Carlo margin of about +-" +
           fixed(100 * 1.96 * std::sqrt(widest->pooled * (1 - widest->pooled) / static_cast<double>(e.runs)), 1) +
           " points for one structure.\n  'share from structure': of the spread between runs' estimates, the share "
           "the choice of structure explains (the rest is sampling).\n";
  return out;
}

Json ensemble_json(const EnsembleSummary& e) {
  Json j;
  j["runs"] = e.runs;
  j["seed"] = e.seed;
  Json st = Json::array();
  for (const auto& m : e.members)
    st.push_back({{"file", m.file}, {"title", m.title}, {"scenario_hash", m.summary.scenario_hash}});
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
                  {"structural_share", o.structural_share}});
  }
  j["outcomes"] = os;
  return j;
}

std::string ensemble_csv(const EnsembleSummary& e) {
  std::string out = "outcome,structure,file,probability\n";
  for (const auto& o : e.outcomes)
    for (size_t m = 0; m < o.p.size(); ++m) {
      out += csv_field(o.id) + "," + std::to_string(m + 1) + "," + csv_field(e.members[m].file) + "," + fixed(o.p[m], 6) + "\n";
    }
  return out;
}

}  // namespace geosim
