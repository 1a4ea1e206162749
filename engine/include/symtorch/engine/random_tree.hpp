// Random expression trees of a chosen size, for the search's initial populations and mutations
// and for the randomized tests.
//
// Shape: exact-size "grow": a node of size n (n >= 2) picks one operator uniformly among the
// unary and binary operators that can still complete a tree of exactly n nodes, and a binary
// operator splits the remaining n - 1 nodes between its operands uniformly among the feasible
// splits. Leaves are a constant (probability constant_probability, uniform in
// [constant_min, constant_max]) or a variable (uniform over num_features; always a constant if
// num_features is 0). The size is exact when it can be: with only binary operators a tree has an
// odd size, so an even target gives target - 1 nodes; with no operators a single leaf.
//
// Determinism: the same rng state and options give the same tree on every platform. Random
// numbers come from our own mappings of raw 64-bit draws (53-bit doubles, unbiased bounded
// integers by rejection), not std::uniform_*_distribution, whose algorithms the C++ standard
// leaves to each library.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch {

struct RandomTreeOptions {
  std::vector<Op> unary_ops;
  std::vector<Op> binary_ops;
  std::uint32_t num_features = 1;
  std::size_t size = 1;  // target number of nodes
  double constant_probability = 0.3;
  double constant_min = -5;
  double constant_max = 5;
};

// Throws std::invalid_argument for a size of 0 or above 65535, an operator of the wrong arity,
// a probability outside [0, 1], or constant_min > constant_max (or either not finite).
Expression random_expression(std::mt19937_64& rng, const RandomTreeOptions& options);

// The size random_expression produces for these options (the target, or the nearest size
// below it that the operators can build).
std::size_t achievable_size(const RandomTreeOptions& options);

// The random mappings random_expression uses, for callers that want the same determinism.
double random_unit(std::mt19937_64& rng);                      // uniform in [0, 1)
std::uint64_t random_below(std::mt19937_64& rng, std::uint64_t n);  // uniform in [0, n), n > 0

}  // namespace symtorch
