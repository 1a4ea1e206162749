// Operator registry and the documented domain semantics (operators.hpp): built-ins are
// unprotected IEEE-754 functions, as in PySR, so domain errors give NaN or +-Inf, never a throw.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operators.hpp"

using symtorch::apply_binary;
using symtorch::apply_unary;
using symtorch::Expression;
using symtorch::Op;
using symtorch::OperatorRegistry;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<Op> kUnary = {Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
                                Op::Sin, Op::Cos,    Op::Tan,  Op::Tanh, Op::Abs, Op::Inv};
const std::vector<Op> kBinary = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow};

bool is_pos_inf(double v) { return std::isinf(v) && v > 0; }
bool is_neg_inf(double v) { return std::isinf(v) && v < 0; }

Expression x(std::uint32_t f) { return Expression::variable(f); }
Expression c(double v) { return Expression::constant(v); }
Expression un(Op op, const Expression& a) { return Expression::unary(op, a); }
Expression bin(Op op, const Expression& a, const Expression& b) { return Expression::binary(op, a, b); }

double eval(const Expression& e, std::vector<double> row) { return symtorch::evaluate_reference(e, row); }

// User operators are process-wide and cannot be removed, so each is registered once for the
// whole test run (doctest re-enters a test case once per SUBCASE).
struct UserOps {
  Op sinc, hypot2;
};
const UserOps& user_ops() {
  static const UserOps ops = [] {
    auto& reg = OperatorRegistry::instance();
    UserOps u;
    u.sinc = reg.register_unary(
        "test_operators_sinc", [](double v) { return v == 0 ? 1.0 : std::sin(v) / v; },
        [](double v) { return v == 0 ? 0.0 : (v * std::cos(v) - std::sin(v)) / (v * v); }, 3);
    u.hypot2 = reg.register_binary(
        "test_operators_hypot", [](double a, double b) { return std::hypot(a, b); },
        [](double a, double b) {
          const double h = std::hypot(a, b);
          return std::pair<double, double>{a / h, b / h};
        },
        2);
    return u;
  }();
  return ops;
}

}  // namespace

TEST_CASE("operators: every built-in is found by its name") {
  const auto& reg = OperatorRegistry::instance();
  const std::vector<std::pair<std::string, Op>> names = {
      {"+", Op::Add},       {"-", Op::Sub},     {"*", Op::Mul},       {"/", Op::Div},   {"^", Op::Pow},
      {"neg", Op::Neg},     {"square", Op::Square}, {"cube", Op::Cube}, {"sqrt", Op::Sqrt}, {"exp", Op::Exp},
      {"log", Op::Log},     {"sin", Op::Sin},   {"cos", Op::Cos},     {"tan", Op::Tan}, {"tanh", Op::Tanh},
      {"abs", Op::Abs},     {"inv", Op::Inv},
      // Aliases used by PySR/SymPy-style input.
      {"**", Op::Pow},      {"pow", Op::Pow},   {"add", Op::Add},     {"sub", Op::Sub}, {"mul", Op::Mul},
      {"mult", Op::Mul},    {"div", Op::Div}};
  for (const auto& [name, op] : names) {
    CAPTURE(name);
    const auto found = reg.find(name);
    REQUIRE(found.has_value());
    CHECK(*found == op);
  }
  CHECK_FALSE(reg.find("no_such_operator").has_value());
  CHECK_FALSE(reg.find("").has_value());
  // Leaves are not operators a parser may apply.
  CHECK_FALSE(reg.find("const").has_value());
  CHECK_FALSE(reg.find("var").has_value());
  CHECK(reg.size() >= static_cast<std::size_t>(Op::kBuiltinCount));
}

