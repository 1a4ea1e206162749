#include <charconv>
#include <stdexcept>
#include <string>

#include "symtorch/cuda/kernel.hpp"

namespace symtorch::cuda {

std::size_t element_size(ElementType type) { return type == ElementType::Float32 ? 4 : 8; }

std::string_view element_type_name(ElementType type) {
  return type == ElementType::Float32 ? "float32" : "float64";
}

namespace {

constexpr std::string_view kPrefix = "// symtorch-kernel ";

// Value of `key=` among the space-separated fields of a manifest line.
std::string_view field(std::string_view line, std::string_view key, std::size_t line_number) {
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    std::string_view token = line.substr(pos, end - pos);
    if (token.size() > key.size() && token.substr(0, key.size()) == key && token[key.size()] == '=')
      return token.substr(key.size() + 1);
    pos = end + 1;
  }
  throw std::invalid_argument("PTX manifest line " + std::to_string(line_number) + " lacks '" + std::string(key) +
                              "=': " + std::string(line));
}

std::size_t count_field(std::string_view line, std::string_view key, std::size_t line_number) {
  std::string_view text = field(line, key, line_number);
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument("PTX manifest line " + std::to_string(line_number) + ": " + std::string(key) + "='" +
                                std::string(text) + "' is not a count");
  return value;
}

}  // namespace

std::string manifest_line(const KernelSignature& s) {
  return std::string(kPrefix) + "v1 name=" + s.name + " type=" + std::string(element_type_name(s.type)) +
         " inputs=" + std::to_string(s.num_inputs) + " outputs=" + std::to_string(s.num_outputs);
}

std::vector<KernelSignature> parse_ptx_manifest(std::string_view ptx) {
  std::vector<KernelSignature> kernels;
  std::size_t line_number = 0, pos = 0;
  while (pos < ptx.size()) {
    ++line_number;
    std::size_t end = ptx.find('\n', pos);
    if (end == std::string_view::npos) end = ptx.size();
    std::string_view line = ptx.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, kPrefix.size()) != kPrefix) continue;
    std::string_view rest = line.substr(kPrefix.size());
    if (rest.substr(0, 3) != "v1 ")
      throw std::invalid_argument("PTX manifest line " + std::to_string(line_number) +
                                  " has an ABI version other than v1: " + std::string(line));
    KernelSignature s;
    s.name = std::string(field(rest, "name", line_number));
    std::string_view type = field(rest, "type", line_number);
    if (type == "float32")
      s.type = ElementType::Float32;
    else if (type == "float64")
      s.type = ElementType::Float64;
    else
      throw std::invalid_argument("PTX manifest line " + std::to_string(line_number) + ": type='" +
                                  std::string(type) + "' is neither float32 nor float64");
    s.num_inputs = count_field(rest, "inputs", line_number);
    s.num_outputs = count_field(rest, "outputs", line_number);
    if (s.num_outputs == 0)
      throw std::invalid_argument("PTX manifest line " + std::to_string(line_number) + ": kernel '" + s.name +
                                  "' has no outputs");
    for (const KernelSignature& k : kernels)
      if (k.name == s.name)
        throw std::invalid_argument("PTX manifest line " + std::to_string(line_number) + " lists kernel '" +
                                    s.name + "' a second time");
    kernels.push_back(std::move(s));
  }
  return kernels;
}

}  // namespace symtorch::cuda
