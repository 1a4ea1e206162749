// Mutations, crossover, random trees and constraints: every result is a valid tree over the
// allowed operators and features, and each mutation does what its name says.
#include <doctest/doctest.h>

#include <stdexcept>

#include <algorithm>
#include <set>

#include "symtorch/engine/constraints.hpp"
#include "symtorch/engine/mutation.hpp"
#include "symtorch/engine/parser.hpp"

using namespace symtorch;

namespace {

SearchOptions small_options() {
  SearchOptions o;
  o.binary_operators = {Op::Add, Op::Mul, Op::Sub};
  o.unary_operators = {Op::Sin, Op::Exp};
  return o;
}

void require_valid(const Expression& e, const SearchOptions& o, std::size_t nfeatures) {
  REQUIRE(!e.empty());
  Expression copy = e;
  copy.update_lengths();  // throws if the postfix array is malformed
  CHECK(copy.nodes() == e.nodes());
  for (const auto& n : e.nodes()) {
    if (n.op == Op::Var) CHECK(n.feature < nfeatures);
    if (n.arity == 2) CHECK(std::count(o.binary_operators.begin(), o.binary_operators.end(), n.op) == 1);
    if (n.arity == 1) CHECK(std::count(o.unary_operators.begin(), o.unary_operators.end(), n.op) == 1);
  }
}

}  // namespace

TEST_CASE("every mutation of random trees yields a valid tree over the allowed operators") {
  const SearchOptions o = small_options();
  Mutator mutator(o, 3);
  SearchRng rng(7);
  Expression child;
  for (int trial = 0; trial < 400; ++trial) {
    const Expression parent = mutator.random_tree(1 + static_cast<int>(rng.below(6)), rng);
    require_valid(parent, o, 3);
    for (std::size_t m = 0; m < kMutationCount; ++m) {
      mutator.apply(static_cast<Mutation>(m), parent, child, 0.5, 30, rng);
      require_valid(child, o, 3);
    }
    const Mutation sampled = mutator.sample(parent, parent.complexity(), 30, rng);
    CHECK(static_cast<std::size_t>(sampled) < kMutationCount);
  }
}

TEST_CASE("specific mutations change what they say") {
  const SearchOptions o = small_options();
  Mutator mutator(o, 2);
  SearchRng rng(11);
  const Expression e = parse_expression("sin(x0) * 2.5 + x1");
  Expression child;

  mutator.apply(Mutation::SwapOperands, e, child, 1.0, 30, rng);
  CHECK(child.size() == e.size());
  CHECK(!(child == e));  // both binary nodes have distinct operands

  mutator.apply(Mutation::MutateConstant, e, child, 1.0, 30, rng);
  REQUIRE(child.num_constants() == 1);
  CHECK(child.constants()[0] != 2.5);
  // The factor is at most perturbation_factor * T + 1.1 (PySR's mutate_factor), or its inverse.
  const double ratio = std::abs(child.constants()[0] / 2.5);
  CHECK(ratio <= o.perturbation_factor + 1.1 + 1e-12);
  CHECK(ratio >= 1 / (o.perturbation_factor + 1.1) - 1e-12);

  mutator.apply(Mutation::MutateFeature, e, child, 1.0, 30, rng);
  CHECK(child.size() == e.size());
  CHECK(!(child == e));

  mutator.apply(Mutation::DeleteNode, e, child, 1.0, 30, rng);
  CHECK(child.size() < e.size());

  mutator.apply(Mutation::InsertNode, e, child, 1.0, 30, rng);
  CHECK(child.size() > e.size());

  // Rotation keeps the node multiset.
  const Expression r = parse_expression("(x0 + x1) * sin(x0)");
  mutator.apply(Mutation::RotateTree, r, child, 1.0, 30, rng);
  CHECK(child.size() == r.size());
  std::multiset<int> before, after;
  for (const auto& n : r.nodes()) before.insert(static_cast<int>(n.op));
  for (const auto& n : child.nodes()) after.insert(static_cast<int>(n.op));
  CHECK(before == after);
}

