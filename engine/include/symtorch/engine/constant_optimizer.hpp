// Constant optimisation: Levenberg–Marquardt on the loss of fitness.hpp, with the Jacobian of
// the prediction with respect to the constants from the interpreter (reverse mode). LM rather
// than PySR's BFGS because the loss is a sum of squares: J^T J is a good Hessian model, so a
// few Jacobian passes reach the optimum that BFGS needs many gradient calls for (Operon makes
// the same choice). Data larger than one chunk is streamed: only the k×k normal equations are
// accumulated, so memory does not grow with the number of rows.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/fitness.hpp"
#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/random.hpp"

namespace symtorch {

struct ConstantFitSettings {
  int iterations = 8;           // LM steps (each one Jacobian pass over the data) per start
  int restarts = 2;             // extra starts from c·(1 + 0.5·N(0,1)), as PySR
  bool linear_scaling = false;  // optimise a, b of a·f + b jointly with the constants
};

struct ConstantFitResult {
  double loss = 0;          // best loss found (the input loss if nothing improved)
  double scale = 1, offset = 0;
  bool improved = false;    // constants of the expression were changed
  std::size_t passes = 0;   // data passes spent (forward or forward+Jacobian)
};

template <typename T>
class ConstantOptimizer {
 public:
  static constexpr std::size_t kChunkRows = 4096;

  // Minimises the loss over the constants of `e`; writes them back only if the loss improved.
  // `parameter_of_constant` ties constants together: constant k (in constant order) is
  // parameter p[k], or stays fixed if p[k] < 0; empty = every constant is its own parameter.
  ConstantFitResult optimize(Expression& e, const DataView<T>& data, SearchRng& rng,
                             const ConstantFitSettings& settings,
                             std::span<const int> parameter_of_constant = {});

 private:
  // Loss at parameters p (and its gradient/Gauss–Newton matrix when with_jacobian).
  double evaluate(const Expression& e, const DataView<T>& data, const Eigen::VectorXd& p, bool with_jacobian);
  void set_constants(const Eigen::VectorXd& p);
  // jd_ = scale · (the interpreter's Jacobian of one chunk of len rows, its columns summed per
  // parameter), with zero columns for a and b when scaling.
  void group_jacobian(std::size_t len, T scale);
  // Adds one chunk's Jᵀr and JᵀJ (J: rows × parameters, r_: the residuals) to g_ and h_.
  template <typename Jacobian>
  void accumulate_normal_equations(const Jacobian& j);
  double run_lm(const Expression& e, const DataView<T>& data, Eigen::VectorXd& p, double loss, int iterations,
                std::size_t& passes);

  // Mapping for the current problem.
  std::vector<int> map_;          // constant -> parameter or -1
  std::vector<double> fixed_;     // constant values (used for fixed constants)
  int nparams_ = 0;               // free constant parameters
  bool scaling_ = false;          // two extra parameters a, b at the end
  bool identity_map_ = true;      // constant k is parameter k: the Jacobian needs no regrouping
  // Buffers reused between calls.
  Interpreter<T> interpreter_;
  LossEvaluator<T> plain_{false};
  std::vector<T> constants_, out_, jac_;
  std::vector<const T*> shifted_;
  // Jacobian and residuals of one chunk in precision T (the normal equations of a chunk are one
  // T-precision matrix product, accumulated in double across chunks).
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jd_;
  Eigen::Matrix<T, Eigen::Dynamic, 1> r_;
  Eigen::MatrixXd h_;
  Eigen::VectorXd g_;
};

extern template class ConstantOptimizer<float>;
extern template class ConstantOptimizer<double>;

}  // namespace symtorch
