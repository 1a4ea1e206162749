#include "envelope.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "reformulation.hpp"

namespace symtorch::search_detail {
namespace {

constexpr std::size_t kMinSliceRows = 10, kMaxSlices = 25, kMinSlices = 5;
constexpr double kMinR2 = 0.8;

bool listed(const std::vector<Op>& ops, Op op) { return std::find(ops.begin(), ops.end(), op) != ops.end(); }

// x^n, n >= 1, as square(x)·... where square is listed, else x·x·...
Expression power_of(const Expression& x, int n, bool square) {
  if (n == 1) return x;
  if (square && n >= 2) {
    const Expression s = Expression::unary(Op::Square, x);
    return n == 2 ? s : Expression::binary(Op::Mul, s, power_of(x, n - 2, square));
  }
  return Expression::binary(Op::Mul, x, power_of(x, n - 1, square));
}

void multiply(std::optional<Expression>& product, const Expression& factor) {
  product = product ? Expression::binary(Op::Mul, *product, factor) : factor;
}

}  // namespace

std::optional<VariableEnvelope> fit_variable_envelope(const Dataset& data, std::size_t k) {
  const auto& x = data.features.at(k);
  const std::size_t slices = std::min(kMaxSlices, data.rows() / kMinSliceRows);
  if (slices < kMinSlices) return std::nullopt;
  std::vector<std::size_t> order(data.rows());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  const bool positive = x[order.front()] > 0;
  Eigen::MatrixXd a(static_cast<Eigen::Index>(slices), positive ? 3 : 2);
  Eigen::VectorXd t(static_cast<Eigen::Index>(slices));
  for (std::size_t s = 0; s < slices; ++s) {
    const std::size_t begin = s * data.rows() / slices, end = (s + 1) * data.rows() / slices;
    std::size_t top = order[begin];
    for (std::size_t i = begin; i < end; ++i)
      if (std::abs(data.target[order[i]]) > std::abs(data.target[top])) top = order[i];
    const double peak = std::abs(data.target[top]);
    if (!(peak > 0) || !std::isfinite(peak)) return std::nullopt;
    const auto row = static_cast<Eigen::Index>(s);
    Eigen::Index c = 0;
    if (positive) a(row, c++) = std::log(x[top]);
    a(row, c++) = x[top];
    a(row, c) = 1;
    t(row) = std::log(peak);
  }
  const Eigen::VectorXd coef = a.colPivHouseholderQr().solve(t);
  const double mean = t.mean();
  const double total = (t.array() - mean).square().sum();
  const double residual = (t - a * coef).squaredNorm();
  VariableEnvelope e;
  e.power = positive ? coef(0) : 0;
  e.rate = coef(positive ? 1 : 0);
  e.r2 = total > 0 ? 1 - residual / total : 0;
  if (!std::isfinite(e.power) || !std::isfinite(e.rate) || !std::isfinite(e.r2)) return std::nullopt;
  return e;
}

bool oscillates(const std::vector<double>& y) {
  double peak = 0;
  for (double v : y) peak = std::max(peak, std::abs(v));
  std::size_t above = 0, below = 0;
  for (double v : y) {
    above += v > 0.02 * peak;
    below += v < -0.02 * peak;
  }
  const double needed = 0.05 * static_cast<double>(y.size());
  return peak > 0 && static_cast<double>(above) >= needed && static_cast<double>(below) >= needed;
}

std::optional<Expression> oscillation_envelope(const Dataset& data, const std::vector<Op>& unary) {
  if (!oscillates(data.target)) return std::nullopt;
  const bool square = listed(unary, Op::Square), exp = listed(unary, Op::Exp);
  std::optional<Expression> numerator, denominator;
  for (std::size_t k = 0; k < data.num_features(); ++k) {
    const auto e = fit_variable_envelope(data, k);
    if (!e || e->r2 < kMinR2) continue;
    const Expression x = Expression::variable(static_cast<std::uint32_t>(k));
    if (const auto power = static_cast<int>(std::lround(e->power)); power != 0)
      multiply(power > 0 ? numerator : denominator, power_of(x, std::abs(power), square));
    const double rate = std::round(2 * e->rate) / 2;
    if (rate == 0 || !exp) continue;
    const double magnitude = std::abs(rate);
    const Expression exponent = magnitude == 1 ? x : Expression::binary(Op::Mul, Expression::constant(magnitude), x);
    multiply(rate > 0 ? numerator : denominator, Expression::unary(Op::Exp, exponent));
  }
  if (!numerator && !denominator) return std::nullopt;
  const Expression h = !denominator ? *numerator
                       : Expression::binary(Op::Div, numerator ? *numerator : Expression::constant(1), *denominator);
  Reformulation divided;
  divided.factor = h;
  if (!searchable_target(reformulated_dataset(data, divided).target)) return std::nullopt;
  return h;
}

}  // namespace symtorch::search_detail
