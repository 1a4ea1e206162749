// An Expression evaluated as plain torch tensor operations, one ATen call per operator node:
// the baseline that compiled equations are compared with (`symtorch bench`'s "torch" column,
// bench/torchbridge). Differentiable through torch's own autograd.
//
// Only Expression's inline parts are used, so this library (symtorch::torch_eval) links torch
// but not the engine: programs bring the engine themselves (the CLI links it statically;
// torchbridge programs get it from libsymtorch_ops.so), and none ends up with two copies.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch::torch_eval {

// columns[k]: 1-D tensor of input k (all the same length, dtype and device). Returns a 1-D
// tensor of the same length. Throws std::invalid_argument for a variable outside `columns`, a
// user-registered operator, or no columns.
at::Tensor evaluate(const Expression& e, const std::vector<at::Tensor>& columns);

}  // namespace symtorch::torch_eval
