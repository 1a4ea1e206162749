// FusedKernel: a whole symbolic layer as one native kernel over row-major rows,
//
//   x [n, num_inputs]
//     -> features: the input transforms (raw inputs first if keep_inputs), or x itself
//     -> variables: (features - mean_in) · W_inᵀ       with input PCA (W_in: k_in x features)
//     -> e = the equations of the variables (one ExpressionDag: shared subexpressions)
//     -> y = e · V_out + mean_out                       with output PCA (V_out: k_out x outputs)
//   y [n, num_outputs]
//
// and its backward (the gradient with respect to x through the whole chain), compiled together.
//
// Lowering. The kernel walks the rows in blocks of block_rows() (512 bytes of one column: 128
// floats or 64 doubles). Within a block every intermediate (features, variables, equation
// values) is a column of block_rows() values in the caller's scratch buffer, so it stays in L1
// and every stage is a loop over the block's rows that the loop vectoriser turns into full-width
// vector code: the equations as in NativeKernel (the DAG evaluated once per row, vectorised
// across rows), the PCA projection as rank-1 updates z_j += W_in[j][c] * (x_c - mean_c) over
// the block (one broadcast weight, contiguous loads and stores), the inverse PCA per row as a
// loop over the outputs that accumulates eight components at a time in registers. The PCA
// matrices are not constants in the code: they are read from the `params` array the caller
// passes, so the code does not grow with the matrix (a 128 x 32 basis would be 4096 multiply
// nodes in the DAG, one straight-line row of code that the vectoriser can only spread across
// rows; loops over a matrix argument are the same few loops for any basis) and the same object
// serves every basis of the same shape (the disk cache key has the shapes, not the values),
// which also lets the bases become trainable.
//
// Kernel ABI (T = float or double):
//   forward (x, y, saved, n, params, scratch)
//   backward(x, saved, grad_y, grad_x, n, params, scratch)
// params: layout().size elements (W_in, mean_in, V_out, mean_out at the layout's offsets);
// scratch: scratch_elements() elements, 64-byte aligned, private to the call (one per thread).
// saved: null, or n x num_variables() values that the forward writes (the equations' inputs
// for every row) and the backward reads, so the backward does not recompute the transforms or
// the projection; it is needed (and must be given to both) only when needs_saved().
//
// No torch header here: this is the native JIT's, usable without torch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/jit/compile_options.hpp"
#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit {

struct FusedSpec {
  ScalarType type = ScalarType::Float64;
  std::uint32_t num_inputs = 0;          // raw input columns
  std::vector<Expression> transforms;    // over the raw inputs; empty = the features are the inputs
  bool keep_inputs = false;              // features = raw inputs, then the transforms
  std::uint32_t pca_inputs = 0;          // k_in (0 = no input PCA: the variables are the features)
  std::vector<Expression> equations;     // over the variables
  // With output PCA, equations.size() components are expanded to num_outputs; without it,
  // num_outputs must equal equations.size().
  bool output_pca = false;
  std::uint32_t num_outputs = 0;
  std::string name = "symtorch_fused";  // C identifier; the backward is NAME_grad

  std::size_t num_features() const;     // transforms (+ inputs if keep_inputs), or num_inputs
  std::size_t num_variables() const;    // pca_inputs, or num_features()
};

// Element offsets of the parameters in the params array.
struct FusedLayout {
  std::size_t in_components = 0;   // k_in x num_features, row-major
  std::size_t in_mean = 0;         // num_features
  std::size_t out_components = 0;  // k_out x num_outputs, row-major
  std::size_t out_mean = 0;        // num_outputs
  std::size_t size = 0;            // total elements (at least 1, so the array is never empty)
};
FusedLayout fused_layout(const FusedSpec& spec);

// Checks the spec; throws std::invalid_argument naming what is wrong (counts, a variable index
// out of range, an empty or malformed expression, a user operator, a bad name).
void validate(const FusedSpec& spec);

using FusedForwardF32 = void (*)(const float*, float*, float*, std::int64_t, const float*, float*);
using FusedForwardF64 = void (*)(const double*, double*, double*, std::int64_t, const double*, double*);
using FusedBackwardF32 = void (*)(const float*, const float*, const float*, float*, std::int64_t, const float*,
                                  float*);
using FusedBackwardF64 = void (*)(const double*, const double*, const double*, double*, std::int64_t,
                                  const double*, double*);

class FusedKernel {
 public:
  // Lowers, optimises and links forward and backward (or loads them from the disk cache).
  // Thread-safe. Throws std::invalid_argument for a bad spec, std::runtime_error if LLVM fails.
  static FusedKernel compile(const FusedSpec& spec, const CompileOptions& options = {});

  const FusedSpec& spec() const;
  const FusedLayout& layout() const;
  std::size_t block_rows() const;
  std::size_t scratch_elements() const;
  bool needs_saved() const;  // the variables differ from x (transforms or input PCA)

  // Raw entry points (call through call_kernel-style wrappers below); throw
  // std::invalid_argument if the element type is not the kernel's.
  FusedForwardF32 forward_f32() const;
  FusedForwardF64 forward_f64() const;
  FusedBackwardF32 backward_f32() const;
  FusedBackwardF64 backward_f64() const;

  bool from_cache() const;   // both halves loaded from the disk cache
  double compile_ms() const;

 private:
  struct Impl;
  explicit FusedKernel(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Calls into JIT code, exempt from clang's -fsanitize=function like call_kernel
// (native_kernel.hpp: JIT code has no type signature before its entry).
template <typename Fn, typename... Args>
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
inline void call_fused(Fn fn, Args... args) {
  fn(args...);
}

}  // namespace symtorch::jit
