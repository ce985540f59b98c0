#include "engine/model/mechanism.h"

#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace geosim {

// Each defined in its engine/model/mech_<name>.cpp.
extern const Mechanism kLeverChannelsMechanism, kResourcesMechanism, kStancesMechanism, kHazardsMechanism,
    kCascadeMechanism, kExitCalculusMechanism;

const std::vector<const Mechanism*>& mechanisms() {
  // The order of a step (docs/model.md): one line per mechanism.
  static const std::vector<const Mechanism*> parts = {
      &kLeverChannelsMechanism,  // the levers act on their channels
      &kResourcesMechanism,      // M2
      &kStancesMechanism,        // M1
      &kHazardsMechanism,        // M4 (may end the run)
      &kCascadeMechanism,        // M3
      &kExitCalculusMechanism,   // M5
  };
  return parts;
}

namespace {

// Every part's coefficients by their `order`, and where each part's rows went.
struct ParamTable {
  std::vector<const MechParamInfo*> rows;
  std::vector<std::vector<int>> position;  // per part (mechanisms() order), per row
};

const ParamTable& param_table() {
  static const ParamTable table = [] {
    ParamTable t;
    size_t n = 0;
    for (const Mechanism* m : mechanisms()) n += m->params.size();
    t.rows.assign(n, nullptr);
    for (const Mechanism* m : mechanisms()) {
      std::vector<int>& pos = t.position.emplace_back();
      for (const MechParamInfo& r : m->params) {
        // A program that breaks these cannot start: tests/model/test_mechanisms.cpp says why.
        if (r.order < 0 || static_cast<size_t>(r.order) >= n)
          throw std::logic_error(fmt::format("mechanisms.{}.{}: order {} is not in 0..{} (the next free number is {})",
                                             r.group, r.name, r.order, n - 1, n - 1));
        if (t.rows[static_cast<size_t>(r.order)])
          throw std::logic_error(fmt::format("mechanisms.{}.{}: order {} is already mechanisms.{}.{}'s", r.group,
                                             r.name, r.order, t.rows[static_cast<size_t>(r.order)]->group,
                                             t.rows[static_cast<size_t>(r.order)]->name));
        t.rows[static_cast<size_t>(r.order)] = &r;
        pos.push_back(r.order);
      }
    }
    return t;
  }();
  return table;
}

size_t part_index(const Mechanism& m) {
  const auto& parts = mechanisms();
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i] == &m) return i;
  throw std::logic_error(std::string("mechanism '") + m.name + "' is not in mechanisms()");
}

}  // namespace

int num_mech_params() { return static_cast<int>(param_table().rows.size()); }

const MechParamInfo& mech_param_info(int i) { return *param_table().rows.at(static_cast<size_t>(i)); }

int find_mech_param(std::string_view group, std::string_view name) {
  const auto& rows = param_table().rows;
  for (size_t i = 0; i < rows.size(); ++i)
    if (group == rows[i]->group && name == rows[i]->name) return static_cast<int>(i);
  return -1;
}

int mech_param_position(const Mechanism& m, int row) {
  return param_table().position[part_index(m)].at(static_cast<size_t>(row));
}

const std::vector<MechanismEdge>& mechanism_edges() {
  static const std::vector<MechanismEdge> edges = [] {
    std::vector<MechanismEdge> all;
    for (const Mechanism* m : mechanisms())
      for (MechanismEdge e : m->edges) {
        if (e.coef != kNoCoef) e.coef = mech_param_position(*m, e.coef);
        all.push_back(e);
      }
    return all;
  }();
  return edges;
}

}  // namespace geosim
