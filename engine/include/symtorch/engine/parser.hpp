// Infix parser. Grammar (precedence low→high): + -, * /, unary -, ^ (right-assoc, also **),
// calls name(a[, b]), numbers (incl. inf, nan), variables from the given names.
//
// Details (all tested in tests/engine/test_parser.cpp):
// - + - * / are left-associative; ^ and ** are right-associative and bind tighter than unary
//   minus, so -x^2 = -(x^2) and 2^-x = 2^(-x).
// - Numbers: any C decimal or hexadecimal floating literal (1, 1.5, 1., .5, 1e-3, 0x1.8p1) and
//   the words inf and nan. A literal outside the double range (1e999, 1e-999) is an error rather
//   than a silent inf or 0.
// - A '-' where an operand is expected, followed by a numeric literal, is a negative constant:
//   "-2.5" is Const(-2.5), "-0" is Const(-0.0), "-inf" is Const(-inf), "x*-2" is x*Const(-2).
//   '-(' or '-name' is the Neg operator. Exception, so that the rule agrees with -x^2 = -(x^2):
//   when the literal is the base of a power, the '-' is Neg: "-2^x" = Neg(2^x); write "(-2)^x"
//   for the negative base. There is no unary plus.
// - Calls: every unary and binary operator of the OperatorRegistry by name (sqrt(a), pow(a, b),
//   user operators, and the aliases add/sub/mul/div), with the operator's exact argument count.
// - Variables: the names in `variables` (feature k = variables[k]); if it is empty, x0, x1, ...
//   (canonical spelling: "x01" is not x1). An identifier followed by '(' is always a call.
// - Errors throw ParseError naming the 1-based column and the offending token, e.g.
//   "unknown variable 'z' at column 5", "expected ')' at column 9, got end of input".
// - No recursion: any nesting depth parses (expressions are limited to 65535 nodes).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch {

class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& message, std::size_t column, std::string token);
  std::size_t column() const { return column_; }  // 1-based column in the input text, in bytes
  const std::string& token() const { return token_; }

 private:
  std::size_t column_;
  std::string token_;
};

// Variables are looked up in `variables`; if it is empty, names x0, x1, ... are accepted.
// Throws std::invalid_argument if `variables` holds "inf" or "nan" (they would be ambiguous with
// the constants) or the same name twice.
Expression parse_expression(std::string_view text, const std::vector<std::string>& variables = {});

}  // namespace symtorch
