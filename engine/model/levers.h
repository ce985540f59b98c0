// What a lever does, written once (docs/model.md, "Levers").
//
// A lever's strength in a run is intensity x credibility x enabled; it acts at step t when t
// is inside its window [start_step, end_step) and its strength is above 0 (format 2: in a
// step that holds part of its window, at its strength times that part: window_share). Acting, it scales
// each channel of its kind by the factor 1 - clamp01(weight x strength) (the channel's value
// is 1 minus the product of the factors of the active levers), pulls its target's stance on
// its issue toward its actor by stance_push x strength x dt of the gap per step (scaled when
// the pulls on one stance add up to more than the gap: Model::update_levers), and moves
// its target's bargaining capability and salience by effect x strength (relative). The
// model (Model::init_run, Model::step, bargaining_inputs) applies these rules to a run;
// everything else (geosim bargain --at) asks the model.
#pragma once

#include <vector>

#include "engine/scenario/registry.h"
#include "engine/scenario/scenario.h"

namespace geosim::lever_rules {

inline double strength(const Lever& lv, const std::vector<double>& p) {
  return p[static_cast<size_t>(lv.intensity)] * p[static_cast<size_t>(lv.credibility)] *
         p[static_cast<size_t>(lv.enabled)];
}

// Whether step t is inside the lever's window (whatever its strength).
inline bool in_window(const Lever& lv, int t) { return t >= lv.start_step && t < lv.end_step; }

// The share of step t that its window holds (format 2: its first and last steps may hold part
// of it, Lever::from_frac); 1 for every step inside it. Acting in such a step, the lever acts
// at its strength times that share: its channels' factors and its pull hold the window's
// days alone, as an event's hazard does in a partial step.
inline double window_share(const Lever& lv, int t) {
  return (t == lv.start_step ? lv.from_frac : 1.0) * (t == lv.end_step - 1 ? lv.until_frac : 1.0);
}

// Where in step t its window begins and ends, as shares of the step (format 2: only its first
// and last steps may hold part of it, Lever::first_at); [0, 1) for every other step inside it.
// window_end - window_begin is window_share.
inline double window_begin(const Lever& lv, int t) { return t == lv.start_step ? lv.first_at : 0.0; }
inline double window_end(const Lever& lv, int t) { return t == lv.end_step - 1 ? lv.last_at : 1.0; }

// Whether the lever acts at step t in a run where its strength is `s`.
inline bool acts(const Lever& lv, int t, double s) { return in_window(lv, t) && s > 0; }

// Its factor on a channel of weight `weight`.
inline double channel_keep(double weight, double s) {
  const double v = weight * s;
  return 1.0 - (v < 0 ? 0 : (v > 1 ? 1 : v));
}

// The share of the gap between its target's stance and its actor's closed per step.
inline double pull(const Lever& lv, const std::vector<double>& p, double s, double dt_years) {
  return p[static_cast<size_t>(lv.stance_push)] * s * dt_years;
}

// The relative change of its target's bargaining capability and salience.
inline BargainingEffect bargaining_effect(const Lever& lv, double s) {
  const BargainingEffect& e = lever_kinds()[static_cast<size_t>(lv.kind)].bargaining;
  return {e.capability * s, e.salience * s};
}

}  // namespace geosim::lever_rules
