#include "engine/model/expr.h"

#include <muParser.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string_view>

#include "engine/core/number_text.h"

namespace geosim {

namespace {
const char* kNameChars = "0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.";

// Defines the variables the expression can name (those among its words) and sets it. Every
// state variable defined in every expression made time and memory grow with expressions x
// variables: a file of thousands of ladder rungs or reacting levers took gigabytes. With
// `one` set, every variable is defined at that address instead of its own in `vars` (a check
// that only parses and evaluates once needs no array of every variable).
void setup(mu::Parser& p, const std::string& text, const VarNames& names, double* vars, double* one = nullptr) {
  p.DefineNameChars(kNameChars);
  const std::string_view t(text);
  for (size_t i = 0; i < t.size();) {
    const size_t b = t.find_first_of(kNameChars, i);
    if (b == std::string_view::npos) break;
    size_t e = t.find_first_not_of(kNameChars, b);
    if (e == std::string_view::npos) e = t.size();
    const int k = names.find(t.substr(b, e - b));
    if (k >= 0) {
      const std::string& name = names.list()[static_cast<size_t>(k)];
      p.DefineVar(name, one ? one : vars + k);
    }
    i = e;
  }
  p.SetExpr(text);
}
// muParser reads `=`, `+=`, `-=`, `*=` and `/=` as assignments to a variable: inside a run
// they would write into the live state of the model. Returns the position of the first
// assignment operator and its length, or npos. (muParser's built-in functions have no side
// effects; a scenario cannot define others.)
size_t find_assignment(const std::string& s, size_t& len) {
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') in_string = !in_string;
    if (in_string || c != '=') continue;
    if (i + 1 < s.size() && s[i + 1] == '=') {  // ==
      ++i;
      continue;
    }
    char prev = i > 0 ? s[i - 1] : ' ';
    if (prev == '<' || prev == '>' || prev == '!') continue;
    if (prev == '+' || prev == '-' || prev == '*' || prev == '/' || prev == '^') {
      len = 2;
      return i - 1;
    }
    len = 1;
    return i;
  }
  return std::string::npos;
}
}  // namespace

VarNames::VarNames(std::vector<std::string> names) : names_(std::move(names)) {
  index_.reserve(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) index_.insert_or_assign(names_[i], static_cast<int>(i));
}

int VarNames::find(std::string_view name) const {
  const auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : it->second;
}

void check_expression(const std::string& text, const FileLoc& loc, const VarNames& var_names, Diagnostics& diags,
                      const TextPlaces* places) {
  // The place of text[pos] in the file.
  auto place = [&](size_t pos) {
    if (places) return places->at(loc, pos);
    FileLoc at = loc;
    if (at.column > 0) at.column += static_cast<int>(pos);
    return at;
  };
  if (text.find_first_not_of(" \t") == std::string::npos) {
    diags.error(loc, "empty expression", "write a condition such as defected_share >= 0.5");
    return;
  }
  size_t len = 0;
  if (size_t pos = find_assignment(text, len); pos != std::string::npos) {
    diags.error(place(pos),
                "`" + text.substr(pos, len) + "` assigns to a variable; an expression may only read the state",
                "to compare, write `==` (for example resources == 0.01)");
    return;
  }
  double dummy = 0.5;
  mu::Parser p;
  try {
    setup(p, text, var_names, nullptr, &dummy);
    p.Eval();
    // muParser reads `a, b` as several expressions and yields the last: `defected_share,1`
    // would be the constant 1 without a word.
    if (p.GetNumResults() > 1) {
      const size_t comma = text.find(',');
      diags.error(
          comma != std::string::npos ? place(comma) : loc,
          "a condition is one expression; this holds " + std::to_string(p.GetNumResults()) + " separated by commas",
          "combine conditions with && or || (a comma is not 'and'), or write a decimal point as '.'");
    }
  } catch (const mu::Parser::exception_type& e) {
    const int pos = static_cast<int>(e.GetPos());
    const FileLoc at = pos >= 0 ? place(static_cast<size_t>(pos)) : loc;
    std::string token = e.GetToken();
    double ignored = 0;
    if ((e.GetCode() == mu::ecUNASSIGNABLE_TOKEN || e.GetCode() == mu::ecUNEXPECTED_VAR) &&
        read_number(token, ignored) == NumberText::kNotFinite) {
      // muParser does not read a number beyond a double's range and takes it for a name.
      diags.error(at, "the number " + token + " is beyond what a double holds (about 1.8e308)",
                  "write a number within range");
    } else if (e.GetCode() == mu::ecUNASSIGNABLE_TOKEN || e.GetCode() == mu::ecUNEXPECTED_VAR) {
      // Words of other languages' logic: say what to write here.
      const std::string logic = token == "and" || token == "AND" ? "&&" : token == "or" || token == "OR" ? "||" : "";
      // A name followed by `(` is a call, of a function muParser does not have.
      size_t after = pos >= 0 ? static_cast<size_t>(pos) + token.size() : std::string::npos;
      while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\n')) ++after;
      const bool call = after < text.size() && text[after] == '(';
      if (token == "not" || token == "NOT" || token.rfind('!', 0) == 0) {
        // muParser has no `not`, and no `!` either (it takes `!(...)` for a name): what works.
        diags.error(at, "there is no '" + (token[0] == '!' ? std::string("!") : token) + "' in an expression",
                    "invert the comparison (defected_share >= 0.5 rather than not (defected_share < 0.5)), or "
                    "compare the condition with 0: (defected_share < 0.5) == 0");
      } else if (!logic.empty()) {
        diags.error(at, "unknown variable '" + token + "' in expression",
                    "to combine conditions write " + logic + " (for example defected_share >= 0.5 && talks == 1)");
      } else if (call) {
        std::vector<std::string> functions;
        for (const auto& [name, callback] : p.GetFunDef()) functions.push_back(name);
        std::sort(functions.begin(), functions.end());
        // Short names are all near one another ('foo' is two edits from 'cos'): a guess
        // must at least start as the name does.
        std::string guess = closest_match(token, functions);
        if (!guess.empty() && guess[0] != token[0]) guess.clear();
        diags.error(at, "unknown function '" + token + "' in expression",
                    (guess.empty() ? std::string() : "did you mean '" + guess + "'? ") + "the functions are " +
                        join(functions));
      } else {
        std::string guess = closest_match(token, var_names.list());
        std::string hint =
            guess.empty() ? "variables are listed in docs/model.md (state variables)" : "did you mean '" + guess + "'?";
        // Format 2's own variables, read in a format 1 file (which has no `days`), or a
        // leader's in a file without one.
        const auto& names = var_names.list();
        const bool format2 = std::find(names.begin(), names.end(), "days") != names.end();
        auto starts = [&](const char* prefix) { return token.rfind(prefix, 0) == 0; };
        if (!format2 && (token == "days" || starts("lever.") || starts("ladder.") || starts("decision.")))
          hint =
              "'" + token +
              "' is a variable of format 2: write `geosim: 2` (docs/scenario-format.md, \"What changed in format 2\")";
        else if (token == "successions" || token == "ruler_tenure" || token == "new_ruler")
          hint = "'" + token + "' is a variable of format 2's leader: give the scenario a `leader:` (in format 2)";
        diags.error(at, "unknown variable '" + token + "' in expression", hint);
      }
    } else if (e.GetCode() == mu::ecEXPRESSION_TOO_LONG) {
      diags.error(loc,
                  "the expression is " + std::to_string(text.size()) +
                      " characters long; an expression holds fewer than " + std::to_string(mu::MaxLenExpression),
                  "shorten it");
    } else {
      diags.error(at, "bad expression: " + e.GetMsg(), "for example: defected_share >= 0.5 && talks == 1");
    }
  }
}

