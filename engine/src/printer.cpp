// Printers: one postfix sweep with a stack of printed operands (no recursion), each operand
// carrying its binding strength so a parent parenthesises only where the grammar needs it.
#include "symtorch/engine/printer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "pi_multiples.hpp"

namespace symtorch {

std::string format_constant(double v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

namespace {

// Binding strength of printed text, weakest first.
constexpr int kAddLevel = 1;    // a + b, a - b
constexpr int kMulLevel = 2;    // a * b, a / b
constexpr int kUnaryLevel = 3;  // -a, and negative constants
constexpr int kPowLevel = 4;    // a ^ b
constexpr int kAtomLevel = 5;   // names, positive constants, calls, parenthesised text

struct Printed {
  std::string text;
  int level = kAtomLevel;
  Op op = Op::Const;            // node that produced it (LaTeX picks power bases by it)
  bool leading_number = false;  // text starts with a numeric literal (matters after a '-')
};

bool is_integer_text(std::string_view s) {
  for (char c : s)
    if (!(c == '-' || (c >= '0' && c <= '9'))) return false;
  return true;
}

// Replaces {0} (and {1} for binary operators) in one pass, so operand text is never rescanned.
std::string substitute(std::string_view tmpl, int arity, const std::string& a0, const std::string& a1) {
  std::string out;
  out.reserve(tmpl.size() + a0.size() + a1.size());
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 2] == '}' &&
        (tmpl[i + 1] == '0' || (tmpl[i + 1] == '1' && arity == 2))) {
      out += tmpl[i + 1] == '0' ? a0 : a1;
      i += 2;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

std::string latex_name(const std::string& name) {
  // "x12" -> "x_{12}"; otherwise underscores are escaped and long names set upright.
  std::size_t digits = name.size();
  while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9') --digits;
  auto escape = [](std::string_view s) {
    std::string r;
    for (char c : s) {
      if (c == '_') r += "\\_";
      else r += c;
    }
    return r;
  };
  if (digits > 0 && digits < name.size() && name.find('_') == std::string::npos) {
    const std::string stem = name.substr(0, digits);
    const std::string head = stem.size() == 1 ? stem : "\\mathrm{" + stem + "}";
    return head + "_{" + name.substr(digits) + "}";
  }
  if (name.size() == 1) return name;
  return "\\mathrm{" + escape(name) + "}";
}

class Printer {
 public:
  Printer(const Expression& e, const std::vector<std::string>& variables, Format format, const OperatorSet& allowed)
      : e_(e), variables_(variables), format_(format), allowed_(allowed) {}

  std::string run() {
    if (e_.empty()) throw std::invalid_argument("cannot print an empty expression");
    if (format_ == Format::Torch) mark_variable_free_parents();
    std::vector<Printed> stack;
    stack.reserve(e_.size());
    for (std::size_t i = 0; i < e_.size(); ++i) {
      const Node& n = e_[i];
      if (n.op == Op::Const) {
        stack.push_back(constant(n.value, i));
      } else if (n.op == Op::Var) {
        stack.push_back({variable(n.feature), kAtomLevel, Op::Var, false});
      } else if (n.arity == 1) {
        Printed a = std::move(stack.back());
        stack.back() = unary(n.op, std::move(a));
      } else {
        Printed b = std::move(stack.back());
        stack.pop_back();
        Printed a = std::move(stack.back());
        stack.back() = binary(n.op, std::move(a), std::move(b));
      }
    }
    return std::move(stack.back().text);
  }

 private:
  std::string variable(std::uint32_t k) const {
    if (variables_.empty()) {
      // Built by appending: `"x" + std::to_string(k)` trips GCC 12's false -Wrestrict warning.
      std::string name = format_ == Format::Latex ? "x_{" : "x";
      name += std::to_string(k);
      if (format_ == Format::Latex) name += '}';
      return name;
    }
    if (k >= variables_.size())
      throw std::invalid_argument("no variable name for feature " + std::to_string(k) + " (" +
                                  std::to_string(variables_.size()) + " names given)");
    return format_ == Format::Latex ? latex_name(variables_[k]) : variables_[k];
  }

  // p·π/q or p/(q·π) as text, for the formats that have π (unless a variable is named pi).
  std::optional<Printed> pi_constant(double v) const {
    if (format_ == Format::C || format_ == Format::Torch) return std::nullopt;
    if (std::find(variables_.begin(), variables_.end(), "pi") != variables_.end()) return std::nullopt;
    const auto m = detail::exact_pi_multiple(v);
    if (!m) return std::nullopt;
    const bool latex = format_ == Format::Latex, sympy = format_ == Format::SymPy;
    const std::string pi = latex ? "\\pi" : "pi", times = latex ? " " : (sympy ? "*" : " * "),
                      over = sympy ? "/" : " / ";
    // |p|·π/q or |p|/(q·π), then the sign in front.
    const long a = m->p < 0 ? -m->p : m->p;
    // The text reads back as operators on constants: 2 * pi, pi / 2, 1 / (2 * pi), -pi (neg).
    // Only forms whose operators are allowed; otherwise the number is printed.
    const bool times_needed = m->inverse ? m->q != 1 : a != 1;
    const bool over_needed = m->inverse || m->q != 1;
    const bool neg_needed = m->p < 0 && a == 1 && !m->inverse;
    if ((times_needed && !allowed_.allows(Op::Mul)) || (over_needed && !allowed_.allows(Op::Div)) ||
        (neg_needed && !allowed_.allows(Op::Neg)))
      return std::nullopt;
    const std::string num = std::to_string(a), den = std::to_string(m->q);
    const std::string a_pi = a == 1 ? pi : num + times + pi, q_pi = m->q == 1 ? pi : den + times + pi;
    std::string text;
    if (latex)
      text = m->inverse ? "\\frac{" + num + "}{" + q_pi + "}" : (m->q == 1 ? a_pi : "\\frac{" + a_pi + "}{" + den + "}");
    else if (m->inverse)
      text = num + over + (m->q == 1 ? pi : "(" + q_pi + ")");
    else
      text = m->q == 1 ? a_pi : a_pi + over + den;
    if (m->p < 0) return Printed{"-" + text, kUnaryLevel, Op::Const, false};
    const bool atom = latex || (a == 1 && m->q == 1 && !m->inverse);
    return Printed{text, atom ? kAtomLevel : kMulLevel, Op::Const, !(a == 1 && m->q == 1 && !m->inverse)};
  }

  Printed constant(double v, std::size_t index) const {
    if (auto pi = pi_constant(v)) return *pi;
    const bool negative = std::signbit(v);
    std::string text;
    switch (format_) {
      case Format::Infix: text = format_constant(v); break;
      case Format::C:
        if (std::isnan(v)) text = negative ? "-NAN" : "NAN";
        else if (std::isinf(v)) text = negative ? "-INFINITY" : "INFINITY";
        else text = format_constant(v);
        if (is_integer_text(text)) text += ".0";
        break;
      case Format::SymPy:
        if (std::isnan(v)) text = "nan";
        else if (std::isinf(v)) text = negative ? "-oo" : "oo";
        else text = format_constant(v);
        break;
      case Format::Torch:
        if (std::isnan(v)) text = negative ? "-float('nan')" : "float('nan')";
        else if (std::isinf(v)) text = negative ? "-float('inf')" : "float('inf')";
        else text = format_constant(v);
        if (is_integer_text(text)) text += ".0";
        if (variable_free_parent_[index]) return {"torch.tensor(" + text + ", dtype=torch.float64)", kAtomLevel, Op::Const, false};
        break;
      case Format::Latex: return latex_constant(v);
    }
    if (negative && !(format_ == Format::SymPy && std::isnan(v)))
      return {std::move(text), kUnaryLevel, Op::Const, false};
    return {std::move(text), kAtomLevel, Op::Const, true};
  }

  static Printed latex_constant(double v) {
    if (std::isnan(v)) return {"\\mathrm{NaN}", kAtomLevel, Op::Const, false};
    if (std::isinf(v)) return {v < 0 ? "-\\infty" : "\\infty", v < 0 ? kUnaryLevel : kAtomLevel, Op::Const, false};
    std::string text = format_constant(v);
    const int level = std::signbit(v) ? kUnaryLevel : kAtomLevel;
    const auto e = text.find('e');
    if (e == std::string::npos) return {text, level, Op::Const, true};
    std::string mantissa = text.substr(0, e);
    std::string exponent = text.substr(e + 1);
    if (!exponent.empty() && exponent[0] == '+') exponent.erase(0, 1);
    const std::string power = "10^{" + exponent + "}";
    if (mantissa == "1" || mantissa == "-1")
      return {(mantissa == "-1" ? "-" : "") + power, level, Op::Pow, false};
    return {mantissa + " \\cdot " + power, std::signbit(v) ? kUnaryLevel : kMulLevel, Op::Mul, true};
  }

  std::string paren(const std::string& s) const {
    return format_ == Format::Latex ? "\\left(" + s + "\\right)" : "(" + s + ")";
  }

  Printed grouped(Printed p) const {
    p.text = paren(p.text);
    p.level = kAtomLevel;
    p.leading_number = false;
    return p;
  }

  // Infix operator; `right_assoc` only for powers.
  Printed infix(Op op, Printed a, Printed b, std::string_view symbol, int level, bool right_assoc) const {
    const bool group_left = right_assoc ? a.level <= level : a.level < level;
    const bool group_right = right_assoc ? b.level < level : (b.level <= level || b.level == kUnaryLevel);
    if (group_left) a = grouped(std::move(a));
    if (group_right) b = grouped(std::move(b));
    return {a.text + std::string(symbol) + b.text, level, op, a.leading_number};
  }

  Printed call(Op op, const std::string& tmpl, const Printed& a, const Printed& b = {}) const {
    return {substitute(tmpl, op_info(op).arity, a.text, b.text), kAtomLevel, op, false};
  }

  Printed negate(Printed a) const {
    // In the parser's language "-3.5" would be a literal, so a leading number is grouped.
    const bool group = a.level < (format_ == Format::C ? kAtomLevel : kPowLevel) ||
                       (format_ == Format::Infix && a.leading_number);
    if (group) a = grouped(std::move(a));
    return {"-" + a.text, kUnaryLevel, Op::Neg, false};
  }

  std::string template_for(Op op) const {
    const OperatorInfo& info = op_info(op);
    switch (format_) {
      case Format::Latex: return info.latex;
      case Format::C: return info.c;
      case Format::SymPy: return info.sympy;
      case Format::Torch: return info.torch;
      case Format::Infix: break;
    }
    return info.arity == 1 ? info.name + "({0})" : info.name + "({0}, {1})";
  }

  Printed unary(Op op, Printed a) const {
    if (op == Op::Neg) return negate(std::move(a));
    switch (format_) {
      case Format::Infix: break;
      case Format::C:
        if (op == Op::Square || op == Op::Cube) {
          if (a.op == Op::Var) {
            Printed sq = infix(Op::Mul, a, a, " * ", kMulLevel, false);
            return op == Op::Square ? sq : infix(Op::Mul, sq, a, " * ", kMulLevel, false);
          }
          return call(op, op == Op::Square ? "pow({0}, 2)" : "pow({0}, 3)", a);
        }
        if (op == Op::Inv) return infix(Op::Div, {"1.0", kAtomLevel, Op::Const, true}, std::move(a), " / ", kMulLevel, false);
        break;
      case Format::SymPy:
        if (op == Op::Square || op == Op::Cube)
          return infix(Op::Pow, std::move(a), {op == Op::Square ? "2" : "3"}, "**", kPowLevel, true);
        if (op == Op::Inv) return infix(Op::Div, {"1", kAtomLevel, Op::Const, true}, std::move(a), "/", kMulLevel, false);
        break;
      case Format::Torch: break;
      case Format::Latex:
        if (op == Op::Square || op == Op::Cube) return latex_power(std::move(a), op == Op::Square ? "2" : "3");
        if (op == Op::Exp) return {"e^{" + a.text + "}", kPowLevel, Op::Pow, false};
        if (op == Op::Inv) return {"\\frac{1}{" + a.text + "}", kAtomLevel, Op::Div, false};
        break;
    }
    return call(op, template_for(op), a);
  }

  Printed latex_power(Printed base, const std::string& exponent) const {
    const bool plain = base.op == Op::Var || (base.op == Op::Const && base.level == kAtomLevel) ||
                       (base.level == kAtomLevel && base.op != Op::Div && base.op != Op::Pow &&
                        base.op != Op::Square && base.op != Op::Cube && base.op != Op::Exp);
    if (!plain) base = grouped(std::move(base));
    return {"{" + base.text + "}^{" + exponent + "}", kPowLevel, Op::Pow, false};
  }

  Printed binary(Op op, Printed a, Printed b) const {
    const bool sympy = format_ == Format::SymPy;
    switch (op) {
      case Op::Add: return infix(op, std::move(a), std::move(b), " + ", kAddLevel, false);
      case Op::Sub: return infix(op, std::move(a), std::move(b), " - ", kAddLevel, false);
      case Op::Mul:
        if (format_ == Format::Latex) return infix(op, std::move(a), std::move(b), " \\cdot ", kMulLevel, false);
        return infix(op, std::move(a), std::move(b), sympy ? "*" : " * ", kMulLevel, false);
      case Op::Div:
        if (format_ == Format::Latex) return {"\\frac{" + a.text + "}{" + b.text + "}", kAtomLevel, Op::Div, false};
        return infix(op, std::move(a), std::move(b), sympy ? "/" : " / ", kMulLevel, false);
      case Op::Pow:
        switch (format_) {
          case Format::Infix: return infix(op, std::move(a), std::move(b), " ^ ", kPowLevel, true);
          case Format::SymPy: return infix(op, std::move(a), std::move(b), "**", kPowLevel, true);
          case Format::Latex: return latex_power(std::move(a), b.text);
          case Format::C:
          case Format::Torch: break;
        }
        break;
      default: break;
    }
    return call(op, template_for(op), a, b);
  }

  // Torch only: which constants sit directly under an operator whose subtree has no variables.
  void mark_variable_free_parents() {
    const std::size_t n = e_.size();
    std::vector<char> variable_free(n, 1);
    variable_free_parent_.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const Node& node = e_[i];
      if (node.op == Op::Var) variable_free[i] = 0;
      for (int k = 0; k < node.arity; ++k)
        if (!variable_free[e_.child(i, k)]) variable_free[i] = 0;
    }
    for (std::size_t i = 0; i < n; ++i)
      for (int k = 0; k < e_[i].arity; ++k)
        if (variable_free[i]) variable_free_parent_[e_.child(i, k)] = 1;
  }

  const Expression& e_;
  const std::vector<std::string>& variables_;
  Format format_;
  const OperatorSet& allowed_;
  std::vector<char> variable_free_parent_;
};

}  // namespace

std::string to_string(const Expression& e, const std::vector<std::string>& variables, Format format) {
  return Printer(e, variables, format, OperatorSet::all()).run();
}

std::string to_string(const Expression& e, const std::vector<std::string>& variables, Format format,
                      const OperatorSet& allowed) {
  return Printer(e, variables, format, allowed).run();
}

}  // namespace symtorch
