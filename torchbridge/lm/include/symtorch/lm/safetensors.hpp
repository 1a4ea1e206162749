// Tensors of safetensors files and checkpoints as torch::Tensor, and the writer. The headers'
// layout and its checks are torch-free, in safetensors_layout.hpp.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "symtorch/lm/safetensors_layout.hpp"

namespace symtorch::lm {

// The tensor's values, converted to `as` (a floating dtype). Throws SafetensorsError naming the
// file and tensor when it is absent or its bytes cannot be read (the file shrank).
torch::Tensor read_tensor(const SafetensorsHeader& file, const std::string& name, torch::ScalarType as = torch::kFloat32);

// One file: its checked header, and its tensors read on demand.
class SafetensorsFile : public SafetensorsHeader {
 public:
  using SafetensorsHeader::SafetensorsHeader;
  torch::Tensor read(const std::string& name, torch::ScalarType as = torch::kFloat32) const {
    return read_tensor(*this, name, as);
  }
};

// A checkpoint directory (SafetensorsLayout), its tensors read on demand.
class SafetensorsCheckpoint : public SafetensorsLayout {
 public:
  using SafetensorsLayout::SafetensorsLayout;
  torch::Tensor read(const std::string& name, torch::ScalarType as = torch::kFloat32) const {
    return read_tensor(file_of(name), name, as);
  }
};

// Writes tensors (any floating dtype, converted to `dtype`) in the order given, to a temporary
// file renamed over `path`. Throws SafetensorsError on a duplicate or empty name or an I/O error.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       StoredDtype dtype = StoredDtype::F32,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace symtorch::lm
