#include "force_law_check.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/parser.hpp"

namespace symtorch::examples {

LinearMapFit fit_linear_map(const Eigen::MatrixXd& basis, const Eigen::VectorXd& y) {
  if (basis.rows() != y.size())
    throw std::invalid_argument("linear map: basis has " + std::to_string(basis.rows()) + " rows but the target has " +
                                std::to_string(y.size()));
  if (basis.rows() <= basis.cols() + 1)
    throw std::invalid_argument("linear map: " + std::to_string(basis.rows()) + " rows are too few for " +
                                std::to_string(basis.cols() + 1) + " coefficients");
  Eigen::MatrixXd design(basis.rows(), basis.cols() + 1);
  design << basis, Eigen::VectorXd::Ones(basis.rows());
  LinearMapFit fit;
  fit.coefficients = design.colPivHouseholderQr().solve(y);
  const double sse = (design * fit.coefficients - y).squaredNorm();
  const double sst = (y.array() - y.mean()).square().sum();
  fit.r2 = sst > 0 ? 1.0 - sse / sst : (sse == 0 ? 1.0 : 0.0);
  return fit;
}

Eigen::MatrixXd force_basis(ForceLaw law, const LawConstants& c, const std::vector<double>& features) {
  if (features.size() % kEdgeFeatures != 0)
    throw std::invalid_argument("edge features: " + std::to_string(features.size()) + " values is not a multiple of " +
                                std::to_string(kEdgeFeatures));
  const auto rows = static_cast<Eigen::Index>(features.size() / kEdgeFeatures);
  Eigen::MatrixXd f(rows, 2);
  for (Eigen::Index e = 0; e < rows; ++e) {
    const double* row = features.data() + static_cast<std::size_t>(e) * kEdgeFeatures;
    const PairForce force = pair_force(law, c, row[0], row[1], row[3], row[4]);
    f(e, 0) = force.fx;
    f(e, 1) = force.fy;
  }
  return f;
}

std::vector<std::string> law_variables(ForceLaw law) {
  if (law == ForceLaw::Gravity) return {"dx", "dy", "r", "m1", "m2"};
  return {"dx", "dy", "r"};
}

EquationCheck check_equation(ForceLaw law, const LawConstants& c, const std::string& equation,
                             const std::vector<double>& features) {
  const std::vector<std::string> names = edge_feature_names();
  const Expression e = parse_expression(equation, names);
  EquationCheck check;
  check.equation = equation;

  std::vector<bool> used(names.size(), false);
  for (const Node& n : e.nodes())
    if (n.op == Op::Var) used[n.feature] = true;
  for (std::size_t k = 0; k < names.size(); ++k)
    if (used[k]) check.variables_used.push_back(names[k]);
  // The law's formula needs r and at least one of dx, dy (a message component may be aligned
  // with one axis), and the masses exactly when the law has them.
  const std::vector<std::string> law_vars = law_variables(law);
  auto uses = [&](const std::string& v) {
    return std::find(check.variables_used.begin(), check.variables_used.end(), v) != check.variables_used.end();
  };
  bool ok = uses("r") && (uses("dx") || uses("dy"));
  for (const std::string& v : law_vars)
    if (v != "dx" && v != "dy") ok = ok && uses(v);
  for (const std::string& v : check.variables_used)
    ok = ok && std::find(law_vars.begin(), law_vars.end(), v) != law_vars.end();
  check.variables_match = ok;

  const Eigen::MatrixXd basis = force_basis(law, c, features);
  Eigen::VectorXd values(basis.rows());
  check.finite = true;
  for (Eigen::Index r = 0; r < basis.rows(); ++r) {
    values(r) = evaluate_reference(
        e, std::span<const double>(features.data() + static_cast<std::size_t>(r) * kEdgeFeatures, kEdgeFeatures));
    check.finite = check.finite && std::isfinite(values(r));
  }
  if (check.finite) check.map = fit_linear_map(basis, values);
  return check;
}

std::vector<int> most_significant_components(const Eigen::MatrixXd& messages, int count) {
  if (count < 1 || count > messages.cols())
    throw std::invalid_argument("asked for " + std::to_string(count) + " message components of " +
                                std::to_string(messages.cols()));
  const Eigen::RowVectorXd mean = messages.colwise().mean();
  const Eigen::RowVectorXd var = (messages.rowwise() - mean).array().square().colwise().sum();
  std::vector<int> order(static_cast<std::size_t>(messages.cols()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return var(a) > var(b); });
  order.resize(static_cast<std::size_t>(count));
  return order;
}

}  // namespace symtorch::examples
