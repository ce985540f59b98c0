// The input of `geosim bargain`: a scenario's issue, its levers, and the central story.

#include <fmt/format.h>
#include "cli/bargain_input.h"

#include <algorithm>
#include <cstdio>

#include "cli/common.h"
#include "engine/core/dates.h"
#include "engine/stance/stance_models.h"

namespace geosim::cli::bargain {

std::string fmt(double v, int digits, int width) { return fmt::format("{:>{}.{}f}", v, width, digits); }

// The step that --at names: a date (YYYY-MM-DD) or a step number, within the horizon.
int parse_at(const std::string& text, const Scenario& sc) {
  const std::string last = sc.calendar().last(sc.horizon);
  const std::string want = "give a date from " + sc.start.str() + " to " + last + ", or a step from 0 to " +
                           std::to_string(sc.horizon - 1);
  long step = -1;
  if (auto d = parse_date(text)) {
    const int step_days = sc.unit == StepUnit::Week ? 7 : 1;
    const int days = d->days - sc.start.days;
    step = days < 0 ? -1 : days / step_days;
  } else if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 10) {
    step = std::stol(text);
  } else {
    throw UsageError("bargain: --at '" + text + "' is neither a date nor a step; " + want);
  }
  if (step < 0 || step >= sc.horizon)
    throw UsageError("bargain: --at " + text + " is outside the scenario (" + sc.start.str() + " to " + last + "); " +
                     want);
  return static_cast<int>(step);
}

namespace {

// Run r's inputs: the values run r of `geosim run` draws, the levers as the model sets them
// at step `at`, and the run's pulls between rounds. One per thread.
class ScenarioInputs : public b::RunInputs {
 public:
  ScenarioInputs(const Input& in, int k, uint64_t seed)
      : in_(in), k_(k), seed_(seed), push_(in.actors.size()) {
    in_.model->prepare(st_);
  }

  void draw(uint64_t run, double* capability, double* salience, double* position) override {
    const Model& model = *in_.model;
    model.init_run(st_, seed_, run);
    model.levers_at(st_, in_.at);
    model.issue_pulls(st_, k_, pulls_);
    bargaining_inputs(model.scenario(), st_, k_, capability, salience);
    const size_t n = in_.actors.size();
    for (size_t i = 0; i < n; ++i) position[i] = st_.x0[static_cast<size_t>(k_) * n + i];
  }

  bool moves_between_rounds() const override { return in_.moves_between_rounds; }

  void between_rounds(double* position) override {
    b::apply_pulls(pulls_, in_.steps_per_round, static_cast<int>(in_.actors.size()), in_.lo, in_.hi, position,
                   push_.data());
  }

 private:
  const Input& in_;
  int k_;
  uint64_t seed_;
  RunState st_;
  std::vector<b::Pull> pulls_;
  std::vector<double> push_;
};

}  // namespace

