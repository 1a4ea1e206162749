// Reformulated problems for the subset islands: outer operators (which apply to a target, their
// schedule, a search that finds y = sqrt(f) through one) and merged variables (the symmetry
// tests, a search that merges x0*x1 and x2*x3). White-box: reformulation.hpp and symmetry.hpp
// are internal to the engine.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../../engine/src/search/checkpoint.hpp"
#include "../../engine/src/search/reformulation.hpp"
#include "../../engine/src/search/symmetry.hpp"
#include "reformulation_support.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search.hpp"

using namespace symtorch;
using search_detail::applicable_outer_operators;
using search_detail::merged_variables;
using search_detail::Reformulation;
using search_detail::reformulated_dataset;
using search_detail::restore;
using namespace symtorch::test_support;

namespace {

Dataset grid_data(double (*f)(double, double), std::size_t n = 160) {
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, std::vector<double>(n));
  SearchRng rng(5);
  for (std::size_t r = 0; r < n; ++r) {
    d.features[0][r] = -3 + 6 * rng.uniform();
    d.features[1][r] = -3 + 6 * rng.uniform();
    d.target.push_back(f(d.features[0][r], d.features[1][r]));
  }
  return d;
}

// x0..x3 uniform in [1, 5].
Dataset four_features(int rows, std::uint64_t seed, double (*f)(const double*)) {
  Dataset d;
  d.feature_names = {"x0", "x1", "x2", "x3"};
  d.features.assign(4, {});
  SearchRng rng(seed);
  for (int r = 0; r < rows; ++r) {
    double x[4];
    for (int k = 0; k < 4; ++k) d.features[static_cast<std::size_t>(k)].push_back(x[k] = 1 + 4 * rng.uniform());
    d.target.push_back(f(x));
  }
  return d;
}

Dataset with_target(std::vector<double> y) {
  Dataset d;
  d.feature_names = {"x0"};
  d.features.assign(1, std::vector<double>(y.size()));
  for (std::size_t r = 0; r < y.size(); ++r) d.features[0][r] = static_cast<double>(r);
  d.target = std::move(y);
  return d;
}

}  // namespace

TEST_CASE("outer operators apply where their inverse is finite (in float too) and not constant") {
  SearchOptions o;
  o.unary_operators = {Op::Sin, Op::Exp, Op::Log, Op::Sqrt};
  using V = std::vector<Op>;
  // Always in the order sqrt, log, exp, whatever the order of the unary operators.
  CHECK(applicable_outer_operators(o, with_target({0.5, 1, 3})) == V{Op::Sqrt, Op::Log, Op::Exp});
  CHECK(applicable_outer_operators(o, with_target({-0.5, 1, 3})) == V{Op::Log});  // no y², no log y
  CHECK(applicable_outer_operators(o, with_target({0, 1, 3})) == V{Op::Sqrt, Op::Log});  // log 0 = -inf
  CHECK(applicable_outer_operators(o, with_target({1, 2, 89})) == V{Op::Sqrt, Op::Exp});  // e^89 > FLT_MAX
  CHECK(applicable_outer_operators(o, with_target({1e20, 2e20})) == V{Op::Exp});  // 4e40 and e^1e20 > FLT_MAX
  CHECK(applicable_outer_operators(o, with_target({2, 2, 2})).empty());  // constant: nothing to fit
  o.unary_operators = {Op::Sin, Op::Square};
  CHECK(applicable_outer_operators(o, with_target({0.5, 1, 3})).empty());  // g must be an operator of the search

  const Dataset d = with_target({0.5, 1, 3});
  const Dataset squared = reformulated_dataset(d, Reformulation{Op::Sqrt, {}});
  CHECK(squared.target == std::vector<double>{0.25, 1, 9});
  CHECK(squared.features == d.features);
  CHECK(reformulated_dataset(d, Reformulation{Op::Log, {}}).target[1] == std::exp(1.0));
  CHECK(reformulated_dataset(d, Reformulation{Op::Exp, {}}).target[2] == std::log(3.0));
}

