// Envelopes of oscillating targets (the envelope view, envelope_view.cpp). A law such as
// x³·e⁻ˣ·cos x·sin x·(sin²x·cos x − 1) is a trigonometric polynomial under a power-law and
// exponential envelope; grown whole it takes ~22 nodes in which no part fits well on its own.
// The envelope shows in the data: the largest |y| in successive slices of a variable follows
// x^a·e^(b·x). Dividing it out leaves the oscillation for the subset islands to search.
#pragma once

#include <optional>
#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operator_set.hpp"

namespace symtorch::search_detail {

// The fitted envelope of one variable: log max|y| ≈ power·log x + rate·x + c over slices of x.
struct VariableEnvelope {
  double power = 0, rate = 0;  // power only where x > 0 on every row
  double r2 = 0;               // of the fit over the slices
};

// Fits the envelope of variable k: rows sorted by x_k, cut into slices of at least 10 rows
// (at most 25 slices), the row of largest |y| taken in each. Empty with fewer than 5 slices or
// where a slice is all zero.
std::optional<VariableEnvelope> fit_variable_envelope(const Dataset& data, std::size_t k);

// Whether y oscillates: at least 5% of the rows above +2% of max|y| and 5% below −2%.
bool oscillates(const std::vector<double>& y);

// The envelope h(x) = Π x_k^a_k · exp(Σ b_k·x_k) with a_k rounded to integers and b_k to
// halves, from the variables whose slice fit has R² >= 0.8, if y oscillates, some exponent is
// non-zero and y/h is finite (in float as well) on every row. Built only from allowed
// operators: * (needed), / for the factors with negative exponents (else inv for negative
// powers and exp(b·x) with b < 0), square where allowed, exp for the rates where allowed (the
// rates are left out otherwise). Nothing where a needed operator is not allowed.
std::optional<Expression> oscillation_envelope(const Dataset& data, const OperatorSet& allowed);

}  // namespace symtorch::search_detail
