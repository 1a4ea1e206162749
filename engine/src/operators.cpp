#include "symtorch/engine/operators.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "symtorch/engine/expression.hpp"

namespace symtorch {
namespace {

using E = Expression;

E constant(double v) { return E::constant(v); }
E un(Op op, const E& a) { return E::unary(op, a); }
E mul(const E& a, const E& b) { return E::binary(Op::Mul, a, b); }
E div(const E& a, const E& b) { return E::binary(Op::Div, a, b); }

// outer·da; da = 1 (the variable itself) needs no factor.
E chain(const E& outer, const E& da) {
  if (da.size() == 1 && da[0].op == Op::Const && da[0].value == 1.0) return outer;
  return mul(outer, da);
}

// Inverses of the one-to-one operators (OperatorInfo::inverse): NaN outside the range.
double inverse_of_sqrt(double y) { return y >= 0 ? y * y : std::numeric_limits<double>::quiet_NaN(); }
double inverse_of_exp(double y) { return y > 0 ? std::log(y) : std::numeric_limits<double>::quiet_NaN(); }
double inverse_of_log(double y) { return std::exp(y); }
double inverse_of_cube(double y) { return std::cbrt(y); }
double inverse_of_inv(double y) { return y != 0 ? 1 / y : std::numeric_limits<double>::quiet_NaN(); }
double inverse_of_tanh(double y) { return std::abs(y) < 1 ? std::atanh(y) : std::numeric_limits<double>::quiet_NaN(); }

struct UnaryTraits {
  Parity parity = Parity::None;
  double period = 0;
  Domain domain = Domain::Real;
  double (*inverse)(double) = nullptr;
  bool math_library = false;
  E (*derivative_rule)(const E& a, const E& da) = nullptr;
};

void set_traits(OperatorInfo& i, const UnaryTraits& t) {
  i.parity = t.parity;
  i.period = t.period;
  i.domain = t.domain;
  i.inverse = t.inverse;
  i.math_library = t.math_library;
  i.derivative_rule = t.derivative_rule;
}

// The traits of the built-in unary operators (derivative rules as derivative.hpp documents).
void add_unary_traits(std::vector<OperatorInfo>& v) {
  constexpr double two_pi = 2 * std::numbers::pi;
  auto at = [&v](Op op) -> OperatorInfo& { return v[static_cast<std::size_t>(op)]; };
  set_traits(at(Op::Neg), {Parity::Odd, 0, Domain::Real, nullptr, false,
                           [](const E&, const E& da) { return un(Op::Neg, da); }});
  set_traits(at(Op::Square), {Parity::Even, 0, Domain::Real, nullptr, false,
                              [](const E& a, const E& da) { return chain(mul(constant(2.0), a), da); }});
  set_traits(at(Op::Cube), {Parity::Odd, 0, Domain::Real, inverse_of_cube, false, [](const E& a, const E& da) {
                              return chain(mul(constant(3.0), un(Op::Square, a)), da);
                            }});
  set_traits(at(Op::Sqrt), {Parity::None, 0, Domain::NonNegative, inverse_of_sqrt, false,
                            [](const E& a, const E& da) { return div(da, mul(constant(2.0), un(Op::Sqrt, a))); }});
  set_traits(at(Op::Exp), {Parity::None, 0, Domain::Real, inverse_of_exp, true,
                           [](const E& a, const E& da) { return chain(un(Op::Exp, a), da); }});
  set_traits(at(Op::Log), {Parity::None, 0, Domain::Positive, inverse_of_log, true,
                           [](const E& a, const E& da) { return div(da, a); }});
  set_traits(at(Op::Sin), {Parity::Odd, two_pi, Domain::Real, nullptr, true,
                           [](const E& a, const E& da) { return chain(un(Op::Cos, a), da); }});
  set_traits(at(Op::Cos), {Parity::Even, two_pi, Domain::Real, nullptr, true,
                           [](const E& a, const E& da) { return chain(un(Op::Neg, un(Op::Sin, a)), da); }});
  set_traits(at(Op::Tan), {Parity::Odd, std::numbers::pi, Domain::Poles, nullptr, true,
                           [](const E& a, const E& da) { return div(da, un(Op::Square, un(Op::Cos, a))); }});
  set_traits(at(Op::Tanh), {Parity::Odd, 0, Domain::Real, inverse_of_tanh, true, [](const E& a, const E& da) {
                              return chain(E::binary(Op::Sub, constant(1.0), un(Op::Square, un(Op::Tanh, a))), da);
                            }});
  set_traits(at(Op::Abs), {Parity::Even, 0, Domain::Real, nullptr, false,
                           [](const E& a, const E& da) { return chain(div(a, un(Op::Abs, a)), da); }});
  set_traits(at(Op::Inv), {Parity::Odd, 0, Domain::NonZero, inverse_of_inv, false,
                           [](const E& a, const E& da) { return un(Op::Neg, div(da, un(Op::Square, a))); }});
  at(Op::Pow).math_library = true;
}

OperatorInfo make(Op op, std::string name, int arity, std::string latex, std::string c,
                  std::string sympy, std::string torch) {
  OperatorInfo i;
  i.op = op;
  i.name = std::move(name);
  i.arity = arity;
  i.latex = std::move(latex);
  i.c = std::move(c);
  i.sympy = std::move(sympy);
  i.torch = std::move(torch);
  return i;
}

OperatorInfo make_infix(Op op, std::string name, int precedence, bool commutative,
                        std::string latex, std::string c, std::string sympy, std::string torch) {
  OperatorInfo i = make(op, std::move(name), 2, std::move(latex), std::move(c), std::move(sympy),
                        std::move(torch));
  i.infix = true;
  i.precedence = precedence;
  i.commutative = commutative;
  return i;
}

std::vector<OperatorInfo> builtins() {
  std::vector<OperatorInfo> v;
  v.push_back(make(Op::Const, "const", 0, "", "", "", ""));
  v.push_back(make(Op::Var, "var", 0, "", "", "", ""));
  v.push_back(make_infix(Op::Add, "+", 1, true, "{0} + {1}", "({0} + {1})", "({0} + {1})", "({0} + {1})"));
  v.push_back(make_infix(Op::Sub, "-", 1, false, "{0} - {1}", "({0} - {1})", "({0} - {1})", "({0} - {1})"));
  v.push_back(make_infix(Op::Mul, "*", 2, true, "{0} {1}", "({0} * {1})", "({0} * {1})", "({0} * {1})"));
  v.push_back(make_infix(Op::Div, "/", 2, false, "\\frac{{0}}{{1}}", "({0} / {1})", "({0} / {1})", "({0} / {1})"));
  v.push_back(make_infix(Op::Pow, "^", 4, false, "{0}^{{1}}", "pow({0}, {1})", "({0}**{1})", "torch.pow({0}, {1})"));
  v.push_back(make(Op::Neg, "neg", 1, "-{0}", "(-{0})", "(-{0})", "(-{0})"));
  v.push_back(make(Op::Square, "square", 1, "{0}^{2}", "({0} * {0})", "({0}**2)", "torch.square({0})"));
  v.push_back(make(Op::Cube, "cube", 1, "{0}^{3}", "({0} * {0} * {0})", "({0}**3)", "torch.pow({0}, 3)"));
  v.push_back(make(Op::Sqrt, "sqrt", 1, "\\sqrt{{0}}", "sqrt({0})", "sqrt({0})", "torch.sqrt({0})"));
  v.push_back(make(Op::Exp, "exp", 1, "e^{{0}}", "exp({0})", "exp({0})", "torch.exp({0})"));
  v.push_back(make(Op::Log, "log", 1, "\\log{\\left({0}\\right)}", "log({0})", "log({0})", "torch.log({0})"));
  v.push_back(make(Op::Sin, "sin", 1, "\\sin{\\left({0}\\right)}", "sin({0})", "sin({0})", "torch.sin({0})"));
  v.push_back(make(Op::Cos, "cos", 1, "\\cos{\\left({0}\\right)}", "cos({0})", "cos({0})", "torch.cos({0})"));
  v.push_back(make(Op::Tan, "tan", 1, "\\tan{\\left({0}\\right)}", "tan({0})", "tan({0})", "torch.tan({0})"));
  v.push_back(make(Op::Tanh, "tanh", 1, "\\tanh{\\left({0}\\right)}", "tanh({0})", "tanh({0})", "torch.tanh({0})"));
  v.push_back(make(Op::Abs, "abs", 1, "\\left|{0}\\right|", "fabs({0})", "Abs({0})", "torch.abs({0})"));
  v.push_back(make(Op::Inv, "inv", 1, "\\frac{1}{{0}}", "(1.0 / {0})", "(1/{0})", "torch.reciprocal({0})"));
  add_unary_traits(v);
  return v;
}

bool valid_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
  return true;
}

}  // namespace

