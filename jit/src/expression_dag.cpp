#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include <bit>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <unordered_map>

#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit {

namespace {

// Identity of a node for hash-consing: two nodes with equal keys compute the same value.
struct NodeKey {
  Op op;
  std::uint8_t arity;
  std::uint32_t a, b, feature;
  std::uint64_t bits;
  bool operator==(const NodeKey&) const = default;
};

struct NodeKeyHash {
  std::size_t operator()(const NodeKey& k) const {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; h ^= h >> 29; };
    mix(static_cast<std::uint64_t>(k.op) | (std::uint64_t(k.arity) << 8));
    mix(k.a);
    mix(k.b);
    mix(k.feature);
    mix(k.bits);
    return static_cast<std::size_t>(h);
  }
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

std::string hex_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v)));
  return buf;
}

}  // namespace

struct ExpressionDag::Impl {
  std::uint32_t num_inputs = 0;
  std::vector<DagNode> nodes;
  std::vector<std::uint32_t> order;
  std::vector<std::uint32_t> outputs;
};

ExpressionDag::ExpressionDag(std::span<const Expression> outputs, std::uint32_t num_inputs) {
  auto impl = std::make_shared<Impl>();
  impl->num_inputs = num_inputs;
  std::unordered_map<NodeKey, std::uint32_t, NodeKeyHash> interned;

  auto intern = [&](DagNode n) {
    NodeKey key{n.op, n.arity, n.arity > 0 ? n.child[0] : 0u, n.arity > 1 ? n.child[1] : 0u,
                n.op == Op::Var ? n.feature : 0u, n.op == Op::Const ? std::bit_cast<std::uint64_t>(n.value) : 0u};
    auto [it, inserted] = interned.try_emplace(key, static_cast<std::uint32_t>(impl->nodes.size()));
    if (inserted) impl->nodes.push_back(n);
    return it->second;
  };

  std::vector<std::uint32_t> stack;
  for (const Expression& e : outputs) {
    if (e.empty()) throw std::invalid_argument("ExpressionDag: empty expression");
    stack.clear();
    for (const Node& src : e.nodes()) {
      DagNode n;
      n.op = src.op;
      n.arity = src.arity;
      if (src.op == Op::Var) {
        if (src.feature >= num_inputs)
          throw std::invalid_argument("ExpressionDag: variable index " + std::to_string(src.feature) +
                                      " >= number of inputs " + std::to_string(num_inputs));
        n.feature = src.feature;
      } else if (src.op == Op::Const) {
        n.value = src.value;
      }
      if (stack.size() < src.arity) throw std::invalid_argument("ExpressionDag: malformed postfix expression");
      for (int k = src.arity - 1; k >= 0; --k) {
        n.child[k] = stack.back();
        stack.pop_back();
      }
      // x+y and y+x are one node: IEEE addition and multiplication are commutative.
      if (n.arity == 2 && op_info(n.op).commutative && n.child[0] > n.child[1]) std::swap(n.child[0], n.child[1]);
      stack.push_back(intern(n));
    }
    if (stack.size() != 1) throw std::invalid_argument("ExpressionDag: malformed postfix expression");
    impl->outputs.push_back(stack.back());
  }

  // Edges parent -> child; topological_sort lists vertices in reverse topological order of the
  // edges, i.e. every child before its parents: the evaluation order.
  Graph g(impl->nodes.size());
  for (std::uint32_t id = 0; id < impl->nodes.size(); ++id)
    for (int k = 0; k < impl->nodes[id].arity; ++k) boost::add_edge(id, impl->nodes[id].child[k], g);
  std::vector<Graph::vertex_descriptor> order;
  order.reserve(impl->nodes.size());
  boost::topological_sort(g, std::back_inserter(order));
  impl->order.assign(order.begin(), order.end());
  impl_ = std::move(impl);
}

std::size_t ExpressionDag::num_nodes() const { return impl_->nodes.size(); }
std::uint32_t ExpressionDag::num_inputs() const { return impl_->num_inputs; }
const DagNode& ExpressionDag::node(std::uint32_t id) const { return impl_->nodes.at(id); }
const std::vector<std::uint32_t>& ExpressionDag::topological_order() const { return impl_->order; }
const std::vector<std::uint32_t>& ExpressionDag::outputs() const { return impl_->outputs; }

std::size_t ExpressionDag::num_operations() const {
  std::size_t count = 0;
  for (const DagNode& n : impl_->nodes) count += n.arity > 0;
  return count;
}

std::string ExpressionDag::canonical_text() const {
  // Nodes are renumbered by their position in the evaluation order, so the text does not depend
  // on internal ids.
  std::vector<std::uint32_t> position(impl_->nodes.size());
  for (std::uint32_t i = 0; i < impl_->order.size(); ++i) position[impl_->order[i]] = i;
  // Appends only: GCC 12 reports a false -Wrestrict for `"literal" + std::string&&` at -O3.
  std::string text = "inputs ";
  text += std::to_string(impl_->num_inputs);
  text += '\n';
  auto ref = [&](std::uint32_t id) {
    text += " %";
    text += std::to_string(position[id]);
  };
  for (std::uint32_t i = 0; i < impl_->order.size(); ++i) {
    const DagNode& n = impl_->nodes[impl_->order[i]];
    text += '%';
    text += std::to_string(i);
    text += " = ";
    if (n.op == Op::Const) {
      text += "const ";
      text += hex_double(n.value);
    } else if (n.op == Op::Var) {
      text += "input ";
      text += std::to_string(n.feature);
    } else {
      text += op_info(n.op).name;
      for (int k = 0; k < n.arity; ++k) ref(n.child[k]);
    }
    text += '\n';
  }
  text += "outputs";
  for (std::uint32_t id : impl_->outputs) ref(id);
  text += '\n';
  return text;
}

}  // namespace symtorch::jit
