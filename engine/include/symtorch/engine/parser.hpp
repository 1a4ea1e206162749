// Infix parser. Grammar (precedence low→high): + -, * /, unary -, ^ (right-assoc, also **),
// calls name(a[, b]), numbers (incl. inf, nan), variables from the given names.
// A '-' directly followed by a numeric literal is a negative constant; '-(' or '-name' is Neg.
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
  std::size_t column() const { return column_; }  // 1-based column in the input text
  const std::string& token() const { return token_; }

 private:
  std::size_t column_;
  std::string token_;
};

// Variables are looked up in `variables`; if it is empty, names x0, x1, ... are accepted.
Expression parse_expression(std::string_view text, const std::vector<std::string>& variables = {});

}  // namespace symtorch