TEST_CASE("a reformulated problem's data and the restored equation over the original variables") {
  Dataset d = grid_data([](double a, double b) { return a * b + 4; }, 5);
  d.features.push_back(d.features[0]);  // x2 = x0
  d.feature_names.push_back("x2");
  const std::vector<std::string> names = d.feature_names;
  const Reformulation r{Op::Log, {parse_expression("x0*x1", names), parse_expression("x2", names)}};
  const Dataset m = reformulated_dataset(d, r);
  REQUIRE(m.num_features() == 2);
  for (std::size_t row = 0; row < d.rows(); ++row) {
    CHECK(m.features[0][row] == d.features[0][row] * d.features[1][row]);
    CHECK(m.features[1][row] == d.features[2][row]);
    CHECK(m.target[row] == std::exp(d.target[row]));
  }
  // f(v0, v1) = v0 + v1*v1 restored: log(x0*x1 + x2*x2).
  const Expression f = parse_expression("v0 + v1*v1", {"v0", "v1"});
  CHECK(restore(f, r) == parse_expression("log(x0*x1 + x2*x2)", names));
  CHECK(restore(f, Reformulation{}) == f);
}

TEST_CASE("symmetry tests merge the pairs a surrogate depends on only through one combination") {
  Dataset d = four_features(300, 3, [](const double*) { return 0.0; });
  const auto& names = d.feature_names;
  auto merged = [&](const std::string& surrogate) {
    std::vector<std::string> out;
    for (const auto& v : merged_variables(parse_expression(surrogate, names), d)) out.push_back(to_string(v, names));
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
  d.features[1][7] = 0;  // x0/x1 would be infinite on row 7
  CHECK(merged("x0/x1 + x2").empty());
}

TEST_CASE("outer epochs follow the fixed epochs: outer operator, numerator variable, outer operator, plain subset") {
  SearchOptions o;
  o.unary_operators = {Op::Sqrt, Op::Log};  // fixed epochs: none, {sqrt}, {log}
  for (int epoch = 0; epoch < 3; ++epoch) {
    CHECK(o.epoch_outer_operator(epoch, 2) == -1);
    CHECK(o.epoch_numerator_variable(epoch, 3) == -1);
  }
  // Epochs 3..11 with 2 outer operators and 3 numerator variables, each taken in turn.
  const int outer[] = {0, -1, 1, -1, 0, -1, 1, -1, 0};
  const int numerator[] = {-1, 0, -1, -1, -1, 1, -1, -1, -1};
  for (int k = 0; k < 9; ++k) {
    CHECK(o.epoch_outer_operator(3 + k, 2) == outer[k]);
    CHECK(o.epoch_numerator_variable(3 + k, 3) == numerator[k]);
  }
  CHECK(o.epoch_outer_operator(3, 0) == -1);      // none applicable
  CHECK(o.epoch_numerator_variable(4, 0) == -1);
  o.subset_redraw_iterations = 0;                 // no epochs at all
  CHECK(o.epoch_outer_operator(3, 2) == -1);
  CHECK(o.epoch_numerator_variable(4, 3) == -1);
  o.subset_redraw_iterations = 16;
  o.outer_epochs = false;
  CHECK(o.epoch_outer_operator(3, 2) == -1);
  CHECK(o.epoch_numerator_variable(4, 3) == 0);   // each kind switches off alone
  o.numerator_epochs = false;
  CHECK(o.epoch_numerator_variable(4, 3) == -1);
}

TEST_CASE("numerator variables apply where x_k / y is finite (in float too) and not constant") {
  Dataset d = with_target({0.5, 1, 3, 2});  // x0 = 0, 1, 2, 3
  d.features.push_back({1, 2, 6, 4});        // x1 = 2y: x1 / y constant
  d.features.push_back({1, 1, 1e-38, 1});    // x2 / y = 1e-38 / 3 is a float denormal, still finite
  d.features.push_back({1, 1, 1, 1});
  d.feature_names = {"x0", "x1", "x2", "x3"};
  using search_detail::applicable_numerators;
  CHECK(applicable_numerators(d, {}) == std::vector<int>{0, 2, 3});
  d.target[3] = 1e-39;  // x / y > FLT_MAX for x0, x2 and x3
  CHECK(applicable_numerators(d, {}).empty());
  d.target[3] = 0;
  CHECK(applicable_numerators(d, {}).empty());
  // Over merged variables the test is on them: v0 = x0 + x1 is usable, v1 = x1 is not.
  d.target[3] = 2;
  const auto& names = d.feature_names;
  CHECK(applicable_numerators(d, {parse_expression("x0 + x1", names), parse_expression("x1", names)}) ==
        std::vector<int>{0});
}

TEST_CASE("a numerator reformulation fits f to v_k / y and restores v_k / f") {
  Dataset d = four_features(20, 4, [](const double* x) { return x[0] * x[1] / (x[2] + x[3]); });
  const auto& names = d.feature_names;
  const Reformulation r{std::nullopt, {parse_expression("x0*x1", names), parse_expression("x2", names),
                                       parse_expression("x3", names)},
                        0};
  const Dataset m = reformulated_dataset(d, r);
  REQUIRE(m.num_features() == 3);
  for (std::size_t row = 0; row < d.rows(); ++row)
    CHECK(m.target[row] == doctest::Approx(d.features[2][row] + d.features[3][row]).epsilon(1e-14));
  const Expression f = parse_expression("v1 + v2", {"v0", "v1", "v2"});
  CHECK(restore(f, r) == parse_expression("x0*x1 / (x2 + x3)", names));
  CHECK(r.root_complexity() == 4);  // x0, x1, *, /
  CHECK(Reformulation{Op::Log, {}, -1}.root_complexity() == 1);
  CHECK(Reformulation{}.root_complexity() == 0);
  // Over the original variables: v_k is x_k.
  const Reformulation plain{std::nullopt, {}, 2};
  CHECK_FALSE(plain.identity());
  CHECK(restore(parse_expression("x0 + 1", names), plain) == parse_expression("x2 / (x0 + 1)", names));
  CHECK(reformulated_dataset(d, plain).target[3] == d.features[2][3] / d.target[3]);
}

TEST_CASE("during an outer epoch the islands fit f to y^2 and the hall of fame gains sqrt(f)") {
  const Dataset d = grid_data([](double a, double b) { return std::sqrt(a * a + b * b + a * b + 1); });
  SearchOptions o = small_search_options();
  o.unary_operators = {Op::Sqrt};
  o.operator_subsets = 1;          // every island takes part: only sqrt(f) can enter during the epoch
  o.subset_redraw_iterations = 3;  // epochs: {} at 0-2, {sqrt} at 3-5, outer sqrt at 6-8
  const auto [after, gained, straight] = run_between(d, o, 6, 8, "symtorch_outer.json");
  for (const auto& m : gained) {
    INFO(m.dump());
    CHECK(m.at("expr").back() == "sqrt");
    // Its loss is on y, not on y^2 (float search precision: 1e-4 relative).
    const Expression e = search_detail::expression_from_json(m.at("expr"));
    double sq = 0;
    for (std::size_t row = 0; row < d.rows(); ++row) {
      const double r = evaluate_reference(e, std::vector<double>{d.features[0][row], d.features[1][row]}) - d.target[row];
      sq += r * r;
    }
    CHECK(m.at("loss").get<double>() == doctest::Approx(sq / static_cast<double>(d.rows())).epsilon(1e-4));
  }
  CHECK(!gained.empty());
  for (const auto& island : after.at("islands"))
    for (const auto& m : island.at("members"))
      for (const auto& token : m.at("expr")) CHECK(token != "sqrt");  // f is searched without g

  // The same with 3 threads, and a search resumed in the middle of the epoch continues exactly.
  o.threads = 3;
  o.niterations = 8;
  const SearchResult three = run_search(d, o);
  o.threads = 0;
  const std::string ckpt = (std::filesystem::temp_directory_path() / "symtorch_outer.json").string();
  run_and_read(d, o, 7, ckpt);
  o.resume_path = ckpt;
  const SearchResult resumed = run_search(d, o);
  std::filesystem::remove(ckpt);
  for (const SearchResult* other : {&three, &resumed}) {
    REQUIRE(other->front.size() == straight.front.size());
    for (std::size_t i = 0; i < straight.front.size(); ++i) {
      CHECK(other->front[i].expression == straight.front[i].expression);
      CHECK(other->front[i].loss == straight.front[i].loss);
    }
  }
}

TEST_CASE("during a numerator epoch the islands fit f to x_k / y and the hall of fame gains x_k / f") {
  // Planck-like: x0 / (exp(x0 / x1) - 1), x0 and x1 in [1, 5] (the last two features unused).
  const Dataset d = four_features(120, 6, [](const double* x) { return x[0] / (std::exp(x[0] / x[1]) - 1); });
  SearchOptions o = small_search_options();
  o.unary_operators = {Op::Exp};
  o.operator_subsets = 1;
  o.subset_redraw_iterations = 3;  // epochs: {} at 0-2, {exp} at 3-5, plain at 6-8 (no outer
  o.outer_epochs = false;          // operators), numerator x0 at 9-11
  o.merge_variables = false;
  const auto [after, gained, r] = run_between(d, o, 9, 12, "symtorch_numerator.json");
  for (const auto& m : gained) {
    INFO(m.dump());
    CHECK(m.at("expr").front() == "$0");
    CHECK(m.at("expr").back() == "/");
  }
  CHECK(!gained.empty());
  // x0 / y = exp(x0 / x1) - 1: the scaled islands need exp(x0 / x1) alone. The front is judged on y.
  INFO(r.best().expression);
  CHECK(r.best().loss < 1e-20);
}

TEST_CASE("a search merges x0*x1 and x2*x3 once an accurate equation shows the symmetry") {
  const Dataset d = four_features(200, 8, [](const double* x) { return x[0] * x[1] / (1 + x[2] * x[3]); });
  SearchOptions o = small_search_options();
  o.subset_redraw_iterations = 2;
  o.niterations = 4;
  // An accurate equation from the start (its constant is fitted to 1 at once); the test runs at
  // the first epoch change, after iteration 2.
  o.warm_start = {"x0*x1/(1.5 + x2*x3)"};
  const std::string ckpt = (std::filesystem::temp_directory_path() / "symtorch_merge.json").string();
  o.checkpoint_path = ckpt;
  o.threads = 1;
  const SearchResult one = run_search(d, o);
  const nlohmann::json saved = nlohmann::json::parse(std::ifstream(ckpt));
  std::filesystem::remove(ckpt);
  CHECK(saved.at("merged_variables") == nlohmann::json::parse(R"([["$0", "$1", "*"], ["$2", "$3", "*"]])"));
  // The subset islands search over the two merged variables only.
  int subset_islands = 0;
  for (int i = 0; i < o.populations; ++i) {
    if (!o.subset_island(i)) continue;
    ++subset_islands;
    for (const auto& m : saved.at("islands").at(i).at("members"))
      for (const auto& token : m.at("expr")) CHECK((token != "$2" && token != "$3"));
  }
  CHECK(subset_islands > 0);
  // Their finds are written out over x0..x3 on the front; the result is the same on 3 threads.
  CHECK(one.best().loss < 1e-20);
  o.checkpoint_path.clear();
  o.threads = 3;
  const SearchResult three = run_search(d, o);
  REQUIRE(three.front.size() == one.front.size());
  for (std::size_t i = 0; i < one.front.size(); ++i) CHECK(three.front[i].expression == one.front[i].expression);
}
