// Polishing: a front member's constants re-fitted on the full data in double precision, and
// its loss recomputed there, so the reported loss is that of the printed equation.
#pragma once

#include <cstdint>
#include <vector>

#include "search_state.hpp"
#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/fitness.hpp"
#include "symtorch/engine/pareto.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

// A double view of the dataset's own arrays (no copy); `pointers` keeps the column pointers.
DataView<double> dataset_view(const Dataset& data, std::vector<const double*>& pointers);

// Weighted mean of y² (scale of "round-off" for exact fits) and weighted variance of y.
double weighted_mean_square(const Dataset& data);
double weighted_variance(const Dataset& data);
// Kish's effective sample size (Σw)²/Σw²: the row count when unweighted.
double effective_rows(const Dataset& data);

// Losses below this are round-off of an exact fit: (1e-12 relative error)² of the target's
// magnitude, i.e. a few thousand ulps of double precision.
inline double exact_fit_floor(double mean_square) { return 1e-24 * mean_square; }

// The member as an explicit equation: a·f + b written out (simplified) if it was judged with
// linear scaling; its loss is unchanged, its complexity recomputed, scale 1 and offset 0.
Member explicit_member(const Member& m, bool scaled, const SearchOptions& options, double baseline);

// Data for polishing: the full data and, for large data, a fixed sample of evenly spaced rows
// on which the expensive steps run (many LM iterations with restarts, snapping trials); the
// full data then gets a few LM steps and has the last word on every loss and snapping decision.
struct PolishData {
  DataView<double> full;
  DataView<double> sample;  // the full data itself when it is small
  bool sampled = false;
};
inline constexpr std::size_t kPolishSampleRows = 20000;
// Rows of the polishing sample for data of n rows (empty if n is small enough to use whole).
std::vector<std::size_t> polish_sample_rows(std::size_t n);

// Simplifies and polishes the explicit equation of m (and snaps its constants, see
// SearchOptions::snap_constants and polish_rules); returns it with its double loss on the full
// data.
FrontMember polish_member(const Member& m, const SearchOptions& options, const PolishData& data, double loss_floor);

// Rewrites sin/cos of (u ± k·π/2) as ±sin(u) or ±cos(u) when the constant is a multiple of
// π/2 to round-off: the same function with two nodes fewer, and the form people write. Only
// where the result's operators (cos for sin and back, neg) are allowed.
Expression rewrite_phase_shifts(const Expression& e, const OperatorSet& allowed = OperatorSet::all());

// Replaces u·0, 0·u and 0/u by 0 and simplifies. Not an identity for every u (inf·0 is NaN),
// so callers keep the result only if the loss on the data is unchanged.
Expression drop_zero_products(const Expression& e, const OperatorSet& allowed = OperatorSet::all());

// Writes c·u with c = p/q (q <= 12) that needs more than 3 decimals as u / q or p·u / q:
// 0.3333333333333333·u -> u / 3, -0.6666666666666666·u -> 2·u / -3. The form people write
// (with two nodes more when p != ±1): a long decimal is read back, by people and by rules that
// round constants to a few decimals, as a different number. Only where / is allowed.
Expression rational_coefficients(const Expression& e, const OperatorSet& allowed = OperatorSet::all());

// Snaps the constants of e to simple values where the loss allows (updates e and loss).
// Phases and multiples of pi are candidates as `rules` says.
void snap_constants(Expression& e, double& loss, const DataView<double>& data, double loss_floor,
                    const SearchOptions::PolishRules& rules = {});

// Polishes every hall-of-fame member (in parallel on the current TBB arena) and returns the
// candidates for the final front.
std::vector<FrontMember> polish_all(const std::vector<Member>& members, const SearchOptions& options,
                                    const PolishData& data, double loss_floor);

// Seed of the optimiser's restarts for one expression (a pure function of it).
inline std::uint64_t fit_seed(std::uint64_t expression_hash, std::uint64_t seed) {
  return expression_hash ^ (seed * 0x9E3779B97F4A7C15ull);
}

}  // namespace symtorch::search_detail
