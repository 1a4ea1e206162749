// Envelope views: the envelope read off an oscillating target (views/envelope.hpp), built from
// the allowed operators, the y = h·f view, and a search whose hall of fame gains h·f during an
// envelope epoch. White-box: the views are internal to the engine.
#include <doctest/doctest.h>

#include <cmath>

#include "../../engine/src/search/views/envelope.hpp"
#include "view_support.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/random.hpp"

using namespace symtorch;
using namespace symtorch::test_support;
using search_detail::fit_variable_envelope;
using search_detail::oscillates;
using search_detail::oscillation_envelope;

namespace {

// x0 uniform in [lo, hi], y = f(x0).
Dataset one_variable(double lo, double hi, double (*f)(double), int rows = 500) {
  Dataset d;
  d.feature_names = {"x0"};
  d.features.assign(1, {});
  SearchRng rng(11);
  for (int r = 0; r < rows; ++r) {
    const double x = lo + (hi - lo) * rng.uniform();
    d.features[0].push_back(x);
    d.target.push_back(f(x));
  }
  return d;
}

// An oscillation of period ~0.3 under x³·e⁻ˣ: every slice of x (width 10/25) holds a full period.
double damped(double x) { return x * x * x * std::exp(-x) * std::sin(20 * x); }

Expression parse_x0(const char* text) { return parse_expression(text, {"x0"}); }

OperatorSet operators(std::vector<Op> binary, std::vector<Op> unary) { return OperatorSet(binary, unary); }
const std::vector<Op> kArithmetic{Op::Add, Op::Sub, Op::Mul, Op::Div};

}  // namespace

TEST_CASE("the slice maxima of |y| follow the envelope x^3 e^-x") {
  const auto e = fit_variable_envelope(one_variable(0.05, 10, damped), 0);
  REQUIRE(e);
  // The slice maximum sits within a period of the envelope's value; 0.25 on the power and
  // rate is well inside the rounding to integers (halves for the rate).
  CHECK(e->power == doctest::Approx(3).epsilon(0.25 / 3));
  CHECK(e->rate == doctest::Approx(-1).epsilon(0.25));
  CHECK(e->r2 > 0.95);
  // A variable that is not positive everywhere gets no power, only a rate.
  const auto shifted = fit_variable_envelope(one_variable(-2, 2, [](double x) { return std::exp(x) * std::sin(30 * x); }), 0);
  REQUIRE(shifted);
  CHECK(shifted->power == 0);
  CHECK(shifted->rate == doctest::Approx(1).epsilon(0.2));
  // Too few rows for 5 slices of 10, or an all-zero slice: no envelope.
  CHECK_FALSE(fit_variable_envelope(one_variable(0.05, 10, damped, 40), 0));
  CHECK_FALSE(fit_variable_envelope(one_variable(0.05, 10, [](double x) { return x < 1 ? 0.0 : std::sin(x); }), 0));
}

TEST_CASE("a target oscillates when both signs hold at least 5% of the rows beyond 2% of the peak") {
  CHECK(oscillates({1, -1, 0.5, -0.5}));
  CHECK_FALSE(oscillates({1, 2, 3, 4}));
  std::vector<double> y(100, 1.0);
  for (int i = 0; i < 4; ++i) y[static_cast<std::size_t>(i)] = -1;  // 4% below
  CHECK_FALSE(oscillates(y));
  y[4] = -1;  // 5%
  CHECK(oscillates(y));
  for (int i = 0; i < 5; ++i) y[static_cast<std::size_t>(i)] = -0.01;  // beyond 2% of the peak only counts
  CHECK_FALSE(oscillates(y));
  CHECK_FALSE(oscillates(std::vector<double>(10, 0.0)));
}

TEST_CASE("the envelope of an oscillating target, built from the allowed operators") {
  const Dataset d = one_variable(0.05, 10, damped);
  const auto h = oscillation_envelope(d, operators(kArithmetic, {Op::Sin, Op::Square, Op::Exp}));
  REQUIRE(h);
  CHECK(*h == parse_x0("square(x0) * x0 / exp(x0)"));
  CHECK(*oscillation_envelope(d, operators(kArithmetic, {Op::Sin, Op::Exp})) == parse_x0("x0 * (x0 * x0) / exp(x0)"));
  CHECK(*oscillation_envelope(d, operators(kArithmetic, {Op::Sin, Op::Square})) == parse_x0("square(x0) * x0"));  // no rate
  // Without /: the negative rate goes inside exp; without * there is no h·f to write.
  CHECK(*oscillation_envelope(d, operators({Op::Add, Op::Mul}, {Op::Sin, Op::Exp})) ==
        parse_x0("x0 * (x0 * x0) * exp(-1 * x0)"));
  CHECK_FALSE(oscillation_envelope(d, operators({Op::Add, Op::Sub, Op::Div}, {Op::Sin, Op::Exp})));
  // Positive targets, plain oscillations and oscillations under a constant envelope have none.
  const OperatorSet sin_exp = operators(kArithmetic, {Op::Sin, Op::Exp});
  CHECK_FALSE(oscillation_envelope(one_variable(0.05, 10, [](double x) { return x * x * x * std::exp(-x); }), sin_exp));
  CHECK_FALSE(oscillation_envelope(one_variable(0.05, 10, [](double x) { return std::sin(20 * x); }), sin_exp));
  // A rate of 1.5 is written as a product inside exp; a negative power divides, or, without /,
  // takes inv where allowed (else there is no envelope).
  const Dataset rising = one_variable(0.5, 6, [](double x) { return std::exp(1.5 * x) / x * std::sin(25 * x); });
  REQUIRE(oscillation_envelope(rising, operators(kArithmetic, {Op::Exp})));
  CHECK(*oscillation_envelope(rising, operators(kArithmetic, {Op::Exp})) == parse_x0("exp(1.5 * x0) / x0"));
  CHECK(*oscillation_envelope(rising, operators({Op::Mul}, {Op::Exp, Op::Inv})) == parse_x0("inv(x0) * exp(1.5 * x0)"));
  CHECK_FALSE(oscillation_envelope(rising, operators({Op::Mul}, {Op::Exp})));
}

