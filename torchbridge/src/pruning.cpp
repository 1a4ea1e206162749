#include "symtorch/torch/pruning.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace symtorch {

const char* to_string(PruningDecay decay) {
  switch (decay) {
    case PruningDecay::Exp: return "exp";
    case PruningDecay::Linear: return "linear";
    case PruningDecay::Cosine: return "cosine";
  }
  return "?";
}

PruningDecay parse_pruning_decay(std::string_view name) {
  if (name == "exp") return PruningDecay::Exp;
  if (name == "linear") return PruningDecay::Linear;
  if (name == "cosine") return PruningDecay::Cosine;
  throw std::invalid_argument("pruning: decay_rate must be one of exp, linear, cosine, got '" + std::string(name) + "'");
}

void check(const PruningOptions& o) {
  if (o.target_dim < 1 || o.target_dim > o.initial_dim)
    throw std::invalid_argument("pruning: expected 1 <= target_dim <= initial_dim, got initial_dim=" +
                                std::to_string(o.initial_dim) + ", target_dim=" + std::to_string(o.target_dim));
  if (o.total_steps < 1)
    throw std::invalid_argument("pruning: total_steps must be >= 1, got " + std::to_string(o.total_steps));
  if (!(o.end_step_frac >= 0 && o.end_step_frac <= 1))
    throw std::invalid_argument("pruning: end_step_frac must be in [0, 1], got " + std::to_string(o.end_step_frac));
}

std::vector<std::int64_t> pruning_schedule(const PruningOptions& o) {
  check(o);
  const auto end = static_cast<std::int64_t>(o.end_step_frac * static_cast<double>(o.total_steps));
  const std::int64_t to_prune = o.initial_dim - o.target_dim;
  std::vector<std::int64_t> schedule(static_cast<std::size_t>(o.total_steps), o.target_dim);
  for (std::int64_t step = 0; step < end; ++step) {
    const double p = static_cast<double>(step) / static_cast<double>(end);
    double fraction = p;
    if (o.decay == PruningDecay::Exp) fraction = (1 - std::exp(-3.0 * p)) / (1 - std::exp(-3.0));
    if (o.decay == PruningDecay::Cosine) fraction = 1 - 0.5 * (1 + std::cos(M_PI * p));
    const auto pruned = static_cast<std::int64_t>(std::ceil(static_cast<double>(to_prune) * fraction));
    schedule[static_cast<std::size_t>(step)] = std::max(o.initial_dim - pruned, o.target_dim);
  }
  return schedule;
}

std::vector<std::int64_t> dimensions_of_largest_spread(const std::vector<double>& spread, std::size_t keep) {
  std::vector<std::int64_t> order(spread.size());
  std::iota(order.begin(), order.end(), 0);
  // NaN spread (a column with a NaN) sorts last: it is no evidence of a useful dimension.
  auto key = [&](std::int64_t i) { return std::isnan(spread[i]) ? -INFINITY : spread[i]; };
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return key(a) > key(b); });
  order.resize(std::min(keep, order.size()));
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace symtorch
