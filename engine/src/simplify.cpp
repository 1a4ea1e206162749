// Constant folding and value-preserving identities (see simplify.hpp for the list and the
// reasoning). Each pass is one postfix sweep that rebuilds the node array; subtrees are spans of
// the output, so dropping or reordering operands is a span edit and lengths stay valid.
#include "symtorch/engine/simplify.hpp"

#include <algorithm>
#include <cmath>

namespace symtorch {
namespace {

class Pass {
 public:
  Pass(bool identities, const OperatorSet& allowed) : identities_(identities), allowed_(allowed) {}

  // Returns true if anything changed.
  bool run(const Expression& in, std::vector<Node>& out) {
    out_.clear();
    out_.reserve(in.size());
    starts_.clear();
    changed_ = false;
    for (const Node& n : in.nodes()) {
      if (n.arity == 0) {
        starts_.push_back(out_.size());
        out_.push_back(n);
        out_.back().length = 1;
      } else if (n.arity == 1) {
        unary(n);
      } else {
        binary(n);
      }
    }
    out.swap(out_);
    return changed_;
  }

 private:
  bool is_const(std::size_t i) const { return out_[i].op == Op::Const; }
  bool is_const(std::size_t i, double v) const { return is_const(i) && out_[i].value == v; }
  bool is_negative_const(std::size_t i) const { return is_const(i) && out_[i].value < 0; }
  bool is_neg(std::size_t i) const { return out_[i].op == Op::Neg; }

  // Appends an operator over the pending subtrees that start at starts_.back().
  void push_op(Op op, int arity) {
    Node n = Node::function(op, arity);
    n.length = static_cast<std::uint16_t>(out_.size() - starts_.back() + 1);
    out_.push_back(n);
  }

  static bool foldable(Op op, double result) { return op == Op::Neg || std::isfinite(result); }

  void unary(const Node& n) {
    const std::size_t child = out_.size() - 1;
    if (is_const(child)) {
      const double v = apply_unary(n.op, out_[child].value);
      if (foldable(n.op, v)) {
        out_[child].value = v;
        changed_ = true;
        return;
      }
    }
    if (identities_ && n.op == Op::Neg && is_neg(child)) {  // -(-x) -> x
      out_.pop_back();
      changed_ = true;
      return;
    }
    push_op(n.op, 1);
  }

  void binary(const Node& n) {
    const std::size_t right_start = starts_.back();
    starts_.pop_back();
    const std::size_t left_start = starts_.back();
    const std::size_t left = right_start - 1;
    const std::size_t right = out_.size() - 1;
    if (is_const(left) && is_const(right)) {
      const double v = apply_binary(n.op, out_[left].value, out_[right].value);
      if (foldable(n.op, v)) {
        out_.resize(left_start);
        out_.push_back(Node::constant(v));
        changed_ = true;
        return;
      }
    }
    if (identities_ && rewrite(n.op, left_start, right_start)) {
      changed_ = true;
      return;
    }
    push_op(n.op, 2);
  }

  // Operand edits. After each, the pending subtree of this node starts at starts_.back().
  void keep_left(std::size_t right_start) { out_.resize(right_start); }
  void keep_right(std::size_t left_start, std::size_t right_start) {
    out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(left_start),
               out_.begin() + static_cast<std::ptrdiff_t>(right_start));
  }
  void drop_right_root() { out_.pop_back(); }
  // Removes the root of the left operand; returns the new start of the right operand.
  std::size_t drop_left_root(std::size_t right_start) {
    out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(right_start - 1));
    return right_start - 1;
  }
  // Swaps the two operand spans: [left_start, right_start) and [right_start, end).
  void swap_operands(std::size_t left_start, std::size_t right_start) {
    std::rotate(out_.begin() + static_cast<std::ptrdiff_t>(left_start),
                out_.begin() + static_cast<std::ptrdiff_t>(right_start), out_.end());
  }

