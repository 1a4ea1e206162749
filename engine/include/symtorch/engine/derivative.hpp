// Symbolic differentiation.
#pragma once

#include <cstdint>

#include "symtorch/engine/expression.hpp"

namespace symtorch {

// d e / d x_feature, simplified. Throws std::invalid_argument for a user operator registered
// without a derivative.
Expression derivative(const Expression& e, std::uint32_t feature);

}  // namespace symtorch
