// Principal component analysis of recorded rows (Eigen, double), used by distill() to reduce
// wide layer inputs and outputs to a few components before the search (the SymTorch paper
// keeps 32 input and 8 output components of its LLM layers).
//
//   z = (x - mean) · componentsᵀ        (project: d values -> k components)
//   x ≈ z · components + mean           (reconstruct)
//
// Components are the eigenvectors of the covariance matrix with the k largest eigenvalues,
// in decreasing order, each with its largest-magnitude entry positive so that the result does
// not depend on the eigen-solver's sign choice.
#pragma once

#include <cstddef>
#include <vector>

namespace symtorch {

struct Pca {
  std::size_t dims = 0;                            // d
  std::vector<double> mean;                        // d
  std::vector<std::vector<double>> components;     // k rows of d, orthonormal
  std::vector<double> explained_variance;          // k eigenvalues (variance along each component)
  double total_variance = 0;                       // trace of the covariance

  std::size_t size() const { return components.size(); }  // k

  // rows: n x d, row-major. Throws std::invalid_argument unless 1 <= k <= d and n >= 2, or if
  // a value is not finite (naming row and column).
  static Pca fit(const double* rows, std::size_t n, std::size_t d, std::size_t k);

  // n x d row-major -> n x k row-major (and back).
  std::vector<double> project(const double* rows, std::size_t n) const;
  std::vector<double> reconstruct(const double* z, std::size_t n) const;

  // Throws std::invalid_argument naming the first inconsistency (sizes, non-finite values,
  // components not orthonormal within 1e-6): for data read from files.
  void validate() const;
};

}  // namespace symtorch
