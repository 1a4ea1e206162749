// SLIME (SymTorch's local surrogates): a weighted data set around a point of interest, so that
// a search explains a model near that point rather than everywhere.
//
// The `neighbours` recorded rows nearest to `point` (Euclidean) get weight real_weighting;
// `synthetic` Gaussian samples N(point, variance) get weight exp(-sum_k (s_k - p_k)^2 / var_k).
// The variance defaults to half the per-feature sample variance of the neighbours (at least
// 1e-8), as SymTorch. Samples come from SearchRng(seed): the same seed, the same data. The
// caller evaluates the model on the rows and searches with the weights (weighted MSE).
// Torch-free: the Python package has its own copy of these few lines in torch
// (python/symtorch_cpp/slime.py), since it samples before any engine call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace symtorch {

struct SlimeOptions {
  std::vector<double> point;       // one value per input
  std::size_t neighbours = 10;     // J, real rows kept (1 <= J < recorded rows)
  std::size_t synthetic = 100;     // Gaussian samples (>= 1)
  double real_weighting = 1.0;     // weight of the real rows (> 0)
  std::vector<double> variance;    // per input (> 0); empty = half the neighbours' variance
};

struct SlimeSample {
  std::vector<double> rows;        // (neighbours + synthetic) x inputs, row-major; neighbours first
  std::vector<double> weights;     // one per row
  std::size_t count() const { return weights.size(); }
};

// x: `rows` x `inputs`, row-major. Throws std::invalid_argument naming a bad option (point of the
// wrong length, J out of range, no synthetic samples, a variance <= 0 or of the wrong length).
SlimeSample slime_sample(const double* x, std::size_t rows, std::size_t inputs, const SlimeOptions& options,
                         std::uint64_t seed);

}  // namespace symtorch
