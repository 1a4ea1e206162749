// Helpers shared by the tests of reformulated searches (outer, numerator and envelope epochs):
// a small deterministic search, and reading what a search left in its checkpoints.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "symtorch/engine/search.hpp"

namespace symtorch::test_support {

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

}  // namespace symtorch::test_support
