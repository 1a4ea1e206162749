// safetensors files (Hugging Face's checkpoint format) and sharded checkpoints: the checked
// layout of their headers, torch-free (the readers of tensor bytes are in safetensors.hpp), so
// the checks can be fuzzed without LibTorch.
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

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace symtorch::lm {

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throw SafetensorsError "FILE: WHAT" and "FILE: tensor 'NAME': WHAT", the form of every refusal.
[[noreturn]] void fail_safetensors(const std::filesystem::path& file, const std::string& what);
[[noreturn]] void fail_safetensors_tensor(const std::filesystem::path& file, const std::string& tensor,
                                          const std::string& what);

enum class StoredDtype { F32, F16, BF16 };
const char* to_string(StoredDtype d);
std::size_t element_size(StoredDtype d);

struct StoredTensor {
  std::string name;
  StoredDtype dtype = StoredDtype::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // within the data section
};

// One file's header, checked against the file's size.
class SafetensorsHeader {
 public:
  // Reads and checks the header (throws SafetensorsError).
  explicit SafetensorsHeader(std::filesystem::path path);

  const std::filesystem::path& path() const { return path_; }
  // Where the data section starts in the file (8 + the header's length).
  std::uint64_t data_start() const { return data_start_; }
  const std::map<std::string, StoredTensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  // The tensor's entry; throws SafetensorsError naming the file and tensor when it is absent.
  const StoredTensor& tensor(const std::string& name) const;

 private:
  std::filesystem::path path_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, StoredTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint directory: model.safetensors, or model.safetensors.index.json and its shards.
// Opening checks every shard's header and that the index and the shards agree (every indexed
// tensor is in its shard, every tensor of a shard is indexed to it, no tensor twice).
class SafetensorsLayout {
 public:
  explicit SafetensorsLayout(const std::filesystem::path& directory);

  std::vector<std::string> tensor_names() const;
  const StoredTensor& info(const std::string& name) const;   // throws SafetensorsError if absent
  const SafetensorsHeader& file_of(const std::string& name) const;
  const std::vector<SafetensorsHeader>& files() const { return files_; }
  bool contains(const std::string& name) const { return shard_of_.count(name) != 0; }
  // What error messages call the checkpoint: the single file, or the index file.
  const std::string& description() const { return description_; }

 private:
  std::vector<SafetensorsHeader> files_;
  std::map<std::string, std::size_t> shard_of_;
  std::string description_;
};

}  // namespace symtorch::lm
