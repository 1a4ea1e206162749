// symbolic_model.json: what SymbolicModel::save() writes beside the torch weights, as readable
// JSON (nlohmann). Torch-free, so it is tested without torch.
//
// {
//   "format": "symtorch.SymbolicModel", "version": 1,
//   "mode": "neural" | "symbolic",
//   "inputs": 3, "outputs": 1, "output_squeezed": false,      // 0 = nothing recorded yet
//   "weights": {"file": "module.pt", "bytes": 1234, "fnv1a64": "…"} | null,
//   "distillation": null | {
//     "input_names": [...], "transforms": [{"name": "dx", "expression": "x1 - x0"}],
//     "keep_inputs": false, "feature_names": [...], "variable_names": [...],
//     "input_pca": null | {"mean": [...], "components": [[...], ...], "explained_variance": [...],
//                          "total_variance": 1.0},
//     "output_pca": null | {...},
//     "rows": 5000, "selection": "best",
//     "options": {"seed": 0, "niterations": 40, "maxsize": 20, "binary_operators": ["+", ...], ...},
//     "targets": [{"name": "y0", "chosen": 3, "loss_floor": 0,
//                  "front": [{"complexity": 1, "loss": 0.5, "score": 0, "equation": "a"}, ...]}],
//     "selected": [3]                                           // members symbolic mode runs
//   },
//   "pruning": null | {"initial_dim": 8, "target_dim": 2, "total_steps": 100, "end_step_frac": 0.5,
//                      "decay_rate": "exp", "active": [0, 5, 6]},   // absent in older files: null
//   "metadata": {"symtorch_version": "0.1.0", "torch_version": "1.13.1", "saved_utc": "…",
//                "recorded_rows": 5000, "seen_rows": 120000}
// }
//
// Equations are infix text over variable_names; they round-trip exactly (constants bit-exact).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "symtorch/torch/distill.hpp"
#include "symtorch/torch/pruning.hpp"

namespace symtorch {

struct WeightsFile {
  std::string file;        // relative to the model directory
  std::uint64_t bytes = 0;
  std::string fnv1a64;     // hex digest of the file's bytes
};

struct ModelFile {
  static constexpr int kVersion = 1;
  static constexpr const char* kFormat = "symtorch.SymbolicModel";
  static constexpr const char* kFileName = "symbolic_model.json";

  std::string mode = "neural";  // "neural" or "symbolic"
  std::int64_t num_inputs = 0, num_outputs = 0;
  bool output_squeezed = false;
  std::optional<WeightsFile> weights;
  std::optional<Distillation> distillation;
  std::vector<std::size_t> selected;  // with a distillation: member per target
  std::optional<PruningState> pruning;
  nlohmann::json metadata = nlohmann::json::object();
};

nlohmann::json to_json(const ModelFile& file);
// Reads and checks everything (structure, types, names, equations parse over the variable
// names, PCA shapes, distillation consistency, selected members in range, symbolic mode only
// with a distillation, pruning options in range and its active dimensions sorted, unique,
// within initial_dim = outputs and at least target_dim of them). Throws std::invalid_argument "SOURCE: PATH: problem", e.g.
// "dir/symbolic_model.json: distillation.targets[0].front[2].loss: expected a number, got string".
ModelFile model_file_from_json(const nlohmann::json& j, const std::string& source);
ModelFile read_model_file(const std::filesystem::path& path);

// FNV-1a 64-bit digest of a file's bytes, as 16 hex digits (detects a damaged or swapped
// weights file; not a security measure). Throws std::runtime_error if unreadable.
std::string fnv1a64_file(const std::filesystem::path& path);

// Writes `content` to path.tmp-PID then renames it onto `path` (atomic on POSIX file systems).
// Throws std::runtime_error naming the file.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace symtorch
