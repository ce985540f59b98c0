#include "engine/stance/bargaining.h"

#include "engine/scenario/number_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "engine/core/csv.h"
#include "engine/core/error.h"
#include "engine/core/number_text.h"
#include "engine/core/text_file.h"

namespace geosim::bargaining {

namespace {

// Weight of the status quo in the expected utility (Q in the design doc).
constexpr double kStatusQuoWeight = 1.0;

// x^r for the bases used here (in [0, 1], r > 0). pow dominates a step's cost, so skip it
// where the answer is exact anyway: r == 1 is every risk-phase call, and x == 0 is every
// actor paired with itself or with an actor at the same position.
inline double power(double x, double r) { return (r == 1.0 || x == 0.0) ? x : std::pow(x, r); }

// EU_e(i→j) given P(i, j), the target's salience s_j, the distance |x_i − x_j| / R and
// the evaluator's exponent r_e with its precomputed U_sq.
inline double expected_utility(double p, double s_target, double dist, double r_e, double u_sq) {
  const double u_s = 2.0 - 4.0 * power(0.5 - 0.5 * dist, r_e);
  const double u_f = 2.0 - 4.0 * power(0.5 + 0.5 * dist, r_e);
  return s_target * (p * u_s + (1.0 - p) * u_f) + (1.0 - s_target) * u_s - kStatusQuoWeight * u_sq;
}

inline double status_quo_utility(double r_e) { return 2.0 - 4.0 * power(0.5, r_e); }

// P(i, j) for all pairs into `prob` (row i), with votes using exponent risk[k].
// Row a of `term` holds every voter's weighted distance to x_a, T[a][k] =
// w_k (|x_k − x_a| / R)^r_k, so k's vote for x_a over x_b is T[b][k] − T[a][k]: the n^2
// pow calls are made once and the O(n^3) vote sums are contiguous, branch-free
// subtractions. v_k(b, a) = −v_k(a, b), so each unordered pair is visited once: the
// positive parts sum to P(a, b)'s numerator, the negative parts to P(b, a)'s, and |v|
// counts twice toward D, which sums over all *ordered* pairs (the replication's
// normaliser, flagged in the design doc: P(i, j) + P(j, i) != 1).
void probabilities(const double* x, const double* weight, const double* risk, int n,
                   double inv_range, double* term, double* prob) {
  for (int a = 0; a < n; ++a) {
    double* t = term + static_cast<size_t>(a) * n;
    for (int k = 0; k < n; ++k)
      t[k] = weight[k] * power(std::abs(x[k] - x[a]) * inv_range, risk[k]);
  }
  double total = 0.0;
  for (int a = 0; a < n; ++a) {
    const double* ta = term + static_cast<size_t>(a) * n;
    prob[static_cast<size_t>(a) * n + a] = 0.0;
    for (int b = a + 1; b < n; ++b) {
      const double* tb = term + static_cast<size_t>(b) * n;
      double for_a = 0.0, for_b = 0.0;
      for (int k = 0; k < n; ++k) {
        const double v = tb[k] - ta[k];  // k's vote for x_a over x_b
        for_a += std::max(v, 0.0);
        for_b += std::max(-v, 0.0);
      }
      prob[static_cast<size_t>(a) * n + b] = for_a;
      prob[static_cast<size_t>(b) * n + a] = for_b;
      total += for_a + for_b;
    }
  }
  total *= 2.0;
  // D == 0 only when nobody's vote counts (all weights 0, or one position): no one prevails.
  const double inv_total = total > 0 ? 1.0 / total : 0.0;
  for (size_t m = 0; m < static_cast<size_t>(n) * n; ++m) prob[m] *= inv_total;
}

}  // namespace

std::string to_string(OfferKind kind) {
  switch (kind) {
    case OfferKind::Confrontation:
      return "confrontation";
    case OfferKind::Compromise:
      return "compromise";
    case OfferKind::Capitulation:
      return "capitulation";
    case OfferKind::None:
      break;
  }
  return "none";
}

void Workspace::reserve(int n) {
  if (n <= capacity_) return;
  const size_t sq = static_cast<size_t>(n) * n;
  term_.resize(sq);
  prob_.resize(sq);
  weight_.resize(n);
  risk_.resize(n);
  danger_.resize(n);
  next_.resize(n);
  distinct_.resize(n);
  capacity_ = n;
}

void step(const double* capability, const double* salience, double* positions, int n, double range,
          Workspace& ws, Move* moves_out) {
  GEOSIM_CHECK(n >= 0, "negative actor count");
  GEOSIM_CHECK(range > 0, "bargaining range must be positive (two distinct initial positions)");
  if (n == 0) return;
  ws.reserve(n);
  const double* x = positions;
  const double inv_range = 1.0 / range;
  double* w = ws.weight_.data();
  double* r = ws.risk_.data();
  double* d = ws.danger_.data();
  double* next = ws.next_.data();
  double* term = ws.term_.data();
  double* prob = ws.prob_.data();
  const auto P = [&](int i, int j) { return prob[static_cast<size_t>(i) * n + j]; };

  for (int k = 0; k < n; ++k) w[k] = capability[k] * salience[k];

  // 1. Risk: dangers are evaluated with every exponent 1 (so U_sq = 0), then all
  // exponents are replaced at once.
  for (int k = 0; k < n; ++k) r[k] = 1.0;
  probabilities(x, w, r, n, inv_range, term, prob);
  double d_max = -HUGE_VAL, d_min = HUGE_VAL;
  for (int a = 0; a < n; ++a) {
    double sum = 0.0;
    for (int b = 0; b < n; ++b) {
      if (b == a) continue;
      sum += expected_utility(P(b, a), salience[a], std::abs(x[b] - x[a]) * inv_range, 1.0,
                              status_quo_utility(1.0));
    }
    d[a] = sum;
    d_max = std::max(d_max, sum);
    d_min = std::min(d_min, sum);
  }
  // All dangers equal (e.g. a symmetric pair): the doc's formula is 0/0; everyone is then
  // equally exposed, so every actor stays risk-neutral (R_a = 0, r_a = 1).
  const double spread = d_max - d_min;
  for (int a = 0; a < n; ++a) {
    const double rel = spread > 0 ? (2.0 * d[a] - d_max - d_min) / spread : 0.0;
    r[a] = (1.0 - rel / 3.0) / (1.0 + rel / 3.0);
  }

  // 2.–3. Offers seen by each actor with the new exponents, and its choice among them.
  probabilities(x, w, r, n, inv_range, term, prob);
  for (int i = 0; i < n; ++i) {
    const double xi = x[i];
    const double u_sq = status_quo_utility(r[i]);
    // Best offer of each kind so far; strict comparisons keep the first j on ties.
    int conf_j = -1, comp_j = -1, cap_j = -1;
    double conf_key = 0, comp_key = 0, cap_key = 0, comp_to = 0;
    for (int j = 0; j < n; ++j) {
      const double xj = x[j];
      if (xj == xi) continue;
      const double dist = std::abs(xj - xi) * inv_range;
      const double eu_ij = expected_utility(P(i, j), salience[j], dist, r[i], u_sq);
      const double eu_ji = expected_utility(P(j, i), salience[i], dist, r[i], u_sq);
      if (eu_ji > eu_ij && eu_ij > 0) {
        if (conf_j < 0 || dist < conf_key) {
          conf_j = j;
          conf_key = dist;
        }
      } else if (eu_ji > 0 && 0 > eu_ij) {
        const double a_ij = -eu_ij;  // |eu_ij|
        if (eu_ji > a_ij) {
          // The replication ranks compromises by this eu-weighted point (smallest
          // wins), not by the distance moved that the papers describe; kept so the
          // published table is reproduced.
          const double key = (a_ij * xi + eu_ji * xj) / (a_ij + eu_ji);
          if (comp_j < 0 || key < comp_key) {
            comp_j = j;
            comp_key = key;
            comp_to = xi + (xj - xi) * (a_ij / eu_ji);
          }
        } else if (eu_ji < a_ij) {
          if (cap_j < 0 || dist < cap_key) {
            cap_j = j;
            cap_key = dist;
          }
        }
      }
    }
    Move m{i, -1, OfferKind::None, xi, xi};
    if (conf_j >= 0) {
      m = Move{i, conf_j, OfferKind::Confrontation, xi, x[conf_j]};
    } else if (comp_j >= 0) {
      m = Move{i, comp_j, OfferKind::Compromise, xi, comp_to};
    } else if (cap_j >= 0) {
      m = Move{i, cap_j, OfferKind::Capitulation, xi, x[cap_j]};
    }
    next[i] = m.to;
    if (moves_out) moves_out[i] = m;
  }

  // 4. Everyone chose from the old positions; now all move at once.
  std::copy(next, next + n, positions);
}

double weighted_median(const double* positions, const double* capability, const double* salience,
                       int n, double range, Workspace& ws) {
  GEOSIM_CHECK(n > 0, "median of no actors");
  GEOSIM_CHECK(range > 0, "bargaining range must be positive");
  ws.reserve(n);
  double* distinct = ws.distinct_.data();
  int count = 0;
  for (int k = 0; k < n; ++k) {
    if (std::find(distinct, distinct + count, positions[k]) == distinct + count) {
      distinct[count++] = positions[k];
    }
  }
  const double inv_range = 1.0 / range;
  double best = distinct[0];
  for (int m = 1; m < count; ++m) {
    const double challenger = distinct[m];
    double votes = 0.0;  // for the challenger over the incumbent, exponent 1
    for (int k = 0; k < n; ++k) {
      votes += capability[k] * salience[k] *
               (std::abs(positions[k] - best) - std::abs(positions[k] - challenger)) * inv_range;
    }
    if (votes > 0) best = challenger;
  }
  return best;
}

double weighted_mean(const double* positions, const double* capability, const double* salience,
                     int n) {
  GEOSIM_CHECK(n > 0, "mean of no actors");
  double num = 0.0, den = 0.0, plain = 0.0;
  for (int k = 0; k < n; ++k) {
    const double w = capability[k] * salience[k];
    num += w * positions[k];
    den += w;
    plain += positions[k];
  }
  return den > 0 ? num / den : plain / n;
}

std::vector<Round> simulate(const std::vector<Actor>& actors, int rounds, const std::function<void(int)>& on_round) {
  const int n = static_cast<int>(actors.size());
  GEOSIM_CHECK(n >= 2, "bargaining needs at least 2 actors");
  GEOSIM_CHECK(rounds >= 0, "negative number of rounds");
  std::vector<double> cap(n), sal(n), x(n);
  for (int k = 0; k < n; ++k) {
    cap[k] = actors[k].capability;
    sal[k] = actors[k].salience;
    x[k] = actors[k].position;
  }
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  const double range = *hi - *lo;  // from the initial positions, fixed for the run
  GEOSIM_CHECK(range > 0, "bargaining needs two distinct initial positions");

  Workspace ws(n);
  std::vector<Round> out;
  out.reserve(static_cast<size_t>(rounds) + 1);
  auto record = [&](int t, std::vector<Move> moves) {
    out.push_back(Round{t, weighted_median(x.data(), cap.data(), sal.data(), n, range, ws),
                        weighted_mean(x.data(), cap.data(), sal.data(), n), x, std::move(moves)});
  };
  record(0, {});
  for (int t = 1; t <= rounds; ++t) {
    std::vector<Move> moves(n);
    step(cap.data(), sal.data(), x.data(), n, range, ws, moves.data());
    record(t, std::move(moves));
    if (on_round) on_round(t);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// CSV input

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The whole cell as a finite number (engine/core/number_text.h).
bool parse_number(const std::string& s, double& out) { return parse_finite(s, out); }

std::string format_number(double v) { return fmt::format("{:g}", v); }

enum Column { kActor, kCapability, kPosition, kSalience, kColumns };
const char* const kColumnNames[kColumns] = {"Actor", "Capability", "Position", "Salience"};
const char* const kHeaderHint = "expected header 'Actor,Capability,Position,Salience'";

}  // namespace

std::vector<Actor> read_csv(const std::string& path, const CsvLimits& limits) {
  // A regular file of bounded size (never a FIFO or a device), in UTF-8: actor names reach
  // the JSON output, which must not fail after the computation.
  FileRead file = try_read_regular_file(path, static_cast<size_t>(limits.bytes));
  if (file.problem == FileProblem::Missing)
    throw InputError(FileLoc{display_path(path), 0, 0}, "cannot open file", "check the path");
  if (file.problem != FileProblem::None)
    throw InputError(FileLoc{display_path(path), 0, 0}, file_problem_message(file, static_cast<size_t>(limits.bytes)),
                     file_problem_hint(file.problem, "a table of actors is a few kilobytes; is this the right file?"));
  const std::string& text = file.text;
  if (size_t bad = find_invalid_utf8(text); bad != std::string::npos)
    throw InputError(loc_of_offset(display_path(path), text, bad), "invalid UTF-8", "save the file as UTF-8");
  // Lines starting with '#' are comments; blanks around a cell are dropped, so that a
  // hand-aligned table reads; a quoted cell keeps names like "Korea, South" whole.
  const std::vector<CsvRow> rows = split_csv(text, path, CsvDialect{true, true});

  Diagnostics diag;
  std::vector<Actor> actors;
  int index[kColumns] = {-1, -1, -1, -1};  // column index of each field in the file
  size_t header_cells = 0;
  bool have_header = false;
  int data_rows = 0;
  std::unordered_map<std::string, int> first_line_of;  // actor name -> line

  for (const CsvRow& cells : rows) {
    const int line_no = cells.front().line;
    if (!have_header) {
      have_header = true;
      header_cells = cells.size();
      std::vector<std::string> known;
      bool guessed[kColumns] = {false, false, false, false};  // named by a did-you-mean
      for (const char* name : kColumnNames) known.push_back(lower(name));
      for (size_t c = 0; c < cells.size(); ++c) {
        const std::string name = lower(cells[c].text);
        const FileLoc loc{path, line_no, cells[c].column};
        const auto it = std::find(known.begin(), known.end(), name);
        if (it == known.end()) {
          const std::string guess = closest_match(name, known);
          const auto g = std::find(known.begin(), known.end(), guess) - known.begin();
          if (guess.empty()) {
            diag.error(loc, "unknown column '" + cells[c].text + "'", kHeaderHint);
          } else {
            guessed[g] = true;
            diag.error(loc, "unknown column '" + cells[c].text + "'",
                       "did you mean '" + std::string(kColumnNames[g]) + "'?");
          }
        } else if (index[it - known.begin()] >= 0) {
          diag.error(loc, "duplicate column '" + cells[c].text + "'", kHeaderHint);
        } else {
          index[it - known.begin()] = static_cast<int>(c);
        }
      }
      for (int f = 0; f < kColumns; ++f) {
        // A typo already reported with its did-you-mean need not be reported twice.
        if (index[f] < 0 && !guessed[f]) {
          diag.error(FileLoc{path, line_no, 1},
                     "header lacks column '" + std::string(kColumnNames[f]) + "'", kHeaderHint);
        }
      }
      diag.throw_if_any();  // without a usable header the rows cannot be read
      continue;
    }

    if (++data_rows > limits.actors) {
      diag.error(FileLoc{path, line_no, 1},
                 "more than " + std::to_string(limits.actors) + " actors, over the limit of " +
                     std::to_string(limits.actors),
                 "each bargaining round takes time in the cube of the actors; merge small actors into blocs");
      diag.throw_if_any();
    }
    if (cells.size() != header_cells) {
      const int col = cells.size() < header_cells ? cells.back().end_column : cells[header_cells].column;
      diag.error(FileLoc{path, line_no, col},
                 "expected " + std::to_string(header_cells) + " cells, got " +
                     std::to_string(cells.size()),
                 "rows need one cell per header column");
      continue;
    }
    Actor actor;
    bool ok = true;
    const CsvCell& name = cells[index[kActor]];
    actor.name = name.text;
    if (actor.name.empty()) {
      diag.error(FileLoc{path, line_no, name.column}, "actor name is empty",
                 "give every actor a name");
      ok = false;
    } else if (find_control(actor.name) != std::string::npos) {
      // A NUL, an escape or a line break would reach the table and the JSON as they are.
      diag.error(FileLoc{path, line_no, name.column}, "actor name holds a control character",
                 "names are printable text");
      ok = false;
    } else if (auto [it, fresh] = first_line_of.emplace(actor.name, line_no); !fresh) {
      diag.error(FileLoc{path, line_no, name.column}, "duplicate actor '" + actor.name + "'",
                 "first defined on line " + std::to_string(it->second));
      ok = false;
    }
    auto share = [&](Column f, const char* what, double& out) {
      const CsvCell& cell = cells[index[f]];
      if (!parse_number(cell.text, out) || out < 0.0 || out > 1.0) {
        diag.error(FileLoc{path, line_no, cell.column},
                   std::string(what) + " must be a number in [0, 1], got '" + cell.text + "'");
        ok = false;
      }
    };
    share(kCapability, "capability", actor.capability);
    const CsvCell& pos = cells[index[kPosition]];
    if (!parse_number(pos.text, actor.position) || std::fabs(actor.position) > kMaxMagnitude) {
      diag.error(FileLoc{path, line_no, pos.column},
                 "position must be a finite number within +-1e9, got '" + pos.text + "'",
                 "positions are on the issue's own scale; rescale them, for example to [0, 100]");
      ok = false;
    }
    share(kSalience, "salience", actor.salience);
    if (ok) actors.push_back(std::move(actor));
  }

  if (!have_header) {
    diag.error(FileLoc{path, 0, 0}, "file has no header", kHeaderHint);
  } else if (data_rows < 2) {
    diag.error(FileLoc{path, 0, 0}, "need at least 2 actors, got " + std::to_string(data_rows),
               "bargaining needs someone to bargain with");
  } else if (diag.empty()) {
    // Whole-file checks only make sense once every row is valid.
    const auto [lo, hi] =
        std::minmax_element(actors.begin(), actors.end(),
                            [](const Actor& a, const Actor& b) { return a.position < b.position; });
    if (lo->position == hi->position) {
      diag.error(FileLoc{path, 0, 0},
                 "all actors hold the same position " + format_number(lo->position) +
                     ", so the issue range is 0",
                 "bargaining needs at least two distinct positions");
    }
    if (!std::isfinite(hi->position - lo->position)) {
      diag.error(FileLoc{path, 0, 0},
                 "positions from " + format_number(lo->position) + " to " + format_number(hi->position) +
                     " span more than a number can hold",
                 "rescale the positions, for example to [0, 100]");
    }
    const bool any_weight = std::any_of(actors.begin(), actors.end(), [](const Actor& a) {
      return a.capability > 0 && a.salience > 0;
    });
    if (!any_weight) {
      diag.error(FileLoc{path, 0, 0}, "every actor has zero capability or zero salience",
                 "at least one actor needs both above 0 for any vote to count");
    }
  }
  diag.throw_if_any();
  return actors;
}

}  // namespace geosim::bargaining
