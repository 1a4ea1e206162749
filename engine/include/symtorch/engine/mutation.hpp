// Mutations and crossover of the search (PySR's set, on flat postfix expressions).
// Every structural edit is a span edit of the postfix array followed by one length update.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch {

enum class Mutation : std::uint8_t {
  MutateConstant,
  MutateOperator,
  MutateFeature,
  SwapOperands,
  RotateTree,
  AddNode,
  InsertNode,
  DeleteNode,
  Simplify,
  Randomize,
  DoNothing,
  Optimize,
};
inline constexpr std::size_t kMutationCount = 12;
const char* mutation_name(Mutation m);

class Mutator {
 public:
  Mutator(const SearchOptions& options, std::size_t num_features);
  // New unary nodes come from `unary` instead of the options' set (an operator-subset island).
  Mutator(const SearchOptions& options, std::size_t num_features, std::vector<Op> unary);
  // The unary operators new nodes come from.
  const std::vector<Op>& unary_operators() const { return unary_; }

  // Samples a mutation with the option weights conditioned on the parent, as PySR does:
  // nothing that cannot apply (no operator to change in a leaf, no constant to perturb, no
  // growth at maxsize, ...), and mutate_constant scaled by min(8, #constants)/8.
  Mutation sample(const Expression& parent, int complexity, int curmaxsize, SearchRng& rng) const;

  // Structural mutations: writes the child of `parent` into `child` (reusing its storage).
  // Simplify, Optimize and DoNothing are the caller's (they need the loss or the data):
  // for them the child is a copy of the parent.
  void apply(Mutation m, const Expression& parent, Expression& child, double temperature, int curmaxsize,
             SearchRng& rng);

  // Subtree crossover: a random subtree of each parent is swapped.
  void crossover(const Expression& a, const Expression& b, Expression& child_a, Expression& child_b,
                 SearchRng& rng);

  // PySR's initial trees: a random leaf grown by `appends` random append-operator steps.
  Expression random_tree(int appends, SearchRng& rng);
  // A random tree of about `nodes` nodes (PySR's gen_random_tree_fixed_size).
  Expression random_tree_fixed_size(int nodes, SearchRng& rng);

  Node random_leaf(SearchRng& rng) const;

 private:
  int random_arity(int max_arity, SearchRng& rng) const;  // 0 if no operator fits
  Op random_op(int arity, SearchRng& rng) const;
  void perturb_constant(double& value, double temperature, SearchRng& rng) const;

  // Mutations writing into `out`.
  void mutate_constant(const Expression& e, std::vector<Node>& out, double temperature, SearchRng& rng);
  void mutate_operator(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void mutate_feature(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void swap_operands(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void rotate_tree(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void append_op(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void prepend_op(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void insert_op(const Expression& e, std::vector<Node>& out, SearchRng& rng);
  void delete_op(const Expression& e, std::vector<Node>& out, SearchRng& rng);

  std::vector<Op> binary_, unary_;
  std::size_t num_features_;
  double perturbation_factor_, probability_negate_;
  MutationWeights weights_;
  bool should_simplify_;
  std::vector<Node> scratch_, scratch2_;
  std::vector<std::size_t> picks_;
};

}  // namespace symtorch
