// Symmetries that let two variables be merged into one, as AI Feynman's tests (Udrescu &
// Tegmark 2020) do with a neural network, but read off an accurate equation that the search
// has already found (a "surrogate"): if moving x_i and x_j along a level set of x_i·x_j leaves
// the surrogate unchanged while moving either alone changes it, the surrogate depends on them
// only through x_i·x_j. The test is strict (unchanged to 1e-6 of the single moves), so it
// accepts surrogates whose structure holds the combination, not approximate symmetries.
#pragma once

#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operator_set.hpp"

namespace symtorch::search_detail {

// The variables of the merged problem over the original ones: first one per merged pair
// (x_i*x_j, x_i/x_j, x_i + x_j or x_i - x_j; disjoint pairs, where pairs overlap the most
// clearly symmetric wins; in order of i), then each variable left unmerged. Empty when no pair merges, or when a merged variable would
// not be finite on every row of `data`. Tested on at most 64 rows of `data`
// (an exact symmetry shows on any row; the merged variables are checked on all of them). Only
// combinations whose operator is allowed are tested.
std::vector<Expression> merged_variables(const Expression& surrogate, const Dataset& data,
                                         const OperatorSet& allowed = OperatorSet::all());

}  // namespace symtorch::search_detail
