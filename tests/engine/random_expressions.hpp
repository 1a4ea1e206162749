// Shared helpers for the randomized engine tests: every built-in operator, and constants that
// stress printing and parsing (negative, subnormal, huge, -0.0, non-finite, random bit patterns).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "symtorch/engine/random_tree.hpp"

namespace symtorch::test {

inline std::vector<Op> builtin_unary_ops() {
  return {Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
          Op::Sin, Op::Cos,    Op::Tan,  Op::Tanh, Op::Abs, Op::Inv};
}

inline std::vector<Op> builtin_binary_ops() { return {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow}; }

// Random trees over every built-in operator.
inline RandomTreeOptions builtin_tree_options(std::uint32_t num_features, double constant_probability) {
  RandomTreeOptions options;
  options.unary_ops = builtin_unary_ops();
  options.binary_ops = builtin_binary_ops();
  options.num_features = num_features;
  options.constant_probability = constant_probability;
  return options;
}

// A constant drawn from values that are hard to print and parse back bit-exactly.
inline double awkward_constant(std::mt19937_64& rng) {
  static const double pool[] = {0.0,
                                -0.0,
                                1.0,
                                -1.0,
                                2.0,
                                -2.5,
                                0.1,
                                -0.1,
                                1e-300,
                                -1e-300,
                                5e-324,
                                -5e-324,
                                2.2250738585072014e-308,
                                1.7976931348623157e308,
                                -1.7976931348623157e308,
                                1e22,
                                123456789012345678.0,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN(),
                                -std::numeric_limits<double>::quiet_NaN()};
  const std::uint64_t kind = random_below(rng, 3);
  if (kind == 0) return pool[random_below(rng, std::size(pool))];
  if (kind == 1) {
    // Any finite bit pattern, including subnormals and both signs.
    while (true) {
      const double v = std::bit_cast<double>(rng());
      if (std::isfinite(v)) return v;
    }
  }
  return -5.0 + 10.0 * random_unit(rng);
}

// Replaces every constant of `e` with awkward_constant().
inline void randomize_constants(Expression& e, std::mt19937_64& rng) {
  for (auto& n : e.mutable_nodes())
    if (n.op == Op::Const) n.value = awkward_constant(rng);
}

}  // namespace symtorch::test
