// The user's operator set is a constraint on everything a search returns: no front member, in
// its tree or in its printed text, holds an operator outside it, whatever made or rewrote it
// (mutation, problem views and their restore, merged variables, envelopes, simplification,
// polishing, printing, warm start, checkpoints).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "symtorch/engine/operator_set.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/random_tree.hpp"
#include "symtorch/engine/search.hpp"

using namespace symtorch;

namespace {

Dataset two_variables(int rows, std::uint64_t seed, double lo, double hi, double (*f)(double, double)) {
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, {});
  SearchRng rng(seed);
  for (int r = 0; r < rows; ++r) {
    const double a = lo + (hi - lo) * rng.uniform(), b = lo + (hi - lo) * rng.uniform();
    d.features[0].push_back(a);
    d.features[1].push_back(b);
    d.target.push_back(f(a, b));
  }
  return d;
}

// Every member of the front, as a tree and as printed (infix, parsed back), uses only `allowed`.
void check_front(const SearchResult& r, const OperatorSet& allowed) {
  for (std::size_t i = 0; i < r.front.size(); ++i) {
    const std::string text = r.equation(i);
    INFO("member " << i << ": " << text << " (allowed: " << allowed.describe() << ")");
    const auto in_tree = allowed.first_outside(r.front[i].expression);
    CHECK_MESSAGE(!in_tree, "the tree holds " << (in_tree ? op_info(*in_tree).name : ""));
    const auto in_text = allowed.first_outside(parse_expression(text, r.variable_names));
    CHECK_MESSAGE(!in_text, "the text holds " << (in_text ? op_info(*in_text).name : ""));
  }
}

SearchOptions small_options() {
  SearchOptions o;
  o.populations = 6;
  o.population_size = 20;
  o.ncycles_per_iteration = 60;
  o.niterations = 12;
  o.seed = 1;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("x0 / x1 fitted with + - * sin: no front member divides") {
  const Dataset d = two_variables(300, 3, 1, 5, [](double a, double b) { return a / b; });
  SearchOptions o = small_options();
  o.binary_operators = {Op::Add, Op::Sub, Op::Mul};
  o.unary_operators = {Op::Sin};
  o.niterations = 40;
  const SearchResult r = run_search(d, o);
  INFO(r.front.table(r.variable_names, r.chosen));
  check_front(r, o.operator_set());
  for (std::size_t i = 0; i < r.front.size(); ++i) CHECK(r.equation(i).find('/') == std::string::npos);
  CHECK(r.chosen_equation() != "x0 / x1");
}

TEST_CASE("property: random operator sets, targets and views; every front member keeps to the set") {
  // Targets that call for what the views add: a quotient with its numerator's variable in the
  // denominator (numerator view), products of variables (merges), an oscillation under an
  // envelope, a square root of a polynomial (outer view), and a phase of pi/2 (polish).
  using Target = double (*)(double, double);
  const Target targets[] = {
      [](double a, double b) { return a / b; },
      [](double a, double b) { return a / (std::exp(a / b) - 1); },
      [](double a, double b) { return a * b / (1 + a * b); },
      [](double a, double b) { return b * b * std::exp(-b) * std::sin(3 * a); },
      [](double a, double b) { return std::sqrt(a * a + b * b + 1); },
      [](double a, double b) { return b * std::sin(a + 1.5707963267948966) + 2 * 3.141592653589793; },
      [](double a, double b) { return a * a * a - b / 3; },
  };
  const std::vector<Op> binary_pool{Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow};
  const std::vector<Op> unary_pool{Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
                                   Op::Sin, Op::Cos, Op::Tan, Op::Tanh, Op::Abs, Op::Inv};
  std::mt19937_64 rng(20261202);
  auto coin = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  int searched = 0;
  for (int trial = 0; trial < 28; ++trial) {
    SearchOptions o = small_options();
    o.seed = static_cast<std::uint64_t>(trial);
    o.binary_operators.clear();
    o.unary_operators.clear();
    while (o.binary_operators.empty())
      for (const Op op : binary_pool)
        if (coin(0.5)) o.binary_operators.push_back(op);
    for (const Op op : unary_pool)
      if (coin(0.35)) o.unary_operators.push_back(op);
    // Every epoch searches a view, so that views, merges and envelopes meet the set early.
    o.subset_redraw_iterations = 2;
    o.schedule = "all:numerator, half:outer, all:envelope, half:numerator";
    o.operator_subsets = coin(0.5) ? 1.0 : 0.75;
    const bool scaling_allowed = o.operator_set().allows(Op::Mul) && o.operator_set().allows(Op::Add);
    if (scaling_allowed && coin(0.5)) o.linear_scaling = 0.5;
    o.stop_on_exact_fit = coin(0.5);
    const Target f = targets[trial % std::size(targets)];
    const bool positive = trial % 2 == 0;
    const Dataset d = two_variables(160, static_cast<std::uint64_t>(trial), positive ? 0.5 : -3, positive ? 4 : 3, f);
    bool finite = true;
    for (double y : d.target) finite = finite && std::isfinite(y);
    if (!finite) continue;
    // Sometimes a warm start of allowed operators (a random tree over them).
    if (coin(0.5)) {
      RandomTreeOptions t;
      t.binary_ops = o.binary_operators;
      t.unary_ops = o.unary_operators;
      t.num_features = 2;
      t.size = 5;
      o.warm_start = {to_string(random_expression(rng, t), d.feature_names)};
    }
    CAPTURE(trial);
    CAPTURE(o.operator_set().describe());
    const SearchResult r = run_search(d, o);
    check_front(r, o.operator_set());
    ++searched;
  }
  CHECK(searched >= 20);
}

TEST_CASE("warm-start equations and checkpoints with an operator outside the set are refused, naming it") {
  const Dataset d = two_variables(50, 4, 1, 5, [](double a, double b) { return a / b; });
  SearchOptions o = small_options();
  o.binary_operators = {Op::Add, Op::Mul};
  o.unary_operators = {Op::Sin};
  o.niterations = 1;
  o.warm_start = {"x0 / x1"};
  CHECK_THROWS_WITH_AS(run_search(d, o),
                       "warm-start equation 'x0 / x1' uses the operator '/', which is not among the allowed operators "
                       "(+, *, sin)",
                       std::invalid_argument);
  o.warm_start = {"sin(x0) * x1"};
  CHECK(run_search(d, o).front.size() > 0);
  // A checkpoint edited to hold a division is refused on resume.
  const std::string path = (std::filesystem::temp_directory_path() / "symtorch_operator_set.json").string();
  o.checkpoint_path = path;
  run_search(d, o);
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::size_t at = text.find("\"*\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 3, "\"/\"");
  std::ofstream(path) << text;
  o.checkpoint_path.clear();
  o.resume_path = path;
  o.niterations = 2;
  CHECK_THROWS_WITH_AS(run_search(d, o), doctest::Contains("uses the operator '/', which is not among the allowed operators"),
                       std::runtime_error);
  std::filesystem::remove(path);
  // Linear scaling writes a*f + b: it needs * and +.
  o.resume_path.clear();
  o.binary_operators = {Op::Sub, Op::Mul};
  o.linear_scaling = 0.5;
  CHECK_THROWS_WITH_AS(run_search(d, o), "linear_scaling writes a*f + b into the equations: it needs * and + among the binary operators",
                       std::invalid_argument);
}
