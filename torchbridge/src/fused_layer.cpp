// FusedLayer: the kernel's parameters as a tensor, the row split over threads and the autograd
// function. The only other translation unit of the op library with torch's autograd headers.
#include "symtorch/torch/fused_layer.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <memory>
#include <stdexcept>

namespace symtorch {

struct FusedLayer::State {
  jit::FusedKernel kernel;
  at::Tensor params;  // 1-D, the kernel's type, layout() order
  at::ScalarType dtype;

  State(jit::FusedKernel k, at::Tensor p, at::ScalarType t) : kernel(std::move(k)), params(std::move(p)), dtype(t) {}
};

jit::FusedSpec fused_spec(const Distillation& d, const std::vector<std::size_t>& members, jit::ScalarType type) {
  if (members.size() != d.targets.size())
    throw std::invalid_argument("symbolic layer: " + std::to_string(members.size()) + " members chosen for " +
                                std::to_string(d.targets.size()) + " targets");
  jit::FusedSpec s;
  s.type = type;
  s.num_inputs = static_cast<std::uint32_t>(d.num_inputs);
  if (!d.transforms.empty()) {
    s.transforms = parse_transforms(d.transforms, d.input_names, d.keep_inputs);
    s.keep_inputs = d.keep_inputs;
  }
  s.pca_inputs = d.input_pca ? static_cast<std::uint32_t>(d.input_pca->size()) : 0;
  for (std::size_t j = 0; j < d.targets.size(); ++j) {
    const auto& front = d.targets[j].front;
    if (members[j] >= front.size())
      throw std::invalid_argument("symbolic layer: target '" + d.targets[j].name + "' has " +
                                  std::to_string(front.size()) + " front members, member " + std::to_string(members[j]) +
                                  " was chosen");
    s.equations.push_back(front[members[j]].expression);
  }
  s.output_pca = d.output_pca.has_value();
  s.num_outputs = static_cast<std::uint32_t>(d.num_outputs);
  s.name = "symtorch_layer";
  return s;
}

namespace {

at::Tensor layer_params(const Distillation& d, const jit::FusedKernel& k, at::ScalarType dtype) {
  const jit::FusedLayout& l = k.layout();
  std::vector<double> p(l.size, 0.0);
  if (d.input_pca) {
    const auto& pca = *d.input_pca;
    for (std::size_t j = 0; j < pca.size(); ++j)
      std::copy(pca.components[j].begin(), pca.components[j].end(), p.begin() + static_cast<std::ptrdiff_t>(l.in_components + j * pca.dims));
    std::copy(pca.mean.begin(), pca.mean.end(), p.begin() + static_cast<std::ptrdiff_t>(l.in_mean));
  }
  if (d.output_pca) {
    const auto& pca = *d.output_pca;
    for (std::size_t j = 0; j < pca.size(); ++j)
      std::copy(pca.components[j].begin(), pca.components[j].end(), p.begin() + static_cast<std::ptrdiff_t>(l.out_components + j * pca.dims));
    std::copy(pca.mean.begin(), pca.mean.end(), p.begin() + static_cast<std::ptrdiff_t>(l.out_mean));
  }
  return at::tensor(at::ArrayRef<double>(p), at::TensorOptions().dtype(at::kDouble)).to(dtype);
}

// Per-task scratch, 64-byte aligned (whole cache lines for every column block).
template <typename T>
struct Scratch {
  explicit Scratch(std::size_t elements) : storage(elements + 64 / sizeof(T)) {
    void* p = storage.data();
    std::size_t space = storage.size() * sizeof(T);
    data = static_cast<T*>(std::align(64, elements * sizeof(T), p, space));
  }
  std::vector<T> storage;
  T* data = nullptr;
};

// Rows per task: a few blocks, so that two threads share even a thousand rows.
std::int64_t grain(const jit::FusedKernel& k) { return static_cast<std::int64_t>(4 * k.block_rows()); }

template <typename T>
void run_forward(const FusedLayer::State& s, const T* x, T* y, T* saved, std::int64_t n) {
  const auto& spec = s.kernel.spec();
  const auto n_in = static_cast<std::int64_t>(spec.num_inputs), n_out = static_cast<std::int64_t>(spec.num_outputs);
  const auto K = static_cast<std::int64_t>(spec.num_variables());
  const T* params = s.params.data_ptr<T>();
  const auto fn = [&] {
    if constexpr (std::is_same_v<T, float>) return s.kernel.forward_f32();
    else return s.kernel.forward_f64();
  }();
  at::parallel_for(0, n, grain(s.kernel), [&](std::int64_t begin, std::int64_t end) {
    Scratch<T> scratch(s.kernel.scratch_elements());
    jit::call_fused(fn, x + begin * n_in, y + begin * n_out, saved ? saved + begin * K : nullptr, end - begin, params,
                    scratch.data);
  });
}

template <typename T>
void run_backward(const FusedLayer::State& s, const T* x, const T* saved, const T* gy, T* gx, std::int64_t n) {
  const auto& spec = s.kernel.spec();
  const auto n_in = static_cast<std::int64_t>(spec.num_inputs), n_out = static_cast<std::int64_t>(spec.num_outputs);
  const auto K = static_cast<std::int64_t>(spec.num_variables());
  const T* params = s.params.data_ptr<T>();
  const auto fn = [&] {
    if constexpr (std::is_same_v<T, float>) return s.kernel.backward_f32();
    else return s.kernel.backward_f64();
  }();
  at::parallel_for(0, n, grain(s.kernel), [&](std::int64_t begin, std::int64_t end) {
    Scratch<T> scratch(s.kernel.scratch_elements());
    jit::call_fused(fn, x + begin * n_in, saved ? saved + begin * K : nullptr, gy + begin * n_out, gx + begin * n_in,
                    end - begin, params, scratch.data);
  });
}

// y (and the saved variables when `saved` is defined) for rows x.
void forward_into(const FusedLayer::State& s, const at::Tensor& x, const at::Tensor& y, const at::Tensor& saved) {
  const std::int64_t n = x.size(0);
  if (n == 0) return;
  if (s.dtype == at::kFloat)
    run_forward<float>(s, x.data_ptr<float>(), y.data_ptr<float>(), saved.defined() ? saved.data_ptr<float>() : nullptr, n);
  else
    run_forward<double>(s, x.data_ptr<double>(), y.data_ptr<double>(), saved.defined() ? saved.data_ptr<double>() : nullptr, n);
}

struct Capsule : torch::CustomClassHolder {
  explicit Capsule(std::shared_ptr<const FusedLayer::State> s) : state(std::move(s)) {}
  std::shared_ptr<const FusedLayer::State> state;
};

struct FusedFunction : public torch::autograd::Function<FusedFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const std::shared_ptr<const FusedLayer::State>& state) {
    const auto& spec = state->kernel.spec();
    at::Tensor y = at::empty({x.size(0), static_cast<std::int64_t>(spec.num_outputs)}, x.options());
    at::Tensor saved;
    if (state->kernel.needs_saved())
      saved = at::empty({x.size(0), static_cast<std::int64_t>(spec.num_variables())}, x.options());
    forward_into(*state, x, y, saved);
    ctx->save_for_backward({x, saved});
    ctx->saved_data["layer"] = c10::IValue::make_capsule(c10::make_intrusive<Capsule>(state));
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved_vars = ctx->get_saved_variables();
    const at::Tensor& x = saved_vars[0];
    const at::Tensor& saved = saved_vars[1];
    const auto capsule = c10::static_intrusive_pointer_cast<Capsule>(ctx->saved_data["layer"].toCapsule());
    const FusedLayer::State& s = *capsule->state;
    if (!grad_outputs[0].defined()) return {at::Tensor(), at::Tensor()};
    // Autograd may hand over an expanded (stride 0) or differently typed gradient.
    const at::Tensor gy = grad_outputs[0].to(x.scalar_type()).contiguous();
    at::Tensor gx = at::empty_like(x);
    const std::int64_t n = x.size(0);
    if (n > 0) {
      if (s.dtype == at::kFloat)
        run_backward<float>(s, x.data_ptr<float>(), saved.defined() ? saved.data_ptr<float>() : nullptr,
                            gy.data_ptr<float>(), gx.data_ptr<float>(), n);
      else
        run_backward<double>(s, x.data_ptr<double>(), saved.defined() ? saved.data_ptr<double>() : nullptr,
                             gy.data_ptr<double>(), gx.data_ptr<double>(), n);
    }
    return {gx, at::Tensor()};
  }
};

}  // namespace

