#include "engine/model/expr.h"

#include <muParser.h>

namespace geosim {

namespace {
const char* kNameChars = "0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.";

void setup(mu::Parser& p, const std::string& text, const std::vector<std::string>& names, double* vars) {
  p.DefineNameChars(kNameChars);
  for (size_t i = 0; i < names.size(); ++i) p.DefineVar(names[i], vars + i);
  p.SetExpr(text);
}
}  // namespace

void check_expression(const std::string& text, const FileLoc& loc, const std::vector<std::string>& var_names,
                      Diagnostics& diags) {
  if (text.find_first_not_of(" \t") == std::string::npos) {
    diags.error(loc, "empty expression", "write a condition such as defected_share >= 0.5");
    return;
  }
  std::vector<double> dummy(var_names.size(), 0.5);
  mu::Parser p;
  try {
    setup(p, text, var_names, dummy.data());
    p.Eval();
  } catch (const mu::Parser::exception_type& e) {
    FileLoc at = loc;
    int pos = static_cast<int>(e.GetPos());
    if (pos >= 0 && at.column > 0) at.column += pos;
    std::string token = e.GetToken();
    if (e.GetCode() == mu::ecUNASSIGNABLE_TOKEN || e.GetCode() == mu::ecUNEXPECTED_VAR) {
      std::string guess = closest_match(token, var_names);
      diags.error(at, "unknown variable '" + token + "' in expression",
                  guess.empty() ? "variables are listed in docs/model.md (state variables)"
                                : "did you mean '" + guess + "'?");
    } else {
      diags.error(at, "bad expression: " + e.GetMsg(), "for example: defected_share >= 0.5 && talks == 1");
    }
  }
}

struct BoundExpr::Impl {
  mu::Parser parser;
};

BoundExpr::BoundExpr(const std::string& text, const std::vector<std::string>& var_names, double* vars)
    : impl_(std::make_unique<Impl>()) {
  setup(impl_->parser, text, var_names, vars);
  impl_->parser.Eval();  // compiles to bytecode once
}

BoundExpr::~BoundExpr() = default;
BoundExpr::BoundExpr(BoundExpr&&) noexcept = default;
BoundExpr& BoundExpr::operator=(BoundExpr&&) noexcept = default;

double BoundExpr::eval() const { return impl_->parser.Eval(); }

}  // namespace geosim
