#include "symtorch/engine/mutation.hpp"

#include <cmath>
#include <stdexcept>

namespace symtorch {
namespace {

struct Span {
  std::size_t begin, end;  // inclusive; `end` is the subtree root
};

Span span_of(const Expression& e, std::size_t i) { return {e.subtree_begin(i), i}; }

void append_span(std::vector<Node>& out, const std::vector<Node>& src, Span s) {
  out.insert(out.end(), src.begin() + static_cast<std::ptrdiff_t>(s.begin),
             src.begin() + static_cast<std::ptrdiff_t>(s.end + 1));
}

// out = src with span s replaced by `middle`.
void splice(const std::vector<Node>& src, Span s, const std::vector<Node>& middle, std::vector<Node>& out) {
  out.clear();
  out.reserve(src.size() - (s.end - s.begin + 1) + middle.size());
  out.insert(out.end(), src.begin(), src.begin() + static_cast<std::ptrdiff_t>(s.begin));
  out.insert(out.end(), middle.begin(), middle.end());
  out.insert(out.end(), src.begin() + static_cast<std::ptrdiff_t>(s.end + 1), src.end());
}

// Uniform choice among node indices satisfying pred; returns false if none.
template <typename Pred>
bool pick_node(const Expression& e, Pred pred, SearchRng& rng, std::size_t& chosen) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < e.size(); ++i)
    if (pred(e[i], i)) ++count;
  if (count == 0) return false;
  std::size_t k = rng.below(count);
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (!pred(e[i], i)) continue;
    if (k-- == 0) {
      chosen = i;
      return true;
    }
  }
  return false;
}

int num_children(const Node& n) { return n.arity; }

// A node whose subtree can be rotated: an operator with at least one operator child.
bool rotatable(const Expression& e, std::size_t i) {
  const Node& n = e[i];
  if (n.arity == 0) return false;
  for (int k = 0; k < n.arity; ++k)
    if (e[e.child(i, k)].arity > 0) return true;
  return false;
}

}  // namespace

const char* mutation_name(Mutation m) {
  static constexpr std::array<const char*, kMutationCount> names{
      "mutate_constant", "mutate_operator", "mutate_feature", "swap_operands", "rotate_tree", "add_node",
      "insert_node",     "delete_node",     "simplify",       "randomize",     "do_nothing",  "optimize"};
  return names[static_cast<std::size_t>(m)];
}

Mutator::Mutator(const SearchOptions& options, std::size_t num_features)
    : Mutator(options, num_features, options.unary_operators) {}

Mutator::Mutator(const SearchOptions& options, std::size_t num_features, std::vector<Op> unary)
    : binary_(options.binary_operators),
      unary_(std::move(unary)),
      num_features_(num_features),
      perturbation_factor_(options.perturbation_factor),
      probability_negate_(options.probability_negate_constant),
      weights_(options.mutation_weights),
      should_simplify_(options.should_simplify) {
  if (num_features_ == 0) throw std::invalid_argument("the search needs at least one input feature");
}

Node Mutator::random_leaf(SearchRng& rng) const {
  if (rng.coin()) return Node::constant(rng.normal());
  return Node::variable(static_cast<std::uint32_t>(rng.below(num_features_)));
}

int Mutator::random_arity(int max_arity, SearchRng& rng) const {
  const std::size_t nu = unary_.size();
  const std::size_t nb = max_arity >= 2 ? binary_.size() : 0;
  if (nu + nb == 0) return 0;
  return rng.below(nu + nb) < nu ? 1 : 2;
}

Op Mutator::random_op(int arity, SearchRng& rng) const {
  const auto& set = arity == 1 ? unary_ : binary_;
  return set[rng.below(set.size())];
}

void Mutator::perturb_constant(double& value, double temperature, SearchRng& rng) const {
  // PySR's mutate_factor: a factor in [1, max_change] (or its inverse), larger when hot.
  const double max_change = perturbation_factor_ * temperature + 1.0 + 0.1;
  double factor = std::pow(max_change, rng.uniform());
  if (!rng.coin()) factor = 1.0 / factor;
  // Negation with probability p (PySR's code negates when rand() > p; we follow its
  // documented meaning).
  if (rng.chance(probability_negate_)) factor = -factor;
  value *= factor;
}

