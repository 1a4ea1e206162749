// safetensors files (Hugging Face's checkpoint format) and sharded checkpoints.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON
// {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}
// and the tensors' bytes (offsets relative to the end of the header), little-endian, row-major.
// A sharded checkpoint has model.safetensors.index.json {"weight_map": {"NAME": "SHARD FILE"}}.
//
// Opening checks the whole header against the file before any tensor is read: every entry's
// dtype (F32, F16, BF16), shape, and offsets (inside the data, the size the shape needs, no two
// tensors overlapping). Every refusal is a SafetensorsError naming the file and, where there is
// one, the tensor.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace symtorch::lm {

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class StoredDtype { F32, F16, BF16 };
const char* to_string(StoredDtype d);
std::size_t element_size(StoredDtype d);

struct StoredTensor {
  std::string name;
  StoredDtype dtype = StoredDtype::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // within the data section
};

class SafetensorsFile {
 public:
  // Reads and checks the header (throws SafetensorsError).
  explicit SafetensorsFile(std::filesystem::path path);

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, StoredTensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }

  // The tensor's values, converted to `as` (a floating dtype). Throws SafetensorsError naming the
  // file and tensor when it is absent or its bytes cannot be read (the file shrank).
  torch::Tensor read(const std::string& name, torch::ScalarType as = torch::kFloat32) const;

 private:
  std::filesystem::path path_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, StoredTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint directory: model.safetensors, or model.safetensors.index.json and its shards.
// Opening checks every shard's header and that the index and the shards agree (every indexed
// tensor is in its shard, every tensor of a shard is indexed to it, no tensor twice).
class SafetensorsCheckpoint {
 public:
  explicit SafetensorsCheckpoint(const std::filesystem::path& directory);

  std::vector<std::string> tensor_names() const;
  const StoredTensor& info(const std::string& name) const;   // throws SafetensorsError if absent
  const SafetensorsFile& file_of(const std::string& name) const;
  torch::Tensor read(const std::string& name, torch::ScalarType as = torch::kFloat32) const;
  bool contains(const std::string& name) const { return shard_of_.count(name) != 0; }
  // What error messages call the checkpoint: the single file, or the index file.
  const std::string& description() const { return description_; }

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, std::size_t> shard_of_;
  std::string description_;
};

// Writes tensors (any floating dtype, converted to `dtype`) in the order given, to a temporary
// file renamed over `path`. Throws SafetensorsError on a duplicate or empty name or an I/O error.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       StoredDtype dtype = StoredDtype::F32,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace symtorch::lm
