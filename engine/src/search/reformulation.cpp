#include "reformulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace symtorch::search_detail {
namespace {

double inverse(Op outer, double y) {
  switch (outer) {
    case Op::Sqrt: return y >= 0 ? y * y : std::numeric_limits<double>::quiet_NaN();
    case Op::Log: return std::exp(y);
    case Op::Exp: return y > 0 ? std::log(y) : std::numeric_limits<double>::quiet_NaN();
    default: return std::numeric_limits<double>::quiet_NaN();
  }
}

template <typename Transform>
bool usable_target(std::size_t rows, Transform z_of_row) {
  constexpr double kFloatMax = static_cast<double>(std::numeric_limits<float>::max());
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < rows; ++i) {
    const double z = z_of_row(i);
    if (!std::isfinite(z) || std::abs(z) > kFloatMax) return false;
    lo = std::min(lo, z);
    hi = std::max(hi, z);
  }
  return hi > lo;
}

// e on each row of `data` (reference evaluation in double).
std::vector<double> evaluate_on_rows(const Expression& e, const Dataset& data) {
  std::vector<double> out(data.rows()), row(data.num_features());
  for (std::size_t i = 0; i < data.rows(); ++i) {
    for (std::size_t k = 0; k < row.size(); ++k) row[k] = data.features[k][i];
    out[i] = evaluate_reference(e, row);
  }
  return out;
}

bool usable(Op outer, const std::vector<double>& y) {
  return usable_target(y.size(), [&](std::size_t i) { return inverse(outer, y[i]); });
}

}  // namespace

bool searchable_target(const std::vector<double>& z) {
  return usable_target(z.size(), [&](std::size_t i) { return z[i]; });
}

std::vector<Op> applicable_outer_operators(const SearchOptions& options, const Dataset& data) {
  std::vector<Op> out;
  for (const Op op : {Op::Sqrt, Op::Log, Op::Exp}) {
    const auto& unary = options.unary_operators;
    if (std::find(unary.begin(), unary.end(), op) != unary.end() && usable(op, data.target)) out.push_back(op);
  }
  return out;
}

std::vector<int> applicable_numerators(const Dataset& data, const std::vector<Expression>& variables) {
  const Dataset v = reformulated_dataset(data, Reformulation{std::nullopt, variables});
  std::vector<int> out;
  for (std::size_t k = 0; k < v.num_features(); ++k)
    if (usable_target(v.rows(), [&](std::size_t i) { return v.features[k][i] / v.target[i]; }))
      out.push_back(static_cast<int>(k));
  return out;
}

Dataset reformulated_dataset(const Dataset& data, const Reformulation& r) {
  Dataset out;
  out.target_name = data.target_name;
  out.weights = data.weights;
  out.target = data.target;
  if (r.outer)
    for (double& v : out.target) v = inverse(*r.outer, v);
  if (r.variables.empty()) {
    out.feature_names = data.feature_names;
    out.features = data.features;
  } else {
    for (const auto& v : r.variables) out.features.push_back(evaluate_on_rows(v, data));
    for (std::size_t k = 0; k < r.variables.size(); ++k) out.feature_names.push_back("v" + std::to_string(k));
  }
  if (r.factor) {
    // Weighted by h², so that the loss on y / h is the loss on y: (y − h·f)² = h²·(y/h − f)².
    // Unweighted, noise divided by a small envelope (x³ near x = 0) would swamp y / h.
    const std::vector<double> h = evaluate_on_rows(*r.factor, data);
    if (out.weights.empty()) out.weights.assign(out.target.size(), 1.0);
    double sum = 0;
    for (std::size_t i = 0; i < out.target.size(); ++i) {
      out.target[i] /= h[i];
      sum += out.weights[i] *= h[i] * h[i];
    }
    for (double& w : out.weights) w *= static_cast<double>(out.weights.size()) / sum;  // mean 1
  }
  if (r.numerator >= 0) {
    const auto& v = out.features.at(static_cast<std::size_t>(r.numerator));
    for (std::size_t i = 0; i < out.target.size(); ++i) out.target[i] = v[i] / out.target[i];
  }
  return out;
}

Expression Reformulation::variable(std::size_t k) const {
  return variables.empty() ? Expression::variable(static_cast<std::uint32_t>(k)) : variables.at(k);
}

int Reformulation::root_complexity() const {
  const Expression leaf = Expression::constant(1);  // restore() leaves a constant as it is
  return restore(leaf, *this).complexity() - leaf.complexity();
}

Expression substitute_variables(const Expression& e, const std::vector<Expression>& definitions) {
  std::vector<Node> nodes;
  nodes.reserve(e.size());
  for (const Node& n : e.nodes()) {
    if (n.op != Op::Var) {
      nodes.push_back(n);
      continue;
    }
    const auto& d = definitions.at(n.feature).nodes();
    nodes.insert(nodes.end(), d.begin(), d.end());
  }
  return Expression(std::move(nodes));
}

Expression restore(const Expression& f, const Reformulation& r) {
  Expression out = r.variables.empty() ? f : substitute_variables(f, r.variables);
  if (r.numerator >= 0) return Expression::binary(Op::Div, r.variable(static_cast<std::size_t>(r.numerator)), out);
  if (r.factor) return Expression::binary(Op::Mul, *r.factor, out);
  return r.outer ? Expression::unary(*r.outer, out) : out;
}

}  // namespace symtorch::search_detail
