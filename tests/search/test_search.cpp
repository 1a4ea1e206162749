// End-to-end searches on easy problems: exact recovery, determinism across thread counts,
// stop requests, checkpoint/resume, warm start, mini-batching and constant-only fits.
#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <stdexcept>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search.hpp"
#include "symtorch/engine/search_json.hpp"

using namespace symtorch;

namespace {

Dataset make_data(std::size_t n, double (*f)(double, double), std::uint64_t seed = 42) {
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, std::vector<double>(n));
  SearchRng rng(seed);
  for (std::size_t r = 0; r < n; ++r) {
    d.features[0][r] = -3 + 6 * rng.uniform();
    d.features[1][r] = -3 + 6 * rng.uniform();
    d.target.push_back(f(d.features[0][r], d.features[1][r]));
  }
  return d;
}

// Small but real settings: a test search takes well under a second.
SearchOptions quick_options() {
  SearchOptions o;
  o.populations = 6;
  o.population_size = 20;
  o.ncycles_per_iteration = 100;
  o.niterations = 30;
  o.seed = 1;
  return o;
}

// Whether `e` equals `truth` on the data to round-off (the chosen equation must be exact).
bool exact_on(const Expression& e, const Dataset& d, const std::string& truth) {
  const Expression t = parse_expression(truth, d.feature_names);
  for (std::size_t r = 0; r < d.rows(); ++r) {
    const std::vector<double> row{d.features[0][r], d.features[1][r]};
    const double a = evaluate_reference(e, row), b = evaluate_reference(t, row);
    if (!(std::abs(a - b) <= 1e-9 * (1 + std::abs(b)))) return false;
  }
  return true;
}

// Same equations and losses, bit for bit. (Evaluation counts are compared separately: a
// resumed search starts with empty caches, so it computes more.)
void check_same_front(const SearchResult& a, const SearchResult& b) {
  REQUIRE(a.front.size() == b.front.size());
  for (std::size_t i = 0; i < a.front.size(); ++i) {
    CHECK(a.front[i].expression == b.front[i].expression);  // bit-exact constants
    CHECK(a.front[i].loss == b.front[i].loss);
  }
  CHECK(a.chosen == b.chosen);
}

// Let TBB really run up to 4 threads even on a 2-core machine.
const tbb::global_control allow_threads(tbb::global_control::max_allowed_parallelism, 4);

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("symtorch_search_test_" + name)).string();
}

}  // namespace

TEST_CASE("finds y = x0*x0 + x1 exactly") {
  const Dataset d = make_data(200, [](double a, double b) { return a * a + b; });
  const SearchResult r = run_search(d, quick_options());
  INFO(r.front.table(r.variable_names, r.chosen));
  CHECK(exact_on(r.best().expression, d, "x0*x0 + x1"));
  CHECK(r.best().loss < 1e-20);
  CHECK(r.best().complexity <= 5);
  CHECK(r.stats.stop_reason == StopReason::ExactFit);
  CHECK(r.chosen_equation().find("x0") != std::string::npos);
}

TEST_CASE("finds the demo law y = 2.5*x0*cos(x1) + x0^2 from examples/data/demo.csv") {
  const Table t = read_csv(std::string(SYMTORCH_SOURCE_DIR) + "/examples/data/demo.csv");
  const Dataset d = to_dataset(t);
  SearchOptions o = quick_options();
  o.unary_operators = {Op::Cos};
  o.niterations = 60;
  const SearchResult r = run_search(d, o);
  INFO(r.front.table(r.variable_names, r.chosen));
  CHECK(exact_on(r.best().expression, d, "2.5*x0*cos(x1) + x0*x0"));
}

TEST_CASE("the same seed gives the same front with 1, 2 and 4 threads") {
  const Dataset d = make_data(150, [](double a, double b) { return std::sin(a) * b + 0.5 * a; });
  SearchOptions o = quick_options();
  o.unary_operators = {Op::Sin};
  o.niterations = 4;
  o.stop_on_exact_fit = false;
  o.threads = 1;
  const SearchResult r1 = run_search(d, o);
  o.threads = 2;
  const SearchResult r2 = run_search(d, o);
  o.threads = 4;
  const SearchResult r4 = run_search(d, o);
  check_same_front(r1, r2);
  check_same_front(r1, r4);
  CHECK(r1.stats.evaluations == r2.stats.evaluations);
  CHECK(r1.stats.evaluations == r4.stats.evaluations);
  o.seed = 2;
  const SearchResult other = run_search(d, o);
  CHECK(other.stats.evaluations != r1.stats.evaluations);  // the seed matters
}

