// `geosim bargain`: expected-utility bargaining on one issue, round by round, told so that

#include <fmt/format.h>
// a student can follow who gave in to whom, and (with --runs) run many times over
// uncertain inputs to show how stable the forecast is. docs/bargaining.md explains it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/bargain_input.h"
#include "analysis/report/report.h"  // reproduce_command
#include "cli/common.h"
#include "engine/core/version.h"
#include "engine/model/model.h"
#include "engine/output/output.h"
#include "engine/runner/summary.h"
#include "engine/stance/bargaining_mc.h"

namespace geosim::cli {

namespace {

namespace b = bargaining;

// Keeps the per-run arrays (two doubles per run and round) within a few hundred MB.
constexpr uint64_t kMaxRunRounds = 20000000;

using bargain::Input;
using bargain::fmt;
using bargain::scenario_input;
using bargain::tell;

bool is_yaml(const std::string& path) {
  auto ends = [&](const std::string& s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".yaml") || ends(".yml");
}

std::string move_text(const b::Move& m, const std::vector<b::Actor>& actors) {
  const std::string partner = m.partner >= 0 ? actors[static_cast<size_t>(m.partner)].name : "";
  switch (m.kind) {
    case b::OfferKind::Confrontation:
      return "confronted by " + partner + ": expects to lose " + partner + "'s challenge, takes its position";
    case b::OfferKind::Compromise:
      return "compromises with " + partner + ": meets it part of the way";
    case b::OfferKind::Capitulation:
      return "capitulates to " + partner + ": gives in to " + partner + "'s position rather than fight";
    case b::OfferKind::None:
      break;
  }
  return "stays: no offer worth taking";
}

std::string lever_text(const Scenario& sc, const Lever& lv) {
  return lv.id + " (" + lever_kinds()[static_cast<size_t>(lv.kind)].name + ", " +
         sc.actors[static_cast<size_t>(lv.by)].id + " -> " + sc.actors[static_cast<size_t>(lv.target)].id + ")";
}

std::string percent(double v) { return fmt::format("{:+.1f}%", 100 * v); }

// Which levers act on the bargaining, what each does, and what they changed in the inputs.
std::string levers_table(const Input& in) {
  const Scenario& sc = *in.scenario;
  std::ostringstream os;
  // Step `at` counts from 0 (the steps taken before it): it covers the days of calendar
  // step at + 1 (StepCalendar), which the replay and every table call "week at + 1".
  const std::string unit = sc.unit == StepUnit::Week ? "week " : "day ";
  const std::string when = unit + std::to_string(in.at + 1) + " (" + sc.calendar().range(in.at + 1) + ")";
  if (in.applied.empty()) {
    os << "\nLevers: none acts on issue '" << in.issue << "' at " << when << ".\n";
  } else {
    os << "\nLevers active at " << when << " on issue '" << in.issue
       << "', held for every round (a round is " << in.steps_per_round << " steps):\n";
    for (const auto& a : in.applied) {
      const Lever& lv = sc.levers[static_cast<size_t>(a.lever)];
      os << "  " << lever_text(sc, lv) << ", strength " << fmt(a.strength) << ": ";
      std::vector<std::string> parts;
      if (a.capability != 0) parts.push_back("capability " + percent(a.capability));
      if (a.salience != 0) parts.push_back("salience " + percent(a.salience));
      if (a.pull != 0) {
        parts.push_back(fmt::format("pulls toward {} by {:.4f} of the gap per step", sc.actors[lv.by.index()].id, a.pull));
      }
      os << (parts.empty() ? "no effect on bargaining" : join(parts)) << "\n";
    }
    for (size_t i = 0; i < in.actors.size(); ++i) {
      const auto& a = in.actors[i];
      if (a.capability != in.base_capability[i] || a.salience != in.base_salience[i])
        os << "  => " << a.name << ": capability " << fmt(in.base_capability[i]) << " -> " << fmt(a.capability)
           << ", salience " << fmt(in.base_salience[i]) << " -> " << fmt(a.salience) << "\n";
    }
  }
  if (!in.not_active.empty()) {
    os << "Not active then:";
    for (size_t i = 0; i < in.not_active.size(); ++i) {
      const Lever& lv = sc.levers[static_cast<size_t>(in.not_active[i])];
      os << (i ? ", " : " ") << lv.id;
      if (in.not_active_zero[i])
        os << " (strength 0)";  // switched off: its dates do not matter
      else if (in.at < lv.start_step)
        os << " (from " << unit << lv.start_step + 1 << ", " << sc.calendar().range(lv.start_step + 1) << ")";
      else if (in.at >= lv.end_step) os << " (ended " << sc.calendar().last(lv.end_step) << ")";
      else os << " (strength 0)";
    }
    os << ". Use --at DATE to bargain at another time.\n";
  }
  return os.str();
}

std::string story_table(const Input& in, const std::string& file, const std::vector<b::Round>& rounds,
                        const std::vector<std::vector<double>>& before_pull) {
  std::ostringstream os;
  const auto& actors = in.actors;
  size_t width = 5;
  for (const auto& a : actors) width = std::max(width, a.name.size());
  os << "Expected-utility bargaining on " << file;
  if (in.kind == "scenario") os << ", issue '" << in.issue << "' (central values)";
  os << ": " << actors.size() << " actors, " << rounds.size() - 1 << " rounds.\n"
     << "Median: the position a capability x salience weighted majority prefers to every other.\n"
     << "Mean: the capability x salience weighted mean position.\n";
  if (in.kind == "scenario") os << levers_table(in);
  for (const auto& r : rounds) {
    os << "\nRound " << r.round << (r.round == 0 ? " (input)" : "") << "   median " << fmt(r.median) << "   mean "
       << fmt(r.mean) << "\n";
    const size_t t = static_cast<size_t>(r.round);
    if (t > 0 && t < before_pull.size())
      for (size_t k = 0; k < actors.size(); ++k) {
        const double to = r.moves[k].from;
        if (std::abs(to - before_pull[t][k]) < 5e-4) continue;  // not visible at three decimals
        std::string name = actors[k].name;
        name.resize(width, ' ');
        os << "  " << name << "  " << fmt(before_pull[t][k], 3, 8) << " -> " << fmt(to, 3, 8)
           << "   pulled by levers before the round\n";
      }
    for (size_t k = 0; k < actors.size(); ++k) {
      std::string name = actors[k].name;
      name.resize(width, ' ');
      if (r.round == 0) {
        os << "  " << name << "  " << fmt(r.positions[k], 3, 8) << "   (capability " << fmt(actors[k].capability, 2)
           << ", salience " << fmt(actors[k].salience, 2) << ")\n";
        continue;
      }
      const b::Move& m = r.moves[k];
      os << "  " << name << "  " << fmt(m.from, 3, 8) << " -> " << fmt(m.to, 3, 8) << "   " << move_text(m, actors)
         << "\n";
    }
  }
  os << "\nForecast after " << rounds.size() - 1 << " rounds: median " << fmt(rounds.back().median) << ", mean "
     << fmt(rounds.back().mean) << ".\n";
  return os.str();
}

Json rounds_json(const Input& in, const std::vector<b::Round>& rounds,
                 const std::vector<std::vector<double>>& before_pull) {
  Json out = Json::array();
  for (const auto& r : rounds) {
    Json j = {{"round", r.round}, {"median", r.median}, {"mean", r.mean}};
    const size_t t = static_cast<size_t>(r.round);
    if (t > 0 && t < before_pull.size()) {  // positions before and after the levers' pulls
      Json pulled = Json::object();
      for (size_t k = 0; k < in.actors.size(); ++k)
        if (r.moves[k].from != before_pull[t][k]) pulled[in.actors[k].name] = {before_pull[t][k], r.moves[k].from};
      j["pulled"] = pulled;
    }
    Json pos = Json::object();
    for (size_t k = 0; k < in.actors.size(); ++k) pos[in.actors[k].name] = r.positions[k];
    j["positions"] = pos;
    if (r.round > 0) {
      Json moves = Json::array();
      for (const auto& m : r.moves) {
        Json mj = {{"actor", in.actors[static_cast<size_t>(m.actor)].name}, {"offer", b::to_string(m.kind)}};
        mj["partner"] = m.partner >= 0 ? Json(in.actors[static_cast<size_t>(m.partner)].name) : Json(nullptr);
        mj["from"] = m.from;
        mj["to"] = m.to;
        moves.push_back(mj);
      }
      j["moves"] = moves;
    }
    out.push_back(j);
  }
  return out;
}

Json levers_json(const Input& in) {
  const Scenario& sc = *in.scenario;
  Json applied = Json::array();
  for (const auto& a : in.applied) {
    const Lever& lv = sc.levers[static_cast<size_t>(a.lever)];
    applied.push_back({{"id", lv.id}, {"kind", lever_kinds()[static_cast<size_t>(lv.kind)].name},
                       {"by", sc.actors[static_cast<size_t>(lv.by)].id},
                       {"target", sc.actors[static_cast<size_t>(lv.target)].id}, {"strength", a.strength},
                       {"capability_change", a.capability}, {"salience_change", a.salience},
                       {"pull_per_step", a.pull}});
  }
  Json not_active = Json::array();
  for (int l : in.not_active) not_active.push_back(sc.levers[static_cast<size_t>(l)].id);
  const StepCalendar cal = sc.calendar();
  return {{"step", in.at}, {"date", cal.last(in.at + 1)}, {"step_days", {cal.first_day(in.at + 1).str(), cal.last(in.at + 1)}},
          {"steps_per_round", in.steps_per_round},
          {"applied", applied}, {"not_active", not_active}};
}

Json quantiles_json(const b::Quantiles& q) {
  return {{"p5", q[0]}, {"p25", q[1]}, {"p50", q[2]}, {"p75", q[3]}, {"p95", q[4]}};
}

Json mc_json(const b::MonteCarloResult& r, uint64_t seed, double tolerance, double reference_final,
             const std::string& uncertainty) {
  Json rounds = Json::array();
  for (const auto& rd : r.rounds) {
    const Interval ci = wilson95(rd.changed, r.runs);
    rounds.push_back({{"round", rd.round},
                      {"median", quantiles_json(rd.median)},
                      {"mean", quantiles_json(rd.mean)},
                      {"changed", rd.changed},
                      {"changed_share", static_cast<double>(rd.changed) / static_cast<double>(r.runs)},
                      {"changed_ci95", {ci.lo, ci.hi}}});
  }
  const b::RoundDistribution& last = r.rounds.back();
  const Interval ci = wilson95(last.changed, r.runs);
  return {{"runs", r.runs},
          {"seed", seed},
          {"uncertainty", uncertainty},
          {"tolerance", tolerance},
          {"rounds", rounds},
          {"final_median_histogram", {{"lo", r.lo}, {"hi", r.hi}, {"counts", r.final_median_histogram}}},
          {"stability",
           {{"reference_final_median", reference_final},
            {"changed", last.changed},
            {"changed_share", static_cast<double>(last.changed) / static_cast<double>(r.runs)},
            {"changed_ci95", {ci.lo, ci.hi}}}},
          {"runs_without_range", r.no_range}};
}

std::string mc_table(const b::MonteCarloResult& r, uint64_t seed, double tolerance, double reference_final,
                     const std::string& uncertainty) {
  std::ostringstream os;
  os << "\nMonte Carlo: " << format_count(r.runs) << " runs, seed " << seed << "; " << uncertainty << ".\n"
     << "\n  round   median: p5      p25      p50      p75      p95  |  mean: p5      p50      p95"
     << "  | median moved > " << fmt(tolerance) << "\n";
  for (const auto& rd : r.rounds) {
    os << fmt::format("  {:5d}  {:10.3f} {:8.3f} {:8.3f} {:8.3f} {:8.3f}  | {:8.3f} {:8.3f} {:8.3f}  | {:6.1f}%\n",
                      rd.round, rd.median[0], rd.median[1], rd.median[2], rd.median[3], rd.median[4], rd.mean[0],
                      rd.mean[2], rd.mean[4], 100.0 * static_cast<double>(rd.changed) / static_cast<double>(r.runs));
  }
  os << "\nFinal median, histogram of the runs:\n";
  const auto& h = r.final_median_histogram;
  const uint64_t top = std::max<uint64_t>(1, *std::max_element(h.begin(), h.end()));
  const double w = (r.hi - r.lo) / static_cast<double>(h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    const bool last = i + 1 == h.size();
    os << fmt::format("  [{:8.3f}, {:8.3f}{} {:6.1f}%  ", r.lo + w * static_cast<double>(i),
                      last ? r.hi : r.lo + w * static_cast<double>(i + 1), last ? ']' : ')',
                      100.0 * static_cast<double>(h[i]) / static_cast<double>(r.runs))
       << std::string(static_cast<size_t>(40 * h[i] / top), '#') << "\n";
  }
  const b::RoundDistribution& last = r.rounds.back();
  const Interval ci = wilson95(last.changed, r.runs);
  os << "\nStability: " << fmt(100.0 * static_cast<double>(last.changed) / static_cast<double>(r.runs), 1)
     << "% of runs (95% interval " << fmt(100 * ci.lo, 1) << "-" << fmt(100 * ci.hi, 1)
     << "%) end with a median more than " << fmt(tolerance) << " from the unperturbed forecast "
     << fmt(reference_final) << ".\n";
  if (last.changed * 10 > r.runs)
    os << "The forecast is fragile: small changes to the inputs move it; read the histogram, not one number.\n";
  if (r.no_range > 0)
    os << format_count(r.no_range) << " runs drew the same position for everyone and did not bargain.\n";
  return os.str();
}

int bargain_command(const std::vector<std::string>& args) {
  po::options_description opts(
      "geosim bargain INPUT [options]\n\n"
      "Expected-utility bargaining (Bueno de Mesquita, as replicated by Scholz et al. 2011) on one\n"
      "issue. INPUT is a CSV with columns Actor,Capability,Position,Salience, or a scenario file\n"
      "(.yaml) whose actors' capability, salience and stance give the inputs.\n\nOptions");
  std::string file, format = "table", output, issue, at;
  int rounds = 10, threads = 0, bins = 20;
  uint64_t runs = 0, seed = 1;
  double perturb = -1, perturb_position = -1, tolerance = -1;
  std::vector<std::string> sets;
  opts.add_options()("help,h", "show this help")
      ("input", po::value<std::string>(&file), "the CSV or scenario file")
      ("rounds,r", po::value<int>(&rounds), "bargaining rounds after the input (default 10)")
      ("format,f", po::value<std::string>(&format), "table (default) or json")
      ("output,o", po::value<std::string>(&output), "write the result to this file instead of standard output")
      ("issue", po::value<std::string>(&issue), "scenario input: the issue's id (default: the first issue)")
      ("set", po::value<std::vector<std::string>>(&sets)->composing(),
       "scenario input: override a value, PATH=VALUE (repeatable)")
      ("at", po::value<std::string>(&at),
       "scenario input: apply the levers active at this date (YYYY-MM-DD) or step (default: the start)")
      ("runs,n", po::value<uint64_t>(&runs), "also run the model this many times over uncertain inputs")
      ("seed,s", po::value<uint64_t>(&seed), "random seed of the runs; the same seed gives the same bytes (default 1)")
      ("threads,t", po::value<int>(&threads), "threads to use (default: all cores; at most 4 per core); never changes results")
      ("perturb", po::value<double>(&perturb),
       "CSV input: sd of the jitter of capability and salience, and (times the position range) of positions "
       "(default 0.05)")
      ("perturb-position", po::value<double>(&perturb_position),
       "CSV input: sd of the position jitter as a share of the position range (default: --perturb)")
      ("tolerance", po::value<double>(&tolerance),
       "a run's median 'moved' when it differs from the unperturbed forecast by more than this "
       "(default 5% of the span)")
      ("bins", po::value<int>(&bins), "bins of the final-median histogram (default 20)");
  po::positional_options_description pos;
  pos.add("input", 1);
  auto vm = parse("bargain", args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << "\nExamples:\n  geosim bargain tests/data/ec_emissions.csv --rounds 10\n"
              << "  geosim bargain tests/data/ec_emissions.csv --format json\n"
              << "  geosim bargain tests/data/ec_emissions.csv --runs 10000 --perturb 0.05\n"
              << "  geosim bargain scenarios/teaching.yaml --runs 10000\n"
              << "  geosim bargain scenarios/teaching.yaml --at 2020-02-03\n";
    return kExitOk;
  }
  if (file.empty()) throw UsageError("bargain: which input? (geosim bargain FILE.csv|FILE.yaml; see --help)");
  if (format != "table" && format != "json")
    throw UsageError("bargain: --format must be table or json, got '" + format + "'");
  if (rounds < 0 || rounds > 100000) throw UsageError("bargain: --rounds must be in [0, 100000]");
  if (bins < 1 || bins > 1000) throw UsageError("bargain: --bins must be in [1, 1000]");
  if (runs > 0 && runs * (static_cast<uint64_t>(rounds) + 1) > kMaxRunRounds)
    throw UsageError("bargain: --runs x (--rounds + 1) is limited to " + format_count(kMaxRunRounds) +
                     " (every run's median and mean per round are kept for exact quantiles)");
  if (vm.count("perturb") && !(perturb >= 0 && perturb <= 1))
    throw UsageError("bargain: --perturb must be in [0, 1]");
  if (vm.count("perturb-position") && !(perturb_position >= 0 && perturb_position <= 1))
    throw UsageError("bargain: --perturb-position must be in [0, 1]");
  if (vm.count("tolerance") && !(tolerance >= 0 && std::isfinite(tolerance)))
    throw UsageError("bargain: --tolerance must be a number >= 0");
  // Options of the Monte Carlo alone: without --runs they would change nothing but the
  // command recorded in the output (the same numbers as different bytes).
  if (runs == 0)
    for (const char* o : {"seed", "bins", "tolerance", "perturb", "perturb-position"})
      if (vm.count(o))
        throw UsageError(std::string("bargain: --") + o +
                         " applies to the Monte Carlo over uncertain inputs; add --runs N (or leave it out)");
  apply_threads(threads, "bargain");
  check_distinct_paths({{"the input", file}}, {{"--output", output}});

  Input in;
  if (is_yaml(file)) {
    if (vm.count("perturb") || vm.count("perturb-position"))
      throw UsageError("bargain: --perturb is for CSV input; a scenario's uncertainty is in its distributions");
    scenario_input(in, file, sets, issue, at, seed);
    check_not_extended(in.scenario->extended, {{"--output", output}});
  } else {
    if (!issue.empty() || !sets.empty() || vm.count("at"))
      throw UsageError("bargain: --issue, --set and --at are for scenario input (.yaml); a CSV holds one issue");
    in.kind = "csv";
    in.actors = b::read_csv(file);
    const auto [mn, mx] = std::minmax_element(in.actors.begin(), in.actors.end(),
                                              [](const b::Actor& x, const b::Actor& y) { return x.position < y.position; });
    in.lo = mn->position;
    in.hi = mx->position;
    if (perturb < 0) perturb = 0.05;
    if (perturb_position < 0) perturb_position = perturb;
    in.draw = b::perturbation(in.actors, perturb, perturb_position, seed);
    in.uncertainty = "capability and salience jittered by a normal with sd " + fmt(perturb) +
                     ", positions by sd " + fmt(perturb_position * (in.hi - in.lo)) + ", truncated to their ranges";
  }
  if (tolerance < 0) tolerance = 0.05 * (in.hi - in.lo);

  std::vector<std::vector<double>> before_pull;  // positions before each round's lever pulls
  // Long inputs (hundreds of actors) take seconds a round: a progress line on stderr.
  Progress round_progress("bargaining rounds", false);
  const std::vector<b::Round> story =
      tell(in, rounds, before_pull, [&](int t) { round_progress.update(static_cast<uint64_t>(t), static_cast<uint64_t>(rounds)); });
  round_progress.finish();
  std::optional<b::MonteCarloResult> mc;
  if (runs > 0) {
    std::vector<double> reference;
    for (const auto& r : story) reference.push_back(r.median);
    b::MonteCarloOptions mo;
    mo.runs = runs;
    mo.rounds = rounds;
    mo.tolerance = tolerance;
    mo.bins = bins;
    mo.lo = in.lo;
    mo.hi = in.hi;
    Progress run_progress("runs", false);
    mo.progress = [&](uint64_t done) { run_progress.update(done, runs); };
    mc = b::monte_carlo(static_cast<int>(in.actors.size()), in.draw, reference, mo);
    run_progress.finish();
  }

  // What reproduces it (docs/output.md, "Reproducing a result").
  const std::string command = reproduce_command("bargain", args);
  const std::string hash = in.scenario ? in.scenario->content_hash : std::string();
  std::string text;
  if (format == "json") {
    Json j;
    j["geosim_version"] = kGeosimVersion;
    if (!hash.empty()) j["scenario_hash"] = hash;
    j["command"] = command;
    Json input = {{"file", file}, {"kind", in.kind}};
    if (in.kind == "scenario") {
      input["issue"] = in.issue;
      input["levers"] = levers_json(in);
    }
    Json actors = Json::array();
    for (size_t i = 0; i < in.actors.size(); ++i) {
      const auto& a = in.actors[i];
      actors.push_back({{"name", a.name}, {"capability", a.capability}, {"position", a.position},
                        {"salience", a.salience}});
      if (in.kind == "scenario") {  // before the levers moved them
        actors.back()["base_capability"] = in.base_capability[i];
        actors.back()["base_salience"] = in.base_salience[i];
      }
    }
    input["actors"] = actors;
    j["input"] = input;
    j["rounds"] = rounds_json(in, story, before_pull);
    if (mc) j["monte_carlo"] = mc_json(*mc, seed, tolerance, story.back().median, in.uncertainty);
    text = j.dump(2) + "\n";
  } else {
    text = story_table(in, file, story, before_pull);
    if (mc) text += mc_table(*mc, seed, tolerance, story.back().median, in.uncertainty);
    text += "\n" + reproduction_lines(command, seed, hash, "");
  }
  write_file_atomic(output.empty() ? "-" : output, text);  // ("-": polled, so Ctrl-C stops a stuck pipe)
  return kExitOk;
}

Register reg("bargain", "expected-utility bargaining on one issue, round by round, with Monte Carlo",
             bargain_command);

}  // namespace
}  // namespace geosim::cli
