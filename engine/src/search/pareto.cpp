#include "symtorch/engine/pareto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace symtorch {

ParetoFront ParetoFront::from_candidates(std::vector<FrontMember> candidates, double loss_floor, double samples) {
  ParetoFront front;
  front.samples_ = samples;
  // log() of the floored loss must stay finite, even for exact zeros.
  front.loss_floor_ = std::max(loss_floor, std::numeric_limits<double>::min());
  const double floor = front.loss_floor_;
  std::erase_if(candidates, [](const FrontMember& m) { return !std::isfinite(m.loss) || m.expression.empty(); });
  std::stable_sort(candidates.begin(), candidates.end(), [](const FrontMember& a, const FrontMember& b) {
    return a.complexity != b.complexity ? a.complexity < b.complexity : a.loss < b.loss;
  });
  double best = std::numeric_limits<double>::infinity();
  for (auto& m : candidates) {
    const double floored = std::max(m.loss, floor);
    if (floored >= best) continue;  // not better than a simpler (or equal-complexity) member
    best = floored;
    front.members_.push_back(std::move(m));
  }
  for (std::size_t i = 0; i < front.members_.size(); ++i) {
    auto& m = front.members_[i];
    if (i == 0) {
      m.score = 0;
      continue;
    }
    const auto& prev = front.members_[i - 1];
    const double dlog = std::log(std::max(m.loss, floor)) - std::log(std::max(prev.loss, floor));
    m.score = -dlog / static_cast<double>(m.complexity - prev.complexity);
  }
  return front;
}

std::size_t ParetoFront::select(const Selection& selection) const {
  if (members_.empty()) throw std::invalid_argument("cannot select from an empty Pareto front");
  switch (selection.rule) {
    case SelectionRule::Accuracy: return members_.size() - 1;  // losses strictly decrease
    case SelectionRule::Complexity: {
      if (selection.complexity < members_.front().complexity)
        throw std::invalid_argument("no front member has complexity <= " + std::to_string(selection.complexity) +
                                    " (the simplest has " + std::to_string(members_.front().complexity) + ")");
      std::size_t chosen = 0;
      for (std::size_t i = 0; i < members_.size(); ++i)
        if (members_[i].complexity <= selection.complexity) chosen = i;
      return chosen;
    }
    case SelectionRule::Bic: {
      if (!(samples_ > 1))
        throw std::invalid_argument("'bic' selection needs the number of rows behind the losses (this front has none)");
      std::size_t chosen = 0;
      double lowest = std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < members_.size(); ++i) {
        const double bic = samples_ * std::log(std::max(members_[i].loss, loss_floor_)) +
                           static_cast<double>(members_[i].complexity) * std::log(samples_);
        if (bic < lowest) {
          lowest = bic;
          chosen = i;
        }
      }
      return chosen;
    }
    case SelectionRule::Best: {
      if (!(selection.tolerance >= 1))
        throw std::invalid_argument("selection tolerance must be >= 1 (got " + std::to_string(selection.tolerance) + ")");
      const double lowest = std::max(members_.back().loss, loss_floor_);
      std::size_t chosen = members_.size() - 1;
      double best_score = -std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < members_.size(); ++i) {
        if (std::max(members_[i].loss, loss_floor_) > selection.tolerance * lowest) continue;
        if (members_[i].score > best_score) {
          best_score = members_[i].score;
          chosen = i;
        }
      }
      return chosen;
    }
  }
  throw std::invalid_argument("unknown selection rule");
}

std::string ParetoFront::table(const std::vector<std::string>& variables, std::size_t chosen) const {
  std::string out = fmt::format("  {:>10}  {:>13}  {:>11}  {}\n", "complexity", "loss", "score", "equation");
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto& m = members_[i];
    out += fmt::format("{} {:>10}  {:>13.6g}  {:>11.6g}  {}\n", i == chosen ? '*' : ' ', m.complexity, m.loss, m.score,
                       equation(i, variables));
  }
  return out;
}

std::string ParetoFront::equation(std::size_t i, const std::vector<std::string>& variables, Format format) const {
  return to_string(members_.at(i).expression, variables, format, operators_);
}

Selection parse_selection(const std::string& text) {
  Selection s;
  if (text == "best") return s;
  if (text == "accuracy") {
    s.rule = SelectionRule::Accuracy;
    return s;
  }
  if (text == "bic") {
    s.rule = SelectionRule::Bic;
    return s;
  }
  std::size_t used = 0;
  int c = -1;
  try {
    c = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || c < 1)
    throw std::invalid_argument("selection '" + text + "' must be 'best', 'accuracy', 'bic' or a complexity >= 1");
  s.rule = SelectionRule::Complexity;
  s.complexity = c;
  return s;
}

std::string selection_text(const Selection& selection) {
  switch (selection.rule) {
    case SelectionRule::Best: return "best";
    case SelectionRule::Accuracy: return "accuracy";
    case SelectionRule::Bic: return "bic";
    case SelectionRule::Complexity: return std::to_string(selection.complexity);
  }
  throw std::invalid_argument("unknown selection rule");
}

}  // namespace symtorch