TEST_CASE("mutation sampling respects the parent") {
  SearchOptions o = small_options();
  Mutator mutator(o, 1);
  SearchRng rng(3);
  const Expression leaf = Expression::variable(0);
  const Expression big = parse_expression("sin(x0) * x0 + x0");
  for (int i = 0; i < 300; ++i) {
    const Mutation m = mutator.sample(leaf, 1, 30, rng);
    // A variable leaf has no operator, constant or second feature to change.
    CHECK(m != Mutation::MutateOperator);
    CHECK(m != Mutation::MutateConstant);
    CHECK(m != Mutation::MutateFeature);
    CHECK(m != Mutation::DeleteNode);
    // At maxsize nothing may grow.
    const Mutation g = mutator.sample(big, big.complexity(), big.complexity(), rng);
    CHECK(g != Mutation::AddNode);
    CHECK(g != Mutation::InsertNode);
  }
}

TEST_CASE("crossover swaps subtrees and conserves the total node count") {
  const SearchOptions o = small_options();
  Mutator mutator(o, 2);
  SearchRng rng(5);
  const Expression a = parse_expression("sin(x0) + x1 * 3");
  const Expression b = parse_expression("exp(x1 - x0)");
  Expression ca, cb;
  for (int i = 0; i < 50; ++i) {
    mutator.crossover(a, b, ca, cb, rng);
    require_valid(ca, o, 2);
    require_valid(cb, o, 2);
    CHECK(ca.size() + cb.size() == a.size() + b.size());
  }
}

TEST_CASE("random trees have about the requested size") {
  const SearchOptions o = small_options();
  Mutator mutator(o, 2);
  SearchRng rng(9);
  for (int n = 1; n <= 25; ++n) {
    const Expression e = mutator.random_tree_fixed_size(n, rng);
    require_valid(e, o, 2);
    CHECK(static_cast<int>(e.size()) <= n);
    CHECK(static_cast<int>(e.size()) >= n - 1);  // a binary step may not fit the last slot
  }
}

TEST_CASE("constraints: maxsize, maxdepth, operand sizes and nesting") {
  SearchOptions o;
  o.binary_operators = {Op::Add, Op::Mul, Op::Pow};
  o.unary_operators = {Op::Sin, Op::Cos, Op::Exp};
  o.maxdepth = 4;
  o.size_constraints = {{Op::Pow, -1, 1}};
  o.nested_constraints = parse_nested_constraints("sin:sin=0,cos=1;exp:exp=0");
  o.validate();
  const ConstraintChecker c(o);
  auto ok = [&](const std::string& text, int maxsize = 30) {
    const Expression e = parse_expression(text);
    return c.satisfied(e, e.complexity(), maxsize);
  };
  CHECK(ok("sin(x0) + cos(x0)"));
  CHECK_FALSE(ok("sin(x0) + cos(x0)", 4));
  CHECK_FALSE(ok("sin(sin(x0))"));
  CHECK_FALSE(ok("sin(x0 + sin(x0))"));
  CHECK(ok("sin(cos(x0))"));
  CHECK_FALSE(ok("sin(cos(cos(x0)))"));
  CHECK(ok("cos(sin(x0))"));  // no constraint on cos
  CHECK_FALSE(ok("exp(x0 * exp(x0))"));
  CHECK(ok("x0 ^ 2"));
  CHECK_FALSE(ok("x0 ^ (x0 + 1)"));  // exponent complexity 3 > 1
  CHECK_FALSE(ok("cos(cos(cos(cos(x0))))"));  // depth 5 > 4
}

TEST_CASE("operator lists and nested constraints parse, and refuse unknown names") {
  std::vector<Op> bin, un;
  parse_operator_list("+, -,*,/,sin,cos,pow,square", bin, un);
  CHECK(bin == std::vector<Op>{Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow});
  CHECK(un == std::vector<Op>{Op::Sin, Op::Cos, Op::Square});
  CHECK_THROWS_WITH_AS(parse_operator_list("+,frobnicate", bin, un), "unknown operator 'frobnicate'",
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_operator_list("+,,*", bin, un), std::invalid_argument);
  CHECK_THROWS_AS(parse_nested_constraints("sin:sin"), std::invalid_argument);
  CHECK_THROWS_AS(parse_nested_constraints("sin:sin=-1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_nested_constraints("sin=0"), std::invalid_argument);
}