TEST_CASE("an envelope view fits f to y / h and restores h * f") {
  const Dataset d = one_variable(0.05, 10, damped, 50);
  const auto view = view_of("envelope", {{"factor", {"$0", "square", "$0", "*", "$0", "exp", "/"}}}, d);
  const Dataset q = view->transform(d);
  // Weighted by h² (mean 1), so that a weighted loss on y / h is the loss on y.
  REQUIRE(q.weights.size() == d.rows());
  double h2_sum = 0;
  for (std::size_t row = 0; row < d.rows(); ++row) {
    const double x = d.features[0][row], h = x * x * x * std::exp(-x);
    h2_sum += h * h;
    CHECK(q.target[row] == doctest::Approx(std::sin(20 * x)).epsilon(1e-12));
  }
  for (std::size_t row = 0; row < d.rows(); ++row) {
    const double x = d.features[0][row], h = x * x * x * std::exp(-x);
    CHECK(q.weights[row] == doctest::Approx(h * h * static_cast<double>(d.rows()) / h2_sum).epsilon(1e-12));
  }
  // Given weights are multiplied.
  Dataset weighted = d;
  weighted.weights.assign(d.rows(), 1.0);
  weighted.weights[0] = 3;
  const Dataset qw = view->transform(weighted);
  CHECK(qw.weights[0] / qw.weights[1] == doctest::Approx(3 * q.weights[0] / q.weights[1]).epsilon(1e-12));
  CHECK(view->restore(parse_x0("sin(20 * x0)")) == parse_x0("square(x0) * x0 / exp(x0) * sin(20 * x0)"));
  CHECK(view->root_complexity() == 8);  // h's 7 nodes and the product
  CHECK(view->policy().every_unary);
  CHECK(view->describe({"x0"}) == "y = h * f, h = square(x0) * x0 / exp(x0)");
  CHECK(view->added_operators() == std::vector<Op>{Op::Mul, Op::Square, Op::Exp, Op::Div});
}

TEST_CASE("during an envelope epoch the islands fit f to y / h and the hall of fame gains h * f") {
  // y = x1² e^-x1 sin(x0), x0 in [-3, 3]: every slice of x1 holds rows with |sin(x0)| near 1.
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, {});
  SearchRng rng(12);
  for (int r = 0; r < 300; ++r) {
    const double x0 = -3 + 6 * rng.uniform(), x1 = 0.05 + 10 * rng.uniform();
    d.features[0].push_back(x0);
    d.features[1].push_back(x1);
    d.target.push_back(x1 * x1 * std::exp(-x1) * std::sin(x0));
  }
  SearchOptions o = small_search_options();
  o.unary_operators = {Op::Sin, Op::Exp};
  o.operator_subsets = 1;          // every island takes part
  o.subset_redraw_iterations = 2;  // fixed epochs at 0-5; cycle: exp outer epoch (y < 0 somewhere:
  o.views = {"outer", "envelope"};  // none applies) at 6-7, 8-9, 10-11; envelope at 12-13
  o.threads = 1;
  const auto [after, gained, r] = run_between(d, o, 12, 14, "symtorch_envelope.json");
  CHECK(r.stats.views_searched == std::vector<std::string>{"y = h * f, h = x1 * x1 / exp(x1)"});  // no square
  CHECK(!gained.empty());
  // Restored as h * f, h first.
  const nlohmann::json h = nlohmann::json::parse(R"(["$1", "$1", "*", "$1", "exp", "/"])");
  for (const auto& m : gained) {
    INFO(m.dump());
    const auto& expr = m.at("expr");
    REQUIRE(expr.size() > h.size());
    CHECK(nlohmann::json(std::vector<nlohmann::json>(expr.begin(), expr.begin() + 6)) == h);
    CHECK(expr.back() == "*");
  }
  INFO(r.best().expression);
  CHECK(r.best().loss < 1e-20);  // y / h = sin(x0)
  // The same front with 3 threads as with 1.
  o.threads = 3;
  o.niterations = 14;
  const SearchResult three = run_search(d, o);
  REQUIRE(three.front.size() == r.front.size());
  for (std::size_t i = 0; i < r.front.size(); ++i) CHECK(three.front[i].expression == r.front[i].expression);
  // Before the envelope epoch, none is reported.
  o.niterations = 12;
  CHECK(run_search(d, o).stats.views_searched.empty());
}
