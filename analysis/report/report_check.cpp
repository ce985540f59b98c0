// Every field of a result JSON that the report reads, checked before any section is written
// (report_check.h). The checks of each kind of input are the list of the fields its sections
// use; docs/report.md ("Input fields the report uses") lists the same.
#include "analysis/report/report_check.h"

#include <cmath>
#include <limits>

#include "engine/core/dates.h"
#include "engine/core/error.h"
#include "engine/output/numbers.h"

namespace geosim::report {

namespace {

constexpr uint64_t kMaxRuns = uint64_t{1} << 40;  // as for --runs
constexpr uint64_t kMaxSteps = 100000;            // as for a scenario's horizon
constexpr uint64_t kMaxCount = std::numeric_limits<uint64_t>::max();
constexpr double kHuge = std::numeric_limits<double>::max();
// How far a probability may lie outside its own Wilson interval by rounding.
constexpr double kSlack = 1e-9;

// A value as shown in a message: its JSON, cut short (at a character boundary).
std::string shown(const ReportJson& v) {
  std::string s = v.dump(-1, ' ', false, ReportJson::error_handler_t::replace);
  if (s.size() <= 60) return s;
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

std::string g(double v) { return general(v, 6); }

}  // namespace

std::string Field::name() const { return path_.empty() ? std::string("the JSON") : path_; }

void Field::fail(const std::string& must_be) const { fail_because("must be " + must_be + ", got " + shown(*j_)); }

void Field::fail_because(const std::string& says) const { refuse(name() + " " + says); }

void Field::refuse(const std::string& message) const {
  throw InputError(FileLoc{src_->file, 0, 0}, message,
                   "the file is not as '" + src_->writer + "' writes it (damaged or edited?); write it again");
}

void Field::object() const {
  if (!j_->is_object()) fail("an object");
}

Field Field::at(const char* key) const {
  object();
  const std::string path = path_.empty() ? std::string(key) : path_ + "." + key;
  auto it = j_->find(key);
  if (it == j_->end()) refuse(path + " is missing");
  return Field(*it, *this, path);
}

std::optional<Field> Field::opt(const char* key) const {
  object();
  auto it = j_->find(key);
  if (it == j_->end()) return std::nullopt;
  return Field(*it, *this, path_.empty() ? std::string(key) : path_ + "." + key);
}

std::vector<Field> Field::list() const {
  if (!j_->is_array()) fail("a list");
  std::vector<Field> out;
  out.reserve(j_->size());
  for (size_t i = 0; i < j_->size(); ++i) out.push_back(Field((*j_)[i], *this, path_ + "[" + std::to_string(i) + "]"));
  return out;
}

std::vector<Field> Field::list(size_t size, const std::string& of_what) const {
  if (!j_->is_array() || j_->size() != size) fail("a list of " + std::to_string(size) + " " + of_what);
  return list();
}

std::vector<Field> Field::nonempty_list() const {
  if (!j_->is_array() || j_->empty()) fail("a list of one or more items");
  return list();
}

std::string Field::string() const {
  if (!j_->is_string()) fail("a string");
  return j_->get<std::string>();
}

std::string Field::one_of(std::initializer_list<const char*> values) const {
  std::string all;
  for (const char* v : values) {
    if (j_->is_string() && j_->get<std::string>() == v) return v;
    all += (all.empty() ? "" : " or ") + std::string("\"") + v + "\"";
  }
  fail(all);
}

std::string Field::date() const {
  if (!j_->is_string() || !parse_date(j_->get<std::string>())) fail("a date (YYYY-MM-DD)");
  return j_->get<std::string>();
}

bool Field::boolean() const {
  if (!j_->is_boolean()) fail("true or false");
  return j_->get<bool>();
}

uint64_t Field::count(uint64_t max) const {
  // (A JSON parsed from text holds a whole number >= 0 as unsigned; one built in memory, as
  // by `geosim run --report`, may hold it as signed.)
  const bool whole = j_->is_number_unsigned() || (j_->is_number_integer() && j_->get<int64_t>() >= 0);
  if (!whole || j_->get<uint64_t>() > max)
    fail(max == kMaxCount ? std::string("a whole number, 0 or more")
                          : "a whole number in [0, " + std::to_string(max) + "]");
  return j_->get<uint64_t>();
}

double Field::number() const {
  if (!j_->is_number() || !std::isfinite(j_->get<double>())) fail("a number");
  return j_->get<double>();
}

double Field::number(double lo, double hi) const {
  const bool prob = lo == 0 && hi == 1;
  const std::string what = prob          ? std::string("a probability, a number in [0, 1]")
                           : hi == kHuge ? "a number, " + g(lo) + " or more"
                                         : "a number in [" + g(lo) + ", " + g(hi) + "]";
  if (!j_->is_number() || !std::isfinite(j_->get<double>())) fail(what);
  const double v = j_->get<double>();
  if (v < lo || v > hi) fail(what);
  return v;
}

std::pair<double, double> Field::interval(double min, double max) const {
  const std::string range = min == -kHuge ? std::string() : " in [" + g(min) + ", " + g(max) + "]";
  if (!j_->is_array() || j_->size() != 2) fail("two numbers [lo, hi]" + range);
  double v[2];
  for (size_t i = 0; i < 2; ++i) {
    const ReportJson& x = (*j_)[i];
    if (!x.is_number() || !std::isfinite(x.get<double>()) || x.get<double>() < min || x.get<double>() > max)
      fail("two numbers [lo, hi]" + range);
    v[i] = x.get<double>();
  }
  if (v[0] > v[1]) fail("an interval [lo, hi] with lo <= hi");
  return {v[0], v[1]};
}

std::optional<double> Field::number_or_null() const {
  if (j_->is_null()) return std::nullopt;
  if (!j_->is_number() || !std::isfinite(j_->get<double>())) fail("a number, or null where it is undefined");
  return j_->get<double>();
}

std::optional<std::pair<double, double>> Field::interval_or_nulls() const {
  if (!j_->is_array() || j_->size() != 2) fail("two numbers [lo, hi], or [null, null] where it is undefined");
  const ReportJson& a = (*j_)[0];
  const ReportJson& b = (*j_)[1];
  if (a.is_null() && b.is_null()) return std::nullopt;
  if (!a.is_number() || !b.is_number() || !std::isfinite(a.get<double>()) || !std::isfinite(b.get<double>()))
    fail("two numbers [lo, hi], or [null, null] where it is undefined");
  if (a.get<double>() > b.get<double>()) fail("an interval [lo, hi] with lo <= hi");
  return std::make_pair(a.get<double>(), b.get<double>());
}

namespace {

void opt_string(const Field& f, const char* key) {
  if (auto v = f.opt(key)) v->string();
}

void opt_strings(const Field& f, std::initializer_list<const char*> keys) {
  for (const char* k : keys) opt_string(f, k);
}

// The header every kind may carry (report_run.cpp's header()).
void check_header(const Field& j) {
  opt_strings(j, {"title", "scenario", "geosim_version", "scenario_hash", "variant_hash", "command"});
  for (const char* k : {"start", "until", "last_day"})
    if (auto d = j.opt(k)) d->date();
  if (auto s = j.opt("step")) s->one_of({"week", "day"});
  if (auto s = j.opt("seed")) s->count(kMaxCount);
}

// A share of runs with its Wilson interval: an outcome, a regime's fate, a ruler, an arm of a
// comparison. The probability lies within its interval, the count within the runs.
void check_share(const Field& o, uint64_t runs, bool ci_required) {
  o.object();
  const Field p = o.at("probability");
  const double v = p.probability();
  std::optional<Field> ci = ci_required ? std::optional<Field>(o.at("ci95")) : o.opt("ci95");
  if (ci) {
    const auto [lo, hi] = ci->interval(0, 1);
    if (v < lo - kSlack || v > hi + kSlack)
      p.fail_because("(" + g(v) + ") lies outside its ci95 [" + g(lo) + ", " + g(hi) + "]");
  }
  if (auto c = o.opt("count")) c->count(runs);
}

void check_compare(const Field& c) {
  check_header(c);
  const uint64_t runs = c.opt("runs") ? c.at("runs").count(kMaxRuns) : kMaxRuns;
  for (const Field& cmp : c.at("comparisons").nonempty_list()) {
    cmp.at("base").string();
    cmp.at("variant").string();
    for (const Field& o : cmp.at("outcomes").list()) {
      o.at("id").string();
      o.at("difference").number(-1, 1);
      o.at("paired_ci95").interval(-1, 1);
      if (auto u = o.opt("unpaired_ci95")) u->interval(-1, 1);
      for (const char* arm : {"base", "variant"})
        if (auto a = o.opt(arm)) check_share(*a, runs, false);
    }
  }
  if (auto changes = c.opt("changes"))
    for (const Field& ch : changes->list()) {
      opt_strings(ch, {"kind", "change", "path"});
      for (const char* side : {"base", "variant"})
        if (auto v = ch.opt(side); v && !v->is_null()) v->string();
    }
}

void check_run(const Field& r) {
  check_header(r);
  const uint64_t runs = r.at("runs").count(kMaxRuns);
  r.at("start").date();
  const uint64_t horizon = r.opt("horizon") ? r.at("horizon").count(kMaxSteps) : kMaxSteps;
  for (const Field& o : r.at("outcomes").list()) {
    check_share(o, runs, true);
    o.at("id").string();
    opt_string(o, "label");
    if (auto d = o.opt("default")) d->boolean();
    if (auto t = o.opt("time_to_outcome"); t && !t->is_null()) {
      const uint64_t p10 = t->at("p10").count(horizon), median = t->at("median").count(horizon),
                     p90 = t->at("p90").count(horizon);
      if (p10 > median || median > p90) t->fail("{p10, median, p90} with p10 <= median <= p90");
    }
    if (auto c = o.opt("cumulative"))
      for (const Field& x : c->list()) x.probability();
  }
  for (const Field& s : r.at("survival").list()) s.probability();
  if (auto l = r.opt("leader")) opt_strings(*l, {"id", "name"});
  for (const char* key : {"regime", "ruler"})
    if (auto list = r.opt(key))
      for (const Field& x : list->list()) {
        check_share(x, runs, true);
        x.at("id").string();
        opt_string(x, "name");
      }
  if (auto joint = r.opt("joint"))
    for (const Field& x : joint->list()) {
      check_share(x, runs, false);
      x.at("leader").string();
      x.at("regime").string();
    }
  if (auto fans = r.opt("fans"))
    for (const Field& f : fans->list()) {
      f.at("var").string();
      opt_string(f, "doc");
      if (auto range = f.opt("range")) range->interval(-kHuge, kHuge);
      const std::vector<Field> steps = f.at("steps").list();
      for (const Field& s : steps) s.count(horizon);
      std::vector<std::vector<Field>> q;
      for (const char* k : {"p5", "p25", "p50", "p75", "p95"})
        q.push_back(f.at(k).list(steps.size(), "numbers, one per step"));
      for (size_t i = 0; i < steps.size(); ++i) {
        for (size_t k = 0; k < q.size(); ++k) q[k][i].number();
        for (size_t k = 1; k < q.size(); ++k)
          if (q[k][i].number() < q[k - 1][i].number())
            q[k][i].fail_because("(" + g(q[k][i].number()) + ") is below the percentile before it, " +
                                 q[k - 1][i].path() + " (" + g(q[k - 1][i].number()) + ")");
      }
    }
  if (auto ps = r.opt("parameters"))
    for (const Field& p : ps->list()) {
      p.at("path").string();
      opt_strings(p, {"distribution", "doc", "evidence_of", "assumption"});
      if (auto v = p.opt("value"); v && !v->is_null() && !v->json().is_number() && !v->json().is_string())
        v->fail("a number, a string or null");
      if (auto u = p.opt("uncertain")) u->boolean();
      if (auto s = p.opt("source")) opt_strings(*s, {"kind", "at"});
      if (auto ev = p.opt("evidence"))
        for (const Field& e : ev->list()) opt_strings(e, {"seed", "quote", "cite", "note"});
    }
  if (auto le = r.opt("lever_effects")) check_compare(*le);
}

void check_sensitivity(const Field& s) {
  check_header(s);
  const std::string method = s.at("method").one_of({"sobol", "morris"});
  if (auto n = s.opt("samples")) n->count(kMaxCount);
  const std::vector<Field> params = s.at("parameters").list();
  for (const Field& p : params) p.string();
  const size_t n = params.size();
  const bool sobol = method == "sobol";
  for (const Field& o : s.at("outputs").list()) {
    o.at("id").string();
    // The first index is needed (S1, mu*), the second may be absent (ST, sigma).
    const char* const keys[2] = {sobol ? "S1" : "mu_star", sobol ? "ST" : "sigma"};
    for (const char* key : keys) {
      std::optional<Field> v = key == keys[0] ? std::optional<Field>(o.at(key)) : o.opt(key);
      if (v)
        for (const Field& x : v->list(n, "values, one per parameter")) {
          const std::optional<double> d = x.number_or_null();
          // mu* is a mean of absolute effects and sigma a standard deviation; a Sobol index
          // is kept as estimated (it may fall outside [0, 1]).
          if (!sobol && d && *d < 0) x.fail("a number, 0 or more, or null where it is undefined");
        }
      if (auto ci = o.opt((std::string(key) + "_ci95").c_str()))
        for (const Field& x : ci->list(n, "intervals, one per parameter")) x.interval_or_nulls();
    }
  }
}

void check_discovery(const Field& d) {
  check_header(d);
  opt_string(d, "outcome");
  if (auto t = d.opt("threshold")) t->number();
  for (const Field& t : d.at("trajectory").list()) {
    t.at("coverage").probability();
    t.at("density").probability();
    for (const char* k : {"restricted", "dims"})
      if (auto x = t.opt(k)) x->count(kMaxCount);
  }
  for (const char* k : {"chosen", "box"}) {
    auto box = d.opt(k);
    if (!box) continue;
    for (const char* m : {"coverage", "density"})
      if (auto x = box->opt(m)) x->probability();
    for (const char* lk : {"restrictions", "limits"})
      if (auto limits = box->opt(lk))
        for (const Field& l : limits->list()) {
          opt_strings(l, {"param", "parameter", "name"});
          for (const char* n : {"lo", "min", "hi", "max", "swept_lo", "swept_hi"})
            if (auto x = l.opt(n)) x->number();
          for (auto [a, b] :
               {std::pair<const char*, const char*>{"lo", "hi"}, {"min", "max"}, {"swept_lo", "swept_hi"}})
            if (l.opt(a) && l.opt(b) && l.at(a).number() > l.at(b).number())
              l.fail_because("has " + std::string(a) + " " + g(l.at(a).number()) + " above " + b + " " +
                             g(l.at(b).number()));
        }
  }
}

void check_calibration(const Field& c) {
  check_header(c);
  opt_strings(c, {"file", "stopped_because"});
  for (const char* k : {"particles", "simulations"})
    if (auto x = c.opt(k)) x->count(kMaxCount);
  for (const Field& p : c.at("parameters").list()) {
    p.at("path").string();
    for (const char* which : {"prior", "posterior"}) {
      const Field s = p.at(which);
      s.object();
      std::optional<double> q[3];
      const char* names[3] = {"q05", "q50", "q95"};
      for (int i = 0; i < 3; ++i)
        if (auto x = s.opt(names[i])) q[i] = x->number_or_null();
      for (int i = 1; i < 3; ++i)
        if (q[i - 1] && q[i] && *q[i - 1] > *q[i])
          s.fail_because("has " + std::string(names[i - 1]) + " " + g(*q[i - 1]) + " above " + names[i] + " " +
                         g(*q[i]));
      if (auto sd = s.opt("sd"); sd && sd->number_or_null().value_or(0) < 0) sd->fail("a number, 0 or more, or null");
    }
  }
  for (const Field& x : c.at("generations").list()) {
    x.object();
    for (const char* k : {"generation", "simulations"})
      if (auto v = x.opt(k)) v->count(kMaxCount);
    for (const char* k : {"tolerance", "ess"})
      if (auto v = x.opt(k); v && v->number_or_null().value_or(0) < 0) v->fail("a number, 0 or more, or null");
    if (auto v = x.opt("acceptance_rate")) v->probability();
  }
  for (const Field& x : c.at("observations").list()) {
    opt_strings(x, {"id", "date", "kind"});
    for (const char* k : {"prior_agreement", "posterior_agreement"})
      if (auto v = x.opt(k)) v->probability();
  }
}

}  // namespace

void check_report_json(ReportKind kind, const ReportJson& j, const std::string& file) {
  switch (kind) {
    case ReportKind::Run: {
      const FieldSource src{file, "geosim run --format json"};
      check_run(Field(j, src));
      break;
    }
    case ReportKind::Compare: {
      const FieldSource src{file, "geosim compare --format json"};
      check_compare(Field(j, src));
      break;
    }
    case ReportKind::Sensitivity: {
      const FieldSource src{file, "geosim sensitivity --format json"};
      check_sensitivity(Field(j, src));
      break;
    }
    case ReportKind::Discovery: {
      const FieldSource src{file, "geosim discover --format json"};
      check_discovery(Field(j, src));
      break;
    }
    case ReportKind::Calibration: {
      const FieldSource src{file, "geosim calibrate"};
      check_calibration(Field(j, src));
      break;
    }
    case ReportKind::Sweep:
      break;  // read and checked by parse_sweep_csv()
  }
}

}  // namespace geosim::report
