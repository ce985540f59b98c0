// Fuzz target: condition expressions (outcome and hazard `when:`), engine/model/expr.h.
//
// check_expression must either accept an expression or report it; an accepted expression
// must then bind (BoundExpr) and evaluate without throwing for any variable values, since
// the model compiles it once per thread after validation and never expects it to fail.
#include <cmath>
#include <limits>

#include "engine/model/expr.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 2048) return 0;
  static const geosim::VarNames names = [] {
    geosim::Scenario sc = geosim::build_scenario(
        geosim::parse_yaml_text(geosim::fuzz::base_yaml(), geosim::FileLoc{"base.yaml", 0, 0}), "base.yaml");
    return geosim::VarNames(sc.var_names());
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  geosim::Diagnostics diags;
  geosim::check_expression(text, geosim::FileLoc{"f.yaml", 3, 11}, names, diags);
  for (const auto& d : diags.items()) {
    GEOSIM_CHECK(d.loc.line == 3 && d.loc.column >= 11, "an expression error points into the expression");
    GEOSIM_CHECK(!d.message.empty(), "an error says what is wrong");
  }
  if (!diags.empty()) return 0;
  std::vector<double> vars(names.size(), 0.0);
  geosim::BoundExpr e(text, names, vars.data());
  for (double x : {0.0, 1.0, -1.0, 0.5, 1e300, -1e-300, std::numeric_limits<double>::quiet_NaN()}) {
    for (auto& v : vars) v = x;
    (void)e.holds();
  }
  return 0;
}
