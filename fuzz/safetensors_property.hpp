// The safetensors reader's property (torchbridge/lm/src/safetensors_layout.cpp, torch-free).
// An input's first byte chooses what the rest is:
//   even: a safetensors file;
//   odd:  model.safetensors.index.json of a directory that also holds two well-formed shards,
//         a.safetensors (tensors "x" F32 [2, 3], "y" BF16 [4]) and b.safetensors ("z" F16 []).
// Either it is refused with SafetensorsError, or every tensor it accepts lies inside its file's
// data section with exactly the bytes its dtype and shape need, no two overlap, and (index) every
// listed tensor is found in the shard it names. Returns whether the input was accepted.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "property_violation.hpp"
#include "symtorch/lm/safetensors_layout.hpp"

namespace symtorch::fuzz {

namespace safetensors_detail {

inline void write_bytes(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("fuzz: cannot write " + p.string());
}

// A file of the format with the given header and `data_bytes` zero bytes of data.
inline std::string safetensors_bytes(const std::string& header, std::size_t data_bytes) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + std::string(data_bytes, '\0');
}

// One private directory per process, removed at exit.
inline const std::filesystem::path& work_directory() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "symtorch-fuzz-safetensors-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("fuzz: mkdtemp failed");
    const std::filesystem::path d = pattern;
    write_bytes(d / "a.safetensors",
                safetensors_bytes(R"({"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                                  R"("y":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}})", 32));
    write_bytes(d / "b.safetensors", safetensors_bytes(R"({"z":{"dtype":"F16","shape":[],"data_offsets":[0,2]}})", 2));
    static const struct Remove {
      std::filesystem::path p;
      ~Remove() {
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
      }
    } remove{d};
    return d;
  }();
  return dir;
}

}  // namespace safetensors_detail

// Checks what an accepted header claims against the file it came from.
inline void check_safetensors_header(const lm::SafetensorsHeader& h) {
  const std::uint64_t file_size = std::filesystem::file_size(h.path());
  auto broken = [&](const std::string& name, const std::string& what) {
    return PropertyViolation(h.path().string() + ": accepted tensor '" + name + "' " + what);
  };
  if (h.data_start() < 8 || h.data_start() > file_size) throw broken("", "with the data section outside the file");
  const std::uint64_t data_size = file_size - h.data_start();
  std::vector<const lm::StoredTensor*> by_offset;
  for (const auto& [name, t] : h.tensors()) {
    if (name.empty() || name != t.name || name == "__metadata__") throw broken(name, "under a bad name");
    if (t.begin > t.end || t.end > data_size) throw broken(name, "outside the data section");
    std::uint64_t elements = 1;
    for (const std::int64_t d : t.shape) {
      if (d < 0) throw broken(name, "with a negative dimension");
      elements *= static_cast<std::uint64_t>(d);
    }
    if (t.end - t.begin != elements * lm::element_size(t.dtype)) throw broken(name, "whose bytes do not fit its shape");
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end) throw broken(by_offset[i]->name, "overlapping another");
}

inline bool check_safetensors_input(std::string_view bytes) {
  if (bytes.empty()) return false;
  namespace fs = std::filesystem;
  const fs::path& dir = safetensors_detail::work_directory();
  const bool index = (static_cast<unsigned char>(bytes[0]) & 1) != 0;
  bytes.remove_prefix(1);
  if (!index) {
    const fs::path file = dir / "model.safetensors";
    safetensors_detail::write_bytes(file, bytes);
    try {
      check_safetensors_header(lm::SafetensorsHeader(file));
    } catch (const lm::SafetensorsError&) {
      return false;
    }
    return true;
  }
  const fs::path file = dir / "model.safetensors.index.json";
  safetensors_detail::write_bytes(file, bytes);
  // A directory with model.safetensors is read as a single file; the index is read without it.
  fs::remove(dir / "model.safetensors");
  try {
    const lm::SafetensorsLayout layout(dir);
    for (const auto& h : layout.files()) check_safetensors_header(h);
    for (const std::string& name : layout.tensor_names())
      if (!layout.file_of(name).contains(name))
        throw PropertyViolation("index accepted with tensor '" + name + "' absent from its shard " +
                                layout.file_of(name).path().string());
  } catch (const lm::SafetensorsError&) {
    return false;
  }
  return true;
}

}  // namespace symtorch::fuzz
