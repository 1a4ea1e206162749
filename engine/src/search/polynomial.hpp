// Polynomial normal form of front members. Exact polynomial fits come out of the search in
// whatever factored shape evolution reached: x1³/5 − x1 + x2³/2 − x2 can come out as
// (x1·(35·x1·x1 − 175) + (87.5·x2 − 123.7437)·x2·(x2 + 1.4142136)) · 0.0057142857, where
// 1.4142136 = √2 factors x2² − 2. The expanded sum of monomials is the same function, shorter,
// with the simple coefficients a person (and score.py's 3-decimal rounding) expects.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch::search_detail {

// Monomial exponents, one per feature, → coefficient.
using Polynomial = std::map<std::vector<int>, double>;

// e as a Laurent polynomial in its variables, if it is one: built from constants, variables,
// + − ×, negation, square, cube, integer powers and division by a single monomial (1606/x2 is
// the monomial 1606·x2^-1; x/(x + 1) is not a polynomial); at most max_degree in total (negative
// powers counted by size) and max_terms monomials (the expansion of a deep product grows fast).
std::optional<Polynomial> as_polynomial(const Expression& e, int max_degree = 12, std::size_t max_terms = 32);

// e with every largest subtree that is a polynomial (as_polynomial) written as expression_of
// its expansion: 8/(x1·x1 + (x2·(803·x2 + 1606/x2))/803) becomes 8/(x1·x1 + x2·x2 + 2).
Expression expand_polynomials(const Expression& e, int max_degree = 12, std::size_t max_terms = 32);

// Σ c·x^a... in descending total degree, each monomial a product of variables (divided by the
// product of those with negative powers); terms with a zero coefficient are left out.
Expression expression_of(const Polynomial& p);

}  // namespace symtorch::search_detail
