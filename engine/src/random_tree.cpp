// Exact-size random trees (see random_tree.hpp). Built without recursion: sizes wait on a stack,
// nodes come out in the order root, right subtree, left subtree, and reversing that sequence
// gives the postfix array.
#include "symtorch/engine/random_tree.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace symtorch {

double random_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

std::uint64_t random_below(std::mt19937_64& rng, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("random_below: empty range");
  // Rejects the lowest 2^64 mod n draws so that every residue is equally likely.
  const std::uint64_t threshold = (0 - n) % n;
  while (true) {
    const std::uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

namespace {

void check(const RandomTreeOptions& o) {
  for (Op op : o.unary_ops)
    if (is_leaf(op) || op_info(op).arity != 1)
      throw std::invalid_argument("random tree: '" + op_info(op).name + "' is not a unary operator");
  for (Op op : o.binary_ops)
    if (is_leaf(op) || op_info(op).arity != 2)
      throw std::invalid_argument("random tree: '" + op_info(op).name + "' is not a binary operator");
  if (o.size == 0 || o.size > 65535)
    throw std::invalid_argument("random tree: size " + std::to_string(o.size) + " is not in [1, 65535]");
  if (!(o.constant_probability >= 0 && o.constant_probability <= 1))
    throw std::invalid_argument("random tree: constant_probability " + std::to_string(o.constant_probability) +
                                " is not in [0, 1]");
  if (!std::isfinite(o.constant_min) || !std::isfinite(o.constant_max) || o.constant_min > o.constant_max)
    throw std::invalid_argument("random tree: constant range [" + std::to_string(o.constant_min) + ", " +
                                std::to_string(o.constant_max) + "] is not a finite interval");
}

Node random_leaf(std::mt19937_64& rng, const RandomTreeOptions& o) {
  if (o.num_features == 0 || random_unit(rng) < o.constant_probability) {
    // An explicit fma: written as min + span * u, GCC contracts it to an fma or not depending on
    // -march and -ffp-contract, and the same seed would give different constants per build.
    const double c = std::fma(o.constant_max - o.constant_min, random_unit(rng), o.constant_min);
    return Node::constant(std::min(c, o.constant_max));
  }
  return Node::variable(static_cast<std::uint32_t>(random_below(rng, o.num_features)));
}

}  // namespace

std::size_t achievable_size(const RandomTreeOptions& o) {
  if (o.size <= 1 || !o.unary_ops.empty()) return std::max<std::size_t>(o.size, 1);
  if (o.binary_ops.empty()) return 1;
  return o.size % 2 == 1 ? o.size : o.size - 1;
}

Expression random_expression(std::mt19937_64& rng, const RandomTreeOptions& o) {
  check(o);
  const bool has_unary = !o.unary_ops.empty();
  const std::size_t n_unary = o.unary_ops.size();
  std::vector<Node> reversed;
  reversed.reserve(o.size);
  std::vector<std::size_t> pending{achievable_size(o)};
  while (!pending.empty()) {
    const std::size_t n = pending.back();
    pending.pop_back();
    if (n == 1) {
      reversed.push_back(random_leaf(rng, o));
      continue;
    }
    // Every size reaching here can be completed: n - 1 >= 1 with a unary operator, or n odd.
    const bool binary_fits = n >= 3 && (has_unary || n % 2 == 1);
    const std::size_t choices = (has_unary ? n_unary : 0) + (binary_fits ? o.binary_ops.size() : 0);
    const std::size_t pick = random_below(rng, choices);
    if (has_unary && pick < n_unary) {
      reversed.push_back(Node::function(o.unary_ops[pick], 1));
      pending.push_back(n - 1);
      continue;
    }
    reversed.push_back(Node::function(o.binary_ops[pick - (has_unary ? n_unary : 0)], 2));
    // Left operand size: any of 1..n-2 with unary operators, else an odd one (both sides odd).
    const std::size_t left = has_unary ? 1 + random_below(rng, n - 2) : 2 * random_below(rng, (n - 1) / 2) + 1;
    pending.push_back(left);          // popped last: left subtree after the right one
    pending.push_back(n - 1 - left);  // popped next: right subtree
  }
  std::reverse(reversed.begin(), reversed.end());
  return Expression(std::move(reversed));
}

}  // namespace symtorch
