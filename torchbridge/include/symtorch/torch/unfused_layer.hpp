// UnfusedLayer: a distillation's symbolic forward as separate steps, each its own tensor op:
// the input transforms (an Equation op), the input PCA (a matmul), the equations (an Equation
// op compiled from their printed text) and the inverse output PCA (a matmul). This was
// SymbolicModel's symbolic forward before FusedLayer; it stays as the reference that the fused
// kernel is tested against and as the baseline of the layer benchmark.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <vector>

#include "symtorch/torch/distill.hpp"
#include "symtorch/torch/equation.hpp"

namespace symtorch {

class UnfusedLayer {
 public:
  // members: the front member per target. dtype: at::kFloat or at::kDouble. Throws
  // std::invalid_argument when an equation cannot be compiled.
  UnfusedLayer(const Distillation& d, const std::vector<std::size_t>& members, at::ScalarType dtype);

  // rows [n, num_inputs] of the dtype (CPU, contiguous) -> [n, num_outputs]; differentiable.
  at::Tensor forward(const at::Tensor& rows) const;

 private:
  bool keep_inputs_ = false;
  c10::intrusive_ptr<ops::Equation> transforms_;  // null without transforms
  c10::intrusive_ptr<ops::Equation> equations_;
  at::Tensor in_mean_, in_components_, out_mean_, out_components_;  // undefined without PCA
};

}  // namespace symtorch
