// Constant folding and a few algebraic identities that never change the value of an expression
// on finite inputs: x+0, x-0, x*1, x/1, 1*x, 0+x, neg(neg(x)), neg(c), x^1.
//
// Folding: an operator whose operands are all constants becomes one constant computed exactly as
// the reference evaluator would (apply_unary / apply_binary in double), so the value is bit-for-bit
// the same. A fold whose result is NaN or ±Inf is NOT done (except neg, an exact sign flip): the
// subtree (e.g. log(-1), 1/0, exp(1000)) stays, so the text shows where the non-finite value comes
// from and constant optimisation can still move the constants inside it.
//
// Identities, applied bottom-up and repeated until nothing changes:
//   x + 0, 0 + x, x - 0 -> x;  0 - x -> -x;  x * 1, 1 * x, x / 1, x ^ 1 -> x;  x ^ 0, 1 ^ x -> 1;
//   x * -1, -1 * x, x / -1 -> -x;  -(-x) -> x;  -(c) -> constant -c;
//   x + (-y) -> x - y;  x - (-y) -> x + y;  (-x) + y -> y - x;  (-x) * (-y) -> x * y;
//   (-x) / (-y) -> x / y;  x + c -> x - |c| and x - c -> x + |c| for c < 0;  c + y -> y - |c| for c < 0.
// All are exact in IEEE arithmetic (same bits) except the ones that drop an added or subtracted
// zero (x + 0, 0 - x, ...): they can turn a result of +0 into -0 or back. -0 == +0, so the value
// is the same; only a later division by that zero could see the sign. Nothing here changes NaN or
// Inf propagation: no rule removes a subexpression that could be non-finite (no x*0 -> 0, no x-x -> 0),
// except x ^ 0 and 1 ^ x, which C99 defines as 1 for every x, NaN included (pow(NaN, 0) = 1).
#pragma once

#include <span>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operator_set.hpp"

namespace symtorch {

// Every function here takes the operators its result may contain (`allowed`, default every
// operator): a rule whose result needs another operator (x + (-y) -> x - y without -, x * -1 ->
// -x without neg) is not applied, so an equation of allowed operators stays one.
Expression simplify(const Expression& e, const OperatorSet& allowed = OperatorSet::all());
// Only folds subtrees that contain no variables into single constants.
Expression fold_constants(const Expression& e);

// simplify() plus rewrites that make equations shorter but may change the value by rounding, or
// where the original is not finite; for the search, which refits constants anyway and only keeps
// equations with a finite loss:
//   constants merged through products and quotients: c·(d·u) -> (c·d)·u, c/(d·u) -> (c/d)/u,
//     (c·u)·(d·v) -> (c·d)·(u·v), (c·u)·v -> c·(u·v), -(c·u) -> (-c)·u;
//   square(c·u) -> c²·square(u), sqrt(c·u) -> sqrt(c)·sqrt(u) for c > 0;
//   constants merged through sums: (u + c) + d -> u + (c + d), (u + c) ± v -> (u ± v) + c;
//   like terms: c·u ± d·u -> (c ± d)·u (also u + u -> 2·u); u - u -> 0, u / u -> 1.
// A merge that would produce a non-finite constant is not done.
Expression simplify_algebra(const Expression& e, const OperatorSet& allowed = OperatorSet::all());

// Rewrites that shorten an equation and keep its value, given the operators it may use:
// u·u -> square(u) (when square is allowed; bit-exact: both round x·x once), and for the
// even functions (Parity::Even: cos, square, abs): f(-u) -> f(u) (-u written as neg(u) or
// (-1)·u), and f(c·u) -> f(-c·u) for c < 0 (same size; one form for the cache).
// Found as sin(x1*x1)*cos(-x1) - 1 (complexity 10), the law sin(square(x1))*cos(x1) - 1 has
// complexity 8: on noisy data the longer form loses its complexity slot to shapes that fit the noise.
Expression shorten_with_operators(const Expression& e, const OperatorSet& allowed);

}  // namespace symtorch