TEST_CASE("determinism holds with mini-batching and linear scaling") {
  const Dataset d = make_data(3000, [](double a, double b) { return 3 * a * b - 2; });
  SearchOptions o = quick_options();
  o.niterations = 3;
  o.batching = 1;
  o.batch_size = 256;
  o.linear_scaling = 0.5;
  o.stop_on_exact_fit = false;
  o.threads = 1;
  const SearchResult r1 = run_search(d, o);
  o.threads = 3;
  const SearchResult r3 = run_search(d, o);
  check_same_front(r1, r3);
  // Linear scaling: x0*x1 alone explains the data; the reported equation carries a and b.
  CHECK(exact_on(r1.best().expression, d, "3*x0*x1 - 2"));
}

TEST_CASE("a resumed checkpoint continues exactly like the uninterrupted search") {
  const Dataset d = make_data(120, [](double a, double b) { return a * b * b + 1.5; });
  SearchOptions o = quick_options();
  o.niterations = 4;
  o.stop_on_exact_fit = false;
  const SearchResult straight = run_search(d, o);
  const std::string ckpt = temp_path("resume.json");
  o.niterations = 2;
  o.checkpoint_path = ckpt;
  run_search(d, o);
  REQUIRE(std::filesystem::exists(ckpt));
  o.checkpoint_path.clear();
  o.resume_path = ckpt;
  o.niterations = 4;
  const SearchResult resumed = run_search(d, o);
  CHECK(resumed.stats.iterations == 4);
  check_same_front(straight, resumed);
  // A checkpoint of other data or options is refused.
  const Dataset other = make_data(120, [](double a, double) { return a; }, 7);
  CHECK_THROWS_AS(run_search(other, o), std::runtime_error);
  o.maxsize = 20;
  CHECK_THROWS_AS(run_search(d, o), std::runtime_error);
  std::filesystem::remove(ckpt);
}

TEST_CASE("a stop request ends the search cleanly with a polished front") {
  const Dataset d = make_data(200, [](double a, double b) { return std::exp(0.3 * a) * b; });
  SearchOptions o = quick_options();
  o.niterations = 1000000;
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  const SearchResult r = run_search(d, o, {}, stop.get_token());
  stopper.join();
  CHECK(r.stats.stop_reason == StopReason::Requested);
  CHECK(r.stats.iterations < 1000000);
  REQUIRE(!r.front.empty());
  CHECK(std::isfinite(r.best().loss));
}

TEST_CASE("time limit and target loss stop the search") {
  const Dataset d = make_data(200, [](double a, double b) { return std::exp(0.3 * a) * b; });
  SearchOptions o = quick_options();
  o.niterations = 1000000;
  o.time_limit_seconds = 0.3;
  const SearchResult r = run_search(d, o);
  CHECK(r.stats.stop_reason == StopReason::TimeLimit);
  o.time_limit_seconds = 0;
  o.target_loss = 1e6;  // the constant model already beats it
  const SearchResult t = run_search(d, o);
  CHECK(t.stats.stop_reason == StopReason::TargetLoss);
  CHECK(t.stats.iterations == 1);
}

TEST_CASE("warm start seeds the search with given equations; the JSON front round-trips") {
  const Dataset d = make_data(200, [](double a, double b) { return 1.25 * std::sin(a) * b + a; });
  SearchOptions o = quick_options();
  o.unary_operators = {Op::Sin};
  o.niterations = 1;
  o.warm_start = {"1 * sin(x0) * x1 + x0"};  // right shape, constant to be fitted
  const SearchResult r = run_search(d, o);
  INFO(r.front.table(r.variable_names, r.chosen));
  CHECK(exact_on(r.best().expression, d, "1.25*sin(x0)*x1 + x0"));
  const std::string path = temp_path("front.json");
  write_result_json(path, r, o);
  const auto equations = read_front_equations(path);
  CHECK(equations.size() == r.front.size());
  CHECK(equations.back() == r.equation(r.front.size() - 1));
  std::filesystem::remove(path);
  o.warm_start = {"sin(x0) +"};
  CHECK_THROWS_AS(run_search(d, o), std::invalid_argument);
}

