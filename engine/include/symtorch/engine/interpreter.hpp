// Batch interpreter: evaluates one expression over many rows in fixed-size column blocks.
// Variables point straight into the input columns and constants are broadcast once per call,
// so per block only operator nodes do work; no allocation happens inside the block loop.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch {

// Rows per block. 256 floats = 1 KiB per node: a 64-node tree stays in L1/L2.
inline constexpr std::size_t kBatchRows = 256;

template <typename T>
class Interpreter {
 public:
  // columns[k] points to n rows of feature k (column-major data).
  // Writes n values to out. Throws std::invalid_argument if the expression uses a feature
  // index >= columns.size() or out.size() < n.
  void evaluate(const Expression& e, std::span<const T* const> columns, std::size_t n,
                std::span<T> out);

  // Like evaluate, with `constants` replacing the expression's constants (in constant order),
  // so the optimiser does not have to copy the tree.
  void evaluate(const Expression& e, std::span<const T> constants,
                std::span<const T* const> columns, std::size_t n, std::span<T> out);

  // Values and the Jacobian with respect to the constants (reverse mode over the postfix array).
  // jacobian is column-major: jacobian[c * n + row] = d out[row] / d constant c.
  void jacobian(const Expression& e, std::span<const T> constants,
                std::span<const T* const> columns, std::size_t n, std::span<T> out,
                std::span<T> jacobian);

 private:
  void prepare(const Expression& e, std::span<const T> constants, std::size_t ncols, bool with_adjoint);
  void forward_block(const Expression& e, std::span<const T* const> columns, std::size_t row,
                     std::size_t len);

  std::vector<T> values_;      // node-major: values_[i * kBatchRows + r]
  std::vector<T> adjoints_;
  std::vector<const T*> ptr_;  // where each node's values live for the current block
  std::vector<T> constants_;   // per-node constant (only for Const nodes)
  std::vector<int> const_slot_;  // node -> constant ordinal or -1
  std::vector<char> has_const_;  // node -> its subtree holds a constant (jacobian only)
};

extern template class Interpreter<float>;
extern template class Interpreter<double>;

}  // namespace symtorch
