// Reformulated problems for the operator-subset islands. Equations such as log(x³+x²+x+1) or
// sqrt(x1² + x2² − 2·x1·x2·cos(θ1 − θ2)) are hard to grow from the root down, yet their insides
// are plain functions found in well under a second on a transformed problem:
// - an outer operator g (sqrt, log, exp): fit f to g⁻¹(y), report g(f);
// - a numerator variable x_k: fit f to x_k / y, report x_k / f (Planck's law
//   x/(exp(c·x/v) − 1) becomes exp(c·x/v) − 1);
// - an envelope h (envelope.hpp): fit f to y / h, report h·f (the oscillation of keijzer_4
//   under x³·e⁻ˣ);
// - merged variables: where y depends on x_i and x_j only through x_i·x_j (or x_i/x_j,
//   x_i + x_j, x_i − x_j; see symmetry.hpp), fit f over the merged variable, report f with the
//   merged variable written out.
// The islands search f on the reformulated data; the driver restores g(f(merged)),
// x_k / f(merged) or h·f(merged) and judges it on y.
#pragma once

#include <optional>
#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

struct Reformulation {
  std::optional<Op> outer;            // y = g(f)
  std::vector<Expression> variables;  // f's variable k is variables[k] (over the original ones); empty = the originals
  int numerator = -1;                 // y = v_k / f, v_k = f's variable k (not with `outer`)
  std::optional<Expression> factor{};  // y = h·f, h over the original variables (alone)
  bool identity() const { return !outer && variables.empty() && numerator < 0 && !factor; }
  // f's variable k over the original variables.
  Expression variable(std::size_t k) const;
  // The complexity that restoring adds at the root of f (g, v_k and the division, or h and
  // the product).
  int root_complexity() const;
  bool operator==(const Reformulation&) const = default;
};

// The outer operators usable on this data, in the order the epochs take them: those among
// sqrt, log, exp that the options list as unary operators and whose inverse (y², exp(y), log(y))
// is finite, in float as well, on every row, and not constant.
std::vector<Op> applicable_outer_operators(const SearchOptions& options, const Dataset& data);

// The variables k (of `variables`, or the original ones if empty) for which y = v_k / f is
// usable: v_k / y finite, in float as well, on every row, and not constant.
std::vector<int> applicable_numerators(const Dataset& data, const std::vector<Expression>& variables);

// Whether a transformed target z can be searched: the islands evaluate in float, so it must be
// finite there too, and it must not be constant.
bool searchable_target(const std::vector<double>& z);

// `data` with the features replaced by `r.variables` evaluated on each row (named v0, v1, ...)
// and the target by g⁻¹(y), v_k / y or y / h; weights copied (times h², scaled to mean 1, for
// y / h).
Dataset reformulated_dataset(const Dataset& data, const Reformulation& r);

// g(f), v_k / f or h·f with f's variables written out: the equation over the original variables.
Expression restore(const Expression& f, const Reformulation& r);

// `e` with every variable k replaced by definitions[k].
Expression substitute_variables(const Expression& e, const std::vector<Expression>& definitions);

}  // namespace symtorch::search_detail
