// Constraints a candidate must satisfy to enter a population (PySR's check_constraints):
// complexity <= the current maxsize, depth <= maxdepth, per-operator operand size limits, and
// nested-operator limits (e.g. no sin inside sin).
#pragma once

#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch {

class ConstraintChecker {
 public:
  explicit ConstraintChecker(const SearchOptions& options);

  bool satisfied(const Expression& e, int complexity, int curmaxsize) const;

 private:
  bool sizes_ok(const Expression& e) const;
  bool nesting_ok(const Expression& e) const;

  int maxdepth_;
  std::vector<SizeConstraint> sizes_;
  std::vector<NestedConstraint> nested_;
};

}  // namespace symtorch
