// The README's C++ example: symbolic regression on an Eigen matrix.
#include <symtorch/engine/regressor.hpp>
#include <iostream>

int main() {
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(500, 2) * 3.0;            // rows x features
  Eigen::VectorXd y = X.col(0).array().square() + X.col(1).array().sin();
  symtorch::Regressor r;
  r.options().unary_operators = {symtorch::Op::Sin};
  r.options().seed = 1;
  const auto& result = r.fit(X, y, {"a", "b"});
  std::cout << result.front.table(result.variable_names, result.chosen);
  std::cout << r.equation() << "\n";   // also Format::Latex, C, SymPy, Torch
}
