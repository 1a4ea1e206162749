// Printers. Infix output round-trips exactly through parse_expression (same tree, constants
// bit-exact through shortest round-trip formatting).
//
// Formats:
// - Infix: the parser's language with the fewest parentheses that still give back the identical
//   tree (a - (b - c) and a + (b + c) keep theirs: they are different trees from a - b - c).
//   Neg prints as -x, -sin(x), -(a + b), and -(3.5) for Neg of a constant (so it is not read back
//   as the literal -3.5). A negative constant or a Neg is parenthesised as the right operand of
//   any binary operator and as the base of ^ ("x * (-2)", "(-x) ^ 2"), not as a left operand of
//   + - * / ("-2 * x"). Pow prints as a ^ b. Round trip needs variable names that are
//   identifiers (and not "inf"/"nan"); a NaN constant comes back as the canonical quiet NaN with
//   its sign (NaN payloads are not kept).
// - Latex: for display (\frac, \cdot, x_{0}, \left( \right)).
// - C: a double-precision C expression (math.h: pow, sqrt, fabs, INFINITY, NAN); constants always
//   carry a '.' or exponent so no integer division can appear. square/cube of a variable print as
//   products (x * x), of anything else as pow(a, 2) / pow(a, 3) so nesting never duplicates text.
// - SymPy: sympy.sympify-able (**, Abs, oo, nan).
// - Torch: a Python expression over torch tensors (torch.sin(x0), torch.pow(a, b), ...). Constants
//   inside a subtree without variables are written as float64 tensors so that such subtrees keep
//   IEEE semantics (Python floats would raise on 1.0 / 0.0) and torch functions get tensors.
// Variable k prints as variables[k] if given (must then be given for every feature used), else x<k>.
#pragma once

#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operator_set.hpp"

namespace symtorch {

enum class Format { Infix, Latex, C, SymPy, Torch };

// Variable k is printed as variables[k] if given, else "x<k>". Throws std::invalid_argument if
// `variables` is not empty and has no name for a feature the expression uses, or if `e` is empty.
std::string to_string(const Expression& e, const std::vector<std::string>& variables = {},
                      Format format = Format::Infix);
// The same, with constants that are multiples of pi written as `2 * pi`, `pi / 2`, `-pi`, ... only
// where the operators that text reads back as are allowed (the equations of a search).
std::string to_string(const Expression& e, const std::vector<std::string>& variables, Format format,
                      const OperatorSet& allowed);

// Shortest text that parses back to exactly `v` ("inf", "-inf", "nan", "-nan" for non-finite;
// "-0" for negative zero).
std::string format_constant(double v);

}  // namespace symtorch
