// symtorch::ops::Equation: compiled equations as a Torch custom class,
// torch.classes.symtorch.Equation, registered by libsymtorch_ops.so (TORCH_LIBRARY(symtorch)).
//
//   Python:  torch.ops.load_library("libsymtorch_ops.so")
//            eq = torch.classes.symtorch.Equation(["x * sin(y)"], ["x", "y"], "float64")
//            y = eq.forward(x)          # x: [..., 2] float64 CPU tensor -> [..., 1]
//   C++:     auto eq = c10::make_intrusive<symtorch::ops::Equation>(equations, names, "float32");
//            auto y = eq->forward(x);
//
// forward(x) takes x of shape [..., num_inputs] and returns [..., num_outputs], output j being
// equation j. It is differentiable with respect to x (first derivatives, from the compiled
// symbolic derivatives; a second backward through it is not supported). The input must be a
// contiguous CPU tensor of the Equation's dtype; anything else is refused with a message
// naming what was expected and what was given. CUDA tensors are refused: Debian's libtorch is
// CPU-only, so this build has no way to reach a CUDA stream.
//
// The class pickles (state: format version, equations, input names, dtype), so TorchScript
// modules holding an Equation keep it through torch.jit.save / torch::jit::load; loading
// compiles the kernels again (from the native JIT's disk cache when it holds them).
#pragma once

#include <torch/custom_class.h>

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "symtorch/torch/compiled_equations.hpp"

namespace symtorch::ops {

class Equation : public torch::CustomClassHolder {
 public:
  // (format version, equations, input names, dtype)
  using State = std::tuple<std::int64_t, std::vector<std::string>, std::vector<std::string>, std::string>;
  static constexpr std::int64_t kStateVersion = 1;

  // dtype: "float32" or "float64" (also "float", "double", "torch.float32", "torch.float64").
  // Throws std::invalid_argument (c10::Error when called through TorchScript) for a parse error
  // (equation index, column and token), empty or duplicate input names, or an unknown dtype.
  Equation(const std::vector<std::string>& equations, const std::vector<std::string>& input_names,
           const std::string& dtype);

  at::Tensor forward(const at::Tensor& x) const;

  std::vector<std::string> equations() const { return compiled_->equations(); }
  std::vector<std::string> input_names() const { return compiled_->input_names(); }
  std::string dtype() const;
  std::int64_t num_inputs() const { return static_cast<std::int64_t>(compiled_->num_inputs()); }
  std::int64_t num_outputs() const { return static_cast<std::int64_t>(compiled_->num_outputs()); }
  const CompiledEquations& compiled() const { return *compiled_; }

  State state() const;
  // Throws std::invalid_argument for a state of another format version.
  static c10::intrusive_ptr<Equation> from_state(const State& state);

 private:
  std::shared_ptr<const CompiledEquations> compiled_;
};

// Parses "float32", "float64" and the aliases above.
jit::ScalarType parse_dtype(const std::string& dtype);

}  // namespace symtorch::ops
