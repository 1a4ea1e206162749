// The operators an equation may contain. A search's set is the user's binary and unary
// operators (SearchOptions::operator_set()), and it is a constraint, not a hint: everything
// that makes or rewrites an equation (mutation, reformulated problems, simplification,
// polishing, printing) checks it, so no equation the search returns contains an operator
// outside it. Constants and variables are always allowed. OperatorSet::all() allows every
// operator (code that handles the user's own equations: parsing, printing, derivatives).
#pragma once

#include <bitset>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operators.hpp"

namespace symtorch {

class OperatorSet {
 public:
  // Every operator.
  static OperatorSet all();
  // Exactly these operators (and leaves).
  OperatorSet(std::span<const Op> binary, std::span<const Op> unary);

  bool allows(Op op) const { return everything_ || is_leaf(op) || allowed_.test(static_cast<std::size_t>(op)); }
  bool allows_all(std::span<const Op> ops) const;
  // Whether every node of e is allowed.
  bool allows(const Expression& e) const { return !first_outside(e); }
  // The first operator of e (in postfix order) that is not allowed.
  std::optional<Op> first_outside(const Expression& e) const;
  bool is_everything() const { return everything_; }

  // The listed operators (empty for all()).
  const std::vector<Op>& binary() const { return binary_; }
  const std::vector<Op>& unary() const { return unary_; }
  // This set with its unary operators replaced by `unary` (a subset island's language).
  OperatorSet with_unary(std::span<const Op> unary) const;
  // "+, -, *, sin" (or "every operator").
  std::string describe() const;

 private:
  OperatorSet() = default;
  bool everything_ = false;
  std::bitset<kMaxOps> allowed_;
  std::vector<Op> binary_, unary_;
};

// Throws std::invalid_argument "<what> uses the operator 'x', which is not among the allowed
// operators (...)" if e contains an operator outside `allowed`.
void require_allowed(const Expression& e, const OperatorSet& allowed, const std::string& what);

}  // namespace symtorch
