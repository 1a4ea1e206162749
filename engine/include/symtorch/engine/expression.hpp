// Expression: a tree stored as a flat postfix array of small nodes (Operon-style).
// Every subtree is a contiguous span [i - length + 1, i] ending at its root i, so mutation
// and crossover are span edits and evaluation is one forward sweep.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "symtorch/engine/operators.hpp"

namespace symtorch {

struct Node {
  Op op = Op::Const;
  std::uint8_t arity = 0;
  std::uint16_t length = 1;  // number of nodes in the subtree rooted here (including itself)
  std::uint32_t feature = 0; // input column for Var
  double value = 0.0;        // constant for Const

  static Node constant(double v) { Node n; n.op = Op::Const; n.value = v; return n; }
  static Node variable(std::uint32_t f) { Node n; n.op = Op::Var; n.feature = f; return n; }
  static Node function(Op op, int arity) {
    Node n; n.op = op; n.arity = static_cast<std::uint8_t>(arity); return n;
  }
  bool operator==(const Node& o) const;  // bit-exact on constants
};

class Expression {
 public:
  Expression() = default;
  explicit Expression(std::vector<Node> nodes);  // lengths are recomputed; throws if malformed

  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& mutable_nodes() { return nodes_; }  // call update_lengths() after edits
  std::size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }
  const Node& operator[](std::size_t i) const { return nodes_[i]; }
  Node& operator[](std::size_t i) { return nodes_[i]; }
  std::size_t root() const { return nodes_.size() - 1; }

  // Recomputes subtree lengths; throws std::invalid_argument if the array is not a valid
  // postfix tree (arity mismatch, leftover operands).
  void update_lengths();

  // First index of the subtree rooted at i.
  std::size_t subtree_begin(std::size_t i) const { return i + 1 - nodes_[i].length; }
  // Child indices of node i (postfix: the last child ends at i-1).
  std::size_t right_child(std::size_t i) const { return i - 1; }
  std::size_t left_child(std::size_t i) const {
    return nodes_[i].arity == 2 ? i - 1 - nodes_[i - 1].length : i - 1;
  }
  // Child k (0-based, left to right) of node i.
  std::size_t child(std::size_t i, int k) const;

  int complexity() const;  // sum of the nodes' complexities (operator registry; leaves 1 unless set)
  int depth() const;
  std::size_t num_constants() const;
  std::vector<std::size_t> constant_indices() const;  // node indices of constants, in order
  std::vector<double> constants() const;
  void set_constants(std::span<const double> values);
  std::uint32_t max_feature() const;  // largest feature index used + 1 (0 if none)
  // Structural hash: op codes, features and constant bits; equal trees hash equal.
  std::uint64_t hash(bool include_constants = true) const;

  // Subtree as its own expression.
  Expression subtree(std::size_t i) const;
  // Replace the subtree rooted at i with `replacement`.
  Expression replace_subtree(std::size_t i, const Expression& replacement) const;

  bool operator==(const Expression& o) const { return nodes_ == o.nodes_; }

  // Builders: combine whole expressions.
  static Expression constant(double v);
  static Expression variable(std::uint32_t f);
  static Expression unary(Op op, const Expression& a);
  static Expression binary(Op op, const Expression& a, const Expression& b);

 private:
  std::vector<Node> nodes_;
};

// Straightforward recursive evaluation in double: the reference that the batch interpreter,
// the JIT kernels and the simplifier are tested against.
double evaluate_reference(const Expression& e, std::span<const double> row);

}  // namespace symtorch
