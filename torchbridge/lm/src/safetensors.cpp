#include "symtorch/lm/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>

namespace symtorch::lm {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian and is copied directly; port the reader before using a big-endian host");

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw SafetensorsError(file.string() + ": " + what);
}

[[noreturn]] void fail_tensor(const std::filesystem::path& file, const std::string& tensor, const std::string& what) {
  throw SafetensorsError(file.string() + ": tensor '" + tensor + "': " + what);
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

StoredDtype dtype_of(const std::filesystem::path& file, const std::string& name, const json& v) {
  if (!v.is_string()) fail_tensor(file, name, "'dtype' must be a string, got " + v.dump());
  const std::string d = v.get<std::string>();
  if (d == "F32") return StoredDtype::F32;
  if (d == "F16") return StoredDtype::F16;
  if (d == "BF16") return StoredDtype::BF16;
  fail_tensor(file, name, "dtype '" + d + "' is not supported (F32, F16, BF16)");
}

torch::ScalarType scalar_type(StoredDtype d) {
  switch (d) {
    case StoredDtype::F32: return torch::kFloat32;
    case StoredDtype::F16: return torch::kFloat16;
    case StoredDtype::BF16: return torch::kBFloat16;
  }
  return torch::kFloat32;
}

StoredTensor entry_of(const std::filesystem::path& file, const std::string& name, const json& e, std::uint64_t data_size) {
  if (!e.is_object()) fail_tensor(file, name, "header entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) fail_tensor(file, name, std::string("header entry has no '") + key + "'");
  StoredTensor t;
  t.name = name;
  t.dtype = dtype_of(file, name, e.at("dtype"));
  const json& shape = e.at("shape");
  if (!shape.is_array()) fail_tensor(file, name, "'shape' must be a list, got " + shape.dump());
  std::uint64_t elements = 1;
  for (const json& d : shape) {
    if (!d.is_number_unsigned()) fail_tensor(file, name, "'shape' entries must be non-negative integers, got " + shape.dump());
    const std::uint64_t n = d.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        (n != 0 && elements > std::numeric_limits<std::uint64_t>::max() / n / 4))
      fail_tensor(file, name, "'shape' " + shape.dump() + " is too large");
    elements *= n;
    t.shape.push_back(static_cast<std::int64_t>(n));
  }
  const json& offsets = e.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    fail_tensor(file, name, "'data_offsets' must be two non-negative integers, got " + offsets.dump());
  t.begin = offsets[0].get<std::uint64_t>();
  t.end = offsets[1].get<std::uint64_t>();
  if (t.begin > t.end || t.end > data_size)
    fail_tensor(file, name, "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                                "] lie outside the data section (" + std::to_string(data_size) +
                                " bytes): the file is truncated or its header damaged");
  const std::uint64_t needed = elements * element_size(t.dtype);
  if (t.end - t.begin != needed)
    fail_tensor(file, name, "shape " + shape_text(t.shape) + " of " + to_string(t.dtype) + " needs " +
                                std::to_string(needed) + " bytes, data_offsets give " + std::to_string(t.end - t.begin));
  return t;
}

}  // namespace

const char* to_string(StoredDtype d) {
  switch (d) {
    case StoredDtype::F32: return "F32";
    case StoredDtype::F16: return "F16";
    case StoredDtype::BF16: return "BF16";
  }
  return "?";
}

std::size_t element_size(StoredDtype d) { return d == StoredDtype::F32 ? 4 : 2; }

