// CompiledEquations: a set of equations over named inputs, compiled by the native JIT for one
// element type, evaluated on row-major data (the layout of a torch tensor [..., n_inputs]).
//
// The JIT kernels work on columns; rows are gathered into per-thread column blocks of
// kBlockRows, the kernel runs on the block, and the results are scattered back to rows. Blocks
// are spread over threads with at::parallel_for (libtorch's own OpenMP pool, so a torch op does
// not oversubscribe the cores with a second pool).
//
// No torch header is included here: callers pass raw pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/jit/lowering.hpp"
#include "symtorch/jit/native_kernel.hpp"

namespace symtorch::ops {

class CompiledEquations {
 public:
  // Rows per gathered column block: 512 doubles per column stay in L1 for the few columns of a
  // typical equation set, and kernel call overhead is amortised over enough rows.
  static constexpr std::int64_t kBlockRows = 512;
  // Fewest rows worth handing to another thread (below this, one thread does all the work).
  static constexpr std::int64_t kGrainRows = 4096;

  // Parses `equations` with `input_names` as the variables and compiles the value kernel.
  // Throws std::invalid_argument naming the equation and column for a parse error, an empty
  // equation list or an empty/duplicate input name list.
  CompiledEquations(const std::vector<std::string>& equations, const std::vector<std::string>& input_names,
                    jit::ScalarType type);

  std::size_t num_inputs() const { return input_names_.size(); }
  std::size_t num_outputs() const { return expressions_.size(); }
  jit::ScalarType type() const { return type_; }
  const std::vector<std::string>& input_names() const { return input_names_; }
  // Canonical text of each equation (round-trips exactly through the parser).
  const std::vector<std::string>& equations() const { return equations_; }
  const std::vector<Expression>& expressions() const { return expressions_; }

  // y[r * num_outputs() + j] = f_j(x[r * num_inputs() + ...]) for r < rows. x and y hold
  // elements of type(); they must not overlap.
  void evaluate(const void* x, std::int64_t rows, void* y) const;

  // grad_x[r, k] = sum_j grad_y[r, j] * d f_j / d x_k (x[r]), row-major like evaluate().
  // Compiles the derivative kernel on first use (thread-safe).
  void input_gradient(const void* x, const void* grad_y, std::int64_t rows, void* grad_x) const;

 private:
  const jit::NativeKernel& derivative_kernel() const;

  std::vector<std::string> input_names_;
  std::vector<std::string> equations_;
  std::vector<Expression> expressions_;
  jit::ScalarType type_;
  jit::NativeKernel values_;
  mutable std::once_flag derivatives_once_;
  mutable std::unique_ptr<jit::NativeKernel> derivatives_;
};

}  // namespace symtorch::ops
