// The "up to a linear transformation" check of the graph-network case study: it must accept the
// force law however it is scaled, rotated and offset, and refuse near misses (a wrong power of
// r, a missing mass, masses in a spring law).
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <stdexcept>

#include "force_law_check.hpp"
#include "simulation.hpp"
#include "symtorch/engine/parser.hpp"

using namespace symtorch::examples;

namespace {

// Held-out edges as the program has them: simulated snapshots of the law.
std::vector<double> edges(ForceLaw law) {
  SimulationConfig config;
  config.law = law;
  config.systems = 40;
  config.min_distance = law == ForceLaw::Gravity ? 0.5 : 0.1;
  config.seed = 3;
  return edge_features(simulate(config));
}

}  // namespace

TEST_CASE("fit_linear_map recovers an exact linear map and its R^2") {
  Eigen::MatrixXd basis(6, 2);
  basis << 1, 0, 0, 1, 2, 1, -1, 3, 0.5, -2, 4, 4;
  const Eigen::VectorXd y = 2.0 * basis.col(0) - 3.0 * basis.col(1) + Eigen::VectorXd::Constant(6, 0.5);
  const LinearMapFit fit = fit_linear_map(basis, y);
  // Exact data: only QR rounding remains (condition number of this design is ~10).
  CHECK(fit.coefficients(0) == doctest::Approx(2.0).epsilon(1e-12));
  CHECK(fit.coefficients(1) == doctest::Approx(-3.0).epsilon(1e-12));
  CHECK(fit.coefficients(2) == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(fit.r2 > 1 - 1e-12);
  CHECK_THROWS_AS(fit_linear_map(basis, Eigen::VectorXd::Zero(5)), std::invalid_argument);
  CHECK_THROWS_AS(fit_linear_map(basis.topRows(3), y.head(3)), std::invalid_argument);
}

TEST_CASE("the gravity law passes under any linear map; near misses do not") {
  const std::vector<double> f = edges(ForceLaw::Gravity);
  const LawConstants c;
  const EquationCheck law = check_equation(ForceLaw::Gravity, c, "m1 * m2 * (0.7 * dx - 0.2 * dy) / (r * r * r) + 0.1", f);
  CHECK(law.variables_match);
  CHECK(law.finite);
  CHECK(law.map.r2 > 1 - 1e-12);
  // The map back to the law: equation = -0.7 Fx + 0.2 Fy + 0.1 (F = -m1 m2 d / r^3).
  CHECK(law.map.coefficients(0) == doctest::Approx(-0.7).epsilon(1e-9));
  CHECK(law.map.coefficients(1) == doctest::Approx(0.2).epsilon(1e-9));

  // 1/r instead of 1/r^2: a different law, far from the 0.95 the program asks for.
  const EquationCheck power = check_equation(ForceLaw::Gravity, c, "m1 * m2 * dx / (r * r)", f);
  CHECK(power.variables_match);
  CHECK(power.map.r2 < 0.9);
  // The field of the sender (no receiver mass) is not the force.
  const EquationCheck field = check_equation(ForceLaw::Gravity, c, "m2 * dx / (r * r * r)", f);
  CHECK_FALSE(field.variables_match);
  CHECK(field.variables_used == std::vector<std::string>{"dx", "r", "m2"});
}

TEST_CASE("the spring law passes; masses or a missing rest length do not") {
  const std::vector<double> f = edges(ForceLaw::Spring);
  const LawConstants c;
  const EquationCheck law = check_equation(ForceLaw::Spring, c, "(r - 1) * (dy - 2.5 * dx) / r", f);
  CHECK(law.variables_match);
  CHECK(law.map.r2 > 1 - 1e-12);
  CHECK_FALSE(check_equation(ForceLaw::Spring, c, "m1 * (r - 1) * dx / r", f).variables_match);
  // Hooke's law without the rest length: linear in dx, not the law.
  const EquationCheck no_rest = check_equation(ForceLaw::Spring, c, "dx * 0.5", f);
  CHECK_FALSE(no_rest.variables_match);
  CHECK(no_rest.map.r2 < 0.95);
  CHECK_THROWS_AS(check_equation(ForceLaw::Spring, c, "dx * q", f), symtorch::ParseError);
}

TEST_CASE("most significant components are ordered by standard deviation") {
  Eigen::MatrixXd m(4, 3);
  m << 0, 10, 1, 0, -10, 2, 0, 10, 3, 0, -10, 4;
  CHECK(most_significant_components(m, 2) == std::vector<int>{1, 2});
  CHECK_THROWS_AS(most_significant_components(m, 4), std::invalid_argument);
}

TEST_CASE("the shape parameter is read back from an equation") {
  const LawConstants c;
  const std::vector<double> g = edges(ForceLaw::Gravity);
  // Golden-section search converges to 1e-9 in the parameter; the families are exact here.
  const ShapeFit cube = fit_shape_parameter(ForceLaw::Gravity, c, "0.3 * m1 * m2 * (dx - 2 * dy) / (r * r * r)", g);
  CHECK(cube.value == doctest::Approx(3.0).epsilon(1e-6));
  CHECK(cube.truth == 3.0);
  CHECK(cube.r2 > 1 - 1e-12);
  const ShapeFit square = fit_shape_parameter(ForceLaw::Gravity, c, "m1 * m2 * dx / (r * r)", g);
  CHECK(square.value == doctest::Approx(2.0).epsilon(1e-6));

  const std::vector<double> s = edges(ForceLaw::Spring);
  const ShapeFit rest = fit_shape_parameter(ForceLaw::Spring, c, "(0.104 / r - 0.107) * (dy - 4 * dx)", s);
  CHECK(rest.value == doctest::Approx(0.104 / 0.107).epsilon(1e-6));
  CHECK(rest.truth == 1.0);
  CHECK_THROWS_AS(fit_shape_parameter(ForceLaw::Spring, c, "dx / (r - r)", s), std::invalid_argument);
}
