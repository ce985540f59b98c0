// Condition expressions over state variables (outcome `when:`, hazard `when:`).
//
// Expressions are muParser formulas ("defected_share >= 0.5 && talks == 1") whose variable
// names are the scenario's state variables. Validation parses each expression once against
// the scenario's names and maps muParser's character position to file:line:col. At run
// time every thread owns its evaluators, bound to that thread's variable array.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/text_places.h"

namespace geosim {

// The state variables' names, in order, with an index by name: an expression's names are
// looked up word by word, so that setting up an expression costs its length, not the number
// of state variables (a file of thousands of rungs over thousands of variables cost
// expressions x variables). Built once per scenario and shared by its expressions.
class VarNames {
 public:
  VarNames() = default;
  explicit VarNames(std::vector<std::string> names);
  // The index of `name` (the last, should a name repeat), or -1.
  int find(std::string_view name) const;
  const std::vector<std::string>& list() const { return names_; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> index_;
};

// Checks syntax and names; problems go to `diags` at the place of the character they are
// about: `loc` (the expression's first character) shifted by the position, or, for an
// expression written over several lines or with escapes, its place in `places`.
void check_expression(const std::string& text, const FileLoc& loc, const VarNames& var_names, Diagnostics& diags,
                      const TextPlaces* places = nullptr);

// The variables a valid expression reads (indices into var_names), in the order of their
// names, for the lint's map of what reaches an outcome.
std::vector<int> expression_vars(const std::string& text, const VarNames& var_names);

// An expression bound to a variable array (owned by the caller, one per thread).
class BoundExpr {
 public:
  BoundExpr(const std::string& text, const VarNames& var_names, double* vars);
  ~BoundExpr();
  BoundExpr(BoundExpr&&) noexcept;
  BoundExpr& operator=(BoundExpr&&) noexcept;
  // The fast path, `variable OP number`, is inline: the hot loop tests a few such conditions
  // every step (an event's gate, an outcome's `when`).
  double eval() const {
    if (var_) {
      const double v = *var_;
      switch (op_) {
        case 0: return v < k_;
        case 1: return v <= k_;
        case 2: return v > k_;
        case 3: return v >= k_;
        case 4: return v == k_;
        case 5: return v != k_;
      }
    }
    return eval_parsed();
  }
  // A value that is not a number (0/0) does not hold.
  bool holds() const {
    const double v = eval();
    return v != 0.0 && v == v;
  }
  // How many variables its parser holds: those the expression names, not every state
  // variable (a parser per expression and thread, each holding them all, grew with
  // expressions x variables).
  size_t variables_defined() const;

 private:
  double eval_parsed() const;  // muParser's bytecode
  struct Impl;
  std::unique_ptr<Impl> impl_;
  // Set for a condition of the form `variable OP number`, evaluated natively with the same
  // result as muParser's comparison (1 or 0).
  const double* var_ = nullptr;
  int op_ = -1;  // 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 !=
  double k_ = 0;
};

}  // namespace geosim
