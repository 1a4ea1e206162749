// Problem views (engine/src/search/views/): which views of each kind apply to a data set, the
// data they give the islands, how a find is restored over the user's variables, the operators
// that takes, chains, and specs that rebuild the same view. White-box: the views are internal
// to the engine.
#include <doctest/doctest.h>

#include <cmath>

#include "../../engine/src/search/symmetry.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/random.hpp"
#include "view_support.hpp"

using namespace symtorch;
using namespace symtorch::test_support;
using search_detail::ChainView;
using search_detail::merged_variables;
using search_detail::ViewPtr;

namespace {

Dataset with_target(std::vector<double> y) {
  Dataset d;
  d.feature_names = {"x0"};
  d.features.assign(1, std::vector<double>(y.size()));
  for (std::size_t r = 0; r < y.size(); ++r) d.features[0][r] = static_cast<double>(r);
  d.target = std::move(y);
  return d;
}

// The operators of each applicable outer view.
std::vector<std::string> outer_operators(const Dataset& d, const SearchOptions& o) {
  std::vector<std::string> out;
  for (const auto& v : applicable_views("outer", d, o)) out.push_back(v->spec().parameters.at("operator"));
  return out;
}

SearchOptions with_unary(std::vector<Op> unary) {
  SearchOptions o;
  o.unary_operators = std::move(unary);
  return o;
}

}  // namespace

TEST_CASE("outer views: every allowed invertible unary operator whose inverse is finite on y (in float too), in the order listed") {
  using S = std::vector<std::string>;
  const SearchOptions o = with_unary({Op::Sin, Op::Exp, Op::Log, Op::Sqrt});
  CHECK(outer_operators(with_target({0.5, 1, 3}), o) == S{"exp", "log", "sqrt"});
  CHECK(outer_operators(with_target({-0.5, 1, 3}), o) == S{"log"});          // no log y, no y² for sqrt
  CHECK(outer_operators(with_target({0, 1, 3}), o) == S{"log", "sqrt"});     // log 0 = -inf
  CHECK(outer_operators(with_target({1, 2, 89}), o) == S{"exp", "sqrt"});    // e^89 > FLT_MAX
  CHECK(outer_operators(with_target({1e20, 2e20}), o) == S{"exp"});          // 4e40 and e^1e20 > FLT_MAX
  CHECK(outer_operators(with_target({2, 2, 2}), o).empty());                 // constant: nothing to fit
  // sin and square have no one-to-one inverse; g must be an operator of the search.
  CHECK(outer_operators(with_target({0.5, 1, 3}), with_unary({Op::Sin, Op::Square})).empty());
  // cube, inv and tanh are invertible too.
  CHECK(outer_operators(with_target({-0.5, 0.25, 0.75}), with_unary({Op::Cube, Op::Inv, Op::Tanh})) ==
        S{"cube", "inv", "tanh"});
  CHECK(outer_operators(with_target({-0.5, 0, 0.75}), with_unary({Op::Inv, Op::Tanh})) == S{"tanh"});  // 1/0

  const Dataset d = with_target({0.5, 1, 3});
  const ViewPtr sqrt_view = view_of("outer", {{"operator", "sqrt"}}, d);
  const Dataset squared = sqrt_view->transform(d);
  CHECK(squared.target == std::vector<double>{0.25, 1, 9});
  CHECK(squared.features == d.features);
  CHECK(view_of("outer", {{"operator", "log"}}, d)->transform(d).target[1] == std::exp(1.0));
  CHECK(view_of("outer", {{"operator", "exp"}}, d)->transform(d).target[2] == std::log(3.0));
  CHECK(sqrt_view->restore(parse_expression("x0 + 1", {"x0"})) == parse_expression("sqrt(x0 + 1)", {"x0"}));
  CHECK(sqrt_view->added_operators() == std::vector<Op>{Op::Sqrt});
  CHECK(sqrt_view->root_complexity() == 1);
  CHECK(sqrt_view->policy().without_unary == Op::Sqrt);  // f is searched without g
  CHECK(sqrt_view->describe({"x0"}) == "y = sqrt(f)");
  CHECK_THROWS_WITH_AS(view_of("outer", {{"operator", "sin"}}, d), "'sin' is not an invertible unary operator",
                       std::runtime_error);
}

