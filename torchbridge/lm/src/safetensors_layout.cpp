#include "symtorch/lm/safetensors_layout.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>

namespace symtorch::lm {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian and is copied directly; port the reader before using a big-endian host");

namespace {

using nlohmann::json;

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

StoredDtype dtype_of(const std::filesystem::path& file, const std::string& name, const json& v) {
  if (!v.is_string()) fail_safetensors_tensor(file, name, "'dtype' must be a string, got " + v.dump());
  const std::string d = v.get<std::string>();
  if (d == "F32") return StoredDtype::F32;
  if (d == "F16") return StoredDtype::F16;
  if (d == "BF16") return StoredDtype::BF16;
  fail_safetensors_tensor(file, name, "dtype '" + d + "' is not supported (F32, F16, BF16)");
}

StoredTensor entry_of(const std::filesystem::path& file, const std::string& name, const json& e, std::uint64_t data_size) {
  if (!e.is_object()) fail_safetensors_tensor(file, name, "header entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) fail_safetensors_tensor(file, name, std::string("header entry has no '") + key + "'");
  StoredTensor t;
  t.name = name;
  t.dtype = dtype_of(file, name, e.at("dtype"));
  const json& shape = e.at("shape");
  if (!shape.is_array()) fail_safetensors_tensor(file, name, "'shape' must be a list, got " + shape.dump());
  std::uint64_t elements = 1;
  for (const json& d : shape) {
    if (!d.is_number_unsigned()) fail_safetensors_tensor(file, name, "'shape' entries must be non-negative integers, got " + shape.dump());
    const std::uint64_t n = d.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        (n != 0 && elements > std::numeric_limits<std::uint64_t>::max() / n / 4))
      fail_safetensors_tensor(file, name, "'shape' " + shape.dump() + " is too large");
    elements *= n;
    t.shape.push_back(static_cast<std::int64_t>(n));
  }
  const json& offsets = e.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    fail_safetensors_tensor(file, name, "'data_offsets' must be two non-negative integers, got " + offsets.dump());
  t.begin = offsets[0].get<std::uint64_t>();
  t.end = offsets[1].get<std::uint64_t>();
  if (t.begin > t.end || t.end > data_size)
    fail_safetensors_tensor(file, name, "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                                "] lie outside the data section (" + std::to_string(data_size) +
                                " bytes): the file is truncated or its header damaged");
  const std::uint64_t needed = elements * element_size(t.dtype);
  if (t.end - t.begin != needed)
    fail_safetensors_tensor(file, name, "shape " + shape_text(t.shape) + " of " + to_string(t.dtype) + " needs " +
                                std::to_string(needed) + " bytes, data_offsets give " + std::to_string(t.end - t.begin));
  return t;
}

}  // namespace

[[noreturn]] void fail_safetensors(const std::filesystem::path& file, const std::string& what) {
  throw SafetensorsError(file.string() + ": " + what);
}

[[noreturn]] void fail_safetensors_tensor(const std::filesystem::path& file, const std::string& tensor, const std::string& what) {
  throw SafetensorsError(file.string() + ": tensor '" + tensor + "': " + what);
}

const StoredTensor& SafetensorsHeader::tensor(const std::string& name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) fail_safetensors_tensor(path_, name, "not in the file");
  return it->second;
}

const char* to_string(StoredDtype d) {
  switch (d) {
    case StoredDtype::F32: return "F32";
    case StoredDtype::F16: return "F16";
    case StoredDtype::BF16: return "BF16";
  }
  return "?";
}

std::size_t element_size(StoredDtype d) { return d == StoredDtype::F32 ? 4 : 2; }

