// The parser's property: any text either parses or throws ParseError; what parses prints in
// every format, and its infix text parses back to the identical tree (printer.hpp promises the
// round trip bit-exact, constants included), which prints the same text again.
#pragma once

#include <string>
#include <string_view>

#include "property_violation.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/simplify.hpp"

namespace symtorch::fuzz {

inline void check_parser_input(std::string_view text) {
  Expression e;
  try {
    e = parse_expression(text);
  } catch (const ParseError&) {
    return;
  }
  const std::string printed = to_string(e);
  auto broken = [&](const std::string& what) {
    return PropertyViolation("parse -> print -> parse: " + what + "\ninput:   " + std::string(text) +
                             "\nprinted: " + printed);
  };
  Expression again;
  try {
    again = parse_expression(printed);
  } catch (const ParseError& error) {
    throw broken(std::string("the printed text does not parse: ") + error.what());
  }
  if (!(again == e)) throw broken("the printed text parses to a different tree");
  if (to_string(again) != printed) throw broken("the second print differs: " + to_string(again));
  for (const auto format : {Format::Latex, Format::C, Format::SymPy, Format::Torch}) (void)to_string(e, {}, format);
  (void)to_string(e, {}, Format::Infix, OperatorSet::all());
  (void)simplify(e);
}

}  // namespace symtorch::fuzz
