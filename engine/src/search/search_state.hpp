// The state of a search between iterations: everything a checkpoint holds. Evaluation
// machinery (interpreters, caches, mini-batches) is not state: it is rebuilt on resume, and
// every cached value is a pure function of the expression and the data, so a resumed search
// continues exactly as the uninterrupted one would have.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/random.hpp"
#include "views/problem_view.hpp"

namespace symtorch::search_detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct Member {
  Expression expr;
  double loss = kInf;   // on the data it was last evaluated on (full data or this iteration's batch)
  double cost = kInf;   // loss / baseline + parsimony * complexity
  int complexity = 0;
  std::uint64_t birth = 0;  // island-local creation order; the oldest is replaced first
  double scale = 1, offset = 0;  // linear scaling of the prediction (a·f + b)
};

struct IslandState {
  std::vector<Member> members;
  SearchRng rng;
  std::uint64_t births = 0;
};

// Best member per complexity 1..maxsize (by cost), with losses on the full data.
class HallOfFame {
 public:
  explicit HallOfFame(int maxsize = 0) : slots_(static_cast<std::size_t>(maxsize) + 1) {}
  // Keeps m if it beats the member at its complexity. Returns whether it was kept.
  bool update(const Member& m);
  // Members with a lower loss than every simpler member, by increasing complexity.
  std::vector<Member> dominating() const;
  std::vector<std::optional<Member>>& slots() { return slots_; }
  const std::vector<std::optional<Member>>& slots() const { return slots_; }
  const Member* at(int complexity) const;
  double best_loss() const;

 private:
  std::vector<std::optional<Member>> slots_;
};

// PySR's RunningSearchStatistics: how often each complexity has been seen recently, for
// adaptive parsimony. Starts at 1 per complexity; the window keeps the total bounded.
class ComplexityFrequencies {
 public:
  explicit ComplexityFrequencies(int maxsize = 0, double window = 100000)
      : counts_(static_cast<std::size_t>(maxsize) + 1, 1.0), window_(window) {
    if (!counts_.empty()) counts_[0] = 0;
  }
  void add(int complexity);
  void move_window();
  // normalized[c] = counts[c] / Σ counts, c = 1..maxsize (index 0 unused).
  std::vector<double> normalized() const;
  std::vector<double>& counts() { return counts_; }
  const std::vector<double>& counts() const { return counts_; }

 private:
  std::vector<double> counts_;
  double window_;
};

struct SearchState {
  int iteration = 0;  // iterations completed
  std::vector<IslandState> islands;
  HallOfFame hall_of_fame;
  ComplexityFrequencies frequencies;
  std::uint64_t evaluations = 0;
  // Problem views (views/problem_view.hpp) as (kind, parameters): the view the subset islands
  // search this epoch (none: the user's problem), and the views found during the search that
  // apply under every later epoch's view (merged variables).
  std::optional<ViewSpec> epoch_view;
  std::vector<ViewSpec> found_views;
};

}  // namespace symtorch::search_detail
