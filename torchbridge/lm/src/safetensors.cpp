#include "symtorch/lm/safetensors.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

namespace symtorch::lm {

namespace {

torch::ScalarType scalar_type(StoredDtype d) {
  switch (d) {
    case StoredDtype::F32: return torch::kFloat32;
    case StoredDtype::F16: return torch::kFloat16;
    case StoredDtype::BF16: return torch::kBFloat16;
  }
  return torch::kFloat32;
}

}  // namespace

torch::Tensor read_tensor(const SafetensorsHeader& file, const std::string& name, torch::ScalarType as) {
  const StoredTensor& t = file.tensor(name);
  torch::Tensor stored = torch::empty(t.shape, torch::TensorOptions().dtype(scalar_type(t.dtype)));
  std::ifstream in(file.path(), std::ios::binary);
  in.seekg(static_cast<std::streamoff>(file.data_start() + t.begin));
  in.read(static_cast<char*>(stored.data_ptr()), static_cast<std::streamsize>(t.end - t.begin));
  if (!in) fail_safetensors_tensor(file.path(), name, "cannot read its " + std::to_string(t.end - t.begin) + " bytes (file truncated?)");
  return stored.scalar_type() == as ? stored : stored.to(as);
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors, StoredDtype dtype,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") fail_safetensors(path, "cannot write a tensor named '" + name + "'");
    if (!names.insert(name).second) fail_safetensors_tensor(path, name, "given twice");
    if (!tensor.defined() || !tensor.is_floating_point()) fail_safetensors_tensor(path, name, "not a floating-point tensor");
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
    if (!out) fail_safetensors(temporary, std::string("cannot open for writing: ") + std::strerror(errno));
    const std::uint64_t n = text.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * element_size(dtype)));
    out.flush();
    if (!out) fail_safetensors(temporary, "write failed");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary);
    fail_safetensors(path, "cannot rename the temporary file into place: " + ec.message());
  }
}

}  // namespace symtorch::lm
