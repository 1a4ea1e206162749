#include "symtorch/torch/slime.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "symtorch/engine/random.hpp"

namespace symtorch {

SlimeSample slime_sample(const double* x, std::size_t rows, std::size_t inputs, const SlimeOptions& o,
                         std::uint64_t seed) {
  if (o.point.size() != inputs)
    throw std::invalid_argument("SLIME: the point has " + std::to_string(o.point.size()) + " values but the inputs have " +
                                std::to_string(inputs) + " columns");
  if (o.neighbours < 1 || o.neighbours >= rows)
    throw std::invalid_argument("SLIME: neighbours (" + std::to_string(o.neighbours) + ") must be in 1.." +
                                std::to_string(rows) + " - 1 (the recorded rows minus one)");
  if (o.synthetic < 1) throw std::invalid_argument("SLIME: synthetic must be >= 1 when a point is given");
  if (!(o.real_weighting > 0) || !std::isfinite(o.real_weighting))
    throw std::invalid_argument("SLIME: real_weighting must be a finite number > 0");
  if (!o.variance.empty() && o.variance.size() != inputs)
    throw std::invalid_argument("SLIME: " + std::to_string(o.variance.size()) + " variances for " +
                                std::to_string(inputs) + " inputs");

  std::vector<double> distance(rows, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < inputs; ++k) distance[r] += (x[r * inputs + k] - o.point[k]) * (x[r * inputs + k] - o.point[k]);
  std::vector<std::size_t> order(rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });
  order.resize(o.neighbours);

  SlimeSample s;
  for (std::size_t r : order) s.rows.insert(s.rows.end(), x + r * inputs, x + (r + 1) * inputs);
  s.weights.assign(o.neighbours, o.real_weighting);

  std::vector<double> var = o.variance;
  if (var.empty()) {
    var.assign(inputs, 1e-8);
    if (o.neighbours > 1) {
      for (std::size_t k = 0; k < inputs; ++k) {
        double mean = 0, sq = 0;
        for (std::size_t j = 0; j < o.neighbours; ++j) mean += s.rows[j * inputs + k];
        mean /= static_cast<double>(o.neighbours);
        for (std::size_t j = 0; j < o.neighbours; ++j) sq += (s.rows[j * inputs + k] - mean) * (s.rows[j * inputs + k] - mean);
        var[k] = std::max(sq / static_cast<double>(o.neighbours - 1) / 2.0, 1e-8);
      }
    }
  }
  for (double v : var)
    if (!(v > 0) || !std::isfinite(v)) throw std::invalid_argument("SLIME: variances must be finite and > 0");

  SearchRng rng(seed);
  for (std::size_t i = 0; i < o.synthetic; ++i) {
    double d2 = 0;
    for (std::size_t k = 0; k < inputs; ++k) {
      const double v = o.point[k] + rng.normal() * std::sqrt(var[k]);
      s.rows.push_back(v);
      d2 += (v - o.point[k]) * (v - o.point[k]) / var[k];
    }
    s.weights.push_back(std::exp(-d2));
  }
  return s;
}

}  // namespace symtorch