SafetensorsHeader::SafetensorsHeader(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path_, ec);
  if (ec) fail_safetensors(path_, "cannot open: " + ec.message());
  std::ifstream in(path_, std::ios::binary);
  if (!in) fail_safetensors(path_, std::string("cannot open: ") + std::strerror(errno));
  if (file_size < 8) fail_safetensors(path_, "truncated: " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length");
  std::uint64_t header_size = 0;
  in.read(reinterpret_cast<char*>(&header_size), 8);
  if (header_size > file_size - 8)
    fail_safetensors(path_, "header length " + std::to_string(header_size) + " exceeds the file (" + std::to_string(file_size) + " bytes)");
  std::string header(header_size, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_size));
  if (!in) fail_safetensors(path_, "cannot read the header");
  data_start_ = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start_;

  json doc;
  try {
    doc = json::parse(header);
  } catch (const json::exception& e) {
    fail_safetensors(path_, std::string("header is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail_safetensors(path_, "header is not a JSON object");
  for (const auto& [name, entry] : doc.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail_safetensors(path_, "'__metadata__' is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) fail_safetensors(path_, "'__metadata__' value of '" + k + "' is not a string");
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    if (name.empty()) fail_safetensors(path_, "a tensor has an empty name");
    tensors_.emplace(name, entry_of(path_, name, entry, data_size));
  }
  // Overlapping tensors would alias each other's bytes; the format forbids it.
  std::vector<const StoredTensor*> by_offset;
  for (const auto& [_, t] : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail_safetensors_tensor(path_, by_offset[i]->name, "its data overlaps that of tensor '" + by_offset[i - 1]->name + "'");
}

SafetensorsLayout::SafetensorsLayout(const std::filesystem::path& directory) {
  const auto single = directory / "model.safetensors";
  const auto index = directory / "model.safetensors.index.json";
  if (std::filesystem::exists(single)) {
    description_ = single.string();
    files_.emplace_back(single);
    for (const auto& [name, _] : files_[0].tensors()) shard_of_[name] = 0;
    return;
  }
  if (!std::filesystem::exists(index))
    throw SafetensorsError(directory.string() + ": neither model.safetensors nor model.safetensors.index.json");
  description_ = index.string();
  std::ifstream in(index);
  if (!in) fail_safetensors(index, "cannot open");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    fail_safetensors(index, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("weight_map") || !doc.at("weight_map").is_object())
    fail_safetensors(index, "no 'weight_map' object");
  std::map<std::string, std::size_t> file_number;
  std::map<std::string, std::string> indexed;  // tensor -> shard file name
  for (const auto& [tensor, shard] : doc.at("weight_map").items()) {
    if (!shard.is_string()) fail_safetensors(index, "weight_map entry of '" + tensor + "' is not a file name");
    const std::string file = shard.get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
      fail_safetensors(index, "weight_map entry of '" + tensor + "' is not a file name in the directory: '" + file + "'");
    indexed[tensor] = file;
    if (!file_number.count(file)) {
      if (!std::filesystem::exists(directory / file))
        fail_safetensors(index, "shard '" + file + "' (of tensor '" + tensor + "') does not exist");
      file_number[file] = files_.size();
      files_.emplace_back(directory / file);
    }
  }
  for (const auto& [tensor, file] : indexed) {
    const std::size_t f = file_number.at(file);
    if (!files_[f].contains(tensor))
      fail_safetensors(index, "maps tensor '" + tensor + "' to '" + file + "', which does not contain it");
    shard_of_[tensor] = f;
  }
  for (std::size_t f = 0; f < files_.size(); ++f)
    for (const auto& [tensor, _] : files_[f].tensors()) {
      const auto it = indexed.find(tensor);
      if (it == indexed.end())
        fail_safetensors(files_[f].path(), "tensor '" + tensor + "' is not in the index " + index.filename().string());
      if (file_number.at(it->second) != f)
        fail_safetensors(files_[f].path(), "tensor '" + tensor + "' is indexed to another shard, '" + it->second + "'");
    }
}

std::vector<std::string> SafetensorsLayout::tensor_names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : shard_of_) names.push_back(name);
  return names;
}

const SafetensorsHeader& SafetensorsLayout::file_of(const std::string& name) const {
  const auto it = shard_of_.find(name);
  if (it == shard_of_.end()) throw SafetensorsError(description_ + ": no tensor '" + name + "'");
  return files_[it->second];
}

const StoredTensor& SafetensorsLayout::info(const std::string& name) const {
  return file_of(name).tensors().at(name);
}

}  // namespace symtorch::lm
