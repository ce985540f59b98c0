#include "analysis/calibrate/posterior.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "analysis/calibrate/observe.h"
#include "engine/core/csv.h"
#include "engine/core/number_text.h"
#include "engine/core/parallel.h"
#include "engine/core/rng.h"
#include "engine/output/files.h"       // read_input_file
#include "engine/output/output.h"      // Json
#include "engine/output/run_limits.h"  // kMaxRuns
#include "engine/runner/monte_carlo.h"
#include "engine/runner/run_loop.h"

namespace geosim {

namespace {

constexpr uint32_t kStreamPosterior = stream_id("posterior:pick");

// One line of posterior.csv (engine/core/csv.h): its fields, and the column of each in cols.
const char* const kDamagedSummary = "it was damaged outside geosim; run `geosim calibrate` again";

std::vector<std::string> split_line(const std::string& line, const std::string& file, int line_no,
                                    std::vector<int>& cols) {
  std::vector<std::string> out;
  cols.clear();
  for (const CsvRow& row : split_csv(line, file, {}, line_no))
    for (const CsvCell& c : row) {
      out.push_back(c.text);
      cols.push_back(c.column);
    }
  return out;
}

// The calibration's summary.json beside its posterior, parsed, or null when there is none (a
// posterior made by hand). A regular file of at most 1 GiB, more than any calibration writes,
// read by the one reader of inputs (a FIFO put there never blocks it).
std::optional<Json> read_summary(const std::string& dir, std::string& file) {
  file = (std::filesystem::path(dir) / "summary.json").string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  const std::string text = read_input_file(file, uint64_t{1} << 30, "the calibration summary");
  Json j;
  try {
    j = Json::parse(text);
  } catch (const std::exception& e) {
    throw InputError(FileLoc{file, 0, 0}, std::string("cannot read this calibration summary: ") + e.what(),
                     kDamagedSummary);
  }
  if (!j.is_object())
    throw InputError(FileLoc{file, 0, 0}, "not the summary.json geosim writes (an object)", kDamagedSummary);
  return j;
}

}  // namespace

PosteriorSample load_posterior(const Scenario& sc, const std::string& dir) {
  PosteriorSample ps;
  ps.file = (std::filesystem::path(dir) / "posterior.csv").string();
  // Read line by line (a posterior may hold a million rows); only a regular file, so that a
  // FIFO named posterior.csv cannot hold the command forever, and at most 4 GiB (a million
  // particles of a hundred parameters is about 2.5 GB).
  constexpr uintmax_t kMaxPosteriorBytes = uintmax_t{4} << 30;
  std::error_code ec;
  if (std::filesystem::exists(ps.file, ec)) {
    if (!std::filesystem::is_regular_file(ps.file, ec))
      throw InputError(FileLoc{ps.file, 0, 0}, "not a regular file",
                       "--posterior names the --output folder of a finished `geosim calibrate`");
    if (std::filesystem::file_size(ps.file, ec) > kMaxPosteriorBytes)
      throw InputError(FileLoc{ps.file, 0, 0}, "larger than 4 GiB, more than any calibration writes",
                       "--posterior names the --output folder of a finished `geosim calibrate`");
  }
  std::ifstream in(ps.file, std::ios::binary);
  if (!in)
    throw InputError(FileLoc{ps.file, 0, 0}, "no posterior here",
                     "--posterior names the --output folder of a finished `geosim calibrate`");
  std::string line;
  std::vector<int> cols;
  // Lines end in LF or CRLF (a file saved by a spreadsheet on Windows): the CR is no part of
  // the last field.
  auto next_line = [&] {
    if (!std::getline(in, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  if (!next_line()) throw InputError(FileLoc{ps.file, 1, 1}, "the file is empty", "run `geosim calibrate` again");
  auto head = split_line(line, ps.file, 1, cols);
  if (head.empty() || head[0] != "weight")
    throw InputError(FileLoc{ps.file, 1, 1}, "the first column must be `weight`",
                     "this is not a posterior written by `geosim calibrate`");
  std::vector<ParamId> uncertain = sc.independent_params();
  // A column of a parameter that can change nothing here (a switched-off lever's, which a
  // posterior written before such parameters were left out may hold) is read and dropped.
  const std::vector<bool> inert =
      sc.format_version >= 2 ? sc.inert_params() : std::vector<bool>(sc.params.size(), false);
  std::vector<ParamId> col(head.size(), kNoParam);  // the parameter of each kept column
  for (size_t i = 1; i < head.size(); ++i) {
    ParamId id = sc.find_param(head[i]);
    if (id != kNoParam && inert[static_cast<size_t>(id)] && !sc.params[static_cast<size_t>(id)].dist.is_constant())
      continue;
    if (id == kNoParam || std::find(uncertain.begin(), uncertain.end(), id) == uncertain.end())
      throw InputError(FileLoc{ps.file, 1, cols[i]},
                       "'" + head[i] + "' is not an uncertain parameter of " + sc.file,
                       "the posterior was made from another scenario (or other --set values); calibrate this one");
    if (std::find(ps.params.begin(), ps.params.end(), id) != ps.params.end())
      throw InputError(FileLoc{ps.file, 1, cols[i]}, "'" + head[i] + "' has two columns",
                       "this is not a posterior written by `geosim calibrate`");
    col[i] = id;
    ps.params.push_back(id);
    ps.paths.push_back(head[i]);
  }
  // Each column holds draws under the prior it was calibrated with (summary.json names it): a
  // prior changed since, in the file or by --set, would take values it rules out, or weigh
  // them as it no longer does.
  std::string summary_file;
  if (const std::optional<Json> summary = read_summary(dir, summary_file))
    if (const auto list = summary->find("parameters"); list != summary->end() && list->is_array())
      for (const auto& entry : *list) {
        if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string() ||
            !entry.contains("distribution") || !entry["distribution"].is_string())
          continue;
        const auto at = std::find(head.begin() + 1, head.end(), entry["path"].get<std::string>());
        const size_t i = static_cast<size_t>(at - head.begin());
        if (at == head.end() || col[i] == kNoParam) continue;
        const std::string then = entry["distribution"].get<std::string>();
        const std::string now = sc.params[static_cast<size_t>(col[i])].dist.describe();
        if (then != now)
          throw InputError(FileLoc{ps.file, 1, cols[i]},
                           "'" + head[i] + "' was calibrated under the prior " + then + " (" + summary_file +
                               "), but here its prior is " + now,
                           "a posterior holds only under its prior: calibrate again with this one, or leave the "
                           "prior as it was (the scenario or a --set changed it)");
      }
  for (ParamId id : uncertain)
    if (std::find(ps.params.begin(), ps.params.end(), id) == ps.params.end())
      throw InputError(FileLoc{ps.file, 1, 1},
                       "the posterior has no column for '" + sc.params[static_cast<size_t>(id)].path +
                           "', an uncertain parameter of " + sc.file,
                       "the posterior was made from another scenario (or other --set values); calibrate this one");
  int ln = 1;
  double W = 0;
  while (next_line()) {
    ++ln;
    if (line.empty()) continue;
    auto f = split_line(line, ps.file, ln, cols);
    if (f.size() != head.size())
      throw InputError(FileLoc{ps.file, ln, 1}, "expected " + std::to_string(head.size()) + " fields, got " +
                                                    std::to_string(f.size()));
    for (size_t i = 0; i < f.size(); ++i) {
      double v = 0;
      if (!parse_finite(f[i], v) || (i == 0 && v < 0))
        throw InputError(FileLoc{ps.file, ln, cols[i]}, "'" + f[i] + "' is not a " +
                                                             (i == 0 ? "weight (a number >= 0)" : "finite number"));
      if (i > 0 && col[i] == kNoParam) continue;  // an inert parameter's column
      if (i > 0) {
        const Param& pr = sc.params[static_cast<size_t>(col[i])];
        if (!pr.range.contains(v))
          throw InputError(FileLoc{ps.file, ln, cols[i]}, pr.path + " = " + f[i] + " lies outside its range " +
                                                              pr.range.str());
      }
      if (i == 0) {
        ps.weight.push_back(v);
        // Draws take a particle by the running sum of the weights: one that overflows would
        // leave every draw to the last particle.
        if (!std::isfinite(W += v))
          throw InputError(FileLoc{ps.file, ln, cols[i]}, "the weights' sum passes the largest double here",
                           "scale the weights down (they need not sum to 1)");
      } else {
        ps.values.push_back(v);
      }
    }
  }
  if (ps.weight.empty() || !(W > 0))
    throw InputError(FileLoc{ps.file, ln, 1}, "the posterior holds no particle with a positive weight",
                     "run `geosim calibrate` again");
  return ps;
}

PosteriorDraw::PosteriorDraw(const PosteriorSample& sample, const Scenario& target, const Scenario* calibrated)
    : s_(sample) {
  double c = 0;
  for (double w : s_.weight) cum_.push_back(c += w);
  // The columns name parameters of the calibrated scenario; a variant shares their paths.
  for (size_t k = 0; k < s_.paths.size(); ++k) {
    const ParamId id = target.find_param(s_.paths[k]);
    if (id == kNoParam) continue;
    if (calibrated) {
      const Param& mine = target.params[static_cast<size_t>(id)];
      const Param& then = calibrated->params[static_cast<size_t>(s_.params[k])];
      if (mine.dist.describe() != then.dist.describe() || mine.factor != then.factor ||
          (mine.factor >= 0 && mine.correlation != then.correlation)) {
        own_.push_back(s_.paths[k]);
        continue;
      }
    }
    cols_.push_back({k, id});
  }
}

size_t PosteriorDraw::particle(uint64_t seed, uint64_t r) const {
  const double u = RunRng(seed, r).uniform(kStreamPosterior, 0) * cum_.back();
  size_t j = static_cast<size_t>(std::upper_bound(cum_.begin(), cum_.end(), u) - cum_.begin());
  return j >= cum_.size() ? cum_.size() - 1 : j;
}

void PosteriorDraw::fill(uint64_t seed, uint64_t r, ParamValues& out) const {
  const size_t j = particle(seed, r);
  const size_t D = s_.params.size();
  for (const auto& [k, id] : cols_) out[static_cast<size_t>(id)] = s_.values[j * D + k];
}

PosteriorEvidence posterior_evidence(const Scenario& sc, const std::string& dir) {
  PosteriorEvidence ev;
  ev.tolerance = std::numeric_limits<double>::quiet_NaN();
  auto all = [&] {
    ev.observations.clear();
    for (size_t i = 0; i < sc.observations.size(); ++i) ev.observations.push_back(static_cast<int>(i));
  };
  std::string file;
  const std::optional<Json> summary = read_summary(dir, file);
  if (!summary) {
    all();
    return ev;
  }
  const Json& j = *summary;
  const std::string fix = kDamagedSummary;
  if (const auto g = j.find("generations"); g != j.end() && g->is_array() && !g->empty() && g->back().is_object())
    if (const auto t = g->back().find("tolerance"); t != g->back().end() && t->is_number())
      ev.tolerance = t->get<double>();
  const auto obs = j.find("observations");
  if (obs == j.end() || !obs->is_array()) {
    all();
    return ev;
  }
  ev.listed = true;
  for (const auto& o : *obs) {
    if (!o.is_object() || !o.contains("id") || !o["id"].is_string())
      throw InputError(FileLoc{file, 0, 0}, "an entry of `observations` has no string `id`", fix);
    const std::string id = o["id"].get<std::string>();
    // An observation the scenario no longer has conditioned the parameters, but no path of
    // this scenario can be conditioned on it.
    for (size_t i = 0; i < sc.observations.size(); ++i)
      if (sc.observations[i].id == id &&
          std::find(ev.observations.begin(), ev.observations.end(), static_cast<int>(i)) == ev.observations.end())
        ev.observations.push_back(static_cast<int>(i));
  }
  std::sort(ev.observations.begin(), ev.observations.end());
  return ev;
}

static_assert(kMaxRuns <= kPathAttemptStride, "a retried path's address must not be another run's");
static_assert(kMaxPathAttempts < (uint64_t{1} << 24), "tries times the stride must stay below 2^64");

ConditionedResult run_conditioned(const Model& model, const ConditionedOptions& o) {
  const Scenario& sc = model.scenario();
  std::unique_ptr<PosteriorDraw> draw;
  if (o.posterior) draw = std::make_unique<PosteriorDraw>(*o.posterior, sc);
  // With a posterior, the observations it was calibrated on condition the path (tried again
  // until it agrees); the others reject runs. The probe reads both: the path's first.
  const bool retry = draw && !o.path_observations.empty();
  std::vector<int> which;
  if (retry) which = o.path_observations;
  which.insert(which.end(), o.observations.begin(), o.observations.end());
  const size_t P = retry ? o.path_observations.size() : 0;
  const uint64_t cap = std::clamp<uint64_t>(o.max_attempts, 1, kMaxPathAttempts);
  // Each run is one visit of the run loop (engine/runner/run_loop.h); the accumulators and
  // counts are integers, merged in thread order.
  struct Local {
    std::unique_ptr<Probe> probe;
    Accumulator acc;
    ParamValues fixed;
    std::vector<double> dist;
    uint64_t simulated = 0, attempts = 0, retried = 0, without_path = 0, rejected = 0;
  };
  auto make_local = [&] {
    auto s = std::make_unique<Local>();
    s->probe = std::make_unique<Probe>(model, which);
    s->acc = Accumulator(sc, sc.horizon);
    s->acc.track_ended();
    s->dist.assign(which.size(), 0.0);
    s->fixed.assign(sc.params.size(), std::numeric_limits<double>::quiet_NaN());
    return s;
  };
  auto one = [&](Local& s, uint64_t r) {
    const ParamValues* fixed = nullptr;
    if (draw) {
      draw->fill(o.seed, r, s.fixed);
      fixed = &s.fixed;
    }
    uint64_t address = r;
    bool agrees = true;
    if (retry) {
      // The parameters stay the particle's; the path (and whatever else the run draws, such
      // as a tied parameter's own part) is drawn again until it agrees.
      bool found = false;
      uint64_t k = 0;
      for (; k < cap && !found; ++k) {
        if (k > 0 && o.stop && o.stop->load(std::memory_order_relaxed)) return;  // nothing is written
        address = path_attempt_address(r, k);
        s.probe->run(o.seed, address, fixed, s.dist.data(), nullptr);
        found = true;
        for (size_t i = 0; i < P; ++i) found = found && s.dist[i] <= 1.0;
      }
      s.attempts += k;
      if (k > 1) ++s.retried;
      if (!found) {
        ++s.without_path;
        agrees = false;
      }
    } else if (!which.empty()) {
      s.probe->run(o.seed, r, fixed, s.dist.data(), nullptr);
    }
    // Runs that contradict an observation are simulated to their end and dropped: the
    // accumulator only sees runs that agree with every observation.
    if (agrees) {
      for (size_t i = P; i < which.size(); ++i) agrees = agrees && s.dist[i] <= 1.0;
      if (!agrees) ++s.rejected;
    }
    if (agrees) s.probe->run(o.seed, address, fixed, s.dist.data(), &s.acc);
    ++s.simulated;
  };
  ConditionedResult res;
  res.acc = Accumulator(sc, sc.horizon);
  res.simulated = 0;
  auto merge = [&res](Local& s) {
    s.acc.settle();
    res.acc.merge(s.acc);
    res.simulated += s.simulated;
    res.path_attempts += s.attempts;
    res.runs_retried += s.retried;
    res.runs_without_path += s.without_path;
    res.runs_rejected += s.rejected;
  };
  LambdaVisitor<Local, decltype(make_local), decltype(one), decltype(merge)> visitor{make_local, one, merge};
  LoopOptions lo;
  lo.block = kBlock;
  lo.stop = o.stop;
  const uint64_t pilot = retry && o.pilot_runs < o.runs ? o.pilot_runs : 0;
  if (pilot > 0) {
    // A block a run: the pilot's few runs may each take max_attempts paths, so all threads share them.
    LoopOptions plo = lo;
    plo.block = 1;
    if (o.progress) plo.progress = [&o](uint64_t d, uint64_t) { o.progress(d, o.runs); };
    for_each_run({0, pilot}, plo, visitor);
    if (res.runs_without_path == pilot) {
      res.stopped_after_pilot = true;
      return res;
    }
  }
  if (o.progress) lo.progress = [&o, pilot](uint64_t d, uint64_t) { o.progress(pilot + d, o.runs); };
  for_each_run({pilot, o.runs - pilot}, lo, visitor);
  return res;
}

}  // namespace geosim
