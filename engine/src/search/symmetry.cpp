#include "symmetry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

namespace symtorch::search_detail {
namespace {

enum class Combination { Product, Ratio, Sum, Difference };

// x_i and x_j moved along a level set of the combination.
struct Move {
  bool scale;       // multiply (a) or shift (d)
  double step_i, step_j;
};

Move level_set_move(Combination c, double shift) {
  constexpr double a = 1.25;
  switch (c) {
    case Combination::Product: return {true, a, 1 / a};
    case Combination::Ratio: return {true, a, a};
    case Combination::Sum: return {false, shift, -shift};
    case Combination::Difference: return {false, shift, shift};
  }
  return {};
}

Expression combined(Combination c, std::uint32_t i, std::uint32_t j) {
  const Op op[] = {Op::Mul, Op::Div, Op::Add, Op::Sub};
  return Expression::binary(op[static_cast<int>(c)], Expression::variable(i), Expression::variable(j));
}

double standard_deviation(const std::vector<double>& v) {
  double mean = 0, sq = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / static_cast<double>(v.size()));
}

class SurrogateProbe {
 public:
  SurrogateProbe(const Expression& s, const Dataset& data) : s_(s) {
    const std::size_t n = data.rows(), stride = std::max<std::size_t>(1, n / 64);
    for (std::size_t r = 0; r < n && rows_.size() < 64; r += stride) {
      std::vector<double> row(data.num_features());
      for (std::size_t k = 0; k < row.size(); ++k) row[k] = data.features[k][r];
      rows_.push_back(std::move(row));
      base_.push_back(evaluate_reference(s_, rows_.back()));
    }
  }
  bool finite() const {
    return std::all_of(base_.begin(), base_.end(), [](double v) { return std::isfinite(v); });
  }
  double spread() const { return standard_deviation(base_); }
  // RMS change of the surrogate when x_i (and x_j, if j is given) move; NaN if it leaves the
  // surrogate's domain.
  double change(std::uint32_t i, double step_i, std::optional<std::uint32_t> j, double step_j, bool scale) const {
    double sq = 0;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      std::vector<double> row = rows_[r];
      row[i] = scale ? row[i] * step_i : row[i] + step_i;
      if (j) row[*j] = scale ? row[*j] * step_j : row[*j] + step_j;
      const double d = evaluate_reference(s_, row) - base_[r];
      if (!std::isfinite(d)) return std::numeric_limits<double>::quiet_NaN();
      sq += d * d;
    }
    return std::sqrt(sq / static_cast<double>(rows_.size()));
  }

 private:
  const Expression& s_;
  std::vector<std::vector<double>> rows_;
  std::vector<double> base_;
};

}  // namespace

std::vector<Expression> merged_variables(const Expression& surrogate, const Dataset& data, const OperatorSet& allowed) {
  const auto nf = static_cast<std::uint32_t>(data.num_features());
  if (nf < 2 || data.rows() == 0) return {};
  const SurrogateProbe probe(surrogate, data);
  if (!probe.finite()) return {};
  const double spread = probe.spread();
  struct Candidate {
    double ratio;
    std::uint32_t i, j;
    Combination how;
  };
  std::vector<double> spreads;
  for (const auto& column : data.features) spreads.push_back(standard_deviation(column));
  std::vector<Candidate> found;
  for (std::uint32_t i = 0; i < nf; ++i) {
    for (std::uint32_t j = i + 1; j < nf; ++j) {
      const double shift = 0.25 * 0.5 * (spreads[i] + spreads[j]);
      for (const Combination c : {Combination::Product, Combination::Ratio, Combination::Sum, Combination::Difference}) {
        if (!allowed.allows(combined(c, i, j).nodes().back().op)) continue;
        const Move m = level_set_move(c, shift);
        const double alone = std::min(probe.change(i, m.step_i, std::nullopt, 0, m.scale),
                                      probe.change(j, m.step_j, std::nullopt, 0, m.scale));
        if (!(alone > 1e-3 * spread)) continue;  // NaN included: the surrogate must depend on both
        const double both = probe.change(i, m.step_i, j, m.step_j, m.scale);
        if (both <= 1e-6 * alone) found.push_back({both / alone, i, j, c});
      }
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) { return a.ratio < b.ratio; });
  std::vector<bool> used(nf, false);
  std::vector<std::pair<std::uint32_t, Expression>> chosen;  // (i, merged variable)
  for (const Candidate& c : found) {
    if (used[c.i] || used[c.j]) continue;
    const Expression v = combined(c.how, c.i, c.j);
    std::vector<double> row(nf);
    bool finite = true;
    for (std::size_t r = 0; r < data.rows() && finite; ++r) {
      row[c.i] = data.features[c.i][r];
      row[c.j] = data.features[c.j][r];
      finite = std::isfinite(evaluate_reference(v, row));
    }
    if (!finite) continue;
    used[c.i] = used[c.j] = true;
    chosen.emplace_back(c.i, v);
  }
  if (chosen.empty()) return {};
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Expression> out;
  for (auto& [i, v] : chosen) out.push_back(std::move(v));
  for (std::uint32_t k = 0; k < nf; ++k)
    if (!used[k]) out.push_back(Expression::variable(k));
  return out;
}

}  // namespace symtorch::search_detail
