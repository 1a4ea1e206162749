#include "polish.hpp"

#include <tbb/parallel_for.h>

#include "symtorch/engine/constant_optimizer.hpp"
#include "symtorch/engine/simplify.hpp"

namespace symtorch::search_detail {

DataView<double> dataset_view(const Dataset& data, std::vector<const double*>& pointers) {
  pointers.resize(data.num_features());
  for (std::size_t k = 0; k < data.num_features(); ++k) pointers[k] = data.features[k].data();
  DataView<double> v;
  v.columns = pointers;
  v.y = data.target.data();
  v.weights = data.weights.empty() ? nullptr : data.weights.data();
  v.rows = data.rows();
  if (data.weights.empty()) {
    v.weight_sum = static_cast<double>(data.rows());
  } else {
    for (double w : data.weights) v.weight_sum += w;
  }
  return v;
}

double weighted_mean_square(const Dataset& data) {
  double sw = 0, s = 0;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    const double w = data.weights.empty() ? 1.0 : data.weights[r];
    sw += w;
    s += w * data.target[r] * data.target[r];
  }
  return s / sw;
}

double weighted_variance(const Dataset& data) {
  double sw = 0, s = 0;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    const double w = data.weights.empty() ? 1.0 : data.weights[r];
    sw += w;
    s += w * data.target[r];
  }
  const double mean = s / sw;
  double v = 0;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    const double w = data.weights.empty() ? 1.0 : data.weights[r];
    v += w * (data.target[r] - mean) * (data.target[r] - mean);
  }
  return v / sw;
}

Expression explicit_expression(const Member& m, bool linear_scaling) {
  if (!linear_scaling) return m.expr;
  return simplify(Expression::binary(
      Op::Add, Expression::binary(Op::Mul, Expression::constant(m.scale), m.expr), Expression::constant(m.offset)));
}

FrontMember polish_member(const Member& m, const SearchOptions& options, const DataView<double>& data) {
  FrontMember out;
  out.expression = simplify(explicit_expression(m, options.linear_scaling));
  if (options.optimize_constants && out.expression.num_constants() > 0) {
    ConstantOptimizer<double> optimizer;
    SearchRng rng(fit_seed(out.expression.hash(true), options.seed));
    ConstantFitSettings settings;
    settings.iterations = options.polish_iterations;
    settings.restarts = options.optimizer_nrestarts;
    if (optimizer.optimize(out.expression, data, rng, settings).improved)
      out.expression = simplify(out.expression);  // constants may have reached 0 or 1 exactly
  }
  LossEvaluator<double> evaluator(false);
  out.loss = evaluator.loss(out.expression, data).loss;
  out.complexity = out.expression.complexity();
  return out;
}

std::vector<FrontMember> polish_all(const std::vector<Member>& members, const SearchOptions& options,
                                    const DataView<double>& data) {
  std::vector<FrontMember> out(members.size());
  tbb::parallel_for(std::size_t{0}, members.size(),
                    [&](std::size_t i) { out[i] = polish_member(members[i], options, data); });
  return out;
}

}  // namespace symtorch::search_detail