std::vector<int> expression_vars(const std::string& text, const VarNames& var_names) {
  double dummy = 0.5;
  mu::Parser p;
  std::vector<int> out;
  try {
    setup(p, text, var_names, nullptr, &dummy);
    for (const auto& [name, ptr] : p.GetUsedVar()) out.push_back(var_names.find(name));
  } catch (const mu::Parser::exception_type&) {
  }
  return out;
}

struct BoundExpr::Impl {
  mu::Parser parser;
};

namespace {
// Recognises `name OP number`; returns false for anything else.
bool parse_simple(const std::string& s, std::string& name, int& op, double& k) {
  size_t i = 0, n = s.size();
  auto skip = [&] {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  skip();
  size_t b = i;
  while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.')) ++i;
  if (i == b || std::isdigit(static_cast<unsigned char>(s[b]))) return false;
  name = s.substr(b, i - b);
  skip();
  static const char* ops[] = {"<=", ">=", "==", "!=", "<", ">"};
  static const int codes[] = {1, 3, 4, 5, 0, 2};
  op = -1;
  for (int j = 0; j < 6; ++j) {
    size_t len = std::char_traits<char>::length(ops[j]);
    if (s.compare(i, len, ops[j]) == 0) {
      op = codes[j];
      i += len;
      break;
    }
  }
  if (op < 0) return false;
  skip();
  const char* start = s.c_str() + i;
  char* end = nullptr;
  k = std::strtod(start, &end);
  if (end == start) return false;
  i = static_cast<size_t>(end - s.c_str());
  skip();
  return i == n;
}
}  // namespace

BoundExpr::BoundExpr(const std::string& text, const VarNames& var_names, double* vars)
    : impl_(std::make_unique<Impl>()) {
  setup(impl_->parser, text, var_names, vars);
  impl_->parser.Eval();  // compiles to bytecode once
  std::string name;
  int op;
  double k;
  if (parse_simple(text, name, op, k)) {
    if (const int i = var_names.find(name); i >= 0) {
      var_ = vars + i;
      op_ = op;
      k_ = k;
    }
  }
}

BoundExpr::~BoundExpr() = default;
BoundExpr::BoundExpr(BoundExpr&&) noexcept = default;
BoundExpr& BoundExpr::operator=(BoundExpr&&) noexcept = default;

double BoundExpr::eval_parsed() const { return impl_->parser.Eval(); }

size_t BoundExpr::variables_defined() const { return impl_->parser.GetVar().size(); }

}  // namespace geosim
