// Polishing helpers (white-box: engine/src/search/polish.hpp is internal to the engine).
#include <doctest/doctest.h>

#include <cmath>

#include "../../engine/src/search/polish.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/simplify.hpp"

using namespace symtorch;

TEST_CASE("phase shifts by multiples of pi/2 become plain sin/cos, with the same values") {
  const char* forms[] = {"sin(x0 + C)", "sin(C + x0)", "sin(x0 - C)", "sin(C - x0)",
                         "cos(x0 + C)", "cos(C + x0)", "cos(x0 - C)", "cos(C - x0)"};
  for (int k = -5; k <= 5; ++k) {
    const std::string c = format_constant(k * 1.5707963267948966);
    for (const char* form : forms) {
      std::string text = form;
      text.replace(text.find('C'), 1, "(" + c + ")");
      const Expression e = parse_expression(text);
      // As in polishing, the rewrite runs on simplified trees (k = 0 is simplify's business).
      const Expression r = search_detail::rewrite_phase_shifts(simplify(e));
      INFO(text << " -> " << to_string(r));
      CHECK(r.num_constants() == 0);
      for (double x : {-2.3, -0.4, 0.0, 0.7, 1.9}) {
        // Identities hold exactly; k·π/2 in double differs from the true multiple by round-off,
        // so values agree to ~1e-15 per unit of the argument.
        CHECK(evaluate_reference(r, std::vector<double>{x}) ==
              doctest::Approx(evaluate_reference(e, std::vector<double>{x})).epsilon(1e-12).scale(1));
      }
    }
  }
  // A shift of pi/2 - 1 inside a longer sum (keijzer_11 as found by the search).
  const Expression k11 = parse_expression("cos(x0 + 0.5707963267948966 + (1 - x0) * x1) + x0 * x1");
  const Expression r11 = search_detail::rewrite_phase_shifts(k11);
  INFO(to_string(r11));
  CHECK(to_string(r11).find("sin") != std::string::npos);
  CHECK(to_string(r11).find("0.57") == std::string::npos);
  for (double a : {-1.5, 0.2, 2.0})
    for (double b : {-2.5, 0.3, 1.0})
      CHECK(evaluate_reference(r11, std::vector<double>{a, b}) ==
            doctest::Approx(evaluate_reference(k11, std::vector<double>{a, b})).epsilon(1e-12).scale(1));
  // Not a multiple of pi/2: unchanged.
  const Expression keep = parse_expression("sin(x0 + 1.5)");
  CHECK(search_detail::rewrite_phase_shifts(keep) == keep);
}

TEST_CASE("zero products are dropped and the tree simplified") {
  const Expression e = parse_expression("sin((x1 * 0 + 1) * x0) + 0 / x1 + x1 * 2");
  CHECK(to_string(search_detail::drop_zero_products(e)) == to_string(parse_expression("sin(x0) + x1 * 2")));
  const Expression keep = parse_expression("x0 / 0");  // 0 only as a divisor: not a zero product
  CHECK(search_detail::drop_zero_products(keep) == keep);
}

TEST_CASE("products with constants like 1/3 are written with integer denominators") {
  const Expression e = parse_expression("x1 * (1 - (0.3333333333333333 * x0)) + -0.6666666666666666 * x1");
  CHECK(to_string(search_detail::rational_coefficients(e)) ==
        to_string(parse_expression("x1 * (1 - x0 / 3) + 2 * x1 / -3")));
  // Short decimals stay, in products or not; 0.123456 is no fraction p/q with q <= 12 or a
  // power of two up to 256.
  const Expression keep = parse_expression("0.25 * x0 + 0.3 * x1 + 0.123456 * x0 + (0.5 + x0) + 0.123456");
  CHECK(search_detail::rational_coefficients(keep) == keep);
  // A completed square's 55/64 (printed by the search as 0.8593750000000001), as a term of a sum
  // and as a factor; 1/3 inside a function argument.
  const Expression sum = parse_expression("x0 * (square(x0 + 0.375) + 0.8593750000000001) + 0.8593750000000001 * x1");
  CHECK(to_string(search_detail::rational_coefficients(sum)) ==
        to_string(parse_expression("x0 * (square(x0 + 0.375) + 55 / 64) + 55 * x1 / 64")));
  const Expression arg = parse_expression("sin(x0 + 0.3333333333333333)");
  CHECK(to_string(search_detail::rational_coefficients(arg)) == to_string(parse_expression("sin(x0 + 1 / 3)")));
}