OperatorRegistry::OperatorRegistry() : ops_(builtins()) { ops_.reserve(kMaxOps); }

OperatorRegistry& OperatorRegistry::instance() {
  static OperatorRegistry registry;
  return registry;
}

const OperatorInfo& OperatorRegistry::info(Op op) const {
  auto i = static_cast<std::size_t>(op);
  if (i >= ops_.size()) throw std::out_of_range("unknown operator code " + std::to_string(i));
  return ops_[i];
}

std::optional<Op> OperatorRegistry::find(std::string_view name) const {
  for (const auto& o : ops_)
    if (o.arity > 0 && o.name == name) return o.op;
  if (name == "**") return Op::Pow;
  if (name == "pow") return Op::Pow;
  if (name == "add") return Op::Add;
  if (name == "sub") return Op::Sub;
  if (name == "mul" || name == "mult") return Op::Mul;
  if (name == "div") return Op::Div;
  return std::nullopt;
}

namespace {

OperatorInfo make_user(Op op, const std::string& name, int arity, int complexity) {
  std::string latex_name;  // '_' is a subscript in LaTeX
  for (char ch : name) {
    if (ch == '_') latex_name += '\\';
    latex_name += ch;
  }
  OperatorInfo i = arity == 1
      ? make(op, name, 1, "\\operatorname{" + latex_name + "}\\left({0}\\right)", name + "({0})", name + "({0})",
             name + "({0})")
      : make(op, name, 2, "\\operatorname{" + latex_name + "}\\left({0}, {1}\\right)", name + "({0}, {1})",
             name + "({0}, {1})", name + "({0}, {1})");
  i.complexity = complexity;
  i.user = true;
  return i;
}

}  // namespace

