#include "jit_args.hpp"

#include <sstream>
#include <stdexcept>

namespace symtorch::cli {

std::vector<std::string> split_list(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);) {
    const auto first = part.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    parts.push_back(part.substr(first, part.find_last_not_of(" \t") - first + 1));
  }
  return parts;
}

jit::VectorMath parse_vector_math(const std::string& text) {
  if (text == "auto") return jit::VectorMath::Auto;
  if (text == "libmvec") return jit::VectorMath::Libmvec;
  if (text == "sleef") return jit::VectorMath::Sleef;
  if (text == "none") return jit::VectorMath::None;
  throw std::invalid_argument("--vector-math must be auto, libmvec, sleef or none, not '" + text + "'");
}

jit::KernelSpec kernel_spec_from_args(const std::string& equations, const std::string& vars, const std::string& type) {
  const auto texts = split_list(equations, ';');
  if (texts.empty()) throw std::invalid_argument("no equation given");
  jit::KernelSpec spec;
  spec.equations = jit::parse_equations(texts, split_list(vars, ','));
  spec.type = jit::parse_scalar_type(type);
  jit::validate(spec);
  return spec;
}

}  // namespace symtorch::cli
