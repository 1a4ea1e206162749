// Symbolic derivatives: agreement with finite differences on random trees, exact forms of the
// rules, and user operators with and without derivatives.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "random_expressions.hpp"
#include "symtorch/engine/derivative.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"

using namespace symtorch;

namespace {

struct DerivativeUserOps {
  Op soft;           // softplus, with derivative
  Op hyp;            // hypot, with partials
  Op plain;          // unary, no derivative
  Op plain_binary;   // binary, no derivative
};

const DerivativeUserOps& user_ops() {
  static const DerivativeUserOps ops = [] {
    auto& r = OperatorRegistry::instance();
    DerivativeUserOps o{};
    o.soft = r.register_unary("dtest_soft", [](double x) { return std::log1p(std::exp(x)); },
                              [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
    o.hyp = r.register_binary("dtest_hyp", [](double a, double b) { return std::hypot(a, b); },
                              [](double a, double b) {
                                const double h = std::hypot(a, b);
                                return std::pair<double, double>(a / h, b / h);
                              });
    o.plain = r.register_unary("dtest_plain", [](double x) { return x * std::exp(-x * x); });
    o.plain_binary = r.register_binary("dtest_plain2", [](double a, double b) { return a * b + a; });
    return o;
  }();
  return ops;
}

std::string d(const char* text, std::uint32_t k = 0) { return to_string(derivative(parse_expression(text), k)); }

// Five-point central difference of e along feature k at `row`; NaN if a sample is not finite.
// Also returns the largest |f| sampled, which sets the rounding error of the estimate.
double five_point(const Expression& e, std::vector<double> row, std::uint32_t k, double h, double& fmax) {
  const double x = row[k];
  double f[4];
  const double offsets[4] = {-2 * h, -h, h, 2 * h};
  for (int i = 0; i < 4; ++i) {
    row[k] = x + offsets[i];
    f[i] = evaluate_reference(e, row);
    if (!std::isfinite(f[i])) return std::numeric_limits<double>::quiet_NaN();
    fmax = std::max(fmax, std::fabs(f[i]));
  }
  return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
}

}  // namespace

TEST_CASE("derivative: agrees with finite differences on random expressions") {
  const auto& user = user_ops();
  std::mt19937_64 rng(7);
  RandomTreeOptions options;
  options.unary_ops = test::builtin_unary_ops();
  options.unary_ops.push_back(user.soft);
  options.binary_ops = test::builtin_binary_ops();
  options.binary_ops.push_back(user.hyp);
  options.num_features = 2;
  options.constant_min = -3;
  options.constant_max = 3;
  constexpr double eps = std::numeric_limits<double>::epsilon();
  int attempts = 0, compared = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    options.size = 1 + trial % 20;
    const Expression e = random_expression(rng, options);
    for (std::uint32_t k = 0; k < 2; ++k) {
      const Expression de = derivative(e, k);
      CAPTURE(to_string(e));
      CAPTURE(to_string(de));
      // The printed derivative reads back as the same tree (it uses the "_d" operators too).
      CHECK(parse_expression(to_string(de)) == de);
      for (int point = 0; point < 3; ++point) {
        std::vector<double> row{-2 + 4 * random_unit(rng), -2 + 4 * random_unit(rng)};
        ++attempts;
        const double symbolic = evaluate_reference(de, row);
        // Step: truncation error of the 5-point rule is O(h^4 f^(5)), rounding O(eps |f| / h);
        // h = 1e-3 (scaled with |x|) balances them near 1e-12 for moderate derivatives.
        const double h = 1e-3 * std::max(1.0, std::fabs(row[k]));
        double fmax = 0;
        const double coarse = five_point(e, row, k, h, fmax);
        const double fine = five_point(e, row, k, h / 2, fmax);
        if (!std::isfinite(symbolic) || !std::isfinite(coarse) || !std::isfinite(fine)) continue;
        // Rounding error bound of the estimate at h/2: (1 + 8 + 8 + 1) / 12 * eps * fmax / (h/2),
        // times a safety factor of 3.
        const double rounding = 10 * eps * fmax / h;
        const double scale = std::max(1.0, std::fabs(fine));
        // Points near a singularity or a kink (log near 0, tan near pi/2, |x| near 0, x^c with
        // x near 0) show as estimates that still move when the step halves: skip those. Where
        // the step halving changes the estimate by d, the error at h/2 is about d/15.
        if (std::fabs(coarse - fine) > 1e-6 * scale + rounding) continue;
        ++compared;
        CAPTURE(row[0]);
        CAPTURE(row[1]);
        CAPTURE(k);
        CHECK(std::fabs(symbolic - fine) <= 1e-6 * scale + 2 * rounding);
      }
    }
  }
  // Most points must be usable, or the test would prove little.
  CHECK(compared > attempts / 2);
}

TEST_CASE("derivative: exact forms of the rules") {
  CHECK(d("x0") == "1");
  CHECK(d("x1") == "0");
  CHECK(d("3.5") == "0");
  CHECK(d("x0 ^ 2") == "2 * x0");
  CHECK(d("x0 ^ 3") == "3 * x0 ^ 2");
  CHECK(d("2 ^ x0") == "2 ^ x0 * 0.6931471805599453");
  CHECK(d("x0 ^ x1") == "x1 * x0 ^ (x1 - 1)");
  CHECK(d("x0 ^ x1", 1) == "x0 ^ x1 * log(x0)");
  CHECK(d("x0 * x1") == "x1");
  CHECK(d("x0 * x1", 1) == "x0");
  CHECK(d("x0 / x1") == "1 / x1");
  CHECK(d("x0 / x1", 1) == "-(x0 / square(x1))");
  CHECK(d("x0 + x1 - x0 * x0") == "1 - (x0 + x0)");
  CHECK(d("-x0") == "-1");
  CHECK(d("sin(x0)") == "cos(x0)");
  CHECK(d("cos(2 * x0)") == "-sin(2 * x0) * 2");
  CHECK(d("tan(x0)") == "1 / square(cos(x0))");
  CHECK(d("tanh(x0)") == "1 - square(tanh(x0))");
  CHECK(d("exp(x0)") == "exp(x0)");
  CHECK(d("log(x0)") == "1 / x0");
  CHECK(d("sqrt(x0)") == "1 / (2 * sqrt(x0))");
  CHECK(d("square(x0)") == "2 * x0");
  CHECK(d("cube(x0)") == "3 * square(x0)");
  CHECK(d("abs(x0)") == "x0 / abs(x0)");
  CHECK(d("inv(x0)") == "-(1 / square(x0))");
  CHECK(d("sin(x1) * x0 + exp(x1)") == "sin(x1)");
  // x^2 with a constant exponent stays finite at x < 0 (no log(x) term).
  const Expression dsq = derivative(parse_expression("x0 ^ 2"), 0);
  CHECK(evaluate_reference(dsq, std::vector<double>{-3.0}) == -6.0);
  // |x| has no derivative at 0: the sign form gives NaN there, as documented.
  CHECK(std::isnan(evaluate_reference(derivative(parse_expression("abs(x0)"), 0), std::vector<double>{0.0})));
  CHECK_THROWS_AS(derivative(Expression(), 0), std::invalid_argument);
}

TEST_CASE("derivative: user operators") {
  const auto& user = user_ops();
  const auto& r = OperatorRegistry::instance();
  // Registering with a derivative adds the partial-derivative operators.
  REQUIRE(op_info(user.soft).partials.size() == 1);
  CHECK(op_info(op_info(user.soft).partials[0]).name == "dtest_soft_d");
  CHECK(op_info(op_info(user.soft).partials[0]).derivative_of == user.soft);
  REQUIRE(op_info(user.hyp).partials.size() == 2);
  CHECK(r.find("dtest_hyp_d0") == op_info(user.hyp).partials[0]);
  CHECK(r.find("dtest_hyp_d1") == op_info(user.hyp).partials[1]);
  CHECK(op_info(user.plain).partials.empty());

  CHECK(d("dtest_soft(x0)") == "dtest_soft_d(x0)");
  CHECK(d("dtest_soft(2 * x0)") == "dtest_soft_d(2 * x0) * 2");
  CHECK(d("dtest_hyp(x0, x1)") == "dtest_hyp_d0(x0, x1)");
  CHECK(d("dtest_hyp(x0, x0 * x1)") == "dtest_hyp_d0(x0, x0 * x1) + dtest_hyp_d1(x0, x0 * x1) * x1");
  const double row[] = {0.3, -1.2};
  CHECK(evaluate_reference(derivative(parse_expression("dtest_hyp(x0, x1)"), 1), row) ==
        doctest::Approx(-1.2 / std::hypot(0.3, -1.2)).epsilon(1e-15));

  // Without a derivative: an error naming the operator, but only where it is needed.
  CHECK_THROWS_WITH_AS(derivative(parse_expression("dtest_plain(x0) + 1"), 0),
                       "operator 'dtest_plain' has no derivative (register it with one)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(derivative(parse_expression("dtest_plain2(x1, x0)"), 0),
                       "operator 'dtest_plain2' has no derivative (register it with one)", std::invalid_argument);
  CHECK(d("dtest_plain(x1) * x0") == "dtest_plain(x1)");
  // The partial operators have no derivative of their own.
  CHECK_THROWS_WITH_AS(derivative(derivative(parse_expression("dtest_soft(x0)"), 0), 0),
                       "operator 'dtest_soft_d' has no derivative (register it with one)", std::invalid_argument);

  // Registration is all or nothing: a clash on the partial's name adds nothing.
  auto& registry = OperatorRegistry::instance();
  static const Op taken = registry.register_unary("dtest_clash_d", [](double x) { return x; });
  CHECK(registry.find("dtest_clash_d") == taken);
  const std::size_t before = registry.size();
  CHECK_THROWS_WITH_AS(
      registry.register_unary("dtest_clash", [](double x) { return x; }, [](double) { return 1.0; }),
      "operator 'dtest_clash_d' is already registered", std::invalid_argument);
  CHECK(registry.size() == before);
  CHECK_FALSE(registry.find("dtest_clash").has_value());
}
