// Envelopes of oscillating targets. keijzer_4, x³·e⁻ˣ·cos x·sin x·(sin²x·cos x − 1), is a
// trigonometric polynomial (found in 3–8 s alone) under a power-law and exponential envelope;
// grown whole it takes ~22 nodes in which no part fits well on its own, and 180 s of search do
// not find it. The envelope shows in the data: the largest |y| in successive slices of a
// variable follows x^a·e^(b·x). Dividing it out leaves the oscillation for the subset islands
// to search (envelope epochs, SearchOptions::envelope_epochs).
#pragma once

#include <optional>
#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operators.hpp"

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
// non-zero, y/h is finite (in float as well) on every row, and exp is in `unary` (or no rate
// is needed). Built from *, / and, where listed in `unary`, square and exp.
std::optional<Expression> oscillation_envelope(const Dataset& data, const std::vector<Op>& unary);

}  // namespace symtorch::search_detail
