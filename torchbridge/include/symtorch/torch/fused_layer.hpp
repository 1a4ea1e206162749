// FusedLayer: a distillation's symbolic forward (input transforms, input PCA, the chosen
// equations, inverse output PCA) as one native kernel per call, jit::FusedKernel, compiled
// from the front members' Expression objects (no printing and parsing), with its backward
// compiled at the same time. SymbolicModel's symbolic mode runs through it.
//
// forward(rows) runs the kernel over rows split across libtorch's intra-op threads
// (at::parallel_for), each thread with its own scratch block: no intermediate tensor. When a
// gradient is wanted it also keeps the equations' inputs of every row ([n, variables], the
// only intermediate it stores) so that the backward needs neither the transforms nor the
// projection again. The gradient is with respect to the rows only; the PCA bases and the
// equations' constants are fixed.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "symtorch/jit/fused_kernel.hpp"
#include "symtorch/torch/distill.hpp"

namespace symtorch {

// The kernel spec of a distillation's members (its Expressions as they are). Throws
// std::invalid_argument for a member index out of range or an equation the JIT cannot compile.
jit::FusedSpec fused_spec(const Distillation& d, const std::vector<std::size_t>& members, jit::ScalarType type);

class FusedLayer {
 public:
  // dtype: at::kFloat or at::kDouble. Compiles forward and backward (or loads them from the
  // JIT's disk cache). Throws std::invalid_argument as fused_spec does.
  FusedLayer(const Distillation& d, const std::vector<std::size_t>& members, at::ScalarType dtype);

  // rows: [n, num_inputs], contiguous CPU tensor of the layer's dtype -> [n, num_outputs].
  // Differentiable with respect to rows (first derivatives). The caller checks the input.
  at::Tensor forward(const at::Tensor& rows) const;

  const jit::FusedKernel& kernel() const;
  at::ScalarType dtype() const;

  struct State;

 private:
  std::shared_ptr<const State> state_;
};

}  // namespace symtorch