void scenario_input(Input& in, const std::string& file, const std::vector<std::string>& sets,
                    const std::string& issue_id, const std::string& at, uint64_t seed) {
  LoadOptions lo;
  lo.sets = sets;
  in.scenario = std::make_unique<Scenario>(load_scenario(file, lo));
  const Scenario& sc = *in.scenario;
  int k = 0;
  if (!issue_id.empty()) {
    std::vector<std::string> ids;
    k = -1;
    for (size_t i = 0; i < sc.issues.size(); ++i) {
      ids.push_back(sc.issues[i].id);
      if (sc.issues[i].id == issue_id) k = static_cast<int>(i);
    }
    if (k < 0) {
      std::string guess = closest_match(issue_id, ids);
      throw UsageError("bargain: no issue '" + issue_id + "' in " + file +
                       (guess.empty() ? "; issues: " + join(ids) : "; did you mean '" + guess + "'?"));
    }
  }
  const Issue& is = sc.issues[static_cast<size_t>(k)];
  in.kind = "scenario";
  in.issue = is.id;
  in.lo = is.lo;
  in.hi = is.hi;
  if (sc.actors.size() < 2)
    throw InputError(FileLoc{file, 0, 0}, "bargaining needs at least 2 actors, the scenario has " +
                                              std::to_string(sc.actors.size()));
  in.issue_index = k;
  in.at = at.empty() ? 0 : parse_at(at, sc);
  in.steps_per_round = is.bargaining_every;
  in.model = std::make_unique<Model>(sc);
  // The central run: every parameter at the median of its distribution, the levers active
  // at step `at` moving capability and salience as inside a run (bargaining_inputs).
  const Model& model = *in.model;
  RunState central;
  model.prepare(central);
  model.init_central(central);
  model.levers_at(central, in.at);
  model.issue_pulls(central, k, in.pulls);
  const size_t n = sc.actors.size();
  std::vector<double> capability(n), salience(n);
  bargaining_inputs(sc, central, k, capability.data(), salience.data());
  bool any_uncertain = false;
  for (size_t i = 0; i < n; ++i) {
    const Actor& a = sc.actors[i];
    const double position = central.x0[static_cast<size_t>(k) * n + i];
    in.actors.push_back({a.id, capability[i], position, salience[i]});
    in.base_capability.push_back(central.p[static_cast<size_t>(a.capability)]);
    in.base_salience.push_back(central.p[static_cast<size_t>(a.salience)]);
    for (ParamId id : {a.capability, a.salience, a.stance[static_cast<size_t>(k)]})
      any_uncertain |= !sc.params[static_cast<size_t>(id)].dist.is_constant();
  }
  bool levers_uncertain = false;
  for (size_t l = 0; l < sc.levers.size(); ++l) {
    const Lever& lv = sc.levers[l];
    if (lv.issue != k) continue;
    in.moves_between_rounds |= model.lever_in_window(l, in.at);
    if (!central.lever_active[l]) {
      in.not_active.push_back(static_cast<int>(l));
      in.not_active_zero.push_back(!(central.lever_s[l] > 0));
      continue;
    }
    const LeverEffect e = model.lever_effect(central, l);
    in.applied.push_back({static_cast<int>(l), e.strength, e.capability, e.salience, e.pull});
    for (ParamId id : {lv.intensity, lv.credibility, lv.enabled, lv.stance_push})
      levers_uncertain |= !sc.params[static_cast<size_t>(id)].dist.is_constant();
  }
  const auto [mn, mx] = std::minmax_element(in.actors.begin(), in.actors.end(),
                                            [](const b::Actor& x, const b::Actor& y) { return x.position < y.position; });
  if (mn->position == mx->position) {
    const Param& p = sc.params[static_cast<size_t>(sc.actors[0].stance[static_cast<size_t>(k)])];
    throw InputError(p.loc, "every actor's stance on issue '" + is.id + "' is " + fmt(mn->position) +
                                " (median of its distribution), so there is nothing to bargain over",
                     "give the actors different stances");
  }
  const std::string moved = in.applied.empty() ? "" : ", moved by the levers active at step " + std::to_string(in.at);
  in.uncertainty = any_uncertain || levers_uncertain
                       ? "inputs drawn from the scenario's distributions (capability, salience, stance on '" + is.id +
                             "'" + (in.applied.empty() ? "" : ", levers") + ")" + moved
                       : "the scenario's capability, salience and stance on '" + is.id + "'" +
                             (in.applied.empty() ? "" : " and its levers") + " are all fixed, so every run is the same";
  in.draw = [&in, k, seed]() -> std::unique_ptr<b::RunInputs> { return std::make_unique<ScenarioInputs>(in, k, seed); };
}

std::vector<b::Round> tell(const Input& in, int rounds, std::vector<std::vector<double>>& before_pull,
                           const std::function<void(int)>& on_round) {
  if (in.pulls.empty()) return b::simulate(in.actors, rounds, on_round);
  const int n = static_cast<int>(in.actors.size());
  std::vector<double> cap, sal, x, push(static_cast<size_t>(n));
  for (const auto& a : in.actors) {
    cap.push_back(a.capability);
    sal.push_back(a.salience);
    x.push_back(a.position);
  }
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  double range = *hi - *lo;
  b::Workspace ws(n);
  std::vector<b::Round> out;
  before_pull.assign(static_cast<size_t>(rounds) + 1, {});
  for (int t = 0; t <= rounds; ++t) {
    std::vector<b::Move> moves;
    if (t > 0) {
      before_pull[static_cast<size_t>(t)] = x;
      b::apply_pulls(in.pulls, in.steps_per_round, n, in.lo, in.hi, x.data(), push.data());
      const auto [l, h] = std::minmax_element(x.begin(), x.end());
      range = std::max(range, *h - *l);  // as inside a run: distances / R stay within [0, 1]
      moves.resize(static_cast<size_t>(n));
      b::step(cap.data(), sal.data(), x.data(), n, range, ws, moves.data());
    }
    out.push_back({t, b::weighted_median(x.data(), cap.data(), sal.data(), n, range, ws),
                   b::weighted_mean(x.data(), cap.data(), sal.data(), n), x, std::move(moves)});
    if (t > 0 && on_round) on_round(t);
  }
  return out;
}

}  // namespace geosim::cli::bargain
