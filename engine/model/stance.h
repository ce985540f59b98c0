// Stance models (mechanism M1), selected per issue with `stance_model:`.
//
// Friedkin-Johnsen (1990, 1999): x(t+1) = Lambda W x(t) + (I - Lambda) x(0), with W the
// row-stochastic influence matrix and Lambda = diag(1 - stubbornness). Lever pulls and noise
// are added by the caller. Its fixed point is x* = (I - Lambda W)^-1 (I - Lambda) x(0).
//
// Expected-utility bargaining (Bueno de Mesquita; Scholz, Calbert & Smith 2011): a round
// of challenges every `bargaining_every` steps, with capabilities and saliences of the run
// (levers move them: docs/model.md).
#pragma once

#include <cstddef>

#include "engine/scenario/scenario.h"

namespace geosim {

struct RunState;

// One Friedkin-Johnsen step for n actors: xnext = Lambda W x + (I - Lambda) x0.
inline void friedkin_johnsen_step(const double* W, const double* lambda, const double* x0, const double* x,
                                  double* xnext, int n) {
  for (int i = 0; i < n; ++i) {
    const double* row = W + static_cast<size_t>(i) * static_cast<size_t>(n);
    double s = 0;
    for (int j = 0; j < n; ++j) s += row[j] * x[j];
    xnext[i] = lambda[i] * s + (1.0 - lambda[i]) * x0[i];
  }
}

// Scratch doubles the bargaining model needs for n actors.
size_t bargaining_scratch_size(int n);
// One bargaining round on issue k of the run's stances.
void bargaining_round(const Scenario& sc, RunState& st, int k);

}  // namespace geosim