TEST_CASE("operators: built-in metadata") {
  OperatorRegistry::instance().reset_complexities();
  for (Op op : kUnary) {
    const auto& i = symtorch::op_info(op);
    CAPTURE(i.name);
    CHECK(i.op == op);
    CHECK(i.arity == 1);
    CHECK_FALSE(i.infix);
    CHECK_FALSE(i.user);
    CHECK(i.complexity == 1);
    CHECK_FALSE(symtorch::is_user_op(op));
  }
  for (Op op : kBinary) {
    const auto& i = symtorch::op_info(op);
    CAPTURE(i.name);
    CHECK(i.op == op);
    CHECK(i.arity == 2);
    CHECK(i.infix);
    CHECK(i.complexity == 1);
  }
  CHECK(symtorch::op_info(Op::Add).commutative);
  CHECK(symtorch::op_info(Op::Mul).commutative);
  CHECK_FALSE(symtorch::op_info(Op::Sub).commutative);
  CHECK_FALSE(symtorch::op_info(Op::Div).commutative);
  CHECK_FALSE(symtorch::op_info(Op::Pow).commutative);
  // Multiplication binds tighter than addition, and power tighter than both.
  CHECK(symtorch::op_info(Op::Mul).precedence > symtorch::op_info(Op::Add).precedence);
  CHECK(symtorch::op_info(Op::Pow).precedence > symtorch::op_info(Op::Mul).precedence);
  CHECK(symtorch::is_leaf(Op::Const));
  CHECK(symtorch::is_leaf(Op::Var));
  CHECK_FALSE(symtorch::is_leaf(Op::Add));
  CHECK_THROWS_AS(symtorch::op_info(static_cast<Op>(symtorch::kMaxOps + 1)), std::out_of_range);
}

