// The symbolic-regression search: islands of expressions evolved in parallel with oneTBB
// (PySR's algorithm: regularised evolution, simulated annealing, adaptive parsimony, migration
// through a hall of fame), constant optimisation by Levenberg–Marquardt, and a final polish of
// every front member's constants on the full data in double precision, so that the loss shown
// is the loss of the printed equation.
//
// Determinism: the same data, options and seed give the same front whatever the thread count.
// Each island has its own RNG stream seeded from (seed, island index) and evolves alone between
// barriers; at a barrier the hall of fame, complexity statistics and migration are updated
// sequentially in island order. Caches hold pure functions of the expression, so they change
// speed only. A time limit or a stop request ends the search at a point that depends on speed,
// so such runs are reproducible only up to where they stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/pareto.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch {

// Fewest rows a search accepts.
inline constexpr std::size_t kMinSearchRows = 3;

enum class StopReason { Iterations, TimeLimit, TargetLoss, ExactFit, Requested };
const char* to_string(StopReason r);

struct SearchStats {
  int iterations = 0;                 // iterations completed (including resumed ones)
  std::uint64_t evaluations = 0;      // loss or Jacobian passes over the evaluation data
  std::uint64_t cache_lookups = 0;
  std::uint64_t cache_hits = 0;
  double seconds = 0;                 // wall time of this call
  double cpu_seconds = 0;             // CPU time of the process during this call (all threads)
  StopReason stop_reason = StopReason::Iterations;
  // Variables the subset islands searched over in place of the original ones, written over
  // them (e.g. "h * omega"), then the unmerged ones; empty if no symmetry was found (the
  // "merge" view, SearchOptions::views).
  std::vector<std::string> merged_variables;
  // The problem views the subset islands searched, in the order first searched (e.g.
  // "y = sqrt(f)", "y = h * f, h = square(x1) * x1 / exp(x1)"; SearchOptions::views).
  std::vector<std::string> views_searched;
};

struct SearchProgress {
  int iteration = 0;
  int niterations = 0;
  double seconds = 0;
  std::uint64_t evaluations = 0;
  double best_loss = 0;     // lowest hall-of-fame loss (search precision)
  int front_size = 0;
};
using ProgressCallback = std::function<void(const SearchProgress&)>;

struct SearchResult {
  ParetoFront front;
  std::size_t chosen = 0;            // index into front by `selection`
  Selection selection;
  SearchStats stats;
  std::vector<std::string> variable_names;
  std::string target_name;

  const FrontMember& best() const { return front[chosen]; }
  std::string equation(std::size_t i, Format format = Format::Infix) const;
  std::string chosen_equation(Format format = Format::Infix) const { return equation(chosen, format); }
};

// Refuses data the search cannot use, naming what is wrong: mismatched lengths, fewer than
// kMinSearchRows rows, no features, non-finite values (column and row), a constant target,
// bad weights. Throws std::invalid_argument.
void validate_dataset(const Dataset& data);

// Runs the search. Throws std::invalid_argument for bad data, options or warm-start equations,
// std::runtime_error for an unreadable or mismatched checkpoint.
SearchResult run_search(const Dataset& data, const SearchOptions& options, const Selection& selection = {},
                        std::stop_token stop = {}, const ProgressCallback& progress = {});

// Fits only the constants of a user-given form. Identifiers of `form` that are not variables
// of the data (and not followed by '(') are free parameters, starting at 1; a parameter used
// twice is one value. Numeric literals stay fixed. Several starts (deterministic from
// options.seed) guard against local minima. The result's front has the one fitted equation.
SearchResult fit_form(const Dataset& data, const std::string& form, const SearchOptions& options);

}  // namespace symtorch
