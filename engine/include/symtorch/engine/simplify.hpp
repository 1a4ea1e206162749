// Constant folding and a few algebraic identities that never change the value of an expression
// on finite inputs: x+0, x-0, x*1, x/1, 1*x, 0+x, neg(neg(x)), neg(c), x^1.
#pragma once

#include "symtorch/engine/expression.hpp"

namespace symtorch {

Expression simplify(const Expression& e);
// Only folds subtrees that contain no variables into single constants.
Expression fold_constants(const Expression& e);

}  // namespace symtorch