SafetensorsFile::SafetensorsFile(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path_, ec);
  if (ec) fail(path_, "cannot open: " + ec.message());
  std::ifstream in(path_, std::ios::binary);
  if (!in) fail(path_, std::string("cannot open: ") + std::strerror(errno));
  if (file_size < 8) fail(path_, "truncated: " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length");
  std::uint64_t header_size = 0;
  in.read(reinterpret_cast<char*>(&header_size), 8);
  if (header_size > file_size - 8)
    fail(path_, "header length " + std::to_string(header_size) + " exceeds the file (" + std::to_string(file_size) + " bytes)");
  std::string header(header_size, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_size));
  if (!in) fail(path_, "cannot read the header");
  data_start_ = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start_;

  json doc;
  try {
    doc = json::parse(header);
  } catch (const json::parse_error& e) {
    fail(path_, std::string("header is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail(path_, "header is not a JSON object");
  for (const auto& [name, entry] : doc.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(path_, "'__metadata__' is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) fail(path_, "'__metadata__' value of '" + k + "' is not a string");
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    if (name.empty()) fail(path_, "a tensor has an empty name");
    tensors_.emplace(name, entry_of(path_, name, entry, data_size));
  }
  // Overlapping tensors would alias each other's bytes; the format forbids it.
  std::vector<const StoredTensor*> by_offset;
  for (const auto& [_, t] : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail_tensor(path_, by_offset[i]->name, "its data overlaps that of tensor '" + by_offset[i - 1]->name + "'");
}

torch::Tensor SafetensorsFile::read(const std::string& name, torch::ScalarType as) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) fail_tensor(path_, name, "not in the file");
  const StoredTensor& t = it->second;
  torch::Tensor stored = torch::empty(t.shape, torch::TensorOptions().dtype(scalar_type(t.dtype)));
  std::ifstream in(path_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(data_start_ + t.begin));
  in.read(static_cast<char*>(stored.data_ptr()), static_cast<std::streamsize>(t.end - t.begin));
  if (!in) fail_tensor(path_, name, "cannot read its " + std::to_string(t.end - t.begin) + " bytes (file truncated?)");
  return stored.scalar_type() == as ? stored : stored.to(as);
}

SafetensorsCheckpoint::SafetensorsCheckpoint(const std::filesystem::path& directory) {
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
  if (!in) fail(index, "cannot open");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    fail(index, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("weight_map") || !doc.at("weight_map").is_object())
    fail(index, "no 'weight_map' object");
  std::map<std::string, std::size_t> file_number;
  std::map<std::string, std::string> indexed;  // tensor -> shard file name
  for (const auto& [tensor, shard] : doc.at("weight_map").items()) {
    if (!shard.is_string()) fail(index, "weight_map entry of '" + tensor + "' is not a file name");
    const std::string file = shard.get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
      fail(index, "weight_map entry of '" + tensor + "' is not a file name in the directory: '" + file + "'");
    indexed[tensor] = file;
    if (!file_number.count(file)) {
      if (!std::filesystem::exists(directory / file))
        fail(index, "shard '" + file + "' (of tensor '" + tensor + "') does not exist");
      file_number[file] = files_.size();
      files_.emplace_back(directory / file);
    }
  }
  for (const auto& [tensor, file] : indexed) {
    const std::size_t f = file_number.at(file);
    if (!files_[f].contains(tensor))
      fail(index, "maps tensor '" + tensor + "' to '" + file + "', which does not contain it");
    shard_of_[tensor] = f;
  }
  for (std::size_t f = 0; f < files_.size(); ++f)
    for (const auto& [tensor, _] : files_[f].tensors()) {
      const auto it = indexed.find(tensor);
      if (it == indexed.end())
        fail(files_[f].path(), "tensor '" + tensor + "' is not in the index " + index.filename().string());
      if (file_number.at(it->second) != f)
        fail(files_[f].path(), "tensor '" + tensor + "' is indexed to another shard, '" + it->second + "'");
    }
}

std::vector<std::string> SafetensorsCheckpoint::tensor_names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : shard_of_) names.push_back(name);
  return names;
}

const SafetensorsFile& SafetensorsCheckpoint::file_of(const std::string& name) const {
  const auto it = shard_of_.find(name);
  if (it == shard_of_.end()) throw SafetensorsError(description_ + ": no tensor '" + name + "'");
  return files_[it->second];
}

const StoredTensor& SafetensorsCheckpoint::info(const std::string& name) const {
  return file_of(name).tensors().at(name);
}

torch::Tensor SafetensorsCheckpoint::read(const std::string& name, torch::ScalarType as) const {
  return file_of(name).read(name, as);
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors, StoredDtype dtype,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") fail(path, "cannot write a tensor named '" + name + "'");
    if (!names.insert(name).second) fail_tensor(path, name, "given twice");
    if (!tensor.defined() || !tensor.is_floating_point()) fail_tensor(path, name, "not a floating-point tensor");
    torch::Tensor t = tensor.detach().to(torch::kCPU, scalar_type(dtype)).contiguous();
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * element_size(dtype);
    header[name] = {{"dtype", to_string(dtype)}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(t));
  }
  std::string text = header.dump();
  // Readers may map the data section and view tensors in place; 8-byte alignment of its start
  // (padding the header with spaces, which JSON ignores) keeps every F32 tensor aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) fail(temporary, std::string("cannot open for writing: ") + std::strerror(errno));
    const std::uint64_t n = text.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * element_size(dtype)));
    out.flush();
    if (!out) fail(temporary, "write failed");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary);
    fail(path, "cannot rename the temporary file into place: " + ec.message());
  }
}

}  // namespace symtorch::lm
