#include "symtorch/torch/compiled_equations.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"

namespace symtorch::ops {

namespace {

std::vector<std::string> checked_names(const std::vector<std::string>& names) {
  if (names.empty()) throw std::invalid_argument("symtorch.Equation: expected at least one input name, got none");
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (name.empty()) throw std::invalid_argument("symtorch.Equation: an input name is empty");
    if (!seen.insert(name).second)
      throw std::invalid_argument("symtorch.Equation: input name '" + name + "' is given twice");
  }
  return names;
}

std::vector<Expression> parse_all(const std::vector<std::string>& texts, const std::vector<std::string>& names) {
  if (texts.empty()) throw std::invalid_argument("symtorch.Equation: expected at least one equation, got none");
  std::vector<Expression> out;
  out.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      out.push_back(parse_expression(texts[i], names));
    } catch (const std::exception& e) {
      throw std::invalid_argument("symtorch.Equation: equation " + std::to_string(i) + " '" + texts[i] +
                                  "': " + e.what());
    }
  }
  return out;
}

jit::KernelSpec make_spec(const std::vector<Expression>& expressions, const std::vector<std::string>& names,
                          jit::ScalarType type, bool derivatives) {
  jit::KernelSpec spec;
  spec.equations.outputs = expressions;
  spec.equations.num_inputs = static_cast<std::uint32_t>(names.size());
  spec.equations.input_names = names;
  spec.type = type;
  spec.derivatives = derivatives;
  spec.name = derivatives ? "symtorch_equation_grad" : "symtorch_equation";
  return spec;
}

// Per-thread memory of one block loop: column scratch and the kernel's column pointer arrays.
template <typename T>
struct BlockBuffers {
  std::vector<T> scratch;
  std::vector<const T*> in;
  std::vector<T*> out;
};

// Runs `block(first_row, rows, buffers)` over [0, rows) in blocks of kBlockRows, blocks spread
// over libtorch's threads; the buffers are allocated once per thread, not per block.
template <typename T, typename Block>
void for_each_block(std::int64_t rows, std::size_t scratch_elems, std::size_t n_in, std::size_t n_out,
                    const Block& block) {
  at::parallel_for(0, rows, CompiledEquations::kGrainRows, [&](std::int64_t begin, std::int64_t end) {
    BlockBuffers<T> buffers{std::vector<T>(scratch_elems), std::vector<const T*>(n_in), std::vector<T*>(n_out)};
    for (std::int64_t first = begin; first < end; first += CompiledEquations::kBlockRows) {
      const std::int64_t n = std::min(CompiledEquations::kBlockRows, end - first);
      block(first, n, buffers);
    }
  });
}

// Rows -> columns of one block: column k of `cols` (stride kBlockRows) gets src[r * width + k].
// Column by column: contiguous stores, and the compiler sees no aliasing.
template <typename T>
void gather(const T* __restrict src, std::int64_t width, std::int64_t n, T* __restrict cols) {
  for (std::int64_t k = 0; k < width; ++k) {
    const T* s = src + k;
    T* c = cols + k * CompiledEquations::kBlockRows;
    for (std::int64_t r = 0; r < n; ++r) c[r] = s[r * width];
  }
}

// Columns -> rows: dst[r * width + j] = column j of `cols`.
template <typename T>
void scatter(const T* __restrict cols, std::int64_t width, std::int64_t n, T* __restrict dst) {
  for (std::int64_t j = 0; j < width; ++j) {
    const T* c = cols + j * CompiledEquations::kBlockRows;
    T* d = dst + j;
    for (std::int64_t r = 0; r < n; ++r) d[r * width] = c[r];
  }
}

template <typename T>
void evaluate_rows(const jit::NativeKernel& kernel, const T* x, std::int64_t rows, T* y) {
  const auto n_in = static_cast<std::int64_t>(kernel.num_inputs());
  const auto n_out = static_cast<std::int64_t>(kernel.num_outputs());
  const auto fn = [&] {
    if constexpr (std::is_same_v<T, float>) return kernel.function_f32();
    else return kernel.function_f64();
  }();
  constexpr std::int64_t B = CompiledEquations::kBlockRows;
  // With one input (or output) the row-major data already is a column: no gather (scatter).
  const bool gather_in = n_in > 1, scatter_out = n_out > 1;
  const std::size_t scratch = static_cast<std::size_t>(((gather_in ? n_in : 0) + (scatter_out ? n_out : 0)) * B);
  for_each_block<T>(rows, scratch, static_cast<std::size_t>(n_in), static_cast<std::size_t>(n_out),
                    [&](std::int64_t first, std::int64_t n, BlockBuffers<T>& buf) {
    auto& in = buf.in;
    auto& out = buf.out;
    T* cols = buf.scratch.data();
    if (gather_in) {
      for (std::int64_t k = 0; k < n_in; ++k) in[k] = cols + k * B;
      gather(x + first * n_in, n_in, n, cols);
      cols += n_in * B;
    } else {
      in[0] = x + first;
    }
    if (scatter_out) {
      for (std::int64_t j = 0; j < n_out; ++j) out[j] = cols + j * B;
    } else {
      out[0] = y + first;
    }
    jit::call_kernel(fn, in.data(), out.data(), n);
    if (scatter_out) scatter(static_cast<const T*>(cols), n_out, n, y + first * n_out);
  });
}

