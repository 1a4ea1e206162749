// Simplification: value preservation on random trees and data, and each rule on its own.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "random_expressions.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/simplify.hpp"

using namespace symtorch;

namespace {

// Value of every node of `e` on one row, in postfix order.
std::vector<double> node_values(const Expression& e, std::span<const double> row) {
  std::vector<double> v(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    const Node& n = e[i];
    if (n.op == Op::Const) v[i] = n.value;
    else if (n.op == Op::Var) v[i] = row[n.feature];
    else if (n.arity == 1) v[i] = apply_unary(n.op, v[i - 1]);
    else v[i] = apply_binary(n.op, v[e.left_child(i)], v[i - 1]);
  }
  return v;
}

// The identities that drop an added zero (x + 0 -> x, 0 - x -> -x) can change the sign of a zero
// result, and only when an operand (x) is itself zero; every other rewrite is exact (simplify.hpp).
// So where no operator or variable of the original is ±0, the simplified tree must give the same
// bits; rows where one is zero are left out of the comparison.
bool has_zero_operator(const Expression& e, const std::vector<double>& values) {
  for (std::size_t i = 0; i < e.size(); ++i)
    if (e[i].op != Op::Const && values[i] == 0) return true;
  return false;
}

bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

Expression p(const char* text) { return parse_expression(text); }

}  // namespace

TEST_CASE("simplify and fold_constants keep the value of random expressions on random data") {
  std::mt19937_64 rng(42);
  RandomTreeOptions options = test::builtin_tree_options(3, 0.5);
  // Constants the rules look for (0, 1, -1), plus ordinary and awkward ones.
  const double special[] = {0.0, -0.0, 1.0, -1.0, 2.0, -3.0};
  std::size_t rows = 0, rows_compared = 0, changed_trees = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    options.size = 1 + trial % 30;
    Expression e = random_expression(rng, options);
    for (auto& n : e.mutable_nodes()) {
      if (n.op != Op::Const) continue;
      const auto kind = random_below(rng, 3);
      if (kind == 0) n.value = special[random_below(rng, std::size(special))];
      else if (kind == 1) n.value = test::awkward_constant(rng);
    }
    const Expression simplified = simplify(e);
    const Expression folded = fold_constants(e);
    CAPTURE(to_string(e));
    CAPTURE(to_string(simplified));
    CHECK(simplified.size() <= e.size());
    CHECK(folded.size() <= e.size());
    if (!(simplified == e)) ++changed_trees;
    // A fixed point: simplifying again changes nothing.
    CHECK(simplify(simplified) == simplified);
    for (int r = 0; r < 8; ++r) {
      double row[3];
      for (double& v : row) v = -4.0 + 8.0 * random_unit(rng);
      const std::vector<double> values = node_values(e, row);
      const double expected = values.back();
      CHECK(same_value(evaluate_reference(e, row), expected));
      // Folding is exact everywhere: same operations on the same values.
      CHECK(same_value(evaluate_reference(folded, row), expected));
      ++rows;
      if (has_zero_operator(e, values)) continue;
      ++rows_compared;
      CHECK(same_value(evaluate_reference(simplified, row), expected));
    }
  }
  // The test must exercise the rules, and rows left out for a zero operand must be few.
  CHECK(changed_trees > 500);
  CHECK(rows_compared > rows * 8 / 10);
}

TEST_CASE("fold_constants: variable-free subtrees become one constant, non-finite folds stay") {
  CHECK(fold_constants(p("sin(1) + x0")) == Expression::binary(Op::Add, Expression::constant(std::sin(1.0)), p("x0")));
  CHECK(fold_constants(p("(2 * 3 + 1) * x0 ^ (1 / 4)")) == p("7 * x0 ^ 0.25"));
  CHECK(fold_constants(p("exp(log(2) * 2)")) == Expression::constant(std::exp(std::log(2.0) * 2)));
  // Results that are NaN or Inf keep the subtree that produces them.
  CHECK(fold_constants(p("1 / 0 + x0")) == p("1 / 0 + x0"));
  CHECK(fold_constants(p("log(-1) * x0")) == p("log(-1) * x0"));
  CHECK(fold_constants(p("exp(1000)")) == p("exp(1000)"));
  // ...but their finite parts still fold, and Neg is an exact sign flip even of inf.
  CHECK(fold_constants(p("1 / (1 - 1)")) == p("1 / 0"));
  CHECK(fold_constants(p("-(inf)")) == p("-inf"));
  // Identities are simplify's job, not fold_constants'.
  CHECK(fold_constants(p("x0 + 0")) == p("x0 + 0"));
  CHECK(fold_constants(p("x0")) == p("x0"));
}

TEST_CASE("simplify: each identity") {
  CHECK(simplify(p("x0 + 0")) == p("x0"));
  CHECK(simplify(p("0 + x0")) == p("x0"));
  CHECK(simplify(p("x0 - 0")) == p("x0"));
  CHECK(simplify(p("x0 + -0")) == p("x0"));
  CHECK(simplify(p("0 - x0")) == p("-x0"));
  CHECK(simplify(p("x0 * 1")) == p("x0"));
  CHECK(simplify(p("1 * x0")) == p("x0"));
  CHECK(simplify(p("x0 / 1")) == p("x0"));
  CHECK(simplify(p("x0 ^ 1")) == p("x0"));
  CHECK(simplify(p("log(x0) ^ 0")) == p("1"));
  CHECK(simplify(p("x0 ^ -0")) == p("1"));
  CHECK(simplify(p("1 ^ log(x0)")) == p("1"));
  CHECK(simplify(p("x0 * -1")) == p("-x0"));
  CHECK(simplify(p("-1 * x0")) == p("-x0"));
  CHECK(simplify(p("x0 / -1")) == p("-x0"));
  CHECK(simplify(p("-(-x0)")) == p("x0"));
  CHECK(simplify(p("-(3.5)")) == p("-3.5"));
  CHECK(simplify(p("x0 + (-x1)")) == p("x0 - x1"));
  CHECK(simplify(p("x0 - (-x1)")) == p("x0 + x1"));
  CHECK(simplify(p("-x0 + x1")) == p("x1 - x0"));
  CHECK(simplify(p("(-x0) * (-x1)")) == p("x0 * x1"));
  CHECK(simplify(p("(-x0) / (-x1)")) == p("x0 / x1"));
  CHECK(simplify(p("x0 + -2")) == p("x0 - 2"));
  CHECK(simplify(p("x0 - -2")) == p("x0 + 2"));
  CHECK(simplify(p("-2 + x0")) == p("x0 - 2"));
  // Rules meet at a fixed point, bottom-up.
  CHECK(simplify(p("((x0 + 0) * 1) ^ 1 / 1")) == p("x0"));
  CHECK(simplify(p("(x0 * -1) * -1")) == p("x0"));
  CHECK(simplify(p("sin(x0 * (2 - 1)) + (3 - 3)")) == p("sin(x0)"));
  // What must not change: these could alter NaN/Inf propagation or are not identities.
  CHECK(simplify(p("x0 * 0")) == p("x0 * 0"));
  CHECK(simplify(p("x0 - x0")) == p("x0 - x0"));
  CHECK(simplify(p("x0 / x0")) == p("x0 / x0"));
  CHECK(simplify(p("x0 - 2")) == p("x0 - 2"));
  CHECK(simplify(Expression()) == Expression());
}