void OperatorRegistry::check_new_names(const std::vector<std::string>& names) const {
  for (const auto& name : names) {
    if (!valid_name(name)) throw std::invalid_argument("operator name '" + name + "' is not an identifier");
    if (find(name)) throw std::invalid_argument("operator '" + name + "' is already registered");
  }
  if (ops_.size() + names.size() > kMaxOps)
    throw std::length_error("too many operators (max " + std::to_string(kMaxOps) + ")");
}

Op OperatorRegistry::register_unary(const std::string& name, UnaryFn f, UnaryFn derivative,
                                    int complexity) {
  if (complexity < 0) throw std::invalid_argument("operator complexity must be >= 0");
  std::vector<std::string> names{name};
  if (derivative) names.push_back(name + "_d");
  check_new_names(names);
  if (!f) throw std::invalid_argument("operator '" + name + "' has no function");
  const Op op = static_cast<Op>(ops_.size());
  OperatorInfo i = make_user(op, name, 1, complexity);
  i.unary = std::move(f);
  if (derivative) {
    OperatorInfo d = make_user(static_cast<Op>(ops_.size() + 1), name + "_d", 1, complexity);
    d.unary = derivative;
    d.derivative_of = op;
    i.partials = {d.op};
    i.unary_derivative = std::move(derivative);
    ops_.push_back(std::move(i));
    ops_.push_back(std::move(d));
  } else {
    ops_.push_back(std::move(i));
  }
  return op;
}

