#include "symtorch/engine/constant_optimizer.hpp"

#include "sum_of_squares.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace symtorch {

template <typename T>
void ConstantOptimizer<T>::set_constants(const Eigen::VectorXd& p) {
  constants_.resize(map_.size());
  for (std::size_t k = 0; k < map_.size(); ++k)
    constants_[k] = static_cast<T>(map_[k] >= 0 ? p[map_[k]] : fixed_[k]);
}

template <typename T>
template <typename Jacobian>
void ConstantOptimizer<T>::accumulate_normal_equations(const Jacobian& j) {
  // Few parameters: column dot products (vectorised in T) beat a general matrix product,
  // whose packing dominates for a rows x 2..10 Jacobian.
  for (Eigen::Index a = 0; a < j.cols(); ++a) {
    const auto ja = j.col(a);
    g_[a] += static_cast<double>(ja.dot(r_));
    for (Eigen::Index b = 0; b <= a; ++b) h_(a, b) += static_cast<double>(ja.dot(j.col(b)));
  }
}

template <typename T>
void ConstantOptimizer<T>::group_jacobian(std::size_t len, T scale) {
  const auto rows = static_cast<Eigen::Index>(len);
  jd_.setZero(rows, static_cast<Eigen::Index>(nparams_ + (scaling_ ? 2 : 0)));
  for (std::size_t k = 0; k < map_.size(); ++k) {
    if (map_[k] < 0) continue;
    jd_.col(map_[k]) += scale * Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(jac_.data() + k * len, rows);
  }
}

template <typename T>
double ConstantOptimizer<T>::evaluate(const Expression& e, const DataView<T>& data, const Eigen::VectorXd& p,
                                      bool with_jacobian) {
  set_constants(p);
  const auto nparams = static_cast<Eigen::Index>(p.size());
  const double s = scaling_ ? p[nparams_] : 1.0;
  const double o = scaling_ ? p[nparams_ + 1] : 0.0;
  const std::size_t nconst = map_.size();
  const std::size_t n = data.rows;
  if (with_jacobian) {
    h_.setZero(nparams, nparams);
    g_.setZero(nparams);
  }
  const std::size_t chunk = std::min(n, kChunkRows);
  if (out_.size() < chunk) out_.resize(chunk);
  if (with_jacobian && jac_.size() < chunk * nconst) jac_.resize(chunk * nconst);
  shifted_.resize(data.columns.size());
  double sse = 0;
  for (std::size_t start = 0; start < n; start += chunk) {
    const std::size_t len = std::min(chunk, n - start);
    for (std::size_t k = 0; k < data.columns.size(); ++k) shifted_[k] = data.columns[k] + start;
    const std::span<T> out(out_.data(), len);
    if (with_jacobian)
      interpreter_.jacobian(e, constants_, shifted_, len, out, std::span<T>(jac_.data(), len * nconst));
    else
      interpreter_.evaluate(e, constants_, shifted_, len, out);
    const T* y = data.y + start;
    const T* w = data.weights == nullptr ? nullptr : data.weights + start;
    const auto rows = static_cast<Eigen::Index>(len);
    if (w == nullptr && !scaling_) {
      // The common case, vectorised: no per-row scale, weight or branch, and the Jacobian is
      // used where the interpreter wrote it unless constants are tied.
      sse += search_detail::sum_squared_difference<T>(out_.data(), y, nullptr, len);
      if (!with_jacobian) continue;
      using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
      r_ = Eigen::Map<const Vector>(out_.data(), rows) - Eigen::Map<const Vector>(y, rows);
      if (identity_map_) {
        accumulate_normal_equations(Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(
            jac_.data(), rows, static_cast<Eigen::Index>(nconst)));
      } else {
        group_jacobian(len, T(1));
        accumulate_normal_equations(jd_);
      }
      continue;
    }
    if (!with_jacobian) {
      for (std::size_t i = 0; i < len; ++i) {
        const double d = s * static_cast<double>(out_[i]) + o - static_cast<double>(y[i]);
        sse += (w == nullptr ? 1.0 : static_cast<double>(w[i])) * d * d;
      }
      continue;
    }
    group_jacobian(len, static_cast<T>(s));
    r_.resize(rows);
    double chunk_sse = 0;
    for (Eigen::Index i = 0; i < rows; ++i) {
      const double f = static_cast<double>(out_[static_cast<std::size_t>(i)]);
      if (scaling_) {
        jd_(i, nparams_) = static_cast<T>(f);
        jd_(i, nparams_ + 1) = T(1);
      }
      const double sw = w == nullptr ? 1.0 : std::sqrt(static_cast<double>(w[i]));
      const double ri = sw * (s * f + o - static_cast<double>(y[i]));
      chunk_sse += ri * ri;
      r_[i] = static_cast<T>(ri);
      if (w != nullptr) jd_.row(i) *= static_cast<T>(sw);
    }
    sse += chunk_sse;
    accumulate_normal_equations(jd_);
  }
  if (with_jacobian) h_.template triangularView<Eigen::StrictlyUpper>() = h_.transpose();
  const double loss = sse / data.weight_sum;
  return std::isfinite(loss) ? loss : std::numeric_limits<double>::infinity();
}

