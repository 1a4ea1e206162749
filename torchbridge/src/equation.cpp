// torch.classes.symtorch.Equation: the custom class, its autograd function and its
// registration. The only translation unit of the op library that includes torch's class,
// library and autograd headers.
#include "symtorch/torch/equation.hpp"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <sstream>
#include <stdexcept>

namespace symtorch::ops {

namespace {

// What the autograd node keeps between forward and backward: the compiled equations, held as a
// capsule (an IValue that needs no class registration).
struct KernelCapsule : torch::CustomClassHolder {
  explicit KernelCapsule(std::shared_ptr<const CompiledEquations> k) : kernels(std::move(k)) {}
  std::shared_ptr<const CompiledEquations> kernels;
};

at::ScalarType torch_type(jit::ScalarType t) {
  return t == jit::ScalarType::Float32 ? at::kFloat : at::kDouble;
}

std::string dtype_name(jit::ScalarType t) { return t == jit::ScalarType::Float32 ? "float32" : "float64"; }

// torch's Python spelling (float32, not Float), as users write it.
std::string dtype_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kInt: return "int32";
    case at::kLong: return "int64";
    default: return c10::toString(t);
  }
}

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream s;
  s << sizes;
  return s.str();
}

void check_input(const CompiledEquations& k, const at::Tensor& x) {
  TORCH_CHECK(x.defined(), "symtorch.Equation.forward: expected a tensor, got an undefined tensor");
  TORCH_CHECK(x.device().is_cpu(), "symtorch.Equation.forward: expected a CPU tensor, got a tensor on ", x.device(),
              " (CUDA tensors are not supported by this build: its libtorch is CPU-only)");
  TORCH_CHECK_TYPE(x.scalar_type() == torch_type(k.type()), "symtorch.Equation.forward: expected a tensor of dtype ",
                   dtype_name(k.type()), " (the Equation's dtype), got ", dtype_name(x.scalar_type()));
  TORCH_CHECK_VALUE(x.dim() >= 1 && x.size(-1) == static_cast<std::int64_t>(k.num_inputs()),
                    "symtorch.Equation.forward: expected a tensor of shape [..., ", k.num_inputs(),
                    "] (last dimension = the inputs ", c10::Join(", ", k.input_names()), "), got shape ",
                    shape_text(x.sizes()));
  TORCH_CHECK(x.is_contiguous(), "symtorch.Equation.forward: expected a contiguous tensor, got shape ",
              shape_text(x.sizes()), " with strides ", shape_text(x.strides()), "; call .contiguous() first");
}

at::Tensor evaluate(const CompiledEquations& k, const at::Tensor& x) {
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = static_cast<std::int64_t>(k.num_outputs());
  at::Tensor y = at::empty(shape, x.options());
  const std::int64_t rows = x.numel() / static_cast<std::int64_t>(k.num_inputs());
  k.evaluate(x.data_ptr(), rows, y.data_ptr());
  return y;
}

struct EquationFunction : public torch::autograd::Function<EquationFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const std::shared_ptr<const CompiledEquations>& kernels) {
    ctx->save_for_backward({x});
    ctx->saved_data["kernels"] = c10::IValue::make_capsule(c10::make_intrusive<KernelCapsule>(kernels));
    return evaluate(*kernels, x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const at::Tensor x = ctx->get_saved_variables()[0];
    const auto capsule = c10::static_intrusive_pointer_cast<KernelCapsule>(ctx->saved_data["kernels"].toCapsule());
    const CompiledEquations& k = *capsule->kernels;
    const at::Tensor& grad_y = grad_outputs[0];
    if (!grad_y.defined()) return {at::Tensor(), at::Tensor()};
    // Autograd may hand over an expanded (stride 0) or differently typed gradient.
    const at::Tensor gy = grad_y.to(x.scalar_type()).contiguous();
    at::Tensor gx = at::empty_like(x);
    const std::int64_t rows = x.numel() / static_cast<std::int64_t>(k.num_inputs());
    k.input_gradient(x.data_ptr(), gy.data_ptr(), rows, gx.data_ptr());
    return {gx, at::Tensor()};
  }
};

}  // namespace

jit::ScalarType parse_dtype(const std::string& dtype) {
  std::string_view text = dtype;
  if (text.starts_with("torch.")) text.remove_prefix(6);
  try {
    return jit::parse_scalar_type(text);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("symtorch.Equation: expected dtype float32 or float64, got '" + dtype + "'");
  }
}

Equation::Equation(const std::vector<std::string>& equations, const std::vector<std::string>& input_names,
                   const std::string& dtype)
    : compiled_(std::make_shared<const CompiledEquations>(equations, input_names, parse_dtype(dtype))) {}

std::string Equation::dtype() const { return dtype_name(compiled_->type()); }

at::Tensor Equation::forward(const at::Tensor& x) const {
  check_input(*compiled_, x);
  // Without a graph to record, skip the autograd node (its allocation costs about as much as
  // evaluating a small equation on a few thousand rows).
  if (!x.requires_grad() || !at::GradMode::is_enabled()) return evaluate(*compiled_, x);
  return EquationFunction::apply(x, compiled_);
}

Equation::State Equation::state() const {
  return {kStateVersion, compiled_->equations(), compiled_->input_names(), dtype()};
}

c10::intrusive_ptr<Equation> Equation::from_state(const State& state) {
  const auto& [version, equations, names, dtype] = state;
  if (version != kStateVersion)
    throw std::invalid_argument("symtorch.Equation: cannot load a pickled Equation of format version " +
                                std::to_string(version) + "; this build reads version " +
                                std::to_string(kStateVersion));
  return c10::make_intrusive<Equation>(equations, names, dtype);
}

}  // namespace symtorch::ops

TORCH_LIBRARY(symtorch, m) {
  using symtorch::ops::Equation;
  m.class_<Equation>("Equation")
      .def(torch::init<std::vector<std::string>, std::vector<std::string>, std::string>())
      .def("forward", &Equation::forward)
      .def("equations", &Equation::equations)
      .def("input_names", &Equation::input_names)
      .def("dtype", &Equation::dtype)
      .def("num_inputs", &Equation::num_inputs)
      .def("num_outputs", &Equation::num_outputs)
      .def_pickle([](const c10::intrusive_ptr<Equation>& self) { return self->state(); },
                  [](Equation::State state) { return Equation::from_state(state); });
}