TEST_CASE("numerator views apply where x_k / y is finite (in float too), not constant, and / is allowed") {
  Dataset d = with_target({0.5, 1, 3, 2});  // x0 = 0, 1, 2, 3
  d.features.push_back({1, 2, 6, 4});        // x1 = 2y: x1 / y constant
  d.features.push_back({1, 1, 1e-38, 1});    // x2 / y = 1e-38 / 3 is a float denormal, still finite
  d.features.push_back({1, 1, 1, 1});
  d.feature_names = {"x0", "x1", "x2", "x3"};
  SearchOptions o;
  auto variables = [&] {
    std::vector<int> out;
    for (const auto& v : applicable_views("numerator", d, o)) out.push_back(v->spec().parameters.at("variable"));
    return out;
  };
  CHECK(variables() == std::vector<int>{0, 2, 3});
  d.target[3] = 1e-39;  // x / y > FLT_MAX for x0, x2 and x3
  CHECK(variables().empty());
  d.target[3] = 0;
  CHECK(variables().empty());
  d.target[3] = 2;
  o.binary_operators = {Op::Add, Op::Sub, Op::Mul};  // without / there is no x_k / f to write
  CHECK(variables().empty());
  // Linear scaling only where * and + are allowed.
  o.binary_operators = {Op::Sub, Op::Div};
  CHECK_FALSE(applicable_views("numerator", d, o).front()->policy().linear_scaling);
  o.binary_operators = {Op::Add, Op::Mul, Op::Div};
  CHECK(applicable_views("numerator", d, o).front()->policy().linear_scaling);
  o.scale_numerator_views = false;
  CHECK_FALSE(applicable_views("numerator", d, o).front()->policy().linear_scaling);
}

TEST_CASE("a numerator view fits f to x_k / y and restores x_k / f; over merged variables x_k is one of them") {
  Dataset d = four_features(20, 4, [](const double* x) { return x[0] * x[1] / (x[2] + x[3]); });
  const auto& names = d.feature_names;
  const ViewPtr merge = view_of("merge", {{"variables", {{"$0", "$1", "*"}, {"$2"}, {"$3"}}}}, d);
  const Dataset merged = merge->transform(d);
  REQUIRE(merged.num_features() == 3);
  const ViewPtr numerator = view_of("numerator", {{"variable", 0}, {"scaled", true}}, merged);
  const ChainView chain({merge, numerator});
  const Dataset m = chain.transform(d);
  REQUIRE(m.num_features() == 3);
  for (std::size_t row = 0; row < d.rows(); ++row)
    CHECK(m.target[row] == doctest::Approx(d.features[2][row] + d.features[3][row]).epsilon(1e-14));
  const Expression f = parse_expression("v1 + v2", {"v0", "v1", "v2"});
  CHECK(chain.restore(f) == parse_expression("x0*x1 / (x2 + x3)", names));
  CHECK(chain.root_complexity() == 4);  // x0, x1, *, /
  CHECK(chain.policy().linear_scaling);  // every part's policy
  CHECK(chain.describe(names) == "merged variables (x0 * x1, x2, x3) with y = x0 * x1 / f");
  // Over the original variables x_k is x_k.
  const ViewPtr plain = view_of("numerator", {{"variable", 2}, {"scaled", false}}, d);
  CHECK(plain->restore(parse_expression("x0 + 1", names)) == parse_expression("x2 / (x0 + 1)", names));
  CHECK(plain->transform(d).target[3] == d.features[2][3] / d.target[3]);
  CHECK(plain->added_operators() == std::vector<Op>{Op::Div});
  // A spec rebuilds the same view; a chain's spec holds its parts.
  CHECK(search_detail::view_from_spec(chain.spec(), d)->spec() == chain.spec());
  CHECK_THROWS_WITH_AS(view_of("numerator", {{"variable", 7}, {"scaled", false}}, d),
                       "numerator view of variable 7 of 4", std::runtime_error);
  CHECK_THROWS_WITH_AS(view_of("frobnicate", nullptr, d), "unknown problem view 'frobnicate'", std::runtime_error);
}

