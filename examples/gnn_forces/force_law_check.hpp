// Does a learned message component, or an equation distilled from it, equal the true force law
// up to a linear transformation?
//
// Cranmer et al. (2020) show that when messages are summed into a node update that must produce
// an acceleration, a sparse (L1-penalised or bottlenecked) message vector becomes an invertible
// linear transformation of the true pairwise force. So message component k should satisfy
//     m_k ≈ a·Fx + b·Fy + c
// with (Fx, Fy) = the force law evaluated on the edge features. Both the component itself (from
// the network) and the distilled equation (evaluated on held-out edges) are tested by the
// least-squares fit of that map: R² close to 1 means the law, up to a linear transformation.
// The equation is also checked structurally: it must use the variables the law uses and no
// others (a spring force does not depend on the masses).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "simulation.hpp"

namespace symtorch::examples {

struct LinearMapFit {
  Eigen::VectorXd coefficients;  // one per basis column, then the intercept
  double r2 = 0;                 // 1 - SSE / SST of the fit
};

// Least squares y ≈ basis · a + c (column-pivoting QR, so collinear columns do not fail).
// Throws std::invalid_argument for mismatched rows or fewer rows than coefficients.
LinearMapFit fit_linear_map(const Eigen::MatrixXd& basis, const Eigen::VectorXd& y);

// The law evaluated on edge features (row-major [edges, kEdgeFeatures]): [edges, 2] = (Fx, Fy).
Eigen::MatrixXd force_basis(ForceLaw law, const LawConstants& c, const std::vector<double>& features);

// Names of the edge features the law depends on (required) and may depend on (allowed).
std::vector<std::string> law_variables(ForceLaw law);

struct EquationCheck {
  std::string equation;
  std::vector<std::string> variables_used;
  bool variables_match = false;  // uses exactly the law's variables
  LinearMapFit map;              // equation values ≈ a·Fx + b·Fy + c on the held-out edges
  bool finite = false;           // the equation is finite on every held-out edge
};

// Parses `equation` over edge_feature_names(), evaluates it on `features` (held-out edges) and
// fits the linear map of the law onto it. Throws symtorch::ParseError for an unparsable equation.
EquationCheck check_equation(ForceLaw law, const LawConstants& c, const std::string& equation,
                             const std::vector<double>& features);

// The law's one shape parameter, refitted to an equation: gravity's power p of r in
// m1 m2 (dx, dy) / r^p (true: 3), the spring's rest length L in (r - L) (dx, dy) / r (true:
// LawConstants::rest_length). For each trial value the linear map of that family onto the
// equation is fitted; the value with the largest R^2 is returned (grid, then golden-section
// refinement). An equation with the right structure gives the true value; a wrong power or rest
// length shows up here even when the R^2 of the true law is high.
struct ShapeFit {
  double value = 0;
  double r2 = 0;
  double truth = 0;
};
// Throws symtorch::ParseError for a bad equation, std::invalid_argument if it is not finite on
// the features.
ShapeFit fit_shape_parameter(ForceLaw law, const LawConstants& c, const std::string& equation,
                             const std::vector<double>& features);

// Indices of the `count` message columns with the largest standard deviation, largest first.
std::vector<int> most_significant_components(const Eigen::MatrixXd& messages, int count);

}  // namespace symtorch::examples
