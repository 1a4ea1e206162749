// Operator conformance: every built-in operator of the registry, evaluated alone by a backend
// (interpreter, native JIT, torch op, GPU), must give the reference evaluator's value
// (apply_unary / apply_binary in double) on a grid of inputs that covers its domain and its
// edges: NaN, ±inf, ±0, ±1, values that overflow in float, subnormals, the boundaries of the
// operator's domain (OperatorInfo::domain), and ordinary values. A finite value must lie within
// the bound of bounded_reference.hpp (the operation's rounding in T plus the reference's); a
// non-finite one must be of the same class (NaN, +inf, -inf). The operator list comes from the
// registry, so a new operator is checked by every backend without a test change.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "bounded_reference.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operators.hpp"

namespace symtorch::testing {

// Every built-in operator (not leaves, not user or derivative operators).
inline std::vector<Op> conformance_operators() {
  std::vector<Op> out;
  for (std::uint8_t code = 0; code < kFirstUserOp; ++code) {
    const Op op = static_cast<Op>(code);
    if (!is_leaf(op)) out.push_back(op);
  }
  return out;
}

// op(x0) or x0 op x1.
inline Expression single_operator(Op op) {
  if (op_info(op).arity == 1) return Expression::unary(op, Expression::variable(0));
  return Expression::binary(op, Expression::variable(0), Expression::variable(1));
}

// Inputs (x0, x1) for op in precision T, as doubles (the values a T backend receives).
template <typename T>
std::vector<std::vector<double>> conformance_rows(Op op) {
  const bool single = sizeof(T) == 4;
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const double pi = std::numbers::pi;
  std::vector<double> values{nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 10.0, -10.0, 1e-3, -1e-3,
                             pi, -pi, pi / 2, -pi / 2, 3 * pi / 4, 0.75, 1.5, 7.25, -7.25,
                             single ? 1e30 : 1e300, single ? -1e30 : -1e300,  // square overflows
                             single ? 1e-40 : 1e-310,                          // subnormal
                             single ? 88.0 : 709.0, single ? 90.0 : 710.0,     // exp near / past overflow
                             single ? -104.0 : -746.0, 1e6, -1e6};
  // The boundary of the domain, approached from both sides.
  switch (op_info(op).domain) {
    case Domain::NonNegative:
    case Domain::Positive:
    case Domain::NonZero:
      for (double v : {1e-6, -1e-6, 1e-20, -1e-20}) values.push_back(v);
      break;
    case Domain::Poles:
      for (double v : {pi / 2 - 1e-4, pi / 2 + 1e-4, -pi / 2 + 1e-3}) values.push_back(v);
      break;
    case Domain::Real: break;
  }
  std::vector<std::vector<double>> rows;
  auto to_t = [](double v) { return static_cast<double>(static_cast<T>(v)); };
  if (op_info(op).arity == 1) {
    for (double v : values) rows.push_back({to_t(v), 0.0});
  } else {
    const std::vector<double> second{nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0, 2.5, -0.5, 1e-3, 1e3};
    for (double a : values)
      for (double b : second) rows.push_back({to_t(a), to_t(b)});
  }
  return rows;
}

inline bool same_class(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return true;
}

// Checks a backend's outputs `got` (one per row of conformance_rows<T>(op)) against the
// reference; returns how many values had a trustworthy bound and were compared.
template <typename T>
std::size_t check_against_reference(const std::string& backend, Op op, const std::vector<std::vector<double>>& rows,
                                    const std::vector<double>& got) {
  REQUIRE(got.size() == rows.size());
  const Expression e = single_operator(op);
  BoundedReference<T> reference;
  std::size_t compared = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Bounded want = reference.evaluate(e, rows[r]);
    if (!want.stable()) continue;
    ++compared;
    INFO(backend << ": " << op_info(op).name << "(" << rows[r][0]
                 << (op_info(op).arity == 2 ? ", " + std::to_string(rows[r][1]) : std::string()) << ") = " << got[r]
                 << ", reference " << want.v << " +- " << want.e);
    CHECK(same_class(got[r], want.v));
    if (std::isfinite(want.v) && std::isfinite(got[r])) CHECK(std::fabs(got[r] - want.v) <= want.e);
  }
  return compared;
}

}  // namespace symtorch::testing