template <typename T>
double ConstantOptimizer<T>::run_lm(const Expression& e, const DataView<T>& data, Eigen::VectorXd& p, double loss,
                                    int iterations, std::size_t& passes) {
  // h_ and g_ hold the Gauss–Newton matrix and gradient at p on entry.
  double lambda = 1e-3;
  Eigen::MatrixXd h_at_p = h_;
  Eigen::VectorXd g_at_p = g_;
  for (int it = 0; it < iterations && loss > 0; ++it) {
    Eigen::MatrixXd a = h_at_p;
    const double max_diag = std::max(a.diagonal().maxCoeff(), 1e-300);
    for (Eigen::Index i = 0; i < a.rows(); ++i) a(i, i) += lambda * std::max(a(i, i), 1e-12 * max_diag);
    const Eigen::VectorXd step = a.ldlt().solve(-g_at_p);
    if (!step.allFinite()) {
      lambda *= 10;
      continue;
    }
    const Eigen::VectorXd trial = p + step;
    const double trial_loss = evaluate(e, data, trial, true);
    ++passes;
    if (trial_loss < loss) {
      const double gain = loss - trial_loss;
      p = trial;
      loss = trial_loss;
      h_at_p = h_;
      g_at_p = g_;
      lambda = std::max(lambda * 0.3, 1e-12);
      // Converged to round-off of the loss: more steps only cost passes.
      if (gain <= 1e-15 * loss) break;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return loss;
}

template <typename T>
ConstantFitResult ConstantOptimizer<T>::optimize(Expression& e, const DataView<T>& data, SearchRng& rng,
                                                 const ConstantFitSettings& settings,
                                                 std::span<const int> parameter_of_constant) {
  const std::size_t nconst = e.num_constants();
  fixed_ = e.constants();
  map_.assign(nconst, 0);
  if (parameter_of_constant.empty()) {
    for (std::size_t k = 0; k < nconst; ++k) map_[k] = static_cast<int>(k);
    nparams_ = static_cast<int>(nconst);
  } else {
    if (parameter_of_constant.size() != nconst)
      throw std::invalid_argument("parameter map has " + std::to_string(parameter_of_constant.size()) +
                                  " entries for " + std::to_string(nconst) + " constants");
    nparams_ = 0;
    for (std::size_t k = 0; k < nconst; ++k) {
      map_[k] = parameter_of_constant[k];
      nparams_ = std::max(nparams_, map_[k] + 1);
    }
  }
  scaling_ = settings.linear_scaling;
  identity_map_ = nparams_ == static_cast<int>(nconst);
  for (std::size_t k = 0; k < nconst && identity_map_; ++k) identity_map_ = map_[k] == static_cast<int>(k);
  const int total = nparams_ + (scaling_ ? 2 : 0);
  ConstantFitResult result;
  Eigen::VectorXd p0 = Eigen::VectorXd::Zero(total);
  std::vector<char> seen(static_cast<std::size_t>(nparams_), 0);
  for (std::size_t k = 0; k < nconst; ++k) {
    const int q = map_[k];
    if (q >= 0 && !seen[static_cast<std::size_t>(q)]) {
      p0[q] = fixed_[k];
      seen[static_cast<std::size_t>(q)] = 1;
    }
  }
  if (scaling_) {
    LossEvaluator<T> scaled(true);
    set_constants(p0);
    const LossResult start = scaled.loss(e, constants_, data);
    p0[nparams_] = start.scale;
    p0[nparams_ + 1] = start.offset;
    ++result.passes;
  }
  if (total == 0) {
    result.loss = evaluate(e, data, p0, false);
    ++result.passes;
    return result;
  }
  const double base_loss = evaluate(e, data, p0, true);
  ++result.passes;
  double best_loss = base_loss;
  Eigen::VectorXd best = p0;
  if (std::isfinite(base_loss)) {
    Eigen::VectorXd p = p0;
    const double l = run_lm(e, data, p, base_loss, settings.iterations, result.passes);
    if (l < best_loss) {
      best_loss = l;
      best = p;
    }
  }
  for (int r = 0; r < settings.restarts && best_loss > 0; ++r) {
    Eigen::VectorXd p = p0;
    for (int q = 0; q < nparams_; ++q) p[q] *= 1.0 + 0.5 * rng.normal();
    const double start = evaluate(e, data, p, true);
    ++result.passes;
    if (!std::isfinite(start)) continue;
    const double l = run_lm(e, data, p, start, settings.iterations, result.passes);
    if (l < best_loss) {
      best_loss = l;
      best = p;
    }
  }
  result.loss = best_loss;
  if (scaling_) {
    result.scale = best[nparams_];
    result.offset = best[nparams_ + 1];
  }
  if (best_loss < base_loss) {
    std::vector<double> values(nconst);
    for (std::size_t k = 0; k < nconst; ++k) values[k] = map_[k] >= 0 ? best[map_[k]] : fixed_[k];
    e.set_constants(values);
    result.improved = true;
  }
  return result;
}

template class ConstantOptimizer<float>;
template class ConstantOptimizer<double>;

}  // namespace symtorch
