// Argument handling shared by the JIT subcommands (`symtorch compile`, `symtorch bench`), so
// both read equation lists, variable lists and the vector-math choice the same way.
#pragma once

#include <string>
#include <vector>

#include "symtorch/jit/native_kernel.hpp"

namespace symtorch::cli {

// Splits on `sep`, trims blanks around each part and drops empty parts.
std::vector<std::string> split_list(const std::string& text, char sep);

// "auto", "libmvec", "sleef" or "none"; throws std::invalid_argument naming the bad value.
jit::VectorMath parse_vector_math(const std::string& text);

// Equations separated by ';' over the comma-separated input names `vars` (empty = x0, x1, ...),
// element type "float" or "double"; validated. Throws std::invalid_argument.
jit::KernelSpec kernel_spec_from_args(const std::string& equations, const std::string& vars, const std::string& type);

}  // namespace symtorch::cli
