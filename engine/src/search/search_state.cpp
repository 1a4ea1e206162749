#include "search_state.hpp"

#include <algorithm>
#include <cmath>

namespace symtorch::search_detail {

bool HallOfFame::update(const Member& m) {
  if (m.complexity <= 0 || static_cast<std::size_t>(m.complexity) >= slots_.size()) return false;
  if (!std::isfinite(m.loss)) return false;
  auto& slot = slots_[static_cast<std::size_t>(m.complexity)];
  if (slot && slot->cost <= m.cost) return false;
  slot = m;
  return true;
}

std::vector<Member> HallOfFame::dominating() const {
  std::vector<Member> out;
  double best = kInf;
  for (const auto& slot : slots_) {
    if (!slot || !(slot->loss < best)) continue;
    best = slot->loss;
    out.push_back(*slot);
  }
  return out;
}

const Member* HallOfFame::at(int complexity) const {
  if (complexity <= 0 || static_cast<std::size_t>(complexity) >= slots_.size()) return nullptr;
  const auto& slot = slots_[static_cast<std::size_t>(complexity)];
  return slot ? &*slot : nullptr;
}

double HallOfFame::best_loss() const {
  double best = kInf;
  for (const auto& slot : slots_)
    if (slot) best = std::min(best, slot->loss);
  return best;
}

void ComplexityFrequencies::add(int complexity) {
  if (complexity > 0 && static_cast<std::size_t>(complexity) < counts_.size()) counts_[static_cast<std::size_t>(complexity)] += 1;
}

void ComplexityFrequencies::move_window() {
  // PySR's move_window!: lower every count above 1 evenly until the total is the window size.
  constexpr double kSmallest = 1;
  double total = 0;
  for (std::size_t c = 1; c < counts_.size(); ++c) total += counts_[c];
  double excess = total - window_;
  for (int loop = 0; excess > 0 && loop < 1000; ++loop) {
    std::size_t above = 0;
    double smallest_above = kInf;
    for (std::size_t c = 1; c < counts_.size(); ++c)
      if (counts_[c] > kSmallest) {
        ++above;
        smallest_above = std::min(smallest_above, counts_[c]);
      }
    if (above == 0) break;
    const double cut = std::min(excess / static_cast<double>(above), smallest_above - kSmallest);
    for (std::size_t c = 1; c < counts_.size(); ++c)
      if (counts_[c] > kSmallest) counts_[c] -= cut;
    const double removed = cut * static_cast<double>(above);
    excess -= removed;
    if (removed < 1e-6) break;
  }
}

std::vector<double> ComplexityFrequencies::normalized() const {
  std::vector<double> out(counts_.size(), 0.0);
  double total = 0;
  for (std::size_t c = 1; c < counts_.size(); ++c) total += counts_[c];
  if (total <= 0) return out;
  for (std::size_t c = 1; c < counts_.size(); ++c) out[c] = counts_[c] / total;
  return out;
}

}  // namespace symtorch::search_detail