TEST_CASE("fit_form fits named constants only") {
  const Dataset d = make_data(300, [](double a, double) { return 2.0 * std::sin(1.5 * a) + 0.25; });
  SearchOptions o;
  const SearchResult r = fit_form(d, "a*sin(b*x0) + c", o);
  REQUIRE(r.front.size() == 1);
  const auto c = r.best().expression.constants();
  REQUIRE(c.size() == 3);
  // The fit is unique up to (a, b) -> (-a, -b); the loss is at round-off either way.
  CHECK(std::abs(c[0]) == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(std::abs(c[1]) == doctest::Approx(1.5).epsilon(1e-9));
  CHECK(c[2] == doctest::Approx(0.25).epsilon(1e-9));
  CHECK(r.best().loss < 1e-20);
  // A literal stays fixed; a parameter used twice is one value.
  const SearchResult tied = fit_form(d, "k*sin(1.5*x0) + k/8", o);
  const auto t = tied.best().expression.constants();
  CHECK(t[0] == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(t[1] == 1.5);
  CHECK(t[2] == t[0]);
  CHECK_THROWS_AS(fit_form(d, "a*sin(b*x0", o), std::invalid_argument);
}

TEST_CASE("snapping replaces redundant constants of an exact fit by simple values") {
  const Dataset d = make_data(200, [](double a, double b) { return 0.5 * a * a - a + b; });
  SearchOptions o = quick_options();
  o.niterations = 0;  // only the warm-start equation and random initial members
  // Exact, but with three constants where two suffice: any c1 works once c0, c2 are re-fitted.
  o.warm_start = {"x1 + (-0.14171341679323757 - (1.8465064479456283 - x0) * ((x0 - 0.1534935520543716) * 0.5))"};
  auto all_simple = [](const Expression& e) {
    for (double c : e.constants())
      if (std::round(c * 12) != c * 12) return false;
    return true;
  };
  const SearchResult snapped = run_search(d, o);
  INFO(snapped.front.table(snapped.variable_names, snapped.chosen));
  CHECK(snapped.best().loss < 1e-20);
  CHECK(all_simple(snapped.best().expression));
  o.snap_constants = false;
  const SearchResult raw = run_search(d, o);
  CHECK(raw.best().loss < 1e-20);
  CHECK_FALSE(all_simple(raw.best().expression));
}

TEST_CASE("operator-subset islands: a spread share of the islands, apart from the scaled ones") {
  // Their schedule of subsets is tested in test_view_schedule.cpp.
  SearchOptions o = quick_options();
  o.unary_operators = {Op::Sin, Op::Exp, Op::Cos};
  o.operator_subsets = 0.5;
  int subset_islands = 0;
  for (int i = 0; i < o.populations; ++i) subset_islands += o.subset_island(i);
  CHECK(subset_islands == o.populations / 2);
  CHECK_FALSE(o.linear_scaling > 0);
  o.linear_scaling = 0.5;  // the two kinds of island are spread from opposite ends
  CHECK(o.scaled_island(0) != o.subset_island(0));

  // A subset island neither builds an operator outside its subset nor takes one in through
  // migration, even when the full island next to it lives on that operator and migration is
  // heavy. Island 0 of two is the subset island; its members are read from a checkpoint.
  const Dataset d = make_data(100, [](double a, double b) { return std::exp(a) + b; });
  o.linear_scaling = 0;
  o.populations = 2;
  o.fraction_replaced_hof = 0.5;
  o.stop_on_exact_fit = false;
  REQUIRE(o.subset_island(0));
  REQUIRE_FALSE(o.subset_island(1));
  auto count_ops = [](const nlohmann::json& members, const std::vector<std::string>& names) {
    int n = 0;
    for (const auto& m : members)
      for (const auto& token : m.at("expr"))
        n += token.is_string() && std::find(names.begin(), names.end(), token.get<std::string>()) != names.end();
    return n;
  };
  const std::string ckpt = temp_path("subsets.json");
  auto run_and_read = [&](SearchOptions options, const Dataset& data) {
    options.checkpoint_path = ckpt;
    run_search(data, options);
    nlohmann::json saved = nlohmann::json::parse(std::ifstream(ckpt));
    std::filesystem::remove(ckpt);
    return saved.at("islands");
  };
  SUBCASE("without redraws the subset is the first one, no unary operator, kept through migration") {
    o.subset_redraw_iterations = 0;
    o.niterations = 4;
    const auto islands = run_and_read(o, d);
    CHECK(count_ops(islands.at(0).at("members"), {"sin", "exp", "cos"}) == 0);
    CHECK(count_ops(islands.at(1).at("members"), {"sin", "exp", "cos"}) > 0);  // the full island uses them
  }
  SUBCASE("after a redraw the island restarts on its new subset") {
    // Epoch 1 (iterations 3-5) grows sin(a) + b on {sin}; after iteration 6 the island
    // restarts on {exp}, and the checkpoint written then holds no sin (15 of the 27 members
    // used it at the end of iteration 5).
    const Dataset ds = make_data(100, [](double a, double b) { return std::sin(a) + b; });
    o.subset_redraw_iterations = 3;
    o.niterations = 6;
    const auto islands = run_and_read(o, ds);
    CHECK(count_ops(islands.at(0).at("members"), {"sin", "cos"}) == 0);
    // Determinism holds across restarts, whatever the thread count.
    o.threads = 1;
    const SearchResult r1 = run_search(ds, o);
    o.threads = 2;
    check_same_front(r1, run_search(ds, o));
    o.threads = 4;
    check_same_front(r1, run_search(ds, o));
  }
}
