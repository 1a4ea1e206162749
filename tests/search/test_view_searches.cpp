// Searches that use problem views: during an outer epoch the hall of fame gains g(f), during a
// numerator epoch x_k / f, and a search merges variables once an accurate equation shows the
// symmetry; each gives the same front on 1 and 3 threads and when resumed. White-box: reads
// the checkpoint.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../../engine/src/search/checkpoint.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search.hpp"
#include "view_support.hpp"

using namespace symtorch;
using namespace symtorch::test_support;

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
  o.views = {"numerator"};         // views), numerator x0 at 9-11
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
  CHECK(saved.at("found_views") ==
        nlohmann::json::parse(R"([{"kind": "merge", "parameters": {"variables": [["$0", "$1", "*"], ["$2", "$3", "*"]]}}])"));
  CHECK(one.stats.merged_variables == std::vector<std::string>{"x0 * x1", "x2 * x3"});
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
