#include "symtorch/engine/expression.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace symtorch {

bool Node::operator==(const Node& o) const {
  if (op != o.op || arity != o.arity || length != o.length) return false;
  if (op == Op::Var) return feature == o.feature;
  if (op == Op::Const) return std::bit_cast<std::uint64_t>(value) == std::bit_cast<std::uint64_t>(o.value);
  return true;
}

Expression::Expression(std::vector<Node> nodes) : nodes_(std::move(nodes)) { update_lengths(); }

void Expression::update_lengths() {
  if (nodes_.size() > 65535) throw std::invalid_argument("expression has more than 65535 nodes");
  // A stack of subtree lengths; each operator pops its operands.
  std::vector<std::uint32_t> stack;
  stack.reserve(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    const int arity = is_leaf(n.op) ? 0 : op_info(n.op).arity;
    if (n.arity != arity)
      throw std::invalid_argument("node " + std::to_string(i) + " ('" + op_info(n.op).name + "') has arity " +
                                  std::to_string(n.arity) + ", expected " + std::to_string(arity));
    if (stack.size() < static_cast<std::size_t>(arity))
      throw std::invalid_argument("node " + std::to_string(i) + " ('" + op_info(n.op).name +
                                  "') has too few operands");
    std::uint32_t len = 1;
    for (int k = 0; k < arity; ++k) {
      len += stack.back();
      stack.pop_back();
    }
    n.length = static_cast<std::uint16_t>(len);
    stack.push_back(len);
  }
  if (!nodes_.empty() && stack.size() != 1)
    throw std::invalid_argument("postfix array leaves " + std::to_string(stack.size()) + " operands, expected 1");
}

std::size_t Expression::child(std::size_t i, int k) const {
  if (k < 0 || k >= nodes_[i].arity) throw std::out_of_range("child index out of range");
  if (nodes_[i].arity == 1) return i - 1;
  return k == 1 ? right_child(i) : left_child(i);
}

int Expression::complexity() const {
  int c = 0;
  for (const auto& n : nodes_) c += op_info(n.op).complexity;
  return c;
}

int Expression::depth() const {
  if (nodes_.empty()) return 0;
  std::vector<int> d(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const auto& n = nodes_[i];
    if (n.arity == 0) d[i] = 1;
    else if (n.arity == 1) d[i] = d[i - 1] + 1;
    else d[i] = std::max(d[left_child(i)], d[right_child(i)]) + 1;
  }
  return d.back();
}

std::size_t Expression::num_constants() const {
  return static_cast<std::size_t>(std::count_if(nodes_.begin(), nodes_.end(),
                                                [](const Node& n) { return n.op == Op::Const; }));
}

std::vector<std::size_t> Expression::constant_indices() const {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].op == Op::Const) idx.push_back(i);
  return idx;
}

std::vector<double> Expression::constants() const {
  std::vector<double> c;
  for (const auto& n : nodes_)
    if (n.op == Op::Const) c.push_back(n.value);
  return c;
}

void Expression::set_constants(std::span<const double> values) {
  std::size_t k = 0;
  for (auto& n : nodes_) {
    if (n.op != Op::Const) continue;
    if (k >= values.size()) throw std::invalid_argument("set_constants: too few values");
    n.value = values[k++];
  }
  if (k != values.size()) throw std::invalid_argument("set_constants: too many values");
}

std::uint32_t Expression::max_feature() const {
  std::uint32_t m = 0;
  for (const auto& n : nodes_)
    if (n.op == Op::Var) m = std::max(m, n.feature + 1);
  return m;
}

std::uint64_t Expression::hash(bool include_constants) const {
  // FNV-1a over (op, feature or constant bits).
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint64_t v) {
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const auto& n : nodes_) {
    mix(static_cast<std::uint64_t>(n.op));
    if (n.op == Op::Var) mix(n.feature);
    else if (n.op == Op::Const && include_constants) mix(std::bit_cast<std::uint64_t>(n.value));
  }
  return h;
}

Expression Expression::subtree(std::size_t i) const {
  Expression e;
  e.nodes_.assign(nodes_.begin() + static_cast<std::ptrdiff_t>(subtree_begin(i)),
                  nodes_.begin() + static_cast<std::ptrdiff_t>(i + 1));
  return e;
}

Expression Expression::replace_subtree(std::size_t i, const Expression& replacement) const {
  Expression e;
  e.nodes_.reserve(nodes_.size() - nodes_[i].length + replacement.size());
  e.nodes_.insert(e.nodes_.end(), nodes_.begin(), nodes_.begin() + static_cast<std::ptrdiff_t>(subtree_begin(i)));
  e.nodes_.insert(e.nodes_.end(), replacement.nodes_.begin(), replacement.nodes_.end());
  e.nodes_.insert(e.nodes_.end(), nodes_.begin() + static_cast<std::ptrdiff_t>(i + 1), nodes_.end());
  e.update_lengths();
  return e;
}

Expression Expression::constant(double v) {
  Expression e;
  e.nodes_.push_back(Node::constant(v));
  return e;
}

Expression Expression::variable(std::uint32_t f) {
  Expression e;
  e.nodes_.push_back(Node::variable(f));
  return e;
}

Expression Expression::unary(Op op, const Expression& a) {
  Expression e;
  e.nodes_ = a.nodes_;
  e.nodes_.push_back(Node::function(op, 1));
  e.update_lengths();
  return e;
}

Expression Expression::binary(Op op, const Expression& a, const Expression& b) {
  Expression e;
  e.nodes_.reserve(a.size() + b.size() + 1);
  e.nodes_ = a.nodes_;
  e.nodes_.insert(e.nodes_.end(), b.nodes_.begin(), b.nodes_.end());
  e.nodes_.push_back(Node::function(op, 2));
  e.update_lengths();
  return e;
}

namespace {
double eval_rec(const Expression& e, std::size_t i, std::span<const double> row) {
  const Node& n = e[i];
  switch (n.arity) {
    case 0:
      if (n.op == Op::Const) return n.value;
      if (n.feature >= row.size())
        throw std::invalid_argument("variable x" + std::to_string(n.feature) + " out of range");
      return row[n.feature];
    case 1: return apply_unary(n.op, eval_rec(e, i - 1, row));
    default: return apply_binary(n.op, eval_rec(e, e.left_child(i), row), eval_rec(e, e.right_child(i), row));
  }
}
}  // namespace

double evaluate_reference(const Expression& e, std::span<const double> row) {
  if (e.empty()) throw std::invalid_argument("cannot evaluate an empty expression");
  return eval_rec(e, e.root(), row);
}

}  // namespace symtorch