Mutation Mutator::sample(const Expression& parent, int complexity, int curmaxsize, SearchRng& rng) const {
  std::array<double, kMutationCount> w{
      weights_.mutate_constant, weights_.mutate_operator, weights_.mutate_feature, weights_.swap_operands,
      weights_.rotate_tree,     weights_.add_node,        weights_.insert_node,    weights_.delete_node,
      weights_.simplify,        weights_.randomize,       weights_.do_nothing,     weights_.optimize};
  auto set = [&w](Mutation m, double v) { w[static_cast<std::size_t>(m)] = v; };
  auto get = [&w](Mutation m) { return w[static_cast<std::size_t>(m)]; };
  const Node& root = parent[parent.root()];
  if (!should_simplify_) set(Mutation::Simplify, 0);
  if (num_features_ <= 1) set(Mutation::MutateFeature, 0);
  if (root.arity == 0) {
    set(Mutation::MutateOperator, 0);
    set(Mutation::SwapOperands, 0);
    set(Mutation::DeleteNode, 0);
    set(Mutation::Simplify, 0);
    set(Mutation::RotateTree, 0);
    if (root.op != Op::Const) {
      set(Mutation::Optimize, 0);
      set(Mutation::MutateConstant, 0);
    } else {
      set(Mutation::MutateFeature, 0);
    }
  } else {
    bool any_binary = false, any_rotatable = false;
    for (std::size_t i = 0; i < parent.size(); ++i) {
      any_binary |= parent[i].arity == 2;
      any_rotatable = any_rotatable || rotatable(parent, i);
    }
    if (!any_binary) set(Mutation::SwapOperands, 0);
    if (!any_rotatable) set(Mutation::RotateTree, 0);
    const std::size_t nconst = parent.num_constants();
    set(Mutation::MutateConstant, get(Mutation::MutateConstant) * static_cast<double>(std::min<std::size_t>(8, nconst)) / 8.0);
    if (nconst == 0) set(Mutation::Optimize, 0);
    bool any_var = false;
    for (const auto& n : parent.nodes()) any_var |= n.op == Op::Var;
    if (!any_var) set(Mutation::MutateFeature, 0);
  }
  if (complexity >= curmaxsize) {
    set(Mutation::AddNode, 0);
    set(Mutation::InsertNode, 0);
  }
  double total = 0;
  for (double v : w) total += v;
  if (!(total > 0)) return Mutation::DoNothing;
  double u = rng.uniform() * total;
  for (std::size_t k = 0; k < kMutationCount; ++k) {
    if (u < w[k]) return static_cast<Mutation>(k);
    u -= w[k];
  }
  for (std::size_t k = kMutationCount; k-- > 0;)
    if (w[k] > 0) return static_cast<Mutation>(k);
  return Mutation::DoNothing;
}

void Mutator::mutate_constant(const Expression& e, std::vector<Node>& out, double temperature, SearchRng& rng) {
  out = e.nodes();
  std::size_t i = 0;
  if (!pick_node(e, [](const Node& n, std::size_t) { return n.op == Op::Const; }, rng, i)) return;
  perturb_constant(out[i].value, temperature, rng);
}

void Mutator::mutate_operator(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  out = e.nodes();
  std::size_t i = 0;
  // Only operators with a replacement of the same arity: simplification can create a Neg node
  // even when no unary operator is in the search space.
  const auto replaceable = [this](const Node& n, std::size_t) {
    return (n.arity == 1 && !unary_.empty()) || (n.arity == 2 && !binary_.empty());
  };
  if (!pick_node(e, replaceable, rng, i)) return;
  out[i].op = random_op(out[i].arity, rng);
}

void Mutator::mutate_feature(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  out = e.nodes();
  std::size_t i = 0;
  if (num_features_ <= 1) return;
  if (!pick_node(e, [](const Node& n, std::size_t) { return n.op == Op::Var; }, rng, i)) return;
  // Any feature but the current one.
  auto f = static_cast<std::uint32_t>(rng.below(num_features_ - 1));
  if (f >= out[i].feature) ++f;
  out[i].feature = f;
}

