#include "analysis/calibrate/store.h"

#include <fmt/format.h>


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/sweep/store.h"
#include "engine/output/numbers.h"

namespace geosim {

namespace fs = std::filesystem;

namespace {

void fnv(uint64_t& h, const std::string& s) {
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  h ^= 0xff;  // separator
  h *= 1099511628211ull;
}

void hash_tree(uint64_t& h, const YNode& n) {
  switch (n.type) {
    case YNode::Type::Null: fnv(h, "~"); break;
    case YNode::Type::Scalar: fnv(h, (n.quoted ? "'" : "=") + n.scalar); break;
    case YNode::Type::Sequence:
      fnv(h, "[" + std::to_string(n.seq.size()));
      for (const auto& c : n.seq) hash_tree(h, c);
      break;
    case YNode::Type::Map:
      fnv(h, "{" + std::to_string(n.map.size()));
      for (const auto& kv : n.map) {
        fnv(h, kv.first);
        hash_tree(h, kv.second);
      }
      break;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gen_path(const std::string& dir, int g) {
  return (fs::path(dir) / "generations" / fmt::format("{:04}.json", g)).string();
}

Json parse_json_file(const std::string& path) {
  try {
    return Json::parse(read_file(path));
  } catch (const std::exception& e) {
    throw InputError(FileLoc{path, 0, 0}, std::string("cannot read this calibration file: ") + e.what(),
                     "it was damaged outside geosim; delete it to recompute that generation");
  }
}

struct Stats {
  double mean = 0, sd = 0;
  double q[5] = {0, 0, 0, 0, 0};
};
constexpr double kQ[5] = {0.05, 0.25, 0.5, 0.75, 0.95};

// Weighted statistics of (value, weight) pairs.
Stats weighted_stats(std::vector<std::pair<double, double>> vw) {
  Stats s;
  double W = 0;
  for (auto& [v, w] : vw) {
    W += w;
    s.mean += w * v;
  }
  if (W <= 0) return s;
  s.mean /= W;
  double var = 0;
  for (auto& [v, w] : vw) var += w * (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(var / W);
  std::sort(vw.begin(), vw.end());
  for (int i = 0; i < 5; ++i) {
    double c = 0;
    s.q[i] = vw.back().first;
    for (auto& [v, w] : vw) {
      c += w;
      if (c >= kQ[i] * W) {
        s.q[i] = v;
        break;
      }
    }
  }
  return s;
}

Json stats_json(const Stats& s) {
  return Json{{"mean", s.mean}, {"sd", s.sd}, {"q05", s.q[0]}, {"q25", s.q[1]}, {"q50", s.q[2]}, {"q75", s.q[3]},
              {"q95", s.q[4]}};
}

}  // namespace

std::string calibration_settings(const AbcOptions& o) {
  return "seed=" + std::to_string(o.seed) + " particles=" + std::to_string(o.particles) +
         " alpha=" + shortest_double(o.alpha) + " min_acceptance=" + shortest_double(o.min_acceptance) +
         " max_generations=" + std::to_string(o.max_generations) + " target=" + shortest_double(o.target);
}

std::string calibration_fingerprint(const YNode& tree, const AbcOptions& o) {
  uint64_t h = 1469598103934665603ull;
  hash_tree(h, tree);
  fnv(h, calibration_settings(o));
  return fmt::format("{:016x}", h);
}

namespace {

// Why a folder's calibration is not this one: the settings that differ, as options
// (`--particles 4000`, this command's in parentheses), or the scenario when they agree.
std::string other_calibration(const Json& meta, const std::string& settings) {
  const std::string file = meta["scenario"].get<std::string>();
  if (settings.empty() || !meta.contains("settings") || !meta["settings"].is_string())
    return "of another scenario or with other settings (" + file + ")";
  const std::string then = meta["settings"].get<std::string>();
  if (then == settings) return "of another scenario, or of " + file + " as it was before a change";
  auto split = [](const std::string& text) {
    std::vector<std::pair<std::string, std::string>> kv;
    std::istringstream in(text);
    for (std::string w; in >> w;)
      if (auto eq = w.find('='); eq != std::string::npos) kv.push_back({w.substr(0, eq), w.substr(eq + 1)});
    return kv;
  };
  const auto a = split(then), b = split(settings);
  std::string diff;
  for (size_t k = 0; k < a.size() && k < b.size(); ++k)
    if (a[k].first == b[k].first && a[k].second != b[k].second) {
      std::string option = a[k].first;
      std::replace(option.begin(), option.end(), '_', '-');
      diff += (diff.empty() ? "" : ", ") + std::string("--") + option + " " + a[k].second +
              " (this command: " + b[k].second + ")";
    }
  if (diff.empty()) return "of another scenario or with other settings (" + file + ")";
  return "with other settings: " + diff + " (" + file + ")";
}

}  // namespace

CalibrationStore::CalibrationStore(const std::string& dir, const std::string& fingerprint,
                                   const std::string& scenario_file, bool resume, const std::string& settings)
    : dir_(dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw InputError(FileLoc{dir, 0, 0}, "--output names a file, not a folder", "name a folder for the calibration");
  check_result_folder(dir, ResultFolder::Calibration);  // before generations/ is made in it
  fs::create_directories(fs::path(dir) / "generations", ec);
  if (ec) throw InputError(FileLoc{dir, 0, 0}, "cannot create the output folder: " + ec.message());
  // Held for the whole calibration: a second calibrate (or sweep) into the folder is refused
  // at once instead of mixing generations.
  lock_ = std::make_unique<DirLock>(dir, "geosim calibrate");
  std::string meta = (fs::path(dir) / "calibration.json").string();
  // A calibration that saved no generation (stopped, or refused, before the first was
  // done) holds nothing to continue: it is started over with these settings.
  const bool saved_any = fs::exists(gen_path(dir, 0));
  if (fs::exists(meta)) {
    const Json j = parse_json_file(meta);
    // What geosim writes: an object of format 1 with the scenario's file and the fingerprint.
    if (!j.is_object() || j.value("format", Json()) != Json(1) || !j.contains("scenario") ||
        !j["scenario"].is_string() || !j.contains("fingerprint") || !j["fingerprint"].is_string())
      throw InputError(FileLoc{meta, 0, 0}, "not the calibration.json geosim writes (format 1, scenario, fingerprint)",
                       "it was damaged outside geosim; delete the folder to start over");
  }
  if (fs::exists(meta) && saved_any) {
    const Json j = parse_json_file(meta);
    if (j["fingerprint"].get<std::string>() != fingerprint)
      throw InputError(FileLoc{dir, 0, 0}, "this folder holds a calibration " + other_calibration(j, settings),
                       "choose another --output, or delete the folder");
    if (!resume)
      throw InputError(FileLoc{dir, 0, 0}, "this folder already holds this calibration",
                       "pass --resume to continue it, or choose another --output");
    return;
  }
  if (saved_any)
    throw InputError(FileLoc{dir, 0, 0}, "this folder holds generations of a calibration but no calibration.json",
                     "choose another --output, or delete the folder");
  Json j;
  j["format"] = 1;
  j["scenario"] = scenario_file;
  j["fingerprint"] = fingerprint;
  if (!settings.empty()) j["settings"] = settings;
  write_file_atomic(meta, j.dump(2) + "\n");
}

int CalibrationStore::load(const Scenario& sc, Calibration& cal) const { return load_calibration(dir_, sc, cal); }

namespace {

// Throws (std::runtime_error, which load_calibration turns into an InputError naming the
// file) unless generation file `g` holds what next_generation() can have written for `cal`:
// every field the later generations, posterior.csv or summary.json read is checked, so a
// file changed outside geosim is refused instead of read out of bounds or into wrong numbers.
void check_generation(const GenerationInfo& info, const Population& p, int g, const Calibration& cal) {
  auto fail = [](const std::string& what) { throw std::runtime_error(what); };
  if (info.generation != g)
    fail("it says it is generation " + std::to_string(info.generation) + ", but the file is generation " +
         std::to_string(g));
  if (p.dims != cal.population().dims || p.observations != cal.population().observations)
    fail("sizes do not match the scenario");
  const size_t N = static_cast<size_t>(cal.options().particles);
  const size_t D = static_cast<size_t>(p.dims), K = static_cast<size_t>(p.observations);
  // Every generation keeps exactly N particles (its pool is larger than N).
  if (p.weight.size() != N || p.distance.size() != N || p.address.size() != N || p.u.size() != N * D ||
      p.obs.size() != N * K || info.agree.size() != K)
    fail("the lengths of weight, distance, address, u, obs or agree do not match " + std::to_string(N) +
         " particles, " + std::to_string(D) + " parameters and " + std::to_string(K) + " observations");
  // The values geosim writes: weights finite, not negative, with a positive finite sum
  // (else the posterior would be NaN), and each u a probability.
  double total = 0;
  for (double w : p.weight) {
    if (!std::isfinite(w) || w < 0) fail("a weight is negative or not finite");
    total += w;
  }
  if (!(total > 0) || !std::isfinite(total)) fail("the weights do not have a positive finite sum");
  for (double u : p.u)
    if (!(u >= 0 && u <= 1)) fail("a u value lies outside [0, 1]");
  // A particle's distance is the largest of its observations' distances (each finite, not
  // negative), and the population is kept in order of distance; the tolerance is the last.
  for (size_t i = 0; i < N; ++i) {
    double d = 0;
    for (size_t k = 0; k < K; ++k) {
      const double o = p.obs[i * K + k];
      if (!(o >= 0) || !std::isfinite(o)) fail("an obs value is negative or not finite");
      d = std::max(d, o);
    }
    if (p.distance[i] != d) fail("distance " + std::to_string(i) + " is not the largest of its obs values");
    if (i > 0 && p.distance[i] < p.distance[i - 1]) fail("the distances are not in increasing order");
  }
  if (info.epsilon != (N > 0 ? p.distance.back() : 0.0)) fail("epsilon is not the largest distance kept");
  // Each particle was simulated once, by a run of this generation or an earlier one, whose
  // index lies within that generation's simulations.
  const uint64_t pool = static_cast<uint64_t>(cal.pool());
  const uint64_t M = g == 0 ? pool : pool - N;
  if (info.simulations != M)
    fail("simulations is " + std::to_string(info.simulations) + ", but a generation " + std::to_string(g) +
         " simulates " + std::to_string(M));
  std::vector<uint64_t> sorted = p.address;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) fail("an address appears twice");
  size_t fresh = 0;
  for (uint64_t a : p.address) {
    const uint64_t ag = a >> 32, index = a & 0xffffffffull;
    if (ag > static_cast<uint64_t>(g) || index >= (ag == 0 ? pool : pool - N))
      fail("address " + std::to_string(a) + " is not a run of this calibration's generations 0 to " +
           std::to_string(g));
    if (ag == static_cast<uint64_t>(g)) ++fresh;
  }
  // The summary numbers, computed as next_generation() computes them (the same bits).
  if (info.acceptance != static_cast<double>(fresh) / static_cast<double>(M))
    fail("acceptance is not the share of this generation's runs that were kept");
  double s1 = 0, s2 = 0;
  for (double w : p.weight) {
    s1 += w;
    s2 += w * w;
  }
  if (info.ess != (s2 > 0 ? s1 * s1 / s2 : 0)) fail("ess is not the effective sample size of the weights");
  for (double a : info.agree)
    if (!(a >= 0 && a <= 1)) fail("an agree value lies outside [0, 1]");
}

}  // namespace

int load_calibration(const std::string& dir_, const Scenario& sc, Calibration& cal) {
  (void)sc;
  std::vector<GenerationInfo> history;
  Population pop;
  std::string stop;
  int g = 0;
  for (;; ++g) {
    std::string path = gen_path(dir_, g);
    if (!fs::exists(path)) break;
    Json j = parse_json_file(path);
    try {
      // A calibration ends at the generation that gives a reason to stop: none follows it.
      if (!stop.empty())
        throw std::runtime_error("generation " + std::to_string(g - 1) +
                                 " ended the calibration (its `stop` is set), so no generation follows it");
      GenerationInfo info;
      info.generation = j.at("generation").get<int>();
      info.epsilon = j.at("epsilon").get<double>();
      info.acceptance = j.at("acceptance").get<double>();
      info.ess = j.at("ess").get<double>();
      info.simulations = j.at("simulations").get<uint64_t>();
      info.agree = j.at("agree").get<std::vector<double>>();
      stop = j.at("stop").get<std::string>();
      Population p;
      p.dims = j.at("dims").get<int>();
      p.observations = j.at("observations").get<int>();
      p.weight = j.at("weight").get<std::vector<double>>();
      p.distance = j.at("distance").get<std::vector<double>>();
      p.address = j.at("address").get<std::vector<uint64_t>>();
      p.u = j.at("u").get<std::vector<double>>();
      p.obs = j.at("obs").get<std::vector<double>>();
      check_generation(info, p, g, cal);
      history.push_back(info);
      pop = std::move(p);
    } catch (const std::exception& e) {
      throw InputError(FileLoc{path, 0, 0}, std::string("cannot read this generation: ") + e.what(),
                       "it was damaged outside geosim; delete it to recompute that generation");
    }
  }
  if (g > 0) cal.restore(std::move(pop), std::move(history), stop);
  return g;
}

void CalibrationStore::save(const Calibration& cal) const {
  const GenerationInfo& h = cal.history().back();
  const Population& p = cal.population();
  Json j;
  j["generation"] = h.generation;
  j["epsilon"] = h.epsilon;
  j["acceptance"] = h.acceptance;
  j["ess"] = h.ess;
  j["simulations"] = h.simulations;
  j["agree"] = h.agree;
  j["stop"] = cal.stop_reason();
  j["dims"] = p.dims;
  j["observations"] = p.observations;
  j["weight"] = p.weight;
  j["distance"] = p.distance;
  j["address"] = p.address;
  j["u"] = p.u;
  j["obs"] = p.obs;
  write_file_atomic(gen_path(dir_, h.generation), j.dump() + "\n");
}

std::string posterior_csv(const Scenario& sc, const Calibration& cal) {
  const Population& p = cal.population();
  std::string out = "weight";
  for (ParamId id : cal.params()) out += "," + csv_field(sc.params[static_cast<size_t>(id)].path);
  out += "\n";
  double W = 0;
  for (double w : p.weight) W += w;
  ParamValues v;
  const size_t D = static_cast<size_t>(p.dims);
  for (size_t i = 0; i < p.size(); ++i) {
    out += shortest_double(p.weight[i] / W);
    cal.values(p.u.data() + i * D, v);
    for (ParamId id : cal.params()) out += "," + shortest_double(v[static_cast<size_t>(id)]);
    out += "\n";
  }
  return out;
}

Json calibration_summary(const Scenario& sc, const Calibration& cal, const std::string& command) {
  const Population& p = cal.population();
  const AbcOptions& o = cal.options();
  Json j;
  j["scenario"] = sc.id;
  j["file"] = sc.file;
  j["method"] = "rejection ABC, then adaptive population Monte Carlo (Lenormand, Jabot & Deffuant 2013)";
  j["seed"] = o.seed;
  j["particles"] = o.particles;
  j["alpha"] = o.alpha;
  j["min_acceptance"] = o.min_acceptance;
  j["target_tolerance"] = o.target;
  j["stopped_because"] = cal.stop_reason();
  uint64_t sims = 0;
  for (const auto& h : cal.history()) sims += h.simulations;
  j["simulations"] = sims;
  Json gens = Json::array();
  for (const auto& h : cal.history())
    gens.push_back({{"generation", h.generation}, {"tolerance", h.epsilon}, {"acceptance_rate", h.acceptance},
                    {"ess", h.ess}, {"simulations", h.simulations}});
  j["generations"] = gens;
  Json obs = Json::array();
  double W = 0;
  for (double w : p.weight) W += w;
  for (size_t k = 0; k < sc.observations.size(); ++k) {
    const Observation& ob = sc.observations[k];
    double kept = 0;
    for (size_t i = 0; i < p.size(); ++i)
      if (p.obs[i * static_cast<size_t>(p.observations) + k] <= 1.0) kept += p.weight[i];
    const char* kind = ob.kind == Observation::Kind::Holds ? "holds" : ob.kind == Observation::Kind::Outcome ? "outcome" : "measure";
    Json oj{{"id", ob.id}, {"date", ob.date.str()}, {"kind", kind}};
    oj["prior_agreement"] = cal.history().front().agree[k];
    oj["posterior_agreement"] = W > 0 ? kept / W : 0.0;
    obs.push_back(oj);
  }
  j["observations"] = obs;
  Json params = Json::array();
  ParamValues v;
  const size_t D = static_cast<size_t>(p.dims);
  for (size_t k = 0; k < cal.params().size(); ++k) {
    const Param& pr = sc.params[static_cast<size_t>(cal.params()[k])];
    // The prior by quadrature over its quantile function (midpoints of 4000 equal slices).
    std::vector<std::pair<double, double>> prior;
    for (int i = 0; i < 4000; ++i) prior.emplace_back(pr.dist.quantile((i + 0.5) / 4000.0), 1.0);
    Stats ps = weighted_stats(prior);
    for (int i = 0; i < 5; ++i) ps.q[i] = pr.dist.quantile(kQ[i]);
    std::vector<std::pair<double, double>> post;
    for (size_t i = 0; i < p.size(); ++i) {
      cal.values(p.u.data() + i * D, v);
      post.emplace_back(v[static_cast<size_t>(cal.params()[k])], p.weight[i]);
    }
    params.push_back({{"path", pr.path}, {"distribution", pr.dist.describe()}, {"prior", stats_json(ps)},
                      {"posterior", stats_json(weighted_stats(post))}});
  }
  j["parameters"] = params;
  j["scenario_hash"] = sc.content_hash;
  if (!command.empty()) j["command"] = command;
  return j;
}

void CalibrationStore::finish(const Scenario& sc, const Calibration& cal, const std::string& command) const {
  write_file_atomic((fs::path(dir_) / "posterior.csv").string(), posterior_csv(sc, cal));
  write_file_atomic((fs::path(dir_) / "summary.json").string(), calibration_summary(sc, cal, command).dump(2) + "\n");
}

}  // namespace geosim
