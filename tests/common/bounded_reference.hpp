// Reference evaluation with a running bound on how far a correct implementation in scalar type
// T may differ from it, for comparing kernels with the reference on random expressions (where a
// fixed relative tolerance is meaningless: x - y cancels, exp amplifies, 1/x blows up).
//
// The value is computed exactly as symtorch::evaluate_reference does (double, apply_unary /
// apply_binary), except that constants are first rounded to T, as a T kernel stores them.
// The bound E of a node is
//     E = P + R
// P: how far the operation moves when its operands move by their bounds E_i. Exact worst-case
//    bounds where they are cheap (|(x+d)^2 - x^2| <= 2|x|e + e^2, |sin(x+d) - sin x| <= |cos x| e
//    + e^2/2, |exp(x+d) - exp x| <= |exp x| expm1(e), |log(x+d) - log x| <= -log1p(-e/|x|),
//    ...), first order with a relative-change limit for pow.
// R: the rounding of this operation in the implementation under test, k_T ulp_T, plus the
//    reference's own, k_ref ulp_double, measured on |v| + P; k_T = 0.5 for + - * / sqrt (IEEE
//    rounds them correctly), 4 for sin cos tan tanh exp log pow (the documented maximum of
//    glibc's libmvec; SLEEF u10 is within 1 ulp); k_ref = 1 (glibc's scalar libm). ulp(v) <= 2u|v|
//    with u the unit roundoff; 4 * smallest normal of T is added for subnormal results, whose
//    ulp is absolute.
// Non-finite values are exact when they follow from exact operands (inf input, x/0 with exact
// operands, log(0), NaN propagation, log of a clearly negative number); then the
// implementation must give the same class (NaN, +inf, -inf).
// A node is "unstable" (E = inf: not compared) when a bound is not trustworthy: an operand
// within its bound of a singularity (0 for log, sqrt, 1/x, x/y; a pole of tan), a result within
// its bound of overflow in T, or a non-finite result reached from inexact operands.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch::testing {

struct Bounded {
  double v = 0;  // reference value
  double e = 0;  // bound on |implementation - v|; inf = not comparable
  bool stable() const { return std::isfinite(e); }
};

template <typename T>
class BoundedReference {
 public:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  static constexpr double kUnitT = std::numeric_limits<T>::epsilon() / 2;
  static constexpr double kUnitD = std::numeric_limits<double>::epsilon() / 2;
  static constexpr double kMaxT = static_cast<double>(std::numeric_limits<T>::max());
  static constexpr double kTinyT = 4.0 * static_cast<double>(std::numeric_limits<T>::min());

  Bounded evaluate(const Expression& e, std::span<const double> row) {
    stack_.clear();
    for (const Node& n : e.nodes()) {
      if (n.op == Op::Const) {
        stack_.push_back({static_cast<double>(static_cast<T>(n.value)), 0.0});
      } else if (n.op == Op::Var) {
        stack_.push_back({row[n.feature], 0.0});
      } else if (n.arity == 1) {
        stack_.back() = unary(n.op, stack_.back());
      } else {
        Bounded b = stack_.back();
        stack_.pop_back();
        stack_.back() = binary(n.op, stack_.back(), b);
      }
    }
    return stack_.back();
  }

 private:
  // Math-library calls (OperatorInfo::math_library) round to within 4 ulp; instructions
  // correctly.
  static bool transcendental(Op op) { return op_info(op).math_library; }

  // Result with propagated bound p from finite operands.
  static Bounded finish(Op op, double v, double p, double extra_roundings = 0) {
    if (!std::isfinite(p)) return {v, kInf};
    const double kt = (transcendental(op) ? 4.0 : 0.5) + extra_roundings;
    const double kd = transcendental(op) ? 1.0 : 0.5;
    const double e = p + (kt * 2 * kUnitT + kd * 2 * kUnitD) * (std::fabs(v) + p) + kTinyT;
    if (std::fabs(v) + e > kMaxT) return {v, kInf};  // may overflow in T
    return {v, e};
  }

  static Bounded exact_nonfinite(double v) { return {v, 0.0}; }

  // A non-finite operand or result: exact iff the operands are (or a NaN operand that is exact
  // absorbs everything except in pow: pow(x, 0) = 1, pow(1, y) = 1).
  static Bounded nonfinite_case(Op op, double v, std::initializer_list<Bounded> args) {
    bool exact = true;
    for (const Bounded& a : args) exact = exact && a.e == 0;
    if (exact) return std::isfinite(v) ? finish(op, v, 0) : exact_nonfinite(v);
    if (op != Op::Pow)
      for (const Bounded& a : args)
        if (std::isnan(a.v) && a.e == 0) return exact_nonfinite(v);
    return {v, kInf};
  }

