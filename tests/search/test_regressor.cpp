// The Regressor C++ API: Eigen and raw-pointer input, several outputs, progress, prediction.
#include <doctest/doctest.h>

#include <cmath>

#include "symtorch/engine/random.hpp"
#include "symtorch/engine/regressor.hpp"

using namespace symtorch;

namespace {

SearchOptions quick_options() {
  SearchOptions o;
  o.populations = 6;
  o.population_size = 20;
  o.ncycles_per_iteration = 100;
  o.niterations = 30;
  o.seed = 3;
  return o;
}

}  // namespace

TEST_CASE("fit on Eigen data, with progress callback and prediction") {
  const int n = 150;
  Eigen::MatrixXd X(n, 2);
  Eigen::VectorXd y(n);
  SearchRng rng(5);
  for (int r = 0; r < n; ++r) {
    X(r, 0) = -2 + 4 * rng.uniform();
    X(r, 1) = -2 + 4 * rng.uniform();
    y[r] = X(r, 0) * X(r, 1) - X(r, 1);
  }
  Regressor reg(quick_options());
  int calls = 0;
  reg.set_progress_callback([&calls](const SearchProgress& p) {
    ++calls;
    CHECK(p.iteration == calls);
  });
  const SearchResult& res = reg.fit(X, y, {"u", "v"});
  CHECK(calls == res.stats.iterations);
  CHECK(res.best().loss < 1e-20);
  CHECK(res.variable_names == std::vector<std::string>{"u", "v"});
  CHECK(reg.equation().find('u') != std::string::npos);
  CHECK(!reg.equation(0, Format::Latex).empty());
  const Eigen::VectorXd pred = reg.predict(X);
  // An exact fit: predictions equal the target to round-off of values of size ~6.
  CHECK((pred - y).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("several outputs from a raw row-major array") {
  const std::size_t n = 120;
  std::vector<double> X(n * 2), Y(n * 2);
  SearchRng rng(8);
  for (std::size_t r = 0; r < n; ++r) {
    const double a = -2 + 4 * rng.uniform(), b = -2 + 4 * rng.uniform();
    X[r * 2] = a;
    X[r * 2 + 1] = b;
    Y[r * 2] = a + b;
    Y[r * 2 + 1] = a * a;
  }
  Regressor reg(quick_options());
  const auto& results = reg.fit(X.data(), n, 2, Y.data(), 2);
  REQUIRE(results.size() == 2);
  CHECK(results[0].target_name == "y0");
  CHECK(results[1].target_name == "y1");
  CHECK(results[0].best().loss < 1e-20);
  CHECK(results[1].best().loss < 1e-20);
  INFO(results[1].front.table(results[1].variable_names, results[1].chosen));
  CHECK(results[1].best().complexity <= 3);
  CHECK_THROWS_AS(reg.fit(X.data(), 0, 2, Y.data(), 1), std::invalid_argument);
}
