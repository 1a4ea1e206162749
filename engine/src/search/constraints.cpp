#include "symtorch/engine/constraints.hpp"

#include <algorithm>

namespace symtorch {
namespace {

int subtree_complexity(const Expression& e, std::size_t i) {
  int c = 0;
  for (std::size_t k = e.subtree_begin(i); k <= i; ++k) c += op_info(e[k].op).complexity;
  return c;
}

}  // namespace

ConstraintChecker::ConstraintChecker(const SearchOptions& options)
    : maxdepth_(options.maxdepth), sizes_(options.size_constraints), nested_(options.nested_constraints) {}

bool ConstraintChecker::satisfied(const Expression& e, int complexity, int curmaxsize) const {
  if (complexity > curmaxsize) return false;
  if (maxdepth_ > 0 && e.depth() > maxdepth_) return false;
  if (!sizes_.empty() && !sizes_ok(e)) return false;
  if (!nested_.empty() && !nesting_ok(e)) return false;
  return true;
}

bool ConstraintChecker::sizes_ok(const Expression& e) const {
  for (std::size_t i = 0; i < e.size(); ++i) {
    const Node& n = e[i];
    if (n.arity == 0) continue;
    for (const auto& s : sizes_) {
      if (s.op != n.op) continue;
      if (s.left >= 0 && subtree_complexity(e, e.child(i, 0)) > s.left) return false;
      if (n.arity == 2 && s.right >= 0 && subtree_complexity(e, e.child(i, 1)) > s.right) return false;
    }
  }
  return true;
}

bool ConstraintChecker::nesting_ok(const Expression& e) const {
  // For each `inner` op, depth[i] = the largest number of `inner` nodes on a path from i down
  // to a leaf (counting i). An `outer` node's operands may hold at most max_count of them.
  std::vector<int> depth(e.size());
  for (const auto& c : nested_) {
    for (std::size_t i = 0; i < e.size(); ++i) {
      const Node& n = e[i];
      int below = 0;
      for (int k = 0; k < n.arity; ++k) below = std::max(below, depth[e.child(i, k)]);
      if (n.op == c.outer && n.arity > 0 && below > c.max_count) return false;
      depth[i] = below + (n.op == c.inner && n.arity > 0 ? 1 : 0);
    }
  }
  return true;
}

}  // namespace symtorch