  bool rewrite(Op op, std::size_t left_start, std::size_t right_start) {
    const std::size_t left = right_start - 1;
    const std::size_t right = out_.size() - 1;
    // Rules that write another operator apply only where it is allowed.
    const bool sub = allowed_.allows(Op::Sub), add = allowed_.allows(Op::Add), neg = allowed_.allows(Op::Neg);
    switch (op) {
      case Op::Add:
        if (is_const(right, 0.0)) return keep_left(right_start), true;
        if (is_const(left, 0.0)) return keep_right(left_start, right_start), true;
        if (!sub) return false;
        if (is_neg(right)) return drop_right_root(), push_op(Op::Sub, 2), true;
        if (is_negative_const(right)) {
          out_[right].value = -out_[right].value;
          return push_op(Op::Sub, 2), true;
        }
        if (is_neg(left)) {
          swap_operands(left_start, drop_left_root(right_start));
          return push_op(Op::Sub, 2), true;
        }
        if (is_negative_const(left)) {
          out_[left].value = -out_[left].value;
          swap_operands(left_start, right_start);
          return push_op(Op::Sub, 2), true;
        }
        return false;
      case Op::Sub:
        if (is_const(right, 0.0)) return keep_left(right_start), true;
        if (is_const(left, 0.0) && neg) return keep_right(left_start, right_start), push_op(Op::Neg, 1), true;
        if (!add) return false;
        if (is_neg(right)) return drop_right_root(), push_op(Op::Add, 2), true;
        if (is_negative_const(right)) {
          out_[right].value = -out_[right].value;
          return push_op(Op::Add, 2), true;
        }
        return false;
      case Op::Mul:
        if (is_const(right, 1.0)) return keep_left(right_start), true;
        if (is_const(left, 1.0)) return keep_right(left_start, right_start), true;
        if (is_const(right, -1.0) && neg) return keep_left(right_start), push_op(Op::Neg, 1), true;
        if (is_const(left, -1.0) && neg) return keep_right(left_start, right_start), push_op(Op::Neg, 1), true;
        if (is_neg(left) && is_neg(right)) {
          drop_right_root();
          drop_left_root(right_start);
          return push_op(Op::Mul, 2), true;
        }
        return false;
      case Op::Div:
        if (is_const(right, 1.0)) return keep_left(right_start), true;
        if (is_const(right, -1.0) && neg) return keep_left(right_start), push_op(Op::Neg, 1), true;
        if (is_neg(left) && is_neg(right)) {
          drop_right_root();
          drop_left_root(right_start);
          return push_op(Op::Div, 2), true;
        }
        return false;
      case Op::Pow:
        if (is_const(right, 1.0)) return keep_left(right_start), true;
        // C99 F.9.4.4: pow(x, ±0) = 1 and pow(1, y) = 1 for every x and y, NaN included.
        if (is_const(right, 0.0) || is_const(left, 1.0)) {
          out_.resize(left_start);
          out_.push_back(Node::constant(1.0));
          return true;
        }
        return false;
      default: return false;
    }
  }

  bool identities_;
  const OperatorSet& allowed_;
  std::vector<Node> out_;
  std::vector<std::size_t> starts_;  // start in out_ of each operand not yet consumed
  bool changed_ = false;
};

Expression run_to_fixed_point(const Expression& e, bool identities, const OperatorSet& allowed) {
  // Every rewrite removes nodes, a Neg or a negative constant, or turns a sum/difference with a
  // negative left operand into one with a non-negative one, so this ends; the bound is a guard.
  Expression current = e;
  Pass pass(identities, allowed);
  std::vector<Node> nodes;
  for (int round = 0; round < 1000; ++round) {
    if (current.empty() || !pass.run(current, nodes)) break;
    current = Expression(std::move(nodes));
    nodes = {};
  }
  return current;
}

}  // namespace

Expression simplify(const Expression& e, const OperatorSet& allowed) { return run_to_fixed_point(e, true, allowed); }

Expression fold_constants(const Expression& e) { return run_to_fixed_point(e, false, OperatorSet::all()); }

}  // namespace symtorch
