// Printers: exact text of each format on known trees, and format_constant.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"

using namespace symtorch;

namespace {

Expression var(std::uint32_t k) { return Expression::variable(k); }
Expression cst(double v) { return Expression::constant(v); }
Expression un(Op op, const Expression& a) { return Expression::unary(op, a); }
Expression bin(Op op, const Expression& a, const Expression& b) { return Expression::binary(op, a, b); }

std::string infix(const Expression& e, const std::vector<std::string>& names = {}) {
  return to_string(e, names, Format::Infix);
}

const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("format_constant: shortest text that reads back bit-exactly") {
  CHECK(format_constant(0.0) == "0");
  CHECK(format_constant(-0.0) == "-0");
  CHECK(format_constant(1.0) == "1");
  CHECK(format_constant(-2.5) == "-2.5");
  CHECK(format_constant(0.1) == "0.1");
  CHECK(format_constant(1e30) == "1e+30");
  CHECK(format_constant(5e-324) == "5e-324");
  CHECK(format_constant(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(format_constant(1.0 / 3.0) == "0.3333333333333333");
  CHECK(format_constant(kInf) == "inf");
  CHECK(format_constant(-kInf) == "-inf");
  CHECK(format_constant(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(format_constant(-std::numeric_limits<double>::quiet_NaN()) == "-nan");
  // Every step of a sweep of magnitudes reads back to the same bits.
  for (double v = 1e-320; v < 1e300; v *= 7.3) {
    const std::string s = format_constant(v);
    double back = 0;
    std::from_chars(s.data(), s.data() + s.size(), back);
    CHECK(back == v);
  }
}

TEST_CASE("infix printer: fewest parentheses that keep the tree") {
  const Expression x = var(0), y = var(1), z = var(2);
  CHECK(infix(bin(Op::Sub, x, bin(Op::Sub, y, z))) == "x0 - (x1 - x2)");
  CHECK(infix(bin(Op::Sub, bin(Op::Sub, x, y), z)) == "x0 - x1 - x2");
  CHECK(infix(bin(Op::Add, x, bin(Op::Add, y, z))) == "x0 + (x1 + x2)");
  CHECK(infix(bin(Op::Add, x, bin(Op::Sub, y, z))) == "x0 + (x1 - x2)");
  CHECK(infix(bin(Op::Mul, bin(Op::Add, x, y), z)) == "(x0 + x1) * x2");
  CHECK(infix(bin(Op::Div, x, bin(Op::Mul, y, z))) == "x0 / (x1 * x2)");
  CHECK(infix(bin(Op::Mul, bin(Op::Div, x, y), z)) == "x0 / x1 * x2");
  CHECK(infix(bin(Op::Pow, x, bin(Op::Pow, y, z))) == "x0 ^ x1 ^ x2");
  CHECK(infix(bin(Op::Pow, bin(Op::Pow, x, y), z)) == "(x0 ^ x1) ^ x2");
  CHECK(infix(bin(Op::Pow, bin(Op::Mul, x, y), z)) == "(x0 * x1) ^ x2");
  // Neg and negative constants.
  CHECK(infix(un(Op::Neg, x)) == "-x0");
  CHECK(infix(un(Op::Neg, un(Op::Sin, x))) == "-sin(x0)");
  CHECK(infix(un(Op::Neg, bin(Op::Add, x, y))) == "-(x0 + x1)");
  CHECK(infix(un(Op::Neg, cst(3.5))) == "-(3.5)");
  CHECK(infix(un(Op::Neg, cst(-3.5))) == "-(-3.5)");
  CHECK(infix(un(Op::Neg, un(Op::Neg, x))) == "-(-x0)");
  CHECK(infix(un(Op::Neg, bin(Op::Pow, x, cst(2)))) == "-x0 ^ 2");
  CHECK(infix(un(Op::Neg, bin(Op::Pow, cst(2), x))) == "-(2 ^ x0)");
  CHECK(infix(bin(Op::Pow, un(Op::Neg, x), cst(2))) == "(-x0) ^ 2");
  CHECK(infix(bin(Op::Pow, cst(-2), x)) == "(-2) ^ x0");
  CHECK(infix(bin(Op::Pow, x, cst(-2))) == "x0 ^ (-2)");
  CHECK(infix(bin(Op::Mul, x, cst(-2))) == "x0 * (-2)");
  CHECK(infix(bin(Op::Sub, x, un(Op::Neg, y))) == "x0 - (-x1)");
  CHECK(infix(bin(Op::Mul, cst(-2), x)) == "-2 * x0");
  CHECK(infix(bin(Op::Add, un(Op::Neg, x), y)) == "-x0 + x1");
  CHECK(infix(cst(-0.0)) == "-0");
  CHECK(infix(un(Op::Neg, cst(kInf))) == "-(inf)");
  // Calls and names.
  CHECK(infix(bin(Op::Mul, un(Op::Square, bin(Op::Add, x, y)), un(Op::Inv, z))) == "square(x0 + x1) * inv(x2)");
  CHECK(infix(bin(Op::Mul, var(0), bin(Op::Pow, var(1), cst(2))), {"mass", "v"}) == "mass * v ^ 2");
  CHECK_THROWS_AS(infix(var(2), {"a", "b"}), std::invalid_argument);
  CHECK_THROWS_AS(to_string(Expression()), std::invalid_argument);
}

TEST_CASE("printers: every format on known trees") {
  const Expression e = parse_expression("x0 * sin(x1) - 2.5 / (x0 + 1)");
  CHECK(to_string(e, {}, Format::Infix) == "x0 * sin(x1) - 2.5 / (x0 + 1)");
  CHECK(to_string(e, {}, Format::Latex) == "x_{0} \\cdot \\sin{\\left(x_{1}\\right)} - \\frac{2.5}{x_{0} + 1}");
  CHECK(to_string(e, {}, Format::C) == "x0 * sin(x1) - 2.5 / (x0 + 1.0)");
  CHECK(to_string(e, {}, Format::SymPy) == "x0*sin(x1) - 2.5/(x0 + 1)");
  CHECK(to_string(e, {}, Format::Torch) == "x0 * torch.sin(x1) - 2.5 / (x0 + 1.0)");

  const Expression f = parse_expression("square(x0 + 1) * cube(x1) / inv(x2) + abs(x0) + 1e+30 * x0");
  CHECK(to_string(f, {}, Format::Latex) ==
        "\\frac{{\\left(x_{0} + 1\\right)}^{2} \\cdot {x_{1}}^{3}}{\\frac{1}{x_{2}}} + \\left|x_{0}\\right| + "
        "10^{30} \\cdot x_{0}");
  CHECK(to_string(f, {}, Format::C) ==
        "pow(x0 + 1.0, 2) * (x1 * x1 * x1) / (1.0 / x2) + fabs(x0) + 1e+30 * x0");
  CHECK(to_string(f, {}, Format::SymPy) == "(x0 + 1)**2*x1**3/(1/x2) + Abs(x0) + 1e+30*x0");
  CHECK(to_string(f, {}, Format::Torch) ==
        "torch.square(x0 + 1.0) * torch.pow(x1, 3) / torch.reciprocal(x2) + torch.abs(x0) + 1e+30 * x0");

  const Expression g = parse_expression("-x0 ^ 2 + (-2) ^ x0 + -(2 ^ x0) + exp(x0 / 2)");
  CHECK(to_string(g, {}, Format::Infix) == "-x0 ^ 2 + (-2) ^ x0 + (-(2 ^ x0)) + exp(x0 / 2)");
  CHECK(to_string(g, {}, Format::Latex) ==
        "-{x_{0}}^{2} + {\\left(-2\\right)}^{x_{0}} + \\left(-{2}^{x_{0}}\\right) + e^{\\frac{x_{0}}{2}}");
  CHECK(to_string(g, {}, Format::C) == "-pow(x0, 2.0) + pow(-2.0, x0) + (-pow(2.0, x0)) + exp(x0 / 2.0)");
  CHECK(to_string(g, {}, Format::SymPy) == "-x0**2 + (-2)**x0 + (-2**x0) + exp(x0/2)");
  CHECK(to_string(g, {}, Format::Torch) ==
        "-torch.pow(x0, 2.0) + torch.pow(-2.0, x0) + (-torch.pow(2.0, x0)) + torch.exp(x0 / 2.0)");

  // Non-finite constants and subtrees without variables.
  const Expression h = parse_expression("sin(2) + 1 / 0 * x0 - inf");
  CHECK(to_string(h, {}, Format::Infix) == "sin(2) + 1 / 0 * x0 - inf");
  CHECK(to_string(h, {}, Format::C) == "sin(2.0) + 1.0 / 0.0 * x0 - INFINITY");
  CHECK(to_string(h, {}, Format::SymPy) == "sin(2) + 1/0*x0 - oo");
  CHECK(to_string(h, {}, Format::Torch) ==
        "torch.sin(torch.tensor(2.0, dtype=torch.float64)) + torch.tensor(1.0, dtype=torch.float64) / "
        "torch.tensor(0.0, dtype=torch.float64) * x0 - float('inf')");
  CHECK(to_string(h, {}, Format::Latex) == "\\sin{\\left(2\\right)} + \\frac{1}{0} \\cdot x_{0} - \\infty");

  // C never writes "--" (decrement) and never integer division.
  CHECK(to_string(parse_expression("-(-x0) - -2 + 1 / 2"), {}, Format::C) == "-(-x0) - (-2.0) + 1.0 / 2.0");
  CHECK(to_string(parse_expression("square(x0) + square(sin(x0)) + cube(2)"), {}, Format::C) ==
        "x0 * x0 + pow(sin(x0), 2) + pow(2.0, 3)");
  // Named variables in LaTeX.
  CHECK(to_string(parse_expression("theta2 * my_var + v", {"theta2", "my_var", "v"}), {"theta2", "my_var", "v"},
                  Format::Latex) == "\\mathrm{theta}_{2} \\cdot \\mathrm{my\\_var} + v");
}

TEST_CASE("printers: user operators use their registered forms") {
  auto& r = OperatorRegistry::instance();
  static const Op soft = r.register_unary("prtest_soft", [](double x) { return std::log1p(std::exp(x)); });
  static const Op hyp = r.register_binary("prtest_hyp", [](double a, double b) { return std::hypot(a, b); });
  const Expression e = bin(hyp, un(soft, var(0)), cst(2));
  CHECK(to_string(e, {}, Format::Infix) == "prtest_hyp(prtest_soft(x0), 2)");
  CHECK(to_string(e, {}, Format::C) == "prtest_hyp(prtest_soft(x0), 2.0)");
  CHECK(to_string(e, {}, Format::SymPy) == "prtest_hyp(prtest_soft(x0), 2)");
  CHECK(to_string(e, {}, Format::Latex) ==
        "\\operatorname{prtest\\_hyp}\\left(\\operatorname{prtest\\_soft}\\left(x_{0}\\right), 2\\right)");
  CHECK(parse_expression(to_string(e)) == e);
}

TEST_CASE("printers: rational multiples of pi and of 1/pi are written with pi where the format has it") {
  const double pi = std::numbers::pi;
  const double two_pi = 2.0 * pi / 1.0, inv_two_pi = 1.0 / (2.0 * pi), minus_quarter = -1.0 * pi / 4.0;
  // x0 / (2π·exp(x0 / (2π) · 1/x1)), the shape of Planck's law, and −π/4 + π.
  const Expression e = bin(Op::Add,
                           bin(Op::Div, var(0), bin(Op::Mul, cst(two_pi), un(Op::Exp, bin(Op::Mul, cst(inv_two_pi), var(1))))),
                           bin(Op::Add, cst(minus_quarter), cst(pi)));
  CHECK(infix(e) == "x0 / (2 * pi * exp(1 / (2 * pi) * x1)) + (-pi / 4 + pi)");
  CHECK(to_string(e, {}, Format::SymPy) == "x0/(2*pi*exp(1/(2*pi)*x1)) + (-pi/4 + pi)");
  CHECK(to_string(e, {}, Format::Latex) ==
        "\\frac{x_{0}}{2 \\pi \\cdot e^{\\frac{1}{2 \\pi} \\cdot x_{1}}} + \\left(-\\frac{\\pi}{4} + \\pi\\right)");
  // C and Torch keep the number: neither has a bare pi.
  CHECK(to_string(bin(Op::Mul, var(0), cst(two_pi)), {}, Format::C) == "x0 * 6.283185307179586");
  CHECK(to_string(bin(Op::Mul, var(0), cst(two_pi)), {}, Format::Torch) == "x0 * 6.283185307179586");
  // The text reads back to the same value (as a product: 2 * pi is three nodes).
  const std::vector<double> row{0.7, 1.3};
  CHECK(evaluate_reference(parse_expression(infix(e)), row) == evaluate_reference(e, row));
  // Grouping: a product of π on the right of '/' or '^', and a negative one after '-'.
  CHECK(infix(bin(Op::Div, var(0), cst(two_pi))) == "x0 / (2 * pi)");
  CHECK(infix(bin(Op::Sub, var(0), cst(-two_pi))) == "x0 - (-2 * pi)");
  CHECK(infix(bin(Op::Pow, cst(two_pi), var(0))) == "(2 * pi) ^ x0");
  CHECK(infix(un(Op::Neg, cst(two_pi))) == "-(2 * pi)");
  // Not a multiple to the last bit, or a variable named pi: the number.
  CHECK(infix(cst(6.28318530717958)) == "6.28318530717958");
  CHECK(infix(bin(Op::Mul, var(0), cst(two_pi)), {"pi"}) == "pi * 6.283185307179586");
  // Far outside the multiples' range: the number, and no overflow in the search for p
  // (fuzz/regressions/parser/pi_multiple_of_1e308.txt: rounding 1e308/pi to a long was UB).
  CHECK(infix(cst(1e308)) == "1e+308");
  CHECK(infix(cst(-std::numeric_limits<double>::max())) == "-1.7976931348623157e+308");
  CHECK(infix(cst(1e-308)) == "1e-308");
}
