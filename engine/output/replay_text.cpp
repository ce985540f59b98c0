// One run told as a story: the --replay text of `geosim run`, shared with `geosim serve`.
#include "engine/output/replay_text.h"

#include <fmt/format.h>

#include <cstdio>
#include <vector>

#include "engine/output/numbers.h"
#include "engine/runner/monte_carlo.h"

namespace geosim {

namespace {

// Prints a run's history as sentences a student can follow.
class TextTrace : public Trace {
 public:
  TextTrace(const Scenario& sc, std::ostream& os) : sc_(sc), os_(os) {}
  void lever(int t, const Lever& l, bool active, const std::string& why) override {
    line(t) << (active ? "lever on:  " : "lever off: ") << l.id << " (" << lever_kinds()[static_cast<size_t>(l.kind)].name
            << ", " << sc_.actors[static_cast<size_t>(l.by)].id << " -> " << sc_.actors[static_cast<size_t>(l.target)].id
            << ")";
    if (!why.empty()) os_ << ": " << why;
    os_ << "\n";
  }
  void event(int t, const Event& e, bool has_outcome, bool ok) override {
    line(t) << "event: " << e.id;
    if (has_outcome)
      os_ << (ok ? " -> succeeds (" : " -> fails (") << sc_.outcomes[static_cast<size_t>(e.outcome)].id << ")";
    os_ << "\n";
  }
  void defections(int t, const Cohort& c, int newly, int total) override {
    line(t) << "defections: " << newly << " unit" << (newly == 1 ? "" : "s") << " of " << c.id << " ("
            << total << " of " << c.units << " gone)\n";
  }
  // "us decides (us_move): threaten; options threaten (utility 0.42, p 0.62), wait (0, 0.10)".
  void decision(int t, const Decision& d, int chosen, const double* u, const double* p) override {
    line(t) << sc_.actors[static_cast<size_t>(d.actor)].id << " decides (" << d.id
            << "): " << d.options[static_cast<size_t>(chosen)].id << "; options";
    for (size_t k = 0; k < d.options.size(); ++k)
      os_ << (k == 0 ? " " : ", ") << d.options[k].id << " (utility " << num(u[k]) << ", p " << num(p[k]) << ")";
    os_ << "\n";
  }
  void succession(int t, const Outcome& o, const std::string& who, const std::string& successor,
                  const std::string& why) override {
    line(t) << "RULER GOES: " << who << " - " << o.id << " (" << why << "); the regime goes on under " << successor
            << "\n";
  }
  void talks(int t, bool open) override { line(t) << (open ? "talks open\n" : "talks close\n"); }
  void end(int t, const Outcome& o, const std::string& why) override {
    line(t) << "END: " << o.id << " - " << o.label << " (" << why << ")\n";
  }
  // One line for the round and its forecast, then one per actor that moved (as `geosim
  // bargain` tells a round, without the actors that stayed).
  void bargaining(int t, const Issue& issue, const bargaining::Move* moves, int n, double before,
                  double after) override {
    std::vector<const bargaining::Move*> moved;
    for (int i = 0; i < n; ++i)
      if (moves[i].kind != bargaining::OfferKind::None && moves[i].to != moves[i].from) moved.push_back(&moves[i]);
    line(t) << "bargaining on " << issue.id << ", round " << (t + 1) / issue.bargaining_every << ": ";
    if (moved.empty()) {
      os_ << "nobody moves; forecast stays " << num(after) << "\n";
      return;
    }
    os_ << moved.size() << " of " << n << " actor" << (n == 1 ? "" : "s") << " move; forecast " << num(before)
        << " -> " << num(after) << "\n";
    for (const bargaining::Move* m : moved)
      line(t) << "  " << sc_.actors[static_cast<size_t>(m->actor)].id << " moves toward "
              << sc_.actors[static_cast<size_t>(m->partner)].id << " (" << bargaining::to_string(m->kind)
              << "): " << num(m->from) << " -> " << num(m->to) << "\n";
  }

 private:
  std::ostream& line(int t) {
    // Step t + 1 with the days it covers (StepCalendar: one calendar for every output).
    const std::string days = sc_.calendar().range(t + 1);
    if (sc_.unit == StepUnit::Day) return os_ << fmt::format("  day {:4d}  {}  ", t + 1, days);
    return os_ << fmt::format("  week {:3d}  {:<17}  ", t + 1, days);
  }
  static std::string num(double v) { return fixed(v, 3); }
  const Scenario& sc_;
  std::ostream& os_;
};

}  // namespace

void write_replay(std::ostream& os, const Scenario& sc, const Model& model, uint64_t seed, uint64_t run) {
  os << "Run " << run << " of '" << sc.id << "' (seed " << seed << "): one possible history.\n";
  RunState st;
  model.prepare(st);
  model.init_run(st, seed, run);
  auto uncertain = sc.uncertain_params();
  if (!uncertain.empty()) {
    os << "\nUncertain values drawn for this run:\n";
    for (ParamId id : uncertain) {
      os << "  " << sc.params[static_cast<size_t>(id)].path << " = " << fixed(st.p[id.index()], 3) << "   ("
                << sc.params[static_cast<size_t>(id)].dist.describe() << ")\n";
    }
  }
  os << "\nWhat happened:\n";
  TextTrace trace(sc, os);
  RunState final_state;
  int outcome = replay_run(model, seed, run, trace, &final_state);
  os << "\nState at the end:\n";
  for (int v : sc.fans) {
    os << fmt::format("  {:<24} {:.3f}\n", sc.vars[static_cast<size_t>(v)].name, final_state.vars[static_cast<size_t>(v)]);
  }
  os << "\nTo replay exactly this run: geosim run " << sc.file << " --seed " << seed << " --replay " << run
            << "\n";
  (void)outcome;
}

}  // namespace geosim