void Mutator::swap_operands(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  std::size_t i = 0;
  if (!pick_node(e, [](const Node& n, std::size_t) { return n.arity == 2; }, rng, i)) {
    out = e.nodes();
    return;
  }
  const Span left = span_of(e, e.left_child(i)), right = span_of(e, e.right_child(i));
  scratch_.clear();
  append_span(scratch_, e.nodes(), right);
  append_span(scratch_, e.nodes(), left);
  scratch_.push_back(e[i]);
  splice(e.nodes(), span_of(e, i), scratch_, out);
}

void Mutator::rotate_tree(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  std::size_t root = 0;
  if (!pick_node(e, [&e](const Node&, std::size_t i) { return rotatable(e, i); }, rng, root)) {
    out = e.nodes();
    return;
  }
  // Pivot: a random operator child of root; grandchild: a random child of the pivot.
  picks_.clear();
  for (int k = 0; k < num_children(e[root]); ++k)
    if (e[e.child(root, k)].arity > 0) picks_.push_back(static_cast<std::size_t>(k));
  const auto pivot_slot = static_cast<int>(picks_[rng.below(picks_.size())]);
  const std::size_t pivot = e.child(root, pivot_slot);
  const int grand_slot = static_cast<int>(rng.below(static_cast<std::size_t>(e[pivot].arity)));
  const std::size_t grand = e.child(pivot, grand_slot);
  // root' = root with the pivot replaced by the grandchild.
  scratch2_.clear();
  for (int k = 0; k < e[root].arity; ++k)
    append_span(scratch2_, e.nodes(), span_of(e, k == pivot_slot ? grand : e.child(root, k)));
  scratch2_.push_back(e[root]);
  // pivot' = pivot with the grandchild replaced by root'.
  scratch_.clear();
  for (int k = 0; k < e[pivot].arity; ++k) {
    if (k == grand_slot) scratch_.insert(scratch_.end(), scratch2_.begin(), scratch2_.end());
    else append_span(scratch_, e.nodes(), span_of(e, e.child(pivot, k)));
  }
  scratch_.push_back(e[pivot]);
  splice(e.nodes(), span_of(e, root), scratch_, out);
}

void Mutator::append_op(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  std::size_t leaf = 0;
  const int arity = random_arity(2, rng);
  if (arity == 0 || !pick_node(e, [](const Node& n, std::size_t) { return n.arity == 0; }, rng, leaf)) {
    out = e.nodes();
    return;
  }
  // The leaf is replaced by a new operator over fresh random leaves (as PySR).
  scratch_.clear();
  for (int k = 0; k < arity; ++k) scratch_.push_back(random_leaf(rng));
  scratch_.push_back(Node::function(random_op(arity, rng), arity));
  splice(e.nodes(), {leaf, leaf}, scratch_, out);
}

void Mutator::prepend_op(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  const int arity = random_arity(2, rng);
  if (arity == 0) {
    out = e.nodes();
    return;
  }
  const auto carry = static_cast<int>(rng.below(static_cast<std::size_t>(arity)));
  out.clear();
  for (int k = 0; k < arity; ++k) {
    if (k == carry) out.insert(out.end(), e.nodes().begin(), e.nodes().end());
    else out.push_back(random_leaf(rng));
  }
  out.push_back(Node::function(random_op(arity, rng), arity));
}

void Mutator::insert_op(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  const int arity = random_arity(2, rng);
  if (arity == 0) {
    out = e.nodes();
    return;
  }
  const std::size_t at = rng.below(e.size());
  const auto carry = static_cast<int>(rng.below(static_cast<std::size_t>(arity)));
  scratch_.clear();
  for (int k = 0; k < arity; ++k) {
    if (k == carry) append_span(scratch_, e.nodes(), span_of(e, at));
    else scratch_.push_back(random_leaf(rng));
  }
  scratch_.push_back(Node::function(random_op(arity, rng), arity));
  splice(e.nodes(), span_of(e, at), scratch_, out);
}

