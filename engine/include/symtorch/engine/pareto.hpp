// ParetoFront: the best equation found at each complexity, and the rules that pick one.
//
// Loss is the (weighted) mean squared error on the data, the same number for every member
// and for the chosen equation. The score column is PySR's:
//     score_i = -(log(loss_i) - log(loss_{i-1})) / (complexity_i - complexity_{i-1}),
// the drop in log loss per added unit of complexity against the previous (simpler) member;
// the simplest member scores 0. (The design notes say log(MAE); we keep MSE so that the score
// is computed on the loss the user sees: -Δlog(MSE) = -2·Δlog(RMSE), so ranking by it is
// ranking by relative RMSE improvement.)
//
// Losses below `loss_floor` count as equal to it for domination, scores and selection: an exact
// fit reaches double round-off (relative MSE ~1e-30), and the round-off of one exact form
// against another must not make a longer exact form look better.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/printer.hpp"

namespace symtorch {

struct FrontMember {
  Expression expression;
  int complexity = 0;
  double loss = 0;   // MSE on the full data after polishing
  double score = 0;  // see above; 0 for the simplest member
};

enum class SelectionRule {
  Best,        // PySR "best": max score among members with loss <= tolerance * lowest loss
  Accuracy,    // lowest loss
  Complexity,  // the member with the given complexity (or the largest one below it)
  // Bayesian information criterion for Gaussian noise, one parameter per node: the member
  // minimising n·log(loss) + complexity·log(n) (n = rows, or the effective n of weighted
  // rows). Unlike Best it weighs a drop in loss by how many rows confirm it: on noisy data a
  // short approximation followed by the true form a node later (a large score, then a small
  // one) loses to the true form; on noise-free data the loss floor makes exact forms tie, and
  // the simplest of them wins.
  Bic,
};

struct Selection {
  SelectionRule rule = SelectionRule::Best;
  double tolerance = 1.5;  // for Best; infinity gives the pure max-score rule
  int complexity = 0;      // for Complexity
};

class ParetoFront {
 public:
  ParetoFront() = default;
  // Keeps the candidates that are better (after flooring) than every simpler candidate, one
  // per complexity, sorted by complexity, and computes the scores. Non-finite losses are dropped.
  // `samples`: the (effective) number of rows the losses are means over; Bic needs it.
  static ParetoFront from_candidates(std::vector<FrontMember> candidates, double loss_floor = 0.0,
                                     double samples = 0.0);
  // The operators its equations were searched with: printing writes constants such as 2π as
  // `2 * pi` only where those operators are allowed (printer.hpp).
  const OperatorSet& operators() const { return operators_; }
  void set_operators(OperatorSet operators) { operators_ = std::move(operators); }
  // Member i's equation as text.
  std::string equation(std::size_t i, const std::vector<std::string>& variables, Format format = Format::Infix) const;

  const std::vector<FrontMember>& members() const { return members_; }
  std::size_t size() const { return members_.size(); }
  bool empty() const { return members_.empty(); }
  const FrontMember& operator[](std::size_t i) const { return members_[i]; }
  double loss_floor() const { return loss_floor_; }
  double samples() const { return samples_; }

  // Index of the member chosen by `selection`. Throws std::invalid_argument on an empty front,
  // a tolerance < 1, or a complexity below the simplest member's.
  std::size_t select(const Selection& selection = {}) const;

  // The front as a text table: complexity, loss, score, equation (one line per member).
  std::string table(const std::vector<std::string>& variables, std::size_t chosen) const;

 private:
  std::vector<FrontMember> members_;
  double loss_floor_ = 0.0;
  double samples_ = 0.0;
  OperatorSet operators_ = OperatorSet::all();
};

// Parses "best", "accuracy", "bic" or a complexity number. Throws std::invalid_argument.
Selection parse_selection(const std::string& text);
// The text parse_selection reads back: "best", "accuracy", "bic" or the complexity.
std::string selection_text(const Selection& selection);

}  // namespace symtorch
