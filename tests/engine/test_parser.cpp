// Parser: exact round trip with the infix printer on random trees, precedence and
// associativity, literals, and every error with its column and token.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "random_expressions.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"

using namespace symtorch;

namespace {

Expression var(std::uint32_t k) { return Expression::variable(k); }
Expression cst(double v) { return Expression::constant(v); }
Expression un(Op op, const Expression& a) { return Expression::unary(op, a); }
Expression bin(Op op, const Expression& a, const Expression& b) { return Expression::binary(op, a, b); }

// User operators for the round trip (registered once per process; the registry is global).
struct ParserUserOps {
  Op unary;
  Op binary;
  Op unary_partial;
};
const ParserUserOps& parser_user_ops() {
  static const ParserUserOps ops = [] {
    auto& r = OperatorRegistry::instance();
    const Op u = r.register_unary("ptest_soft", [](double x) { return std::log1p(std::exp(x)); },
                                  [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
    const Op b = r.register_binary("ptest_hyp", [](double a, double c) { return std::hypot(a, c); });
    return ParserUserOps{u, b, op_info(u).partials.at(0)};
  }();
  return ops;
}

std::string random_identifier(std::mt19937_64& rng) {
  static const std::string first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
  static const std::string rest = first + "0123456789";
  // Sometimes a word that is also an operator or alias name: as a variable it has no '('.
  static const char* tricky[] = {"sin", "pow", "x", "e", "E", "x1", "inv", "add", "ptest_soft"};
  if (random_below(rng, 5) == 0) return tricky[random_below(rng, std::size(tricky))];
  std::string s(1, first[random_below(rng, first.size())]);
  const auto len = random_below(rng, 6);
  for (std::uint64_t i = 0; i < len; ++i) s += rest[random_below(rng, rest.size())];
  return s;
}

std::vector<std::string> random_names(std::mt19937_64& rng, std::size_t count) {
  std::set<std::string> seen;
  std::vector<std::string> names;
  while (names.size() < count) {
    std::string s = random_identifier(rng);
    if (s == "inf" || s == "nan" || !seen.insert(s).second) continue;
    names.push_back(s);
  }
  return names;
}

// Checks that parsing `text` throws ParseError with exactly this message, column and token.
void check_error(const std::string& text, const std::string& message, std::size_t column, const std::string& token,
                 const std::vector<std::string>& names = {}) {
  CAPTURE(text);
  bool thrown = false;
  try {
    parse_expression(text, names);
  } catch (const ParseError& e) {
    thrown = true;
    CHECK(std::string(e.what()) == message);
    CHECK(e.column() == column);
    CHECK(e.token() == token);
  }
  CHECK(thrown);
}

}  // namespace

TEST_CASE("parser: print -> parse gives the identical tree for 2000 random expressions") {
  const auto& user = parser_user_ops();
  std::mt19937_64 rng(20240601);
  RandomTreeOptions options;
  options.unary_ops = test::builtin_unary_ops();
  options.unary_ops.push_back(user.unary);
  options.unary_ops.push_back(user.unary_partial);
  options.binary_ops = test::builtin_binary_ops();
  options.binary_ops.push_back(user.binary);
  options.constant_probability = 0.4;
  std::size_t with_names = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    options.size = 1 + trial % 40;
    options.num_features = 1 + static_cast<std::uint32_t>(random_below(rng, 5));
    Expression e = random_expression(rng, options);
    test::randomize_constants(e, rng);
    // Wrap a few in Neg of a constant and negative literals at the root, the trickiest spots.
    if (trial % 17 == 0) e = un(Op::Neg, bin(Op::Pow, cst(2.0), e));
    std::vector<std::string> names;
    if (trial % 2 == 0) {
      names = random_names(rng, options.num_features);
      ++with_names;
    }
    const std::string text = to_string(e, names);
    CAPTURE(text);
    const Expression back = parse_expression(text, names);
    REQUIRE(back == e);
    CHECK(to_string(back, names) == text);
  }
  CHECK(with_names == 1000);
}

TEST_CASE("parser: constants that are hard to format come back bit-exactly") {
  const double values[] = {0.0, -0.0, 5e-324, -5e-324, 1e-300, 1.7976931348623157e308, -1.7976931348623157e308,
                           0.1, 1.0 / 3.0, 2.2250738585072009e-308, std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (double v : values) {
    for (const Expression& e : {cst(v), un(Op::Neg, cst(v)), bin(Op::Sub, var(0), cst(v)), bin(Op::Pow, cst(v), var(0)),
                                un(Op::Neg, bin(Op::Pow, cst(v), var(0)))}) {
      const std::string text = to_string(e);
      CAPTURE(text);
      CHECK(parse_expression(text) == e);
    }
  }
  // NaN: the canonical quiet NaN keeps its sign bit.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::bit_cast<std::uint64_t>(parse_expression("nan")[0].value) == std::bit_cast<std::uint64_t>(nan));
  CHECK(std::bit_cast<std::uint64_t>(parse_expression("-nan")[0].value) == std::bit_cast<std::uint64_t>(-nan));
  CHECK(parse_expression(to_string(cst(-nan))) == cst(-nan));
}

TEST_CASE("parser: precedence and associativity") {
  const Expression x = var(0), y = var(1), z = var(2);
  CHECK(parse_expression("x0 - x1 - x2") == bin(Op::Sub, bin(Op::Sub, x, y), z));
  CHECK(parse_expression("x0 - (x1 - x2)") == bin(Op::Sub, x, bin(Op::Sub, y, z)));
  CHECK(parse_expression("x0 + x1 + x2") == bin(Op::Add, bin(Op::Add, x, y), z));
  CHECK(parse_expression("x0 / x1 * x2") == bin(Op::Mul, bin(Op::Div, x, y), z));
  CHECK(parse_expression("x0 + x1 * x2") == bin(Op::Add, x, bin(Op::Mul, y, z)));
  CHECK(parse_expression("x0 * x1 + x2") == bin(Op::Add, bin(Op::Mul, x, y), z));
  CHECK(parse_expression("x0 ^ x1 ^ x2") == bin(Op::Pow, x, bin(Op::Pow, y, z)));
  CHECK(parse_expression("x0 ** x1 ** x2") == bin(Op::Pow, x, bin(Op::Pow, y, z)));
  CHECK(parse_expression("(x0 ^ x1) ^ x2") == bin(Op::Pow, bin(Op::Pow, x, y), z));
  CHECK(parse_expression("x0 * x1 ^ x2") == bin(Op::Mul, x, bin(Op::Pow, y, z)));
  // Unary minus: below ^, above * and +.
  CHECK(parse_expression("-x0^2") == un(Op::Neg, bin(Op::Pow, x, cst(2))));
  CHECK(parse_expression("-x0 * x1") == bin(Op::Mul, un(Op::Neg, x), y));
  CHECK(parse_expression("-x0 + x1") == bin(Op::Add, un(Op::Neg, x), y));
  CHECK(parse_expression("x0 ^ -x1") == bin(Op::Pow, x, un(Op::Neg, y)));
  CHECK(parse_expression("x0 ^ -x1 ^ x2") == bin(Op::Pow, x, un(Op::Neg, bin(Op::Pow, y, z))));
  CHECK(parse_expression("--x0") == un(Op::Neg, un(Op::Neg, x)));
  CHECK(parse_expression("- x0") == un(Op::Neg, x));
  CHECK(parse_expression("-(x0 + x1)") == un(Op::Neg, bin(Op::Add, x, y)));
  CHECK(parse_expression("-sin(x0)") == un(Op::Neg, un(Op::Sin, x)));
  // Negative literals versus Neg.
  CHECK(parse_expression("-3.5") == cst(-3.5));
  CHECK(parse_expression("- 3.5") == cst(-3.5));
  CHECK(parse_expression("-(3.5)") == un(Op::Neg, cst(3.5)));
  CHECK(parse_expression("x0 * -2") == bin(Op::Mul, x, cst(-2)));
  CHECK(parse_expression("x0 - -2") == bin(Op::Sub, x, cst(-2)));
  CHECK(parse_expression("2 ^ -3") == bin(Op::Pow, cst(2), cst(-3)));
  CHECK(parse_expression("-2 ^ 2") == un(Op::Neg, bin(Op::Pow, cst(2), cst(2))));
  CHECK(parse_expression("(-2) ^ 2") == bin(Op::Pow, cst(-2), cst(2)));
  CHECK(parse_expression("-2 * x0") == bin(Op::Mul, cst(-2), x));
  CHECK(parse_expression("-inf") == cst(-std::numeric_limits<double>::infinity()));
  const Expression minus_zero = parse_expression("-0");
  CHECK(std::signbit(minus_zero[0].value));
  CHECK(minus_zero == cst(-0.0));
}

TEST_CASE("parser: calls, aliases and literals") {
  const Expression x = var(0), y = var(1);
  const std::pair<const char*, Op> unary[] = {{"sqrt", Op::Sqrt}, {"exp", Op::Exp},   {"log", Op::Log},
                                              {"sin", Op::Sin},   {"cos", Op::Cos},   {"tan", Op::Tan},
                                              {"tanh", Op::Tanh}, {"abs", Op::Abs},   {"inv", Op::Inv},
                                              {"square", Op::Square}, {"cube", Op::Cube}, {"neg", Op::Neg}};
  for (const auto& [name, op] : unary) {
    CAPTURE(name);
    CHECK(parse_expression(std::string(name) + "(x0)") == un(op, x));
  }
  CHECK(parse_expression("pow(x0, x1)") == bin(Op::Pow, x, y));
  CHECK(parse_expression("add(x0, x1)") == bin(Op::Add, x, y));
  CHECK(parse_expression("sub(x0, x1)") == bin(Op::Sub, x, y));
  CHECK(parse_expression("mul(x0, x1)") == bin(Op::Mul, x, y));
  CHECK(parse_expression("div(x0, x1)") == bin(Op::Div, x, y));
  CHECK(parse_expression("sin(cos(x0) + pow(x1, 2))") ==
        un(Op::Sin, bin(Op::Add, un(Op::Cos, x), bin(Op::Pow, y, cst(2)))));
  const auto& user = parser_user_ops();
  CHECK(parse_expression("ptest_hyp(x0, ptest_soft(x1))") == bin(user.binary, x, un(user.unary, y)));
  CHECK(parse_expression("ptest_soft_d(x0)") == un(user.unary_partial, x));
  // Numbers in C forms.
  CHECK(parse_expression("1") == cst(1));
  CHECK(parse_expression("1.5") == cst(1.5));
  CHECK(parse_expression("1.") == cst(1));
  CHECK(parse_expression(".5") == cst(0.5));
  CHECK(parse_expression("1e-3") == cst(1e-3));
  CHECK(parse_expression("2.5E+3") == cst(2500));
  CHECK(parse_expression("0x1.8p1") == cst(3));
  CHECK(parse_expression("inf") == cst(std::numeric_limits<double>::infinity()));
  CHECK(std::isnan(parse_expression("nan")[0].value));
  CHECK(parse_expression(" \t x0\n+\r1 ") == bin(Op::Add, x, cst(1)));
  // Names: given list, or x0, x1, ...
  const std::vector<std::string> names{"mass", "v", "sin"};
  CHECK(parse_expression("mass * v ^ 2", names) == bin(Op::Mul, var(0), bin(Op::Pow, var(1), cst(2))));
  CHECK(parse_expression("sin(sin)", names) == un(Op::Sin, var(2)));
  CHECK(parse_expression("x12") == var(12));
  // pi is π, unless a variable has that name.
  CHECK(parse_expression("pi") == cst(std::numbers::pi));
  CHECK(parse_expression("2 * pi * x0") == bin(Op::Mul, bin(Op::Mul, cst(2), cst(std::numbers::pi)), x));
  CHECK(parse_expression("pi + x", {"x", "pi"}) == bin(Op::Add, var(1), var(0)));
}

TEST_CASE("parser: deep nesting needs no recursion, and the node limit is an error") {
  const int depth = 200000;
  const std::string nested = std::string(depth, '(') + "x0" + std::string(depth, ')');
  CHECK(parse_expression(nested) == var(0));
  std::string chain;
  for (int i = 0; i < 20000; ++i) chain += "sin(";
  chain += "x0" + std::string(20000, ')');
  CHECK(parse_expression(chain).size() == 20001);
  std::string sum = "x0";
  for (int i = 0; i < 33000; ++i) sum += "+x0";
  CHECK_THROWS_AS(parse_expression(sum), ParseError);
}

TEST_CASE("parser: errors name the column and the token") {
  const std::vector<std::string> names{"x", "y"};
  check_error("x + z", "unknown variable 'z' at column 5", 5, "z", names);
  check_error("sin(x + y", "expected ')' at column 10, got end of input", 10, "", names);
  check_error("(x", "expected ')' at column 3, got end of input", 3, "", names);
  check_error("foo(x)", "unknown function 'foo' at column 1", 1, "foo", names);
  check_error("x +", "expected an operand at column 4, got end of input", 4, "", names);
  check_error("", "expected an operand at column 1, got end of input", 1, "", names);
  check_error("x * * y", "expected an operand at column 5, got '*'", 5, "*", names);
  check_error("x y", "expected an operator or end of input at column 3, got 'y'", 3, "y", names);
  check_error("(x y)", "expected an operator or ')' at column 4, got 'y'", 4, "y", names);
  check_error("pow(x y)", "expected an operator, ',' or ')' at column 7, got 'y'", 7, "y", names);
  check_error("x $ y", "unexpected character '$' at column 3", 3, "$", names);
  check_error("x \xC3\x97 y", "unexpected character '\xC3\x97' at column 3", 3, "\xC3\x97", names);  // U+00D7
  check_error("x)", "unmatched ')' at column 2", 2, ")", names);
  check_error("(x, y)", "unexpected ',' at column 3", 3, ",", names);
  check_error("x, y", "unexpected ',' at column 2", 2, ",", names);
  check_error("pow(x)", "'pow' at column 1 takes 2 arguments, got 1 (')' at column 6)", 1, "pow", names);
  check_error("sin(x, y)", "too many arguments for 'sin' at column 6 (it takes 1)", 6, ",", names);
  check_error("sin()", "expected an operand at column 5, got ')'", 5, ")", names);
  check_error("1.2.3", "malformed number '1.2.3' at column 1", 1, "1.2.3", names);
  check_error("x * 2y", "malformed number '2y' at column 5", 5, "2y", names);
  check_error("1e", "malformed number '1e' at column 1", 1, "1e", names);
  check_error("0x", "malformed number '0x' at column 1", 1, "0x", names);
  // from_chars in hex mode reads nan and inf: found by fuzz/fuzz_parser (0xnan came back as nan).
  check_error("0xnan", "malformed number '0xnan' at column 1", 1, "0xnan", names);
  check_error("x * 0xinf", "malformed number '0xinf' at column 5", 5, "0xinf", names);
  check_error("1e999", "number '1e999' at column 1 is outside the range of double", 1, "1e999", names);
  check_error("x + 1e-999", "number '1e-999' at column 5 is outside the range of double", 5, "1e-999", names);
  check_error("+x", "expected an operand at column 1, got '+'", 1, "+", names);
  // Default names: only the canonical x<k>.
  check_error("x01", "unknown variable 'x01' at column 1", 1, "x01");
  check_error("x0 + y", "unknown variable 'y' at column 6", 6, "y");
  check_error("sin", "unknown variable 'sin' at column 1", 1, "sin");
  check_error("x99999999999", "unknown variable 'x99999999999' at column 1", 1, "x99999999999");
  // Bad variable lists are the caller's error, not the text's.
  CHECK_THROWS_WITH_AS(parse_expression("x", {"x", "x"}), "variable name 'x' appears twice", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_expression("x", {"x", "inf"}), "variable name 'inf' is reserved for a constant",
                       std::invalid_argument);
}
