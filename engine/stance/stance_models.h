// Stance models (mechanism M1), selected per issue with `stance_model:`.
//
// Friedkin-Johnsen (1990, 1999): x(t+1) = Lambda W x(t) + (I - Lambda) x(0), with W the
// row-stochastic influence matrix and Lambda = diag(1 - stubbornness). Lever pulls and noise
// are added by the caller. Its fixed point is x* = (I - Lambda W)^-1 (I - Lambda) x(0).
//
// Expected-utility bargaining (Bueno de Mesquita; Scholz, Calbert & Smith 2011): a round
// of challenges every `bargaining_every` steps, with capabilities and saliences of the run
// (levers move them: docs/bargaining.md).
#pragma once

#include <cstddef>

#include "engine/scenario/scenario.h"

namespace geosim {

struct RunState;
class Trace;

// One Friedkin-Johnsen step for n actors: xnext = Lambda W x + (I - Lambda) x0, with W
// stored by columns padded to n4 rows (Wt[j * n4 + i] = W_ij; n4 a multiple of 4, rows n..n4-1
// zero). Four rows are summed at a time in registers, so the loop vectorises (two SSE2 or
// one AVX2 operation per column), while each row still sums its terms in the order
// j = 0..n-1 starting from 0.0, and is then mixed with x0 as lambda_i (W x)_i + (1 - lambda_i)
// x0_i: the same bits as the textbook row-by-row loop. xnext and lambda hold n4 entries
// (lambda zero past n), x holds n; x0 is read for n4 entries (the values past n only reach
// xnext's padding).
void friedkin_johnsen_step(const double* Wt, const double* lambda, const double* x0, const double* x,
                           double* xnext, int n, int n4);

// A step's stances with their pulls and noise: x[i] = clamp(from[i] + push[i] + sd z[4 i],
// lo, hi) for the n actors, the two additions in that order (z is the run's noise, four
// steps per actor: RunState::noise_z). Four actors at a time, each lane the scalar
// expression's IEEE operations and std::clamp's comparisons, so the same bits. x may be
// `from` (updated in place); neither may overlap push or z.
void add_pull_noise_clamp(const double* from, const double* push, const double* z, double sd, double lo, double hi,
                          double* x, int n);

// The same with a sd per actor: x[i] = clamp(from[i] + push[i] + (noise f[i]) z[4 i], lo, hi).
void add_pull_noise_clamp_each(const double* from, const double* push, const double* z, double noise, const double* f,
                               double lo, double hi, double* x, int n);

// Scratch doubles (RunState::bscratch) the bargaining model needs for n actors.
size_t bargaining_scratch_size(int n);

// The bargaining inputs of issue k this step: each actor's capability and salience
// parameters moved by the levers active now on that issue (LeverKindInfo::bargaining):
// effective = base x (1 + sum of effect x intensity x credibility x enabled), clamped to
// [0, 1]. Reads st.lever_active, so call it after the step's lever update.
void bargaining_inputs(const Scenario& sc, const RunState& st, int k, double* capability, double* salience);

// One bargaining round on issue k of the run's stances (st.x), with R from the run's
// initial stances (st.x0) and the inputs above. No allocation once the thread's RunState
// has seen one round. With a trace (--replay), also tells it the round's moves at step t;
// the positions are the same bits with or without one.
void bargaining_round(const Scenario& sc, RunState& st, int k, Trace* trace = nullptr, int t = 0);

}  // namespace geosim