TEST_CASE("operators: finite arguments give the C library's values") {
  // Built-ins call the same libm functions; the compiler may fold the right-hand side with a
  // correctly rounded value, so allow a few ulps (1e-14 relative) rather than bit equality.
  const double v = 0.7;
  CHECK(apply_unary(Op::Neg, v) == -v);
  CHECK(apply_unary(Op::Square, v) == v * v);
  CHECK(apply_unary(Op::Cube, v) == v * v * v);
  CHECK(apply_unary(Op::Sqrt, v) == doctest::Approx(std::sqrt(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Exp, v) == doctest::Approx(std::exp(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Log, v) == doctest::Approx(std::log(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Sin, v) == doctest::Approx(std::sin(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Cos, v) == doctest::Approx(std::cos(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Tan, v) == doctest::Approx(std::tan(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Tanh, v) == doctest::Approx(std::tanh(v)).epsilon(1e-14));
  CHECK(apply_unary(Op::Abs, -v) == v);
  CHECK(apply_unary(Op::Inv, 4.0) == 0.25);
  CHECK(apply_binary(Op::Add, 1.5, 2.25) == 3.75);
  CHECK(apply_binary(Op::Sub, 1.5, 2.25) == -0.75);
  CHECK(apply_binary(Op::Mul, 1.5, 2.25) == 3.375);
  CHECK(apply_binary(Op::Div, 3.0, 4.0) == 0.75);
  CHECK(apply_binary(Op::Pow, 2.0, 10.0) == 1024.0);
  // Non-commutative operators take (left, right) in that order.
  CHECK(apply_binary(Op::Pow, 3.0, 2.0) == 9.0);
  CHECK(apply_binary(Op::Div, 1.0, 2.0) == 0.5);
}

TEST_CASE("operators: documented domain semantics (unprotected IEEE, like PySR)") {
  SUBCASE("log") {
    CHECK(std::isnan(apply_unary(Op::Log, -1.0)));
    CHECK(is_neg_inf(apply_unary(Op::Log, 0.0)));
    CHECK(is_neg_inf(apply_unary(Op::Log, -0.0)));
    CHECK(apply_unary(Op::Log, 1.0) == 0.0);
    CHECK(is_pos_inf(apply_unary(Op::Log, kInf)));
    CHECK(std::isnan(apply_unary(Op::Log, -kInf)));
  }
  SUBCASE("sqrt") {
    CHECK(std::isnan(apply_unary(Op::Sqrt, -1.0)));
    CHECK(std::isnan(apply_unary(Op::Sqrt, -kInf)));
    CHECK(apply_unary(Op::Sqrt, 0.0) == 0.0);
    CHECK(is_pos_inf(apply_unary(Op::Sqrt, kInf)));
  }
  SUBCASE("division and inverse") {
    CHECK(is_pos_inf(apply_binary(Op::Div, 1.0, 0.0)));
    CHECK(is_neg_inf(apply_binary(Op::Div, -1.0, 0.0)));
    CHECK(is_neg_inf(apply_binary(Op::Div, 1.0, -0.0)));
    CHECK(std::isnan(apply_binary(Op::Div, 0.0, 0.0)));
    CHECK(std::isnan(apply_binary(Op::Div, kInf, kInf)));
    CHECK(apply_binary(Op::Div, 1.0, kInf) == 0.0);
    CHECK(is_pos_inf(apply_unary(Op::Inv, 0.0)));
    CHECK(is_neg_inf(apply_unary(Op::Inv, -0.0)));
    CHECK(apply_unary(Op::Inv, kInf) == 0.0);
  }
  SUBCASE("pow") {
    CHECK(std::isnan(apply_binary(Op::Pow, -2.0, 0.5)));
    CHECK(apply_binary(Op::Pow, -2.0, 3.0) == -8.0);  // integral exponents of negatives are fine
    CHECK(apply_binary(Op::Pow, -2.0, 2.0) == 4.0);
    CHECK(is_pos_inf(apply_binary(Op::Pow, 0.0, -1.0)));
    CHECK(is_pos_inf(apply_binary(Op::Pow, 10.0, 400.0)));
    CHECK(apply_binary(Op::Pow, 0.0, 0.0) == 1.0);
  }
  SUBCASE("overflow") {
    CHECK(is_pos_inf(apply_unary(Op::Exp, 1000.0)));
    CHECK(apply_unary(Op::Exp, -1000.0) == 0.0);
    CHECK(apply_unary(Op::Exp, -kInf) == 0.0);
    CHECK(is_pos_inf(apply_unary(Op::Square, 1e200)));
    CHECK(is_neg_inf(apply_unary(Op::Cube, -1e200)));
    CHECK(is_pos_inf(apply_binary(Op::Mul, 1e200, 1e200)));
    CHECK(is_pos_inf(apply_binary(Op::Add, 1.7e308, 1.7e308)));
  }
  SUBCASE("infinities in, IEEE results out") {
    CHECK(std::isnan(apply_binary(Op::Add, kInf, -kInf)));
    CHECK(std::isnan(apply_binary(Op::Sub, kInf, kInf)));
    CHECK(std::isnan(apply_binary(Op::Mul, 0.0, kInf)));
    CHECK(is_neg_inf(apply_unary(Op::Neg, kInf)));
    CHECK(is_pos_inf(apply_unary(Op::Abs, -kInf)));
    CHECK(is_pos_inf(apply_unary(Op::Square, -kInf)));
    CHECK(is_neg_inf(apply_unary(Op::Cube, -kInf)));
    CHECK(std::isnan(apply_unary(Op::Sin, kInf)));
    CHECK(std::isnan(apply_unary(Op::Cos, -kInf)));
    CHECK(std::isnan(apply_unary(Op::Tan, kInf)));
    CHECK(apply_unary(Op::Tanh, kInf) == 1.0);
    CHECK(apply_unary(Op::Tanh, -kInf) == -1.0);
  }
  SUBCASE("signed zero") {
    CHECK(std::signbit(apply_unary(Op::Neg, 0.0)));
    CHECK_FALSE(std::signbit(apply_unary(Op::Abs, -0.0)));
  }
}

TEST_CASE("operators: NaN propagates through every built-in") {
  for (Op op : kUnary) {
    CAPTURE(symtorch::op_info(op).name);
    CHECK(std::isnan(apply_unary(op, kNaN)));
  }
  for (Op op : kBinary) {
    CAPTURE(symtorch::op_info(op).name);
    CHECK(std::isnan(apply_binary(op, kNaN, 2.0)));
    CHECK(std::isnan(apply_binary(op, 2.0, kNaN)));
    CHECK(std::isnan(apply_binary(op, kNaN, kNaN)));
  }
  // IEEE-754 pow (and PySR's Julia ^) define the two exceptions pow(NaN, 0) = pow(1, NaN) = 1.
  CHECK(apply_binary(Op::Pow, kNaN, 0.0) == 1.0);
  CHECK(apply_binary(Op::Pow, 1.0, kNaN) == 1.0);
}

TEST_CASE("operators: evaluate_reference applies the same semantics inside trees") {
  // log(x0), sqrt(x0), x0 / x1, inv(x0), exp(x0), x0 ^ x1
  CHECK(std::isnan(eval(un(Op::Log, x(0)), {-1.0})));
  CHECK(is_neg_inf(eval(un(Op::Log, x(0)), {0.0})));
  CHECK(std::isnan(eval(un(Op::Sqrt, x(0)), {-1.0})));
  CHECK(is_pos_inf(eval(bin(Op::Div, x(0), x(1)), {1.0, 0.0})));
  CHECK(is_neg_inf(eval(bin(Op::Div, x(0), x(1)), {-1.0, 0.0})));
  CHECK(std::isnan(eval(bin(Op::Div, x(0), x(1)), {0.0, 0.0})));
  CHECK(is_pos_inf(eval(un(Op::Inv, x(0)), {0.0})));
  CHECK(is_pos_inf(eval(un(Op::Exp, x(0)), {1000.0})));
  CHECK(std::isnan(eval(bin(Op::Pow, x(0), x(1)), {-2.0, 0.5})));
  // Constants take the same path as variables.
  CHECK(std::isnan(eval(bin(Op::Pow, c(-2.0), c(0.5)), {})));
  CHECK(is_pos_inf(eval(bin(Op::Div, c(1.0), c(0.0)), {})));

  // An Inf produced deep in a tree reaches the root, or becomes NaN where IEEE says so.
  const Expression inf_times_zero = bin(Op::Mul, un(Op::Exp, x(0)), x(1));  // exp(x0) * x1
  CHECK(is_pos_inf(eval(inf_times_zero, {1000.0, 2.0})));
  CHECK(std::isnan(eval(inf_times_zero, {1000.0, 0.0})));
  // A NaN input propagates through a composite tree: sin(x0) + cos(x1) * 2.
  const Expression tree = bin(Op::Add, un(Op::Sin, x(0)), bin(Op::Mul, un(Op::Cos, x(1)), c(2.0)));
  CHECK(std::isnan(eval(tree, {kNaN, 1.0})));
  CHECK(std::isnan(eval(tree, {1.0, kNaN})));
  CHECK(eval(tree, {0.5, 0.25}) == doctest::Approx(std::sin(0.5) + std::cos(0.25) * 2.0).epsilon(1e-14));
  // Left and right operands keep their order: (x0 - x1) / x1.
  CHECK(eval(bin(Op::Div, bin(Op::Sub, x(0), x(1)), x(1)), {7.0, 2.0}) == 2.5);

  CHECK_THROWS_AS(eval(x(2), {1.0, 2.0}), std::invalid_argument);  // missing input column
  CHECK_THROWS_AS(eval(Expression(), {1.0}), std::invalid_argument);
}

TEST_CASE("operators: user operators") {
  const auto& u = user_ops();
  const auto& reg = OperatorRegistry::instance();
  SUBCASE("registration") {
    CHECK(symtorch::is_user_op(u.sinc));
    CHECK(symtorch::is_user_op(u.hypot2));
    CHECK(u.sinc != u.hypot2);
    const auto& s = symtorch::op_info(u.sinc);
    CHECK(s.name == "test_operators_sinc");
    CHECK(s.arity == 1);
    CHECK(s.complexity == 3);
    CHECK(s.user);
    CHECK(symtorch::op_info(u.hypot2).arity == 2);
    CHECK(symtorch::op_info(u.hypot2).complexity == 2);
    CHECK(reg.find("test_operators_sinc") == u.sinc);
    CHECK(reg.find("test_operators_hypot") == u.hypot2);
  }
  SUBCASE("evaluation") {
    CHECK(apply_unary(u.sinc, 0.0) == 1.0);
    CHECK(apply_unary(u.sinc, 2.0) == doctest::Approx(std::sin(2.0) / 2.0).epsilon(1e-14));
    CHECK(apply_binary(u.hypot2, 3.0, 4.0) == 5.0);
    CHECK(std::isnan(apply_unary(u.sinc, kNaN)));
    // An operator applied with the wrong arity is refused, not evaluated.
    CHECK_THROWS_AS(apply_unary(u.hypot2, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(apply_binary(u.sinc, 1.0, 2.0), std::invalid_argument);
    CHECK_THROWS_AS(apply_unary(Op::Add, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(apply_binary(Op::Sin, 1.0, 2.0), std::invalid_argument);
    // Inside a tree: hypot(sinc(x0), x1).
    const Expression e = bin(u.hypot2, un(u.sinc, x(0)), x(1));
    CHECK(eval(e, {0.0, 0.0}) == 1.0);
    CHECK(eval(e, {2.0, 1.5}) == doctest::Approx(std::hypot(std::sin(2.0) / 2.0, 1.5)).epsilon(1e-14));
    // Complexity counts the user operators' own complexities: 2 + 3 + 1 + 1.
    CHECK(e.complexity() == 7);
  }
  SUBCASE("name clashes and bad names are refused") {
    auto& mut = OperatorRegistry::instance();
    auto identity = [](double v) { return v; };
    auto first = [](double a, double) { return a; };
    const std::size_t before = mut.size();
    for (const char* taken : {"sin", "exp", "pow", "div", "test_operators_sinc", "test_operators_hypot"}) {
      CAPTURE(taken);
      CHECK_THROWS_AS(mut.register_unary(taken, identity), std::invalid_argument);
      CHECK_THROWS_AS(mut.register_binary(taken, first), std::invalid_argument);
    }
    for (const char* bad : {"", "+", "2x", "a b", "a-b", "log(", "é"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(mut.register_unary(bad, identity), std::invalid_argument);
      CHECK_THROWS_AS(mut.register_binary(bad, first), std::invalid_argument);
    }
    CHECK_THROWS_AS(mut.register_unary("test_operators_nofn", symtorch::UnaryFn{}), std::invalid_argument);
    CHECK_THROWS_AS(mut.register_binary("test_operators_nofn", symtorch::BinaryFn{}), std::invalid_argument);
    // A refused registration leaves the registry as it was.
    CHECK(mut.size() == before);
    CHECK_FALSE(mut.find("test_operators_nofn").has_value());
  }
}

TEST_CASE("operators: complexity override and reset") {
  auto& reg = OperatorRegistry::instance();
  reg.reset_complexities();
  const Expression e = un(Op::Exp, bin(Op::Mul, x(0), c(2.0)));  // exp(x0 * 2)
  CHECK(e.complexity() == 4);
  reg.set_complexity(Op::Exp, 3);
  reg.set_complexity(Op::Mul, 0);
  CHECK(symtorch::op_info(Op::Exp).complexity == 3);
  CHECK(e.complexity() == 3 + 0 + 1 + 1);
  CHECK_THROWS_AS(reg.set_complexity(Op::Sin, -1), std::invalid_argument);
  CHECK(symtorch::op_info(Op::Sin).complexity == 1);
  CHECK_THROWS_AS(reg.set_complexity(static_cast<Op>(symtorch::kMaxOps + 1), 2), std::out_of_range);
  reg.reset_complexities();
  CHECK(symtorch::op_info(Op::Exp).complexity == 1);
  CHECK(symtorch::op_info(Op::Mul).complexity == 1);
  CHECK(e.complexity() == 4);

  // Leaves: what a constant and a variable count (at least 1), named "constant" and "variable"
  // where a setting names its operator; subtree sizes of constraints count them the same way.
  CHECK(reg.find_complexity_target("constant") == Op::Const);
  CHECK(reg.find_complexity_target("variable") == Op::Var);
  CHECK(reg.find_complexity_target("exp") == Op::Exp);
  CHECK_FALSE(reg.find_complexity_target("const").has_value());
  reg.set_complexity(Op::Const, 3);
  reg.set_complexity(Op::Var, 2);
  CHECK(e.complexity() == 1 + 1 + 2 + 3);
  CHECK_THROWS_AS(reg.set_complexity(Op::Var, 0), std::invalid_argument);
  CHECK_THROWS_AS(reg.set_complexity(Op::Const, 0), std::invalid_argument);
  CHECK(symtorch::op_info(Op::Var).complexity == 2);
  reg.reset_complexities();
  CHECK(e.complexity() == 4);

  // A user operator's complexity can be overridden too.
  const Op sinc = user_ops().sinc;
  const int registered = symtorch::op_info(sinc).complexity;
  reg.set_complexity(sinc, 5);
  CHECK(un(sinc, x(0)).complexity() == 6);
  reg.set_complexity(sinc, registered);
  CHECK(un(sinc, x(0)).complexity() == registered + 1);
}
