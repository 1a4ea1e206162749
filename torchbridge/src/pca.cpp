#include "symtorch/torch/pca.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <stdexcept>
#include <string>

namespace symtorch {

namespace {
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}

Pca Pca::fit(const double* rows, std::size_t n, std::size_t d, std::size_t k) {
  if (d == 0) throw std::invalid_argument("PCA: the data has no columns");
  if (k < 1 || k > d)
    throw std::invalid_argument("PCA: expected between 1 and " + std::to_string(d) + " components (the data's columns), got " +
                                std::to_string(k));
  if (n < 2) throw std::invalid_argument("PCA: expected at least 2 rows, got " + std::to_string(n));
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < d; ++c)
      if (!std::isfinite(rows[r * d + c]))
        throw std::invalid_argument("PCA: value at row " + std::to_string(r) + ", column " + std::to_string(c) +
                                    " is not finite");
  const Eigen::Map<const RowMatrix> x(rows, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const RowMatrix centered = x.rowwise() - mean;
  const Eigen::MatrixXd cov = (centered.transpose() * centered) / static_cast<double>(n - 1);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cov);
  if (solver.info() != Eigen::Success) throw std::runtime_error("PCA: the eigen-decomposition did not converge");

  Pca p;
  p.dims = d;
  p.mean.assign(mean.data(), mean.data() + d);
  p.total_variance = cov.trace();
  // Eigen sorts eigenvalues in increasing order.
  for (std::size_t i = 0; i < k; ++i) {
    const auto col = static_cast<Eigen::Index>(d - 1 - i);
    Eigen::VectorXd v = solver.eigenvectors().col(col);
    Eigen::Index largest = 0;
    v.cwiseAbs().maxCoeff(&largest);
    if (v(largest) < 0) v = -v;
    p.components.emplace_back(v.data(), v.data() + d);
    p.explained_variance.push_back(std::max(0.0, solver.eigenvalues()(col)));
  }
  return p;
}

std::vector<double> Pca::project(const double* rows, std::size_t n) const {
  const std::size_t k = size();
  std::vector<double> z(n * k);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t j = 0; j < k; ++j) {
      double s = 0;
      for (std::size_t c = 0; c < dims; ++c) s += (rows[r * dims + c] - mean[c]) * components[j][c];
      z[r * k + j] = s;
    }
  return z;
}

std::vector<double> Pca::reconstruct(const double* z, std::size_t n) const {
  const std::size_t k = size();
  std::vector<double> x(n * dims);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < dims; ++c) {
      double s = mean[c];
      for (std::size_t j = 0; j < k; ++j) s += z[r * k + j] * components[j][c];
      x[r * dims + c] = s;
    }
  return x;
}

void Pca::validate() const {
  if (dims == 0) throw std::invalid_argument("PCA: dims is 0");
  if (mean.size() != dims)
    throw std::invalid_argument("PCA: mean has " + std::to_string(mean.size()) + " values, expected " + std::to_string(dims));
  if (components.empty() || components.size() > dims)
    throw std::invalid_argument("PCA: expected between 1 and " + std::to_string(dims) + " components, got " +
                                std::to_string(components.size()));
  if (explained_variance.size() != components.size())
    throw std::invalid_argument("PCA: " + std::to_string(explained_variance.size()) + " explained variances for " +
                                std::to_string(components.size()) + " components");
  for (double m : mean)
    if (!std::isfinite(m)) throw std::invalid_argument("PCA: mean is not finite");
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (components[i].size() != dims)
      throw std::invalid_argument("PCA: component " + std::to_string(i) + " has " + std::to_string(components[i].size()) +
                                  " values, expected " + std::to_string(dims));
    for (std::size_t j = 0; j <= i; ++j) {
      double dot = 0;
      for (std::size_t c = 0; c < dims; ++c) dot += components[i][c] * components[j][c];
      if (!std::isfinite(dot) || std::abs(dot - (i == j ? 1.0 : 0.0)) > 1e-6)
        throw std::invalid_argument("PCA: components " + std::to_string(j) + " and " + std::to_string(i) +
                                    " are not orthonormal (dot product " + std::to_string(dot) + ")");
    }
  }
}

}  // namespace symtorch
