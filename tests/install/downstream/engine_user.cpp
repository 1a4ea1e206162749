// Uses symtorch::engine from an installed package: parse, simplify, evaluate and print.
#include <symtorch/engine/parser.hpp>
#include <symtorch/engine/printer.hpp>
#include <symtorch/engine/simplify.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  const auto e = symtorch::simplify(symtorch::parse_expression("a * cos(b) + a * 2", {"a", "b"}));
  const std::vector<double> row{1.5, 0.0};
  const double value = symtorch::evaluate_reference(e, row);
  std::printf("engine: %s = %g at a=1.5, b=0\n", symtorch::to_string(e, {"a", "b"}).c_str(), value);
  return std::abs(value - 4.5) < 1e-12 ? 0 : 1;
}
