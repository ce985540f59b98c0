#include "engine/output/describe.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "engine/core/error.h"
#include "engine/model/mechanism.h"
#include "engine/output/numbers.h"
#include "engine/scenario/registry.h"

namespace geosim {
namespace {

std::string num(double x) { return general(x); }

std::string code(const std::string& s) { return "`" + s + "`"; }

// "revenue_pressure 1, threat 0.5", or an em dash when the list is empty.
std::string channel_list(const std::vector<ChannelWeight>& ws) {
  if (ws.empty()) return "\xE2\x80\x94";
  std::string s;
  for (const auto& w : ws) {
    if (!s.empty()) s += ", ";
    s += std::string(channel_info(w.channel).name) + " " + num(w.weight);
  }
  return s;
}

std::string range_text(double lo, double hi) {
  if (hi >= 1e9) return num(lo) + "..";
  return "[" + num(lo) + ", " + num(hi) + "]";
}

std::vector<std::string> groups() {
  std::vector<std::string> g;
  for (int i = 0; i < num_mech_params(); ++i)
    if (std::find(g.begin(), g.end(), mech_param_info(i).group) == g.end()) g.push_back(mech_param_info(i).group);
  return g;
}

DescribeTable levers() {
  DescribeTable t{
      "Lever kinds: the channels a lever feeds on the incumbent's side and on others, and its "
      "pull on the target's stance per year at full strength",
      {"kind", "on the incumbent's side", "on others", "stance push /yr"},
      {}};
  for (const auto& k : lever_kinds())
    t.rows.push_back({code(k.name), channel_list(k.on_regime), channel_list(k.on_other), num(k.stance_push)});
  return t;
}

DescribeTable channels() {
  DescribeTable t{
      "Channels: mechanism inputs in [0, 1] that active levers feed (noisy-OR)", {"channel", "what it stands for"}, {}};
  for (int c = 0; c < kNumChannels; ++c) t.rows.push_back({code(channel_info(c).name), channel_info(c).doc});
  return t;
}

// A part's coefficients: `mechanisms.<group>.` for a group that is all its own, else each by
// name; an em dash when it has none.
std::string coefficients(const Mechanism& m) {
  std::string s;
  for (size_t r = 0; r < m.params.size(); ++r) {
    const std::string group = m.params[r].group;
    bool seen = false;
    for (size_t q = 0; q < r; ++q) seen |= group == m.params[q].group;
    if (seen) continue;
    int mine = 0, all = 0;
    for (const MechParamInfo& p : m.params) mine += group == p.group;
    for (int i = 0; i < num_mech_params(); ++i) all += group == mech_param_info(i).group;
    if (!s.empty()) s += ", ";
    if (mine == all) {
      s += code("mechanisms." + group + ".");
    } else {
      std::string names;
      for (const MechParamInfo& p : m.params)
        if (group == p.group)
          names += std::string(names.empty() ? "" : ", ") + code("mechanisms." + group + "." + p.name);
      s += names;
    }
  }
  return s.empty() ? "\xE2\x80\x94" : s;
}

DescribeTable mechanisms_table() {
  DescribeTable t{"Mechanisms, in the order the model applies them each step",
                  {"order", "mechanism", "parameters", "what it does"},
                  {}};
  int i = 0;
  for (const Mechanism* mp : mechanisms()) {
    const Mechanism& m = *mp;
    t.rows.push_back({std::to_string(++i), std::string(m.id) + (m.id[0] ? " " : "") + m.name, coefficients(m), m.doc});
  }
  return t;
}

DescribeTable mechanism_params(const std::string& group) {
  auto gs = groups();
  if (std::find(gs.begin(), gs.end(), group) == gs.end()) {
    std::string guess = closest_match(group, gs);
    throw std::invalid_argument("no mechanism parameter group '" + group + "'; " +
                                (guess.empty() ? "groups: " + join(gs) : "did you mean '" + guess + "'?"));
  }
  DescribeTable t{"Parameters under mechanisms." + group + ". (defaults; a scenario may set or draw each)",
                  {code("mechanisms." + group + "."), "default", "range", "unit", "meaning"},
                  {}};
  for (int i = 0; i < num_mech_params(); ++i) {
    const auto& p = mech_param_info(i);
    if (group != p.group) continue;
    std::string def = p.uniform_lo < p.uniform_hi ? "uniform(" + num(p.uniform_lo) + ", " + num(p.uniform_hi) + ")"
                                                  : num(p.default_value);
    // The channels it acts through alone (an analysis of a format 2 scenario leaves it out
    // when no lever that can act feeds one of them).
    std::string via;
    for (int c = 0; c < kNumChannels; ++c)
      if (p.via >> c & 1u) via += (via.empty() ? "" : " and ") + code(channel_info(c).name);
    t.rows.push_back({code(p.name), def, range_text(p.range.lo, p.range.hi), p.unit,
                      std::string(p.doc) + (via.empty() ? "" : "; acts only through " + via) +
                          (p.since_format > 1 ? " (format 2)" : "")});
  }
  return t;
}

DescribeTable variables() {
  DescribeTable t{
      "State variables that hazards, conditions and fan charts read (the fixed ones; a "
      "scenario adds stance.<actor>, stance.<issue>.<actor> and fired.<event>, and in format 2 "
      "days (days since the start, the same in daily and weekly steps), lever.<lever>, ladder.<ladder>, "
      "decision.<decision> and, with a leader, successions, "
      "ruler_tenure and new_ruler)",
      {"name", "range", "meaning"},
      {}};
  for (const auto& v : fixed_vars()) t.rows.push_back({code(v.name), range_text(v.lo, v.hi), v.doc});
  return t;
}

// Display width of a UTF-8 string (code points; the tables hold no wide characters).
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

std::vector<std::string> describe_topics() { return {"levers", "channels", "mechanisms", "variables"}; }

DescribeTable describe_table(const std::string& topic, const std::string& group) {
  if (topic == "mechanisms") return group.empty() ? mechanisms_table() : mechanism_params(group);
  if (!group.empty()) throw std::invalid_argument("only `describe mechanisms` takes a group (e.g. resources)");
  if (topic == "levers") return levers();
  if (topic == "channels") return channels();
  if (topic == "variables") return variables();
  std::string guess = closest_match(topic, describe_topics());
  throw std::invalid_argument(
      "nothing to describe called '" + topic + "'; " +
      (guess.empty() ? "choose one of " + join(describe_topics()) : "did you mean '" + guess + "'?"));
}

std::string render_markdown(const DescribeTable& t) {
  auto row = [](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) s += " " + c + " |";
    return s + "\n";
  };
  std::string s = row(t.header) + "|";
  for (size_t i = 0; i < t.header.size(); ++i) s += "---|";
  s += "\n";
  for (const auto& r : t.rows) s += row(r);
  return s;
}

std::string render_text(const DescribeTable& t) {
  auto plain = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
    return s;
  };
  std::vector<size_t> w(t.header.size(), 0);
  for (size_t c = 0; c < t.header.size(); ++c) w[c] = width(plain(t.header[c]));
  for (const auto& r : t.rows)
    for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], width(plain(r[c])));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string cell = plain(cells[c]);
      s += cell;
      if (c + 1 < cells.size()) s += std::string(w[c] - width(cell) + 2, ' ');
    }
    return s + "\n";
  };
  std::string s = t.title + "\n\n" + line(t.header);
  for (const auto& r : t.rows) s += line(r);
  return s;
}

}  // namespace geosim
