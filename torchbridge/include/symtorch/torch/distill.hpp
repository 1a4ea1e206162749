// Distillation of recorded (input, output) rows into equations: the torch-free half of
// SymbolicModel::distill().
//
//   raw inputs x (n_in columns, named input_names)
//     -> features: the input transforms (e.g. dx = x1 - x0), plus the raw inputs if keep_inputs
//     -> optional input PCA: k_in components pc0, pc1, ...
//     => the variables of the equations
//   raw outputs y (n_out columns)
//     -> optional output PCA: k_out components
//     => the targets; one search per target, all targets in parallel
//
// SymbolicModel's symbolic forward applies the same chain to its input and reconstructs the
// outputs from the predicted components when output PCA is on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/pareto.hpp"
#include "symtorch/engine/search.hpp"
#include "symtorch/engine/search_options.hpp"
#include "symtorch/torch/pca.hpp"

namespace symtorch {

class SearchCluster;

// A derived input feature: `expression` over the raw input names, seen by the search as `name`.
struct InputTransform {
  std::string name;
  std::string expression;
};

struct DistillOptions {
  SearchOptions search;     // for every target; target j uses seed search.seed + j
  Selection selection;      // which front member becomes the equation
  // Names of the raw inputs (one per input column); empty = x0, x1, ...
  std::vector<std::string> input_names;
  // If non-empty, the search sees these features instead of the raw inputs ...
  std::vector<InputTransform> transforms;
  bool keep_inputs = false;  // ... or as well as them (raw inputs first)
  int pca_inputs = 0;        // k_in components of the features (0 = no PCA)
  int pca_outputs = 0;       // k_out components of the outputs (0 = no PCA)
  // Names of the outputs (one per output column); empty = y0, y1, ... Output PCA targets are
  // named pc_y0, pc_y1, ...
  std::vector<std::string> output_names;
  // Use at most this many recorded rows (a random subset drawn with search.seed); 0 = all.
  std::size_t max_rows = 0;
  bool parallel_targets = true;  // run the targets' searches at the same time
  // If set, the targets' searches are spread over its ranks (target j on rank j mod size) and
  // every front is gathered on every rank: every rank must call distill with the same rows and
  // options, and gets the same distillation, equal to the one-process result
  // (symtorch/engine/search_cluster.hpp, run_spread; symtorch::mpi implements it over MPI).
  SearchCluster* cluster = nullptr;
};

// One target's search result.
struct TargetFit {
  std::string name;
  ParetoFront front;
  std::size_t chosen = 0;  // by DistillOptions::selection
  SearchStats stats;       // of its search (not saved: reports only)
};

// Everything the symbolic forward needs, and the fronts behind it.
struct Distillation {
  std::size_t num_inputs = 0;    // raw input columns
  std::size_t num_outputs = 0;   // raw output columns
  std::vector<std::string> input_names;
  std::vector<InputTransform> transforms;
  bool keep_inputs = false;
  std::vector<std::string> feature_names;    // transforms (after raw inputs if keep_inputs)
  std::optional<Pca> input_pca;
  std::optional<Pca> output_pca;
  std::vector<std::string> variable_names;   // the equations' variables (features or pc0..)
  std::vector<TargetFit> targets;            // num_outputs of them, or output_pca->size()
  std::size_t rows = 0;                      // rows the searches used
  SearchOptions search;                      // the options of the searches (for reports)
  std::string selection;                     // "best", "accuracy" or a complexity

  // Equation text of target j's front member `member` over variable_names.
  std::string equation(std::size_t j, std::size_t member) const;
  // Index of target j's member with the largest complexity <= `complexity`; throws
  // std::invalid_argument if the target's simplest member is more complex.
  std::size_t member_at_complexity(std::size_t j, int complexity) const;

  // Throws std::invalid_argument naming the first inconsistency (counts, names, PCA shapes,
  // equations using variables that do not exist, transforms that do not parse): used on data
  // read from a file before it replaces anything.
  void validate() const;
};

// Names the options give (or x0.. / y0.. defaults), checked: identifiers, unique, not inf/nan,
// the right count. Throws std::invalid_argument.
std::vector<std::string> resolve_input_names(const DistillOptions& options, std::size_t num_inputs);
std::vector<std::string> resolve_output_names(const DistillOptions& options, std::size_t num_outputs);

// Parses the transforms over the input names. Throws std::invalid_argument naming the
// transform and the parse error (unknown variable, bad token), or a bad/duplicate name.
std::vector<Expression> parse_transforms(const std::vector<InputTransform>& transforms,
                                         const std::vector<std::string>& input_names, bool keep_inputs);

// Runs the searches. x: rows x num_inputs, y: rows x num_outputs, both row-major double.
// `weights` (empty, or one per row, finite and >= 0) weight every target's loss (SLIME's
// proximity weights). A stop request on `stop` ends every running search, each returning the
// front it has found so far (stats.stop_reason = Requested).
// Throws std::invalid_argument for bad options or data (too few rows, non-finite values, a
// constant target, k_in/k_out out of range, a wrong number of weights) before any search starts.
Distillation distill_rows(const double* x, const double* y, std::size_t rows, std::size_t num_inputs,
                          std::size_t num_outputs, const DistillOptions& options,
                          std::span<const double> weights = {}, std::stop_token stop = {});

}  // namespace symtorch
