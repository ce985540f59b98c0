// Expected-utility bargaining: Bueno de Mesquita's forecasting model as replicated by
// Scholz, Calbert & Smith (2011), documented in docs/bargaining.md.
//
// Actors with a capability, a salience and a position on one issue scale challenge,
// compromise with or give in to one another, round after round; the c·s-weighted median
// of the positions is the forecast. The replication's odd choices are kept on purpose so
// that its published EC emission-standards table is reproduced (see the design doc).
//
// Two layers: `step()` advances one round on raw arrays with caller-owned scratch and no
// heap allocation, because the Monte Carlo runner calls it millions of times over
// perturbed inputs; `simulate()` and `read_csv()` are the convenient, allocating front.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace geosim::bargaining {

struct Actor {
  std::string name;
  double capability = 0;  // share of power, in [0, 1]
  double position = 0;    // on the issue's own scale (e.g. years)
  double salience = 0;    // how much the issue matters to the actor, in [0, 1]
};

enum class OfferKind { None, Confrontation, Compromise, Capitulation };

// "confrontation", "compromise", "capitulation", "none".
std::string to_string(OfferKind kind);

// The offer an actor accepted in one round: it moved from `from` to `to` because of
// `partner` (an index into the actors). kind None: no offer, partner -1, from == to.
struct Move {
  int actor = -1;
  int partner = -1;
  OfferKind kind = OfferKind::None;
  double from = 0;
  double to = 0;
};

// The state after round `round` (round 0 is the input, with no moves); `moves[k]` is how
// actor k got from the previous round's positions to these.
struct Round {
  int round = 0;
  double median = 0;
  double mean = 0;
  std::vector<double> positions;
  std::vector<Move> moves;
};

class Workspace;

// One round on raw arrays of n actors: risk exponents, offers, each actor's choice, then
// every actor moves at once. `range` is R = max − min of the run's *initial* positions
// (kept fixed, as in the replication); it must be > 0 and at least the spread of
// `positions`, which holds for the initial R because moves never leave the initial span.
// `positions` is read, then overwritten with the new positions; `moves_out`, when not
// null, receives n moves. Allocates only if `ws` is smaller than n (so never once sized).
void step(const double* capability, const double* salience, double* positions, int n, double range,
          Workspace& ws, Move* moves_out);

// The distinct position that a c·s-weighted majority prefers to every other, found by the
// replication's scan in order of first appearance (see docs/bargaining.md).
double weighted_median(const double* positions, const double* capability, const double* salience,
                       int n, double range, Workspace& ws);

// Σ c s x / Σ c s; the unweighted mean when every weight is 0.
double weighted_mean(const double* positions, const double* capability, const double* salience,
                     int n);

// Round 0 (the input) and `rounds` further rounds. Needs at least 2 actors and two
// distinct positions (read_csv guarantees both).
// `on_round(t)`, when given, is called after round t (progress for long inputs).
std::vector<Round> simulate(const std::vector<Actor>& actors, int rounds,
                            const std::function<void(int)>& on_round = {});

// Reads the CSV every replication uses: header Actor,Capability,Position,Salience (any
// order, case-insensitive), cells trimmed, "quoted, cells" allowed, blank lines and lines
// starting with '#' skipped. Throws geosim::InputError listing every problem of the file
// with file:line:column. Only a regular file is read, and the file and its actors are
// bounded (CsvLimits): each round costs actors^3, so the limit keeps a round to seconds.
struct CsvLimits {
  uint64_t bytes = uint64_t{16} << 20;  // 16 MiB, as a scenario file
  int actors = 2000;                    // as a scenario's actors
};
std::vector<Actor> read_csv(const std::string& path, const CsvLimits& limits = {});

// Scratch for step() and weighted_median(), sized for up to capacity() actors. One per
// thread; its contents carry nothing from one call to the next.
class Workspace {
 public:
  Workspace() = default;
  explicit Workspace(int n) { reserve(n); }
  // Grows to hold n actors; never shrinks.
  void reserve(int n);
  int capacity() const { return capacity_; }

 private:
  friend void step(const double*, const double*, double*, int, double, Workspace&, Move*);
  friend double weighted_median(const double*, const double*, const double*, int, double,
                                Workspace&);

  int capacity_ = 0;
  std::vector<double> term_;      // n×n: c_k s_k (|x_k − x_a| / R)^r_k, row a
  std::vector<double> prob_;      // n×n: P(i, j), row i
  std::vector<double> weight_;    // c_k s_k
  std::vector<double> risk_;      // r_k
  std::vector<double> danger_;    // d_a
  std::vector<double> next_;      // positions chosen this round
  std::vector<double> distinct_;  // distinct positions, for the median
};

}  // namespace geosim::bargaining