void Mutator::delete_op(const Expression& e, std::vector<Node>& out, SearchRng& rng) {
  std::size_t i = 0;
  if (!pick_node(e, [](const Node& n, std::size_t) { return n.arity > 0; }, rng, i)) {
    out = e.nodes();
    return;
  }
  const std::size_t carry = e.child(i, static_cast<int>(rng.below(e[i].arity)));
  scratch_.clear();
  append_span(scratch_, e.nodes(), span_of(e, carry));
  splice(e.nodes(), span_of(e, i), scratch_, out);
}

void Mutator::apply(Mutation m, const Expression& parent, Expression& child, double temperature, int curmaxsize,
                    SearchRng& rng) {
  if (&parent == &child) throw std::invalid_argument("Mutator::apply: parent and child must differ");
  std::vector<Node>& out = child.mutable_nodes();
  switch (m) {
    case Mutation::MutateConstant: mutate_constant(parent, out, temperature, rng); break;
    case Mutation::MutateOperator: mutate_operator(parent, out, rng); break;
    case Mutation::MutateFeature: mutate_feature(parent, out, rng); break;
    case Mutation::SwapOperands: swap_operands(parent, out, rng); break;
    case Mutation::RotateTree: rotate_tree(parent, out, rng); break;
    case Mutation::AddNode:
      if (rng.coin()) append_op(parent, out, rng);
      else prepend_op(parent, out, rng);
      break;
    case Mutation::InsertNode: insert_op(parent, out, rng); break;
    case Mutation::DeleteNode: delete_op(parent, out, rng); break;
    case Mutation::Randomize: {
      const int nodes = 1 + static_cast<int>(rng.below(static_cast<std::size_t>(std::max(curmaxsize, 1))));
      out = random_tree_fixed_size(nodes, rng).nodes();
      break;
    }
    case Mutation::Simplify:
    case Mutation::DoNothing:
    case Mutation::Optimize: out = parent.nodes(); break;
  }
  child.update_lengths();
}

void Mutator::crossover(const Expression& a, const Expression& b, Expression& child_a, Expression& child_b,
                        SearchRng& rng) {
  const std::size_t ia = rng.below(a.size()), ib = rng.below(b.size());
  const Span sa = span_of(a, ia), sb = span_of(b, ib);
  scratch_.assign(b.nodes().begin() + static_cast<std::ptrdiff_t>(sb.begin),
                  b.nodes().begin() + static_cast<std::ptrdiff_t>(sb.end + 1));
  splice(a.nodes(), sa, scratch_, child_a.mutable_nodes());
  scratch_.assign(a.nodes().begin() + static_cast<std::ptrdiff_t>(sa.begin),
                  a.nodes().begin() + static_cast<std::ptrdiff_t>(sa.end + 1));
  splice(b.nodes(), sb, scratch_, child_b.mutable_nodes());
  child_a.update_lengths();
  child_b.update_lengths();
}

Expression Mutator::random_tree(int appends, SearchRng& rng) {
  Expression e({random_leaf(rng)});
  Expression next;
  for (int k = 0; k < appends; ++k) {
    append_op(e, next.mutable_nodes(), rng);
    next.update_lengths();
    std::swap(e, next);
  }
  return e;
}

Expression Mutator::random_tree_fixed_size(int nodes, SearchRng& rng) {
  Expression e({random_leaf(rng)});
  Expression next;
  int size = 1;
  while (size < nodes) {
    const int arity = random_arity(nodes - size, rng);
    if (arity == 0) break;
    std::size_t leaf = 0;
    pick_node(e, [](const Node& n, std::size_t) { return n.arity == 0; }, rng, leaf);
    scratch_.clear();
    for (int k = 0; k < arity; ++k) scratch_.push_back(random_leaf(rng));
    scratch_.push_back(Node::function(random_op(arity, rng), arity));
    splice(e.nodes(), {leaf, leaf}, scratch_, next.mutable_nodes());
    next.update_lengths();
    std::swap(e, next);
    size += arity;
  }
  return e;
}

}  // namespace symtorch