FusedLayer::FusedLayer(const Distillation& d, const std::vector<std::size_t>& members, at::ScalarType dtype) {
  if (dtype != at::kFloat && dtype != at::kDouble)
    throw std::invalid_argument(std::string("symbolic layer: expected dtype float32 or float64, got ") + c10::toString(dtype));
  const jit::ScalarType type = dtype == at::kFloat ? jit::ScalarType::Float32 : jit::ScalarType::Float64;
  jit::FusedKernel kernel = jit::FusedKernel::compile(fused_spec(d, members, type));
  at::Tensor params = layer_params(d, kernel, dtype);
  state_ = std::make_shared<const State>(std::move(kernel), std::move(params), dtype);
}

at::Tensor FusedLayer::forward(const at::Tensor& rows) const {
  // Without a graph to record, skip the autograd node and the saved variables.
  if (!rows.requires_grad() || !at::GradMode::is_enabled()) {
    at::Tensor y = at::empty({rows.size(0), static_cast<std::int64_t>(state_->kernel.spec().num_outputs)}, rows.options());
    forward_into(*state_, rows, y, at::Tensor());
    return y;
  }
  return FusedFunction::apply(rows, state_);
}

const jit::FusedKernel& FusedLayer::kernel() const { return state_->kernel; }
at::ScalarType FusedLayer::dtype() const { return state_->dtype; }

}  // namespace symtorch
