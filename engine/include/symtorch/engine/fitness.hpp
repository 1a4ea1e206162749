// Fitness: the loss of a candidate expression on data, in float or double.
//
// Loss is the weighted mean squared error  Σ w_i (f(x_i) - y_i)² / Σ w_i  (w = 1 without
// weights). A non-finite prediction anywhere makes the loss +inf, which the search rejects
// (domain errors such as log of a negative number cost nothing but that candidate).
// With linear scaling the prediction is a·f(x) + b with (a, b) the weighted least-squares fit,
// computed in closed form per candidate (Operon's default; a = 0, b = mean y when f is
// constant on the data).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/interpreter.hpp"

namespace symtorch {

// Non-owning view of evaluation data in precision T (column-major).
template <typename T>
struct DataView {
  std::span<const T* const> columns;
  const T* y = nullptr;
  const T* weights = nullptr;  // nullptr = unweighted
  std::size_t rows = 0;
  double weight_sum = 0;       // Σ w (rows when unweighted)
};

// Owned copy of a Dataset in precision T, or of a subset of its rows (a mini-batch).
template <typename T>
class EvalData {
 public:
  EvalData() = default;
  explicit EvalData(const Dataset& data);
  // Rows `rows` of `data` (a mini-batch); reuses this object's storage.
  void assign_rows(const Dataset& data, std::span<const std::size_t> rows);
  DataView<T> view() const;
  std::size_t rows() const { return y_.size(); }

 private:
  void refresh_pointers();
  std::vector<std::vector<T>> columns_;
  std::vector<const T*> pointers_;
  std::vector<T> y_, weights_;
  double weight_sum_ = 0;
};

struct LossResult {
  double loss = 0;
  double scale = 1;   // a (linear scaling only)
  double offset = 0;  // b (linear scaling only)
};

// Evaluates candidates; owns the interpreter and output buffers, so reusing one evaluator per
// island allocates nothing per candidate once warmed up. Data larger than one chunk is
// streamed through a fixed-size buffer, so memory does not grow with the number of rows.
template <typename T>
class LossEvaluator {
 public:
  static constexpr std::size_t kChunkRows = 1u << 14;

  explicit LossEvaluator(bool linear_scaling = false) : linear_scaling_(linear_scaling) {}
  bool linear_scaling() const { return linear_scaling_; }
  void set_linear_scaling(bool on) { linear_scaling_ = on; }

  LossResult loss(const Expression& e, const DataView<T>& data);
  // With `constants` replacing the expression's constants (in constant order).
  LossResult loss(const Expression& e, std::span<const T> constants, const DataView<T>& data);

  Interpreter<T>& interpreter() { return interpreter_; }

 private:
  bool linear_scaling_;
  Interpreter<T> interpreter_;
  std::vector<T> out_;
  std::vector<const T*> shifted_;
};

extern template class EvalData<float>;
extern template class EvalData<double>;
extern template class LossEvaluator<float>;
extern template class LossEvaluator<double>;

}  // namespace symtorch
