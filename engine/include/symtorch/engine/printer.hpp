// Printers. Infix output round-trips exactly through parse_expression (same tree, constants
// bit-exact through shortest round-trip formatting).
#pragma once

#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch {

enum class Format { Infix, Latex, C, SymPy, Torch };

// Variable k is printed as variables[k] if given, else "x<k>".
std::string to_string(const Expression& e, const std::vector<std::string>& variables = {},
                      Format format = Format::Infix);

// Shortest text that parses back to exactly `v` ("inf", "-inf", "nan" for non-finite).
std::string format_constant(double v);

}  // namespace symtorch
