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

namespace {

Eigen::VectorXd evaluate_on_edges(const Expression& e, const std::vector<double>& features) {
  const auto rows = static_cast<Eigen::Index>(features.size() / kEdgeFeatures);
  Eigen::VectorXd values(rows);
  for (Eigen::Index r = 0; r < rows; ++r)
    values(r) = evaluate_reference(
        e, std::span<const double>(features.data() + static_cast<std::size_t>(r) * kEdgeFeatures, kEdgeFeatures));
  return values;
}

// The family of the law with its shape parameter set to `theta`: columns (Fx, Fy) up to scale.
Eigen::MatrixXd family_basis(ForceLaw law, double theta, const std::vector<double>& features) {
  const auto rows = static_cast<Eigen::Index>(features.size() / kEdgeFeatures);
  Eigen::MatrixXd f(rows, 2);
  for (Eigen::Index e = 0; e < rows; ++e) {
    const double* x = features.data() + static_cast<std::size_t>(e) * kEdgeFeatures;
    const double scale = law == ForceLaw::Gravity ? x[3] * x[4] / std::pow(x[2], theta) : (x[2] - theta) / x[2];
    f(e, 0) = scale * x[0];
    f(e, 1) = scale * x[1];
  }
  return f;
}

}  // namespace

ShapeFit fit_shape_parameter(ForceLaw law, const LawConstants& c, const std::string& equation,
                             const std::vector<double>& features) {
  const Eigen::VectorXd values = evaluate_on_edges(parse_expression(equation, edge_feature_names()), features);
  if (!values.allFinite()) throw std::invalid_argument("shape fit: '" + equation + "' is not finite on every edge");
  auto r2_at = [&](double theta) { return fit_linear_map(family_basis(law, theta, features), values).r2; };
  // Gravity: powers 0.5..6; springs: rest lengths 0..4 rest lengths.
  const double lo = law == ForceLaw::Gravity ? 0.5 : 0.0;
  const double hi = law == ForceLaw::Gravity ? 6.0 : 4.0 * c.rest_length;
  const int steps = 110;
  const double h = (hi - lo) / steps;
  double best = lo, best_r2 = -INFINITY;
  for (int k = 0; k <= steps; ++k) {
    const double theta = lo + h * k, r2 = r2_at(theta);
    if (r2 > best_r2) best = theta, best_r2 = r2;
  }
  // Golden-section search on the bracket around the best grid point (R^2 is unimodal there for
  // the smooth families above).
  double a = std::max(lo, best - h), b = std::min(hi, best + h);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = r2_at(x1), f2 = r2_at(x2);
  for (int it = 0; it < 60 && b - a > 1e-9; ++it) {
    if (f1 < f2) a = x1, x1 = x2, f1 = f2, x2 = a + g * (b - a), f2 = r2_at(x2);
    else b = x2, x2 = x1, f2 = f1, x1 = b - g * (b - a), f1 = r2_at(x1);
  }
  ShapeFit fit;
  fit.value = (a + b) / 2;
  fit.r2 = r2_at(fit.value);
  if (best_r2 > fit.r2) fit.value = best, fit.r2 = best_r2;
  fit.truth = law == ForceLaw::Gravity ? 3.0 : c.rest_length;
  return fit;
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

  const Eigen::VectorXd values = evaluate_on_edges(e, features);
  check.finite = values.allFinite();
  if (check.finite) check.map = fit_linear_map(force_basis(law, c, features), values);
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
