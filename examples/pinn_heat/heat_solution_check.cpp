#include "heat_solution_check.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "symtorch/engine/derivative.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/parser.hpp"

namespace symtorch::examples {
namespace {

constexpr std::uint32_t kX = 0, kT = 1;

double at(const Expression& e, double x, double t) {
  const std::array<double, 2> row{x, t};
  return evaluate_reference(e, row);
}

}  // namespace

double heat_solution(double x, double t, double alpha) {
  return std::exp(-alpha * std::numbers::pi * std::numbers::pi * t) * std::sin(std::numbers::pi * x);
}

HeatSolutionCheck check_heat_solution(const std::string& equation, double alpha, double tolerance,
                                      double form_tolerance) {
  if (!(alpha > 0)) throw std::invalid_argument("heat check: alpha must be > 0, got " + std::to_string(alpha));
  if (!(tolerance > 0) || !(form_tolerance > 0))
    throw std::invalid_argument("heat check: tolerances must be > 0");
  const Expression u = parse_expression(equation, {"x", "t"});
  const Expression u_x = derivative(u, kX);
  const Expression u_xx = derivative(u_x, kX);
  const Expression u_t = derivative(u, kT);

  HeatSolutionCheck c;
  c.equation = equation;
  // Interior points: sin(π x) is far from zero there, so the ratios are well conditioned.
  std::vector<double> decays, wavenumbers2;
  double largest = 0;
  std::vector<double> values;
  for (int i = 2; i <= 18; ++i) {
    for (int j = 0; j <= 20; ++j) {
      const double x = 0.05 * i, t = 0.05 * j;
      const double f = at(u, x, t);
      values.push_back(f);
      largest = std::max(largest, std::abs(f));
      decays.push_back(-at(u_t, x, t) / f);
      wavenumbers2.push_back(-at(u_xx, x, t) / f);
    }
  }
  auto all_finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
  };
  // A zero crossing inside the grid (|u| tiny next to its largest value) means the equation is
  // not the solution's shape; the ratios there would be rounding noise.
  const bool nonzero = std::all_of(values.begin(), values.end(), [&](double f) { return std::abs(f) > 1e-6 * largest; });
  c.finite = all_finite(values) && all_finite(decays) && all_finite(wavenumbers2) && largest > 0 && nonzero;
  if (!c.finite) return c;

  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double d : v) s += d;
    return s / static_cast<double>(v.size());
  };
  auto spread = [](const std::vector<double>& v, double m) {
    double worst = 0;
    for (double d : v) worst = std::max(worst, std::abs(d - m));
    return worst / std::max(std::abs(m), 1e-300);
  };
  c.decay = mean(decays);
  const double w2 = mean(wavenumbers2);
  c.decay_spread = spread(decays, c.decay);
  c.wavenumber_spread = spread(wavenumbers2, w2);
  c.separable_form = c.decay_spread <= form_tolerance && c.wavenumber_spread <= form_tolerance && w2 > 0;
  if (w2 > 0) c.wavenumber = std::sqrt(w2);

  // At t = 0: u = A sin(φ) and u_x = A w cos(φ) at x = 0.
  if (c.wavenumber > 0) {
    const double u0 = at(u, 0.0, 0.0), ux0 = at(u_x, 0.0, 0.0);
    c.phase = std::atan2(c.wavenumber * u0, ux0);
    c.amplitude = std::hypot(u0, ux0 / c.wavenumber);
  }
  const double pi = std::numbers::pi;
  c.decay_error = std::abs(c.decay - alpha * pi * pi) / (alpha * pi * pi);
  c.wavenumber_error = std::abs(c.wavenumber - pi) / pi;
  c.amplitude_error = std::abs(c.amplitude - 1.0);
  c.recovered = c.finite && c.separable_form && std::isfinite(c.phase) && c.decay_error <= tolerance &&
                c.wavenumber_error <= tolerance && c.amplitude_error <= tolerance &&
                std::abs(c.phase) / pi <= tolerance;
  return c;
}

double mse_against_solution(const std::string& equation, double alpha, int points) {
  if (points < 2) throw std::invalid_argument("MSE grid needs at least 2 points per axis, got " + std::to_string(points));
  const Expression u = parse_expression(equation, {"x", "t"});
  double sum = 0;
  for (int i = 0; i < points; ++i) {
    for (int j = 0; j < points; ++j) {
      const double x = static_cast<double>(i) / (points - 1), t = static_cast<double>(j) / (points - 1);
      const double d = at(u, x, t) - heat_solution(x, t, alpha);
      sum += d * d;
    }
  }
  return sum / (static_cast<double>(points) * points);
}

}  // namespace symtorch::examples
