// simplify_algebra: shorter equations for the search; values kept to round-off on random trees.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "random_expressions.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/simplify.hpp"

using namespace symtorch;

namespace {

Expression p(const char* text) { return parse_expression(text); }

// Equal as printed after simplification: rules are checked by the form they produce.
void check_rewrite(const char* in, const char* expected) {
  const Expression out = simplify_algebra(p(in));
  INFO(in << " -> " << to_string(out));
  CHECK(to_string(out) == to_string(simplify(p(expected))));
}

}  // namespace

TEST_CASE("simplify_algebra merges constants through products, quotients and squares") {
  check_rewrite("6 * (1.5 / (square(x0) + 2))", "9 / (square(x0) + 2)");
  check_rewrite("4 * (x0 * (x1 * 0.25))", "x0 * x1");
  check_rewrite("2 * (3 * x0)", "6 * x0");
  check_rewrite("(x0 * 2) * 3", "6 * x0");
  check_rewrite("2 / (4 * x0)", "0.5 / x0");
  check_rewrite("(x0 / 4) * 2", "0.5 * x0");
  check_rewrite("(2 * x0) * (3 * x1)", "6 * (x0 * x1)");
  check_rewrite("(2 * x0) / (4 * x1)", "0.5 * (x0 / x1)");
  check_rewrite("square(3 * x0)", "9 * square(x0)");
  check_rewrite("sqrt(4 * x0)", "2 * sqrt(x0)");
  check_rewrite("-(2 * x0)", "-2 * x0");
  // sqrt of a negative multiple is left alone (sqrt(-4) is not real).
  check_rewrite("sqrt(-4 * x0)", "sqrt(-4 * x0)");
}

TEST_CASE("simplify_algebra merges constants of sums and like terms") {
  check_rewrite("(x0 + 1) + 2", "x0 + 3");
  check_rewrite("(x0 - 1) - 2", "x0 - 3");
  check_rewrite("2 - (1 - x0)", "x0 + 1");
  check_rewrite("(x0 + 1) + (x1 + 2)", "(x0 + x1) + 3");
  check_rewrite("(x0 + 1) - (x1 + 1)", "x0 - x1");
  check_rewrite("x0 + x0", "2 * x0");
  check_rewrite("3 * x0 - x0", "2 * x0");
  check_rewrite("sin(x0) - sin(x0)", "0");
  check_rewrite("cos(x1) / cos(x1)", "1");
  // A product with -1 (how a set without neg writes a negation) folds into the sign.
  check_rewrite("x0 + -1 * x1", "x0 - x1");
  check_rewrite("x0 - x1 * -1", "x0 + x1");
  check_rewrite("-1 * sin(x0) + x1", "x1 - sin(x0)");
  check_rewrite("x0 + -(cos(x1))", "x0 - cos(x1)");
  const OperatorSet no_neg(std::vector<Op>{Op::Add, Op::Sub, Op::Mul}, std::vector<Op>{Op::Sin});
  CHECK(to_string(simplify_algebra(p("x0 + -1 * sin(x1)"), no_neg)) == "x0 - sin(x1)");
  // Different subtrees are not like terms.
  check_rewrite("x0 + x1", "x0 + x1");
  check_rewrite("sin(x0) * cos(x0)", "sin(x0) * cos(x0)");
}

TEST_CASE("simplify_algebra keeps the value of random expressions to round-off and never grows them") {
  std::mt19937_64 rng(7);
  RandomTreeOptions options = test::builtin_tree_options(2, 0.5);
  int changed = 0, compared = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    options.size = 1 + trial % 25;
    const Expression e = random_expression(rng, options);
    const Expression s = simplify_algebra(e);
    CAPTURE(to_string(e));
    CAPTURE(to_string(s));
    CHECK(s.size() <= simplify(e).size());
    CHECK(simplify_algebra(s).size() == s.size());
    if (!(s == simplify(e))) ++changed;
    for (int r = 0; r < 4; ++r) {
      const std::vector<double> row{-3.0 + 6.0 * random_unit(rng), -3.0 + 6.0 * random_unit(rng)};
      const double a = evaluate_reference(e, row), b = evaluate_reference(s, row);
      // Only rows where the original is finite and of moderate size: the rules may turn a NaN
      // (u - u with u infinite) into a number, and reassociating constants changes results by a
      // few ulps per operation, which cancellation in long trees can magnify; 1e-6 relative to
      // the magnitudes involved is far above that and far below any change of form.
      if (!std::isfinite(a) || std::abs(a) > 1e6) continue;
      ++compared;
      CHECK(b == doctest::Approx(a).epsilon(1e-6).scale(1));
    }
  }
  CHECK(changed > 100);
  CHECK(compared > 2000);
}

TEST_CASE("shorten_with_operators uses square where allowed and drops signs inside even functions") {
  const std::vector<Op> with_square{Op::Sin, Op::Cos, Op::Square}, without{Op::Sin, Op::Cos};
  auto shortened = [](const char* in, const std::vector<Op>& unary) {
    return to_string(shorten_with_operators(p(in), OperatorSet(std::vector<Op>{Op::Mul}, unary)));
  };
  // nguyen_5 as the search found it (10 nodes) and as written (8).
  CHECK(shortened("sin(x0 * x0) * cos(-x0) - 1", with_square) == to_string(p("sin(square(x0)) * cos(x0) - 1")));
  CHECK(shortened("sin(x0 * x0) * cos(-x0) - 1", without) == to_string(p("sin(x0 * x0) * cos(x0) - 1")));
  CHECK(shortened("(x0 + x1) * (x0 + x1)", with_square) == to_string(p("square(x0 + x1)")));
  CHECK(shortened("(x0 + x1) * (x1 + x0)", with_square) == to_string(p("(x0 + x1) * (x1 + x0)")));  // not the same tree
  CHECK(shortened("cos(-1 * x0) + abs(x1 * -1)", with_square) == to_string(p("cos(x0) + abs(x1)")));
  CHECK(shortened("cos(-2.5 * x0)", with_square) == to_string(p("cos(2.5 * x0)")));
  CHECK(shortened("square(-(x0 - x1))", with_square) == to_string(p("square(x0 - x1)")));
  CHECK(shortened("sin(-x0) * -1", with_square) == to_string(p("sin(-x0) * -1")));  // sin is odd: kept
  CHECK(shortened("2 * 2", with_square) == "2 * 2");  // constants are folding's business

  // Values kept bit for bit on random expressions, never longer.
  std::mt19937_64 rng(11);
  RandomTreeOptions options = test::builtin_tree_options(2, 0.3);
  int changed = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    options.size = 1 + trial % 25;
    const Expression e = random_expression(rng, options);
    const Expression s = shorten_with_operators(e, OperatorSet(options.binary_ops, options.unary_ops));
    CAPTURE(to_string(e));
    CAPTURE(to_string(s));
    CHECK(s.size() <= e.size());
    changed += !(s == e);
    for (int r = 0; r < 4; ++r) {
      const std::vector<double> row{-3.0 + 6.0 * random_unit(rng), -3.0 + 6.0 * random_unit(rng)};
      const double a = evaluate_reference(e, row), b = evaluate_reference(s, row);
      CHECK(((a == b) || (std::isnan(a) && std::isnan(b))));
    }
  }
  CHECK(changed > 20);
}
