#include "symtorch/engine/fitness.hpp"

#include "sum_of_squares.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace symtorch {

template <typename T>
EvalData<T>::EvalData(const Dataset& data) {
  columns_.resize(data.num_features());
  for (std::size_t k = 0; k < data.num_features(); ++k)
    columns_[k].assign(data.features[k].begin(), data.features[k].end());
  y_.assign(data.target.begin(), data.target.end());
  weights_.assign(data.weights.begin(), data.weights.end());
  weight_sum_ = 0;
  if (weights_.empty()) {
    weight_sum_ = static_cast<double>(y_.size());
  } else {
    for (double w : data.weights) weight_sum_ += w;
  }
  refresh_pointers();
}

template <typename T>
void EvalData<T>::assign_rows(const Dataset& data, std::span<const std::size_t> rows) {
  columns_.resize(data.num_features());
  for (std::size_t k = 0; k < data.num_features(); ++k) {
    columns_[k].resize(rows.size());
    const auto& src = data.features[k];
    for (std::size_t r = 0; r < rows.size(); ++r) columns_[k][r] = static_cast<T>(src[rows[r]]);
  }
  y_.resize(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) y_[r] = static_cast<T>(data.target[rows[r]]);
  weight_sum_ = 0;
  if (data.weights.empty()) {
    weights_.clear();
    weight_sum_ = static_cast<double>(rows.size());
  } else {
    weights_.resize(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      weights_[r] = static_cast<T>(data.weights[rows[r]]);
      weight_sum_ += data.weights[rows[r]];
    }
  }
  refresh_pointers();
}

template <typename T>
void EvalData<T>::refresh_pointers() {
  pointers_.resize(columns_.size());
  for (std::size_t k = 0; k < columns_.size(); ++k) pointers_[k] = columns_[k].data();
}

template <typename T>
DataView<T> EvalData<T>::view() const {
  DataView<T> v;
  v.columns = pointers_;
  v.y = y_.data();
  v.weights = weights_.empty() ? nullptr : weights_.data();
  v.rows = y_.size();
  v.weight_sum = weight_sum_;
  return v;
}

namespace {

// Weighted sums over one chunk of predictions, accumulated in double.
struct Moments {
  double sw = 0, sf = 0, sy = 0, sff = 0, sfy = 0, syy = 0, sse = 0;
};

template <typename T>
void accumulate(const T* f, const T* y, const T* w, std::size_t n, bool scaled, Moments& m) {
  if (!scaled) {
    m.sse += search_detail::sum_squared_difference(f, y, w, n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double wi = w == nullptr ? 1.0 : static_cast<double>(w[i]);
    const double fi = static_cast<double>(f[i]), yi = static_cast<double>(y[i]);
    m.sw += wi;
    m.sf += wi * fi;
    m.sy += wi * yi;
    m.sff += wi * fi * fi;
    m.sfy += wi * fi * yi;
    m.syy += wi * yi * yi;
  }
}

// Closed-form weighted least squares of y on (f, 1) from centred moments.
void scale_from_moments(const Moments& m, double& a, double& b) {
  const double mf = m.sf / m.sw, my = m.sy / m.sw;
  const double vff = m.sff / m.sw - mf * mf;
  const double cfy = m.sfy / m.sw - mf * my;
  // f constant on the data (to round-off): the best fit is the mean of y.
  if (!(vff > 1e-300) || vff <= 1e-12 * (m.sff / m.sw)) {
    a = 0;
    b = my;
  } else {
    a = cfy / vff;
    b = my - a * mf;
  }
}

}  // namespace

template <typename T>
LossResult LossEvaluator<T>::loss(const Expression& e, const DataView<T>& data) {
  return loss(e, {}, data);
}

template <typename T>
LossResult LossEvaluator<T>::loss(const Expression& e, std::span<const T> constants, const DataView<T>& data) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const std::size_t n = data.rows;
  if (n == 0) throw std::invalid_argument("cannot compute a loss on zero rows");
  LossResult result;
  if (n <= kChunkRows) {
    if (out_.size() < n) out_.resize(n);
    interpreter_.evaluate(e, constants, data.columns, n, std::span<T>(out_.data(), n));
    Moments m;
    accumulate(out_.data(), data.y, data.weights, n, linear_scaling_, m);
    if (!linear_scaling_) {
      result.loss = m.sse / data.weight_sum;
    } else {
      if (!std::isfinite(m.sff) || !std::isfinite(m.sfy)) return {inf, 1, 0};
      scale_from_moments(m, result.scale, result.offset);
      // Second pass on the residuals themselves: exact fits reach round-off, not the
      // cancellation floor of the moment formula.
      double sse = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double wi = data.weights == nullptr ? 1.0 : static_cast<double>(data.weights[i]);
        const double d = result.scale * static_cast<double>(out_[i]) + result.offset - static_cast<double>(data.y[i]);
        sse += wi * d * d;
      }
      result.loss = sse / data.weight_sum;
    }
  } else {
    if (out_.size() < kChunkRows) out_.resize(kChunkRows);
    shifted_.resize(data.columns.size());
    Moments m;
    for (std::size_t start = 0; start < n; start += kChunkRows) {
      const std::size_t len = std::min(kChunkRows, n - start);
      for (std::size_t k = 0; k < data.columns.size(); ++k) shifted_[k] = data.columns[k] + start;
      interpreter_.evaluate(e, constants, shifted_, len, std::span<T>(out_.data(), len));
      accumulate(out_.data(), data.y + start, data.weights == nullptr ? nullptr : data.weights + start, len,
                 linear_scaling_, m);
    }
    if (!linear_scaling_) {
      result.loss = m.sse / data.weight_sum;
    } else {
      if (!std::isfinite(m.sff) || !std::isfinite(m.sfy)) return {inf, 1, 0};
      scale_from_moments(m, result.scale, result.offset);
      const double a = result.scale, b = result.offset;
      const double sse = m.syy - 2 * a * m.sfy - 2 * b * m.sy + a * a * m.sff + 2 * a * b * m.sf + b * b * m.sw;
      result.loss = std::max(sse, 0.0) / data.weight_sum;
    }
  }
  if (!std::isfinite(result.loss)) result.loss = inf;
  return result;
}

template class EvalData<float>;
template class EvalData<double>;
template class LossEvaluator<float>;
template class LossEvaluator<double>;

}  // namespace symtorch
