#include "symtorch/torch/reservoir.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

namespace symtorch {

namespace {
// Uniform in (0, 1): log() of it must be finite.
double open_uniform(SearchRng& rng) {
  double u = rng.uniform();
  while (u <= 0.0) u = rng.uniform();
  return u;
}
}  // namespace

ReservoirSampler::ReservoirSampler(std::size_t capacity, std::uint64_t seed)
    : capacity_(capacity), seed_(seed), rng_(seed) {
  if (capacity == 0) throw std::invalid_argument("ReservoirSampler: capacity must be at least 1 row, got 0");
  clear();
}

void ReservoirSampler::clear() {
  rng_.reseed(seed_);
  seen_ = 0;
  const auto k = static_cast<double>(capacity_);
  w_ = std::exp(std::log(open_uniform(rng_)) / k);
  next_ = static_cast<std::int64_t>(capacity_) - 1;  // the last index of the filling phase
  draw_next();
}

// Algorithm L: after the reservoir is full, the gap to the next selected stream index is
// geometric with parameter w_; w_ shrinks by a factor u^(1/k) after every selection.
void ReservoirSampler::draw_next() {
  const double gap = std::floor(std::log(open_uniform(rng_)) / std::log1p(-w_));
  // w_ close to 0 (tiny reservoir fractions far into a stream) can give an enormous gap.
  next_ += 1 + static_cast<std::int64_t>(std::min(gap, 9.0e18 - static_cast<double>(next_)));
}

std::size_t ReservoirSampler::size() const {
  return static_cast<std::size_t>(std::min<std::int64_t>(seen_, static_cast<std::int64_t>(capacity_)));
}

std::vector<ReservoirSampler::Placement> ReservoirSampler::offer(std::int64_t rows) {
  if (rows < 0) throw std::invalid_argument("ReservoirSampler: negative row count " + std::to_string(rows));
  std::vector<Placement> out;
  const std::int64_t begin = seen_, end = seen_ + rows;
  const auto cap = static_cast<std::int64_t>(capacity_);
  // Filling phase: stream index i goes to slot i.
  for (std::int64_t i = begin; i < std::min(end, cap); ++i) out.push_back({i - begin, i});
  // Replacement phase.
  std::unordered_map<std::int64_t, std::size_t> slot_entry;  // slot -> index in `out` (this batch)
  for (std::size_t i = 0; i < out.size(); ++i) slot_entry[out[i].slot] = i;
  const auto k = static_cast<double>(capacity_);
  while (next_ < end) {
    const auto slot = static_cast<std::int64_t>(rng_.below(capacity_));
    const Placement p{next_ - begin, slot};
    if (auto it = slot_entry.find(slot); it != slot_entry.end()) {
      out[it->second].row = -1;  // superseded by this later row
    }
    slot_entry[slot] = out.size();
    out.push_back(p);
    w_ *= std::exp(std::log(open_uniform(rng_)) / k);
    draw_next();
  }
  seen_ = end;
  std::erase_if(out, [](const Placement& p) { return p.row < 0; });
  return out;
}

}  // namespace symtorch