TEST_CASE("a merge view's data and the restored equation over the original variables") {
  Dataset d = grid_data([](double a, double b) { return a * b + 4; }, 5);
  d.features.push_back(d.features[0]);  // x2 = x0
  d.feature_names.push_back("x2");
  const std::vector<std::string> names = d.feature_names;
  const ViewPtr merge = view_of("merge", {{"variables", {{"$0", "$1", "*"}, {"$2"}}}}, d);
  const ChainView chain({view_of("outer", {{"operator", "log"}}, d), merge});
  const Dataset m = chain.transform(d);
  REQUIRE(m.num_features() == 2);
  for (std::size_t row = 0; row < d.rows(); ++row) {
    CHECK(m.features[0][row] == d.features[0][row] * d.features[1][row]);
    CHECK(m.features[1][row] == d.features[2][row]);
    CHECK(m.target[row] == std::exp(d.target[row]));
  }
  // f(v0, v1) = v0 + v1*v1 restored: log(x0*x1 + x2*x2).
  const Expression f = parse_expression("v0 + v1*v1", {"v0", "v1"});
  CHECK(chain.restore(f) == parse_expression("log(x0*x1 + x2*x2)", names));
  CHECK(chain.policy().without_unary == Op::Log);
  CHECK(merge->added_operators() == std::vector<Op>{Op::Mul});
  CHECK(merge->transformed_variables(3) == 2);
  CHECK(merge->transformed_names(names) == std::vector<std::string>{"x0 * x1", "x2"});
}

TEST_CASE("symmetry tests merge the pairs a surrogate depends on only through one allowed combination") {
  Dataset d = four_features(300, 3, [](const double*) { return 0.0; });
  const auto& names = d.feature_names;
  auto merged = [&](const std::string& surrogate, const OperatorSet& allowed = OperatorSet::all()) {
    std::vector<std::string> out;
    for (const auto& v : merged_variables(parse_expression(surrogate, names), d, allowed))
      out.push_back(to_string(v, names));
    return out;
  };
  using S = std::vector<std::string>;
  // Planck-like: x0, x1 only as x0*x1 and x2, x3 only as x2*x3.
  CHECK(merged("x0*x1/(exp(0.2*x0*x1/(x2*x3)) - 1)") == S{"x0 * x1", "x2 * x3"});
  // The law of cosines: only the difference of the angles matters; x0, x1 stay.
  CHECK(merged("sqrt(x0*x0 + x1*x1 - 2*x0*x1*cos(x2 - x3))") == S{"x2 - x3", "x0", "x1"});
  CHECK(merged("x0/x1 + sin(x2 + x3)") == S{"x0 / x1", "x2 + x3"});
  CHECK(merged("x0 + sin(x1) + x2*x3*x3").empty());  // no pair merges
  CHECK(merged("x0*x0").empty());                    // x1..x3 unused: nothing to merge
  // Only allowed combinations: without /, x0/x1 is not a merged variable.
  const std::vector<Op> no_division{Op::Add, Op::Sub, Op::Mul};
  CHECK(merged("x0/x1 + sin(x2 + x3)", OperatorSet(no_division, std::vector<Op>{Op::Sin})) == S{"x2 + x3", "x0", "x1"});
  d.features[1][7] = 0;  // x0/x1 would be infinite on row 7
  CHECK(merged("x0/x1 + x2").empty());
}

TEST_CASE("a merge kind reads one merge per accurate equation off the hall of fame") {
  const Dataset d = four_features(100, 3, [](const double* x) { return x[0] * x[1] + x[2] * x[3]; });
  const SearchOptions o;
  const auto& names = d.feature_names;
  const auto views = applicable_views("merge", d, o,
                                      {parse_expression("x0*x1 + x2*x3", names), parse_expression("x0 + x1", names),
                                       parse_expression("x0*x1 + x2", names)});
  REQUIRE(views.size() == 3);
  CHECK(views[0]->transformed_names(names) == std::vector<std::string>{"x0 * x1", "x2 * x3"});
  CHECK(views[1]->transformed_names(names) == std::vector<std::string>{"x0 + x1", "x2", "x3"});
  CHECK(views[2]->transformed_names(names) == std::vector<std::string>{"x0 * x1", "x2", "x3"});
  CHECK(applicable_views("merge", d, o).empty());  // no equations, nothing to read
}
