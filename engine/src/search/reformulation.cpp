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

bool usable(Op outer, const std::vector<double>& y) {
  // The islands evaluate in float: the inverse must be finite there too.
  constexpr double kFloatMax = static_cast<double>(std::numeric_limits<float>::max());
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : y) {
    const double z = inverse(outer, v);
    if (!std::isfinite(z) || std::abs(z) > kFloatMax) return false;
    lo = std::min(lo, z);
    hi = std::max(hi, z);
  }
  return hi > lo;
}

}  // namespace

std::vector<Op> applicable_outer_operators(const SearchOptions& options, const Dataset& data) {
  std::vector<Op> out;
  for (const Op op : {Op::Sqrt, Op::Log, Op::Exp}) {
    const auto& unary = options.unary_operators;
    if (std::find(unary.begin(), unary.end(), op) != unary.end() && usable(op, data.target)) out.push_back(op);
  }
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
    return out;
  }
  out.features.assign(r.variables.size(), std::vector<double>(data.rows()));
  std::vector<double> row(data.num_features());
  for (std::size_t i = 0; i < data.rows(); ++i) {
    for (std::size_t k = 0; k < row.size(); ++k) row[k] = data.features[k][i];
    for (std::size_t k = 0; k < r.variables.size(); ++k) out.features[k][i] = evaluate_reference(r.variables[k], row);
  }
  for (std::size_t k = 0; k < r.variables.size(); ++k) out.feature_names.push_back("v" + std::to_string(k));
  return out;
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
  return r.outer ? Expression::unary(*r.outer, out) : out;
}

}  // namespace symtorch::search_detail