Op OperatorRegistry::register_binary(const std::string& name, BinaryFn f,
                                     std::function<std::pair<double, double>(double, double)> derivative,
                                     int complexity) {
  if (complexity < 0) throw std::invalid_argument("operator complexity must be >= 0");
  std::vector<std::string> names{name};
  if (derivative) {
    names.push_back(name + "_d0");
    names.push_back(name + "_d1");
  }
  check_new_names(names);
  if (!f) throw std::invalid_argument("operator '" + name + "' has no function");
  const Op op = static_cast<Op>(ops_.size());
  OperatorInfo i = make_user(op, name, 2, complexity);
  i.binary = std::move(f);
  if (derivative) {
    OperatorInfo d0 = make_user(static_cast<Op>(ops_.size() + 1), name + "_d0", 2, complexity);
    OperatorInfo d1 = make_user(static_cast<Op>(ops_.size() + 2), name + "_d1", 2, complexity);
    d0.binary = [derivative](double a, double b) { return derivative(a, b).first; };
    d1.binary = [derivative](double a, double b) { return derivative(a, b).second; };
    d0.derivative_of = op;
    d1.derivative_of = op;
    i.partials = {d0.op, d1.op};
    i.binary_derivative = std::move(derivative);
    ops_.push_back(std::move(i));
    ops_.push_back(std::move(d0));
    ops_.push_back(std::move(d1));
  } else {
    ops_.push_back(std::move(i));
  }
  return op;
}

void OperatorRegistry::set_complexity(Op op, int complexity) {
  if (complexity < 0) throw std::invalid_argument("operator complexity must be >= 0");
  auto i = static_cast<std::size_t>(op);
  if (i >= ops_.size()) throw std::out_of_range("unknown operator code " + std::to_string(i));
  if (is_leaf(op) && complexity < 1)
    throw std::invalid_argument(std::string("the complexity of a ") + (op == Op::Const ? "constant" : "variable") +
                                " must be >= 1, got " + std::to_string(complexity));
  ops_[i].complexity = complexity;
}

std::optional<Op> OperatorRegistry::find_complexity_target(std::string_view name) const {
  if (name == "constant") return Op::Const;
  if (name == "variable") return Op::Var;
  return find(name);
}

void OperatorRegistry::reset_complexities() {
  for (auto& o : ops_)
    if (!o.user) o.complexity = 1;
}

double apply_unary(Op op, double x) {
  switch (op) {
    case Op::Neg: return -x;
    case Op::Square: return x * x;
    case Op::Cube: return x * x * x;
    case Op::Sqrt: return std::sqrt(x);
    case Op::Exp: return std::exp(x);
    case Op::Log: return std::log(x);
    case Op::Sin: return std::sin(x);
    case Op::Cos: return std::cos(x);
    case Op::Tan: return std::tan(x);
    case Op::Tanh: return std::tanh(x);
    case Op::Abs: return std::fabs(x);
    case Op::Inv: return 1.0 / x;
    default: {
      const auto& i = op_info(op);
      if (i.arity != 1 || !i.unary) throw std::invalid_argument("'" + i.name + "' is not a unary operator");
      return i.unary(x);
    }
  }
}

double apply_binary(Op op, double a, double b) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    case Op::Pow: return std::pow(a, b);
    default: {
      const auto& i = op_info(op);
      if (i.arity != 2 || !i.binary) throw std::invalid_argument("'" + i.name + "' is not a binary operator");
      return i.binary(a, b);
    }
  }
}

}  // namespace symtorch