  // The operand stays on one side of 0, at least half its magnitude away.
  static bool away_from_zero(const Bounded& a) { return a.e <= 0.5 * std::fabs(a.v); }

  Bounded unary(Op op, Bounded a) {
    const double v = apply_unary(op, a.v);
    if (!a.stable()) return {v, kInf};
    const double x = a.v, e = a.e;
    if (std::isfinite(x) && std::isnan(v) && (op == Op::Log || op == Op::Sqrt) && x < 0 && away_from_zero(a))
      return exact_nonfinite(v);  // log/sqrt of a number that is negative whatever its error
    if (!std::isfinite(x) || !std::isfinite(v)) return nonfinite_case(op, v, {a});
    switch (op) {
      case Op::Neg:
      case Op::Abs: return {v, e};  // exact operations
      case Op::Square: return finish(op, v, 2 * std::fabs(x) * e + e * e);
      case Op::Cube:  // (x*x)*x: two roundings
        return finish(op, v, 3 * x * x * e + 3 * std::fabs(x) * e * e + e * e * e, 0.5);
      case Op::Sqrt:
        if (e > 0 && !away_from_zero(a)) return {v, kInf};
        return finish(op, v, std::sqrt(x) - std::sqrt(std::max(x - e, 0.0)));
      case Op::Inv:
        if (e > 0 && !away_from_zero(a)) return {v, kInf};
        return finish(op, v, e / (std::fabs(x) * (std::fabs(x) - e)));
      case Op::Log:
        if (e > 0 && !away_from_zero(a)) return {v, kInf};
        return finish(op, v, -std::log1p(-e / std::fabs(x)));
      case Op::Exp: return finish(op, v, std::fabs(v) * std::expm1(e));
      case Op::Sin: return finish(op, v, std::fabs(std::cos(x)) * e + e * e / 2 + trig_reduction(x));
      case Op::Cos: return finish(op, v, std::fabs(std::sin(x)) * e + e * e / 2 + trig_reduction(x));
      case Op::Tan: {
        // First order with slope 1 + tan^2; require the slope to change little over the bound.
        const double d = e + trig_reduction(x);
        const double slope = 1 + v * v;
        if (d * 2 * std::fabs(v) * slope > 1e-3 * slope) return {v, kInf};
        return finish(op, v, slope * d * 1.01);
      }
      case Op::Tanh: return finish(op, v, (1 - v * v) * e + 0.4 * e * e);  // |tanh''| < 0.77
      default: return {v, kInf};
    }
  }

  // Float arguments beyond 2^20 lose the fraction of a period that matters for sin/cos; a T
  // implementation may reduce them differently from the double reference.
  static double trig_reduction(double x) { return std::fabs(x) > 1048576.0 ? 2 * kUnitT * std::fabs(x) : 0.0; }

  Bounded binary(Op op, Bounded a, Bounded b) {
    const double v = apply_binary(op, a.v, b.v);
    if (!a.stable() || !b.stable()) return {v, kInf};
    const double x = a.v, y = b.v;
    if (!std::isfinite(x) || !std::isfinite(y) || !std::isfinite(v)) {
      if (op == Op::Pow && std::isnan(v) && std::isfinite(x) && std::isfinite(y) && x < 0 && away_from_zero(a) &&
          b.e < 0.5 * std::fabs(y - std::nearbyint(y)))
        return exact_nonfinite(v);  // negative base, exponent clearly not an integer
      return nonfinite_case(op, v, {a, b});
    }
    switch (op) {
      case Op::Add:
      case Op::Sub: return finish(op, v, a.e + b.e);
      case Op::Mul: return finish(op, v, std::fabs(y) * a.e + std::fabs(x) * b.e + a.e * b.e);
      case Op::Div:
        if (b.e > 0 && !away_from_zero(b)) return {v, kInf};
        return finish(op, v, (a.e + std::fabs(v) * b.e) / (std::fabs(y) - b.e));
      case Op::Pow: {
        if (a.e == 0 && b.e == 0) return finish(op, v, 0);
        if (x == 0 || (x < 0 && b.e > 0) || !away_from_zero(a)) return {v, kInf};
        // d/dx = y v / x, d/dy = v log|x|; first order while the relative change stays small.
        const double rel = std::fabs(y / x) * a.e + std::fabs(std::log(std::fabs(x))) * b.e;
        if (rel > 1e-3) return {v, kInf};
        return finish(op, v, std::fabs(v) * rel * 1.01);
      }
      default: return {v, kInf};
    }
  }

  std::vector<Bounded> stack_;
};

}  // namespace symtorch::testing
