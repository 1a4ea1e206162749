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
  // The F-test of the fit against a constant peak: the probability of an R² this large if
  // the peaks did not depend on x.
  double p_value = 1;
  // RMS of the residuals of log peak: the factor by which the fit misses a typical peak is
  // exp(log_residual).
  double log_residual = 0;
  // The rule for using it: the trend is significant at 1% (Bonferroni-corrected over `tests`
  // variables) and the fit predicts the peaks within a factor of 2 (RMS): an envelope the
  // peaks follow, not a drift in them.
  bool usable(std::size_t tests) const;
};

// Fits the envelope of variable k: rows sorted by x_k, cut into slices of at least 10 rows
// (at most 25 slices), the row of largest |y| taken in each. Empty with fewer than 5 slices or
// where a slice is all zero.
std::optional<VariableEnvelope> fit_variable_envelope(const Dataset& data, std::size_t k);

// Whether y oscillates: each sign on a visible share of the rows (5%) at a visible amplitude
// (beyond 2% of max|y|, clear of noise and round-off around zero).
bool oscillates(const std::vector<double>& y);

// The envelope h(x) = Π x_k^a_k · exp(Σ b_k·x_k) with a_k rounded to integers and b_k to
// halves, from the variables whose slice fit is usable (VariableEnvelope::usable), if y
// oscillates, some exponent is
// non-zero and y/h is finite (in float as well) on every row. Built only from allowed
// operators: * (needed), / for the factors with negative exponents (else inv for negative
// powers and exp(b·x) with b < 0), square where allowed, exp for the rates where allowed (the
// rates are left out otherwise). Nothing where a needed operator is not allowed.
std::optional<Expression> oscillation_envelope(const Dataset& data, const OperatorSet& allowed);

}  // namespace symtorch::search_detail
