#include <cmath>
#include <stdexcept>
#include <string>

#include "symtorch/engine/search.hpp"

namespace symtorch {
namespace {

// Rows are reported 1-based, counting data rows only (not a file's header line).
void require_finite(const std::vector<double>& v, const std::string& what) {
  for (std::size_t r = 0; r < v.size(); ++r)
    if (!std::isfinite(v[r]))
      throw std::invalid_argument(what + " has a non-finite value (" + std::to_string(v[r]) + ") in data row " +
                                  std::to_string(r + 1) + "; remove or impute such rows before fitting");
}

}  // namespace

void validate_dataset(const Dataset& data) {
  const std::size_t n = data.rows();
  if (data.features.empty()) throw std::invalid_argument("the data has no feature columns");
  if (!data.feature_names.empty() && data.feature_names.size() != data.features.size())
    throw std::invalid_argument("the data has " + std::to_string(data.features.size()) + " feature columns but " +
                                std::to_string(data.feature_names.size()) + " names");
  for (std::size_t k = 0; k < data.features.size(); ++k)
    if (data.features[k].size() != n)
      throw std::invalid_argument("feature column " + std::to_string(k + 1) + " has " +
                                  std::to_string(data.features[k].size()) + " rows, the target has " +
                                  std::to_string(n));
  if (n < kMinSearchRows)
    throw std::invalid_argument("the data has " + std::to_string(n) + " rows; a fit needs at least " +
                                std::to_string(kMinSearchRows));
  auto feature_label = [&](std::size_t k) {
    return "feature column '" + (k < data.feature_names.size() ? data.feature_names[k] : std::string("x").append(std::to_string(k))) + "'";
  };
  for (std::size_t k = 0; k < data.features.size(); ++k) require_finite(data.features[k], feature_label(k));
  require_finite(data.target, "target column '" + data.target_name + "'");
  if (!data.weights.empty()) {
    if (data.weights.size() != n)
      throw std::invalid_argument("there are " + std::to_string(data.weights.size()) + " weights for " +
                                  std::to_string(n) + " rows");
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (!std::isfinite(data.weights[r]) || data.weights[r] < 0)
        throw std::invalid_argument("weight in data row " + std::to_string(r + 1) + " is " +
                                    std::to_string(data.weights[r]) + "; weights must be finite and >= 0");
      sum += data.weights[r];
    }
    if (!(sum > 0)) throw std::invalid_argument("the weights sum to zero");
  }
  bool constant = true;
  for (std::size_t r = 1; r < n && constant; ++r) constant = data.target[r] == data.target[0];
  if (constant)
    throw std::invalid_argument("target column '" + data.target_name + "' is constant (" +
                                std::to_string(data.target[0]) + "): there is nothing to fit");
}

}  // namespace symtorch
