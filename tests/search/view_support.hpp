// Helpers shared by the tests of problem views (outer, numerator, envelope, merge) and the
// searches that use them: a small deterministic search, reading what a search left in its
// checkpoints, and a view kind's applicable views.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../engine/src/search/views/problem_view.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search.hpp"

namespace symtorch::test_support {

// x0, x1 uniform in [-3, 3], y = f(x0, x1).
inline Dataset grid_data(double (*f)(double, double), std::size_t n = 160) {
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
inline Dataset four_features(int rows, std::uint64_t seed, double (*f)(const double*)) {
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

// A small deterministic search (6 islands of 20) that runs its whole iteration count.
inline SearchOptions small_search_options() {
  SearchOptions o;
  o.populations = 6;
  o.population_size = 20;
  o.ncycles_per_iteration = 100;
  o.seed = 1;
  o.stop_on_exact_fit = false;
  return o;
}

// Runs `iterations` of the search with a checkpoint and returns the saved state.
inline nlohmann::json run_and_read(const Dataset& d, SearchOptions options, int iterations, const std::string& checkpoint,
                                   SearchResult* result = nullptr) {
  options.niterations = iterations;
  options.checkpoint_path = checkpoint;
  const SearchResult r = run_search(d, options);
  if (result) *result = r;
  return nlohmann::json::parse(std::ifstream(checkpoint));
}

// Hall-of-fame members of the `after` state that the `before` state did not have.
inline std::vector<nlohmann::json> gained_members(const nlohmann::json& before, const nlohmann::json& after) {
  std::vector<nlohmann::json> out;
  for (const auto& m : after.at("hall_of_fame")) {
    bool old = false;
    for (const auto& b : before.at("hall_of_fame")) old |= b.at("expr") == m.at("expr");
    if (!old) out.push_back(m);
  }
  return out;
}

// The search run to iteration `from` and again to `to` (checkpoints in the temp directory,
// under `name`): the state at `to`, the hall-of-fame members gained in between, and the result.
struct RunBetween {
  nlohmann::json after;
  std::vector<nlohmann::json> gained;
  SearchResult result;
};
inline RunBetween run_between(const Dataset& d, const SearchOptions& options, int from, int to, const std::string& name) {
  const std::string checkpoint = (std::filesystem::temp_directory_path() / name).string();
  RunBetween out;
  const nlohmann::json before = run_and_read(d, options, from, checkpoint);
  out.after = run_and_read(d, options, to, checkpoint, &out.result);
  std::filesystem::remove(checkpoint);
  out.gained = gained_members(before, out.after);
  return out;
}

// The views of `kind` that apply to `d` under `o`'s operators.
inline std::vector<search_detail::ViewPtr> applicable_views(const std::string& kind, const Dataset& d,
                                                            const SearchOptions& o,
                                                            std::vector<Expression> accurate = {}) {
  const OperatorSet allowed = o.operator_set();
  const search_detail::ViewKind* k = search_detail::find_view_kind(kind);
  if (!k) throw std::invalid_argument("no view kind " + kind);
  return k->applicable(search_detail::ViewContext{d, allowed, o, std::move(accurate)});
}

// The one view of `kind` with these parameters, over `d`.
inline search_detail::ViewPtr view_of(const std::string& kind, const nlohmann::json& parameters, const Dataset& d) {
  return search_detail::view_from_spec({kind, parameters}, d);
}

}  // namespace symtorch::test_support