template <typename T>
void gradient_rows(const jit::NativeKernel& kernel, std::int64_t n_in, std::int64_t m, const T* x, const T* grad_y,
                   std::int64_t rows, T* grad_x) {
  const auto fn = [&] {
    if constexpr (std::is_same_v<T, float>) return kernel.function_f32();
    else return kernel.function_f64();
  }();
  constexpr std::int64_t B = CompiledEquations::kBlockRows;
  // Kernel outputs: m values, then d f_j / d x_k at m + j * n_in + k (lowering.hpp).
  const std::int64_t n_kernel_out = m * (1 + n_in);
  const std::size_t scratch = static_cast<std::size_t>((n_in + n_kernel_out) * B);
  for_each_block<T>(rows, scratch, static_cast<std::size_t>(n_in), static_cast<std::size_t>(n_kernel_out),
                    [&](std::int64_t first, std::int64_t n, BlockBuffers<T>& buf) {
    auto& in = buf.in;
    auto& out = buf.out;
    T* in_cols = buf.scratch.data();
    T* out_cols = in_cols + n_in * B;
    for (std::int64_t k = 0; k < n_in; ++k) in[k] = in_cols + k * B;
    for (std::int64_t c = 0; c < n_kernel_out; ++c) out[c] = out_cols + c * B;
    gather(x + first * n_in, n_in, n, in_cols);
    jit::call_kernel(fn, in.data(), out.data(), n);
    const T* __restrict gy = grad_y + first * m;
    T* __restrict gx = grad_x + first * n_in;
    for (std::int64_t k = 0; k < n_in; ++k) {
      for (std::int64_t r = 0; r < n; ++r) {
        T sum = 0;
        for (std::int64_t j = 0; j < m; ++j) sum += gy[r * m + j] * out_cols[(m + j * n_in + k) * B + r];
        gx[r * n_in + k] = sum;
      }
    }
  });
}

}  // namespace

CompiledEquations::CompiledEquations(const std::vector<std::string>& equations,
                                     const std::vector<std::string>& input_names, jit::ScalarType type)
    : input_names_(checked_names(input_names)),
      expressions_(parse_all(equations, input_names_)),
      type_(type),
      values_(jit::NativeKernel::compile(make_spec(expressions_, input_names_, type, false))) {
  equations_.reserve(expressions_.size());
  for (const auto& e : expressions_) equations_.push_back(to_string(e, input_names_));
}

const jit::NativeKernel& CompiledEquations::derivative_kernel() const {
  std::call_once(derivatives_once_, [&] {
    derivatives_ = std::make_unique<jit::NativeKernel>(
        jit::NativeKernel::compile(make_spec(expressions_, input_names_, type_, true)));
  });
  return *derivatives_;
}

void CompiledEquations::evaluate(const void* x, std::int64_t rows, void* y) const {
  if (rows <= 0) return;
  if (type_ == jit::ScalarType::Float32)
    evaluate_rows(values_, static_cast<const float*>(x), rows, static_cast<float*>(y));
  else
    evaluate_rows(values_, static_cast<const double*>(x), rows, static_cast<double*>(y));
}

void CompiledEquations::input_gradient(const void* x, const void* grad_y, std::int64_t rows, void* grad_x) const {
  if (rows <= 0) return;
  const auto& kernel = derivative_kernel();
  const auto n_in = static_cast<std::int64_t>(num_inputs());
  const auto m = static_cast<std::int64_t>(num_outputs());
  if (type_ == jit::ScalarType::Float32)
    gradient_rows(kernel, n_in, m, static_cast<const float*>(x), static_cast<const float*>(grad_y), rows,
                  static_cast<float*>(grad_x));
  else
    gradient_rows(kernel, n_in, m, static_cast<const double*>(x), static_cast<const double*>(grad_y), rows,
                  static_cast<double*>(grad_x));
}

}  // namespace symtorch::ops
