// y = h·f: where y oscillates under an envelope h read off the data (envelope.hpp), the islands
// fit f to y / h, weighted by h² (scaled to mean 1) so that their loss is the loss on y:
// (y − h·f)² = h²·(y/h − f)². Unweighted, noise divided by a small envelope (x³ near x = 0)
// would swamp y / h. They use every unary operator: the oscillation is what is left to find,
// and a random subset lacks sin or cos half the time.
#include "envelope.hpp"

#include <Eigen/QR>
#include <boost/math/distributions/fisher_f.hpp>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "../checkpoint.hpp"
#include "symtorch/engine/printer.hpp"
#include "view_kinds.hpp"

namespace symtorch::search_detail {
namespace {

constexpr std::size_t kMinSliceRows = 10, kMaxSlices = 25, kMinSlices = 5;

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
  // F-test of the model (parameters - 1 degrees of freedom beyond the constant) on the slices.
  const double params = static_cast<double>(a.cols()), n = static_cast<double>(slices);
  e.log_residual = std::sqrt(residual / n);
  if (e.r2 >= 1) {
    e.p_value = 0;
  } else if (e.r2 > 0) {
    const double f = (e.r2 / (params - 1)) / ((1 - e.r2) / (n - params));
    e.p_value = boost::math::cdf(boost::math::complement(boost::math::fisher_f(params - 1, n - params), f));
  }
  return e;
}

bool VariableEnvelope::usable(std::size_t tests) const {
  return p_value < 0.01 / static_cast<double>(std::max<std::size_t>(1, tests)) && log_residual <= std::log(2.0);
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

namespace {

class EnvelopeView final : public ProblemView {
 public:
  explicit EnvelopeView(Expression h) : h_(std::move(h)) {}
  ViewSpec spec() const override { return {"envelope", {{"factor", expression_to_json(h_)}}}; }
  std::string describe(const std::vector<std::string>& names) const override {
    return "y = h * f, h = " + to_string(h_, names);
  }
  Dataset transform(const Dataset& data) const override {
    Dataset out = data;
    const std::vector<double> h = evaluate_on_rows(h_, data);
    if (out.weights.empty()) out.weights.assign(out.target.size(), 1.0);
    double sum = 0;
    for (std::size_t i = 0; i < out.target.size(); ++i) {
      out.target[i] /= h[i];
      sum += out.weights[i] *= h[i] * h[i];
    }
    for (double& w : out.weights) w *= static_cast<double>(out.weights.size()) / sum;  // mean 1
    return out;
  }
  Expression restore(const Expression& f) const override { return Expression::binary(Op::Mul, h_, f); }
  std::vector<Op> added_operators() const override {
    std::vector<Op> ops{Op::Mul};
    for (const Node& n : h_.nodes())
      if (!is_leaf(n.op) && std::find(ops.begin(), ops.end(), n.op) == ops.end()) ops.push_back(n.op);
    return ops;
  }
  IslandPolicy policy() const override { IslandPolicy p;
    p.every_unary = true;
    return p; }
  const Expression& factor() const { return h_; }

 private:
  Expression h_;
};

class EnvelopeKind final : public ViewKind {
 public:
  std::string name() const override { return "envelope"; }
  std::vector<ViewPtr> applicable(const ViewContext& c) const override {
    const auto h = oscillation_envelope(c.data, c.allowed);
    if (!h) return {};
    return {std::make_shared<EnvelopeView>(*h)};
  }
  ViewPtr from_parameters(const nlohmann::json& p, const Dataset& data) const override {
    if (!p.is_object() || !p.contains("factor")) throw std::runtime_error("an envelope view needs a factor");
    return std::make_shared<EnvelopeView>(expression_of_json(p.at("factor"), data, "the envelope view's factor"));
  }
};

}  // namespace

std::optional<Expression> oscillation_envelope(const Dataset& data, const OperatorSet& allowed) {
  if (!oscillates(data.target) || !allowed.allows(Op::Mul)) return std::nullopt;
  const bool square = allowed.allows(Op::Square), exp = allowed.allows(Op::Exp), divide = allowed.allows(Op::Div),
             invert = allowed.allows(Op::Inv);
  std::optional<Expression> numerator, denominator;
  for (std::size_t k = 0; k < data.num_features(); ++k) {
    const auto e = fit_variable_envelope(data, k);
    if (!e || !e->usable(data.num_features())) continue;
    const Expression x = Expression::variable(static_cast<std::uint32_t>(k));
    if (const auto power = static_cast<int>(std::lround(e->power)); power != 0) {
      const Expression p = power_of(x, std::abs(power), square);
      if (power > 0) multiply(numerator, p);
      else if (divide) multiply(denominator, p);
      else if (invert) multiply(numerator, Expression::unary(Op::Inv, p));
      else return std::nullopt;
    }
    const double rate = std::round(2 * e->rate) / 2;
    if (rate == 0 || !exp) continue;
    const double magnitude = std::abs(rate);
    if (rate < 0 && !divide) {
      multiply(numerator, Expression::unary(Op::Exp, Expression::binary(Op::Mul, Expression::constant(rate), x)));
      continue;
    }
    const Expression exponent = magnitude == 1 ? x : Expression::binary(Op::Mul, Expression::constant(magnitude), x);
    multiply(rate > 0 ? numerator : denominator, Expression::unary(Op::Exp, exponent));
  }
  if (!numerator && !denominator) return std::nullopt;
  const Expression h = !denominator ? *numerator
                       : Expression::binary(Op::Div, numerator ? *numerator : Expression::constant(1), *denominator);
  if (!searchable_target(EnvelopeView(h).transform(data).target)) return std::nullopt;
  return h;
}

const ViewKind& envelope_view_kind() {
  static const EnvelopeKind kind;
  return kind;
}

}  // namespace symtorch::search_detail
