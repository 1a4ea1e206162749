// Pca: components of known data, projection/reconstruction, validation.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "symtorch/torch/pca.hpp"

using symtorch::Pca;

TEST_CASE("PCA finds the directions of known data and reconstructs rank-deficient data exactly") {
  // Rows = mean + s1*u1 + s2*u2 with orthonormal u1, u2 in R^3, s1 = 2 cos t, s2 = sin t over a
  // full period: s1 and s2 have zero mean and are exactly uncorrelated, so the covariance is
  // exactly 4n/(2(n-1)) u1 u1' + n/(2(n-1)) u2 u2' (up to round-off).
  const double u1[3] = {0.6, 0.8, 0.0}, u2[3] = {0.0, 0.0, 1.0}, mean[3] = {1, -2, 3};
  const std::size_t rows = 2000;
  std::vector<double> x(rows * 3);
  for (std::size_t r = 0; r < rows; ++r) {
    const double t = 2 * M_PI * static_cast<double>(r) / static_cast<double>(rows);
    const double s1 = 2 * std::cos(t), s2 = std::sin(t);
    for (int c = 0; c < 3; ++c) x[r * 3 + c] = mean[c] + s1 * u1[c] + s2 * u2[c];
  }
  const Pca p = Pca::fit(x.data(), rows, 3, 2);
  p.validate();
  // Sign convention: largest-magnitude entry positive, so the first component is +u1.
  for (int c = 0; c < 3; ++c) {
    CHECK(p.components[0][c] == doctest::Approx(u1[c]).epsilon(1e-9).scale(1));
    CHECK(p.components[1][c] == doctest::Approx(u2[c]).epsilon(1e-9).scale(1));
  }
  const double half = static_cast<double>(rows) / (2.0 * static_cast<double>(rows - 1));
  CHECK(p.explained_variance[0] == doctest::Approx(4 * half).epsilon(1e-12));
  CHECK(p.explained_variance[1] == doctest::Approx(half).epsilon(1e-12));
  CHECK(p.total_variance == doctest::Approx(5 * half).epsilon(1e-12));
  // The data has rank 2 around its mean: two components reconstruct it to round-off.
  const auto z = p.project(x.data(), rows);
  const auto back = p.reconstruct(z.data(), rows);
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(back[i] == doctest::Approx(x[i]).epsilon(1e-12).scale(1));
}

TEST_CASE("PCA refuses bad arguments and inconsistent bases") {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6};
  CHECK_THROWS_WITH_AS(Pca::fit(x.data(), 3, 2, 3),
                       "PCA: expected between 1 and 2 components (the data's columns), got 3", std::invalid_argument);
  CHECK_THROWS_AS(Pca::fit(x.data(), 1, 2, 1), std::invalid_argument);
  std::vector<double> bad = x;
  bad[3] = std::nan("");
  CHECK_THROWS_WITH_AS(Pca::fit(bad.data(), 3, 2, 1), "PCA: value at row 1, column 1 is not finite",
                       std::invalid_argument);
  Pca p = Pca::fit(x.data(), 3, 2, 1);
  p.components[0][0] *= 2;  // no longer unit length
  CHECK_THROWS_AS(p.validate(), std::invalid_argument);
}
