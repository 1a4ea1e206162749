// The heat-solution check of the PINN case study: every way of writing
// exp(-α π² t)·sin(π x) passes, other shapes and constants more than 1% off do not.
#include <doctest/doctest.h>

#include <numbers>
#include <stdexcept>

#include "heat_solution_check.hpp"
#include "symtorch/engine/parser.hpp"

using namespace symtorch::examples;

TEST_CASE("the exact solution passes in several spellings") {
  const double alpha = 0.1;
  for (const char* eq : {"sin(3.141592653589793 * x) * exp(-0.9869604401089358 * t)",
                         "exp(t * (-0.9869604401089358)) * sin(x * 3.141592653589793) * 1.0",
                         "sin(3.141592653589793 * x) / exp(0.9869604401089358 * t)",
                         "cos(3.141592653589793 * x - 1.5707963267948966) * exp(-0.9869604401089358 * t)"}) {
    CAPTURE(eq);
    const HeatSolutionCheck c = check_heat_solution(eq, alpha);
    CHECK(c.finite);
    CHECK(c.separable_form);
    CHECK(c.recovered);
    // Constants typed to 16 digits; the ratios come from double evaluation of derivatives.
    CHECK(c.decay_error < 1e-9);
    CHECK(c.wavenumber_error < 1e-9);
    CHECK(c.amplitude_error < 1e-9);
    CHECK(std::abs(c.phase) < 1e-9);
    CHECK(mse_against_solution(eq, alpha, 101) < 1e-28);
  }
}

TEST_CASE("constants are held to the tolerance") {
  // Decay 1.5% low: the right form, the wrong constant.
  const HeatSolutionCheck slow = check_heat_solution("sin(3.141592653589793 * x) * exp(-0.9721 * t)", 0.1);
  CHECK(slow.separable_form);
  CHECK_FALSE(slow.recovered);
  CHECK(slow.decay_error == doctest::Approx(0.015).epsilon(0.01));
  // Within 1%: 0.5% off in the wavenumber and the amplitude.
  const HeatSolutionCheck near = check_heat_solution("1.005 * sin(3.1573 * x) * exp(-0.98696 * t)", 0.1);
  CHECK(near.recovered);
  CHECK(near.wavenumber == doctest::Approx(3.1573).epsilon(1e-9));
  CHECK(near.amplitude == doctest::Approx(1.005).epsilon(1e-9));
  CHECK(mse_against_solution("sin(3.141592653589793 * x) * exp(-0.9721 * t)", 0.1, 101) > 0);
}

TEST_CASE("other shapes are not the solution") {
  for (const char* eq : {"sin(3.141592653589793 * x) * (1 - 0.9 * t)",       // decay not exponential
                         "4 * x * (1 - x) * exp(-0.9869604401089358 * t)",    // not a sine in x
                         "sin(3.141592653589793 * x) * exp(-0.9869604401089358 * t) + 0.001",  // offset
                         "sin(3.141592653589793 * x) * exp(-0.9869604401089358 * t * x)"}) {  // not separable
    CAPTURE(eq);
    const HeatSolutionCheck c = check_heat_solution(eq, 0.1);
    CHECK_FALSE(c.separable_form);
    CHECK_FALSE(c.recovered);
  }
  // A zero crossing inside the domain (sin(2π x)) cannot be checked by ratios and is refused.
  CHECK_FALSE(check_heat_solution("sin(6.283185307179586 * x) * exp(-3.95 * t)", 0.1).recovered);
}

TEST_CASE("bad arguments are refused") {
  CHECK_THROWS_AS(check_heat_solution("sin(x)", 0.0), std::invalid_argument);
  CHECK_THROWS_AS(check_heat_solution("sin(x) * y", 0.1), symtorch::ParseError);
  CHECK_THROWS_AS(mse_against_solution("sin(x)", 0.1, 1), std::invalid_argument);
}
