// Pruning of a wrapped block's output dimensions during training (SymTorch's setup_pruning /
// prune): a schedule of how many dimensions stay active at each step, and the choice of the
// dimensions of largest spread. Torch-free; SymbolicModel applies the mask (symbolic_model.hpp)
// and symbolic_model.json stores it (model_file.hpp).
//
// The schedule goes from initial_dim down to target_dim over the first end_step_frac of
// total_steps, then stays at target_dim. At step s < E = floor(end_step_frac * total_steps),
// with progress p = s / E, it keeps max(initial_dim - ceil((initial_dim - target_dim) * f(p)),
// target_dim) dimensions, where f is 'exp' (1 - e^(-3p)) / (1 - e^(-3)), 'linear' p or 'cosine'
// (1 - cos(pi p)) / 2: the formulas of the Python front (python/symtorch_cpp/pruning.py), so a
// schedule is the same in both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace symtorch {

enum class PruningDecay { Exp, Linear, Cosine };
const char* to_string(PruningDecay decay);
// "exp", "linear" or "cosine"; throws std::invalid_argument naming the others.
PruningDecay parse_pruning_decay(std::string_view name);

struct PruningOptions {
  std::int64_t initial_dim = 0;  // the block's output dimensions
  std::int64_t target_dim = 0;   // kept at the end, 1 <= target_dim <= initial_dim
  std::int64_t total_steps = 0;  // >= 1
  double end_step_frac = 0.5;    // in [0, 1]
  PruningDecay decay = PruningDecay::Exp;
};

// Throws std::invalid_argument naming the option that is out of range.
void check(const PruningOptions& options);
// Active dimensions at steps 0 .. total_steps - 1.
std::vector<std::int64_t> pruning_schedule(const PruningOptions& options);

// The `keep` indices of largest spread, in increasing index order; ties go to the lower index
// (a stable descending sort, as torch.argsort(stable=True) in the Python front).
std::vector<std::int64_t> dimensions_of_largest_spread(const std::vector<double>& spread, std::size_t keep);

// What a model prunes: its options and the dimensions active now (sorted, unique).
struct PruningState {
  PruningOptions options;
  std::vector<std::int64_t> active;
};

}  // namespace symtorch
