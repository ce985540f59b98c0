// Condition expressions over state variables (outcome `when:`, hazard `when:`).
//
// Expressions are muParser formulas ("defected_share >= 0.5 && talks == 1") whose variable
// names are the scenario's state variables. Validation parses each expression once against
// the scenario's names and maps muParser's character position to file:line:col. At run
// time every thread owns its evaluators, bound to that thread's variable array.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/error.h"

namespace geosim {

// Checks syntax and names; problems go to `diags` at `loc` shifted by the position.
void check_expression(const std::string& text, const FileLoc& loc, const std::vector<std::string>& var_names,
                      Diagnostics& diags);

// The variables a valid expression reads (indices into var_names), for the lint's map of
// what reaches an outcome.
std::vector<int> expression_vars(const std::string& text, const std::vector<std::string>& var_names);

// An expression bound to a variable array (owned by the caller, one per thread).
class BoundExpr {
 public:
  BoundExpr(const std::string& text, const std::vector<std::string>& var_names, double* vars);
  ~BoundExpr();
  BoundExpr(BoundExpr&&) noexcept;
  BoundExpr& operator=(BoundExpr&&) noexcept;
  double eval() const;
  bool holds() const { return eval() != 0.0; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace geosim
