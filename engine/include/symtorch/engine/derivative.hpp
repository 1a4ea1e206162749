// Symbolic differentiation.
//
// Rules (a' = d a / d x_feature; terms whose factor is structurally zero are left out):
//   (a+b)' = a' + b'    (a-b)' = a' - b'    (a*b)' = a'*b + a*b'    (a/b)' = a'/b - a*b'/b^2
//   (a^b)' = b*a^(b-1)*a' + a^b*log(a)*b', where a term is left out when a' or b' is zero: with a
//            constant exponent only the first term remains, so d(x^2) = 2*x stays finite at x < 0.
//   -a -> -a'   square -> 2*a*a'   cube -> 3*square(a)*a'   sqrt -> a'/(2*sqrt(a))
//   exp -> exp(a)*a'   log -> a'/a   sin -> cos(a)*a'   cos -> -sin(a)*a'
//   tan -> a'/square(cos(a))   tanh -> (1 - square(tanh(a)))*a'   inv -> -(a'/square(a))
//   abs -> a/abs(a)*a': the sign of a; NaN at a = 0 where |a| has no derivative (there is no
//          sign operator, and a NaN there is honest; it is a set of measure zero for fitting).
//   user f (registered with a derivative) -> f_d(a)*a'; user g(a, b) -> g_d0(a,b)*a' + g_d1(a,b)*b'
// The result is passed through simplify().
#pragma once

#include <cstdint>

#include "symtorch/engine/expression.hpp"

namespace symtorch {

// d e / d x_feature, simplified. Throws std::invalid_argument (naming the operator) when a user
// operator registered without a derivative has an operand that depends on x_feature (elsewhere it
// needs no derivative), and for an empty expression.
Expression derivative(const Expression& e, std::uint32_t feature);

}  // namespace symtorch
