// Is a distilled equation u(x, t) the heat equation's solution u = exp(-α π² t)·sin(π x)?
//
// The check is semantic, so that any way of writing the solution passes (sin(3.14159*x) *
// exp(-0.98696*t), sin(x*c)/exp(t*c'), cos(c*x + d) with d = -π/2, ...) and nothing else does.
// Every function of the form A·exp(-k t)·sin(w x + φ) — and only such a function, for w ≠ 0 —
// satisfies on its support
//     -u_t / u = k   and   -u_xx / u = w²,   both constant.
// So the equation's symbolic derivatives (engine::derivative) are evaluated on an interior grid:
// the two ratios must be constant to `form_tolerance` (a relative spread; exact forms give
// rounding-level spreads), and then k, w, A and φ are read off and compared with α π², π, 1 and 0.
#pragma once

#include <string>

namespace symtorch::examples {

double heat_solution(double x, double t, double alpha);  // exp(-α π² t) sin(π x)

struct HeatSolutionCheck {
  std::string equation;
  bool finite = false;          // finite (and nonzero where the ratios are taken) on the grid
  bool separable_form = false;  // both ratios constant: the form A·exp(-k t)·sin(w x + φ)
  double decay_spread = 0;      // max |k_i - k| / |k| over the grid
  double wavenumber_spread = 0; // max |w²_i - w²| / w²
  double decay = 0;             // k
  double wavenumber = 0;        // w
  double amplitude = 0;         // A
  double phase = 0;             // φ (radians)
  double decay_error = 0;       // |k - α π²| / (α π²)
  double wavenumber_error = 0;  // |w - π| / π
  double amplitude_error = 0;   // |A - 1|
  bool recovered = false;       // form, and every error (phase: |φ| / π) within the tolerance
};

// `equation` is over the variables x and t. Throws symtorch::ParseError for a bad equation and
// std::invalid_argument for alpha <= 0 or tolerances <= 0.
HeatSolutionCheck check_heat_solution(const std::string& equation, double alpha, double tolerance = 0.01,
                                      double form_tolerance = 1e-6);

// Mean squared difference between the equation and heat_solution on the grid
// x_i = i / (points - 1), t_j = j / (points - 1), evaluated in double. Throws
// std::invalid_argument for points < 2.
double mse_against_solution(const std::string& equation, double alpha, int points);

}  // namespace symtorch::examples
