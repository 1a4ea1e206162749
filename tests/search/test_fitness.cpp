// Loss evaluation (MSE, weights, linear scaling, streaming) and constant optimisation.
#include <doctest/doctest.h>

#include <cmath>

#include "symtorch/engine/constant_optimizer.hpp"
#include "symtorch/engine/fitness.hpp"
#include "symtorch/engine/parser.hpp"

using namespace symtorch;

namespace {

Dataset make_data(std::size_t n, double (*f)(double, double), bool weighted = false) {
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, std::vector<double>(n));
  SearchRng rng(42);
  for (std::size_t r = 0; r < n; ++r) {
    d.features[0][r] = -2 + 4 * rng.uniform();
    d.features[1][r] = -2 + 4 * rng.uniform();
    d.target.push_back(f(d.features[0][r], d.features[1][r]));
    if (weighted) d.weights.push_back(0.5 + rng.uniform());
  }
  return d;
}

double reference_mse(const Expression& e, const Dataset& d) {
  double s = 0, sw = 0;
  for (std::size_t r = 0; r < d.rows(); ++r) {
    const double pred = evaluate_reference(e, std::vector<double>{d.features[0][r], d.features[1][r]});
    const double w = d.weights.empty() ? 1.0 : d.weights[r];
    s += w * (pred - d.target[r]) * (pred - d.target[r]);
    sw += w;
  }
  return s / sw;
}

}  // namespace

TEST_CASE("MSE matches the reference evaluator, weighted or not, in both precisions") {
  for (bool weighted : {false, true}) {
    const Dataset d = make_data(300, [](double a, double b) { return a * a + std::sin(b); }, weighted);
    const Expression e = parse_expression("x0 * 1.1 + x1");
    const double want = reference_mse(e, d);
    EvalData<double> dd(d);
    LossEvaluator<double> ld;
    // Double: same operations in a different summation order; 1e-12 relative.
    CHECK(ld.loss(e, dd.view()).loss == doctest::Approx(want).epsilon(1e-12));
    EvalData<float> df(d);
    LossEvaluator<float> lf;
    // Float data and arithmetic: ~1e-6 relative per value.
    CHECK(lf.loss(e, df.view()).loss == doctest::Approx(want).epsilon(1e-5));
  }
}

TEST_CASE("non-finite predictions give an infinite loss") {
  const Dataset d = make_data(50, [](double a, double) { return a; });
  EvalData<double> dd(d);
  LossEvaluator<double> l;
  CHECK(std::isinf(l.loss(parse_expression("log(x0)"), dd.view()).loss));  // x0 < 0 somewhere
  CHECK(std::isinf(l.loss(parse_expression("x0 / 0"), dd.view()).loss));
}

TEST_CASE("linear scaling fits a and b in closed form") {
  const Dataset d = make_data(200, [](double a, double b) { return 3.0 * (a * b) - 0.75; });
  EvalData<double> dd(d);
  LossEvaluator<double> scaled(true);
  const LossResult r = scaled.loss(parse_expression("x0 * x1"), dd.view());
  // Exact data: a and b to round-off, loss at round-off of values of size ~10.
  CHECK(r.scale == doctest::Approx(3.0).epsilon(1e-12));
  CHECK(r.offset == doctest::Approx(-0.75).epsilon(1e-12));
  CHECK(r.loss < 1e-24);
  // A constant prediction: a = 0, b = mean(y), loss = variance.
  const LossResult c = scaled.loss(parse_expression("2"), dd.view());
  CHECK(c.scale == 0);
  double mean = 0;
  for (double y : d.target) mean += y;
  mean /= static_cast<double>(d.rows());
  CHECK(c.offset == doctest::Approx(mean).epsilon(1e-12));
}

TEST_CASE("streamed evaluation over several chunks equals one pass") {
  const std::size_t n = LossEvaluator<double>::kChunkRows * 2 + 123;
  const Dataset d = make_data(n, [](double a, double b) { return std::cos(a) * b; }, true);
  const Expression e = parse_expression("cos(x0) * x1 * 0.9 + 0.1");
  EvalData<double> dd(d);
  LossEvaluator<double> l;
  CHECK(l.loss(e, dd.view()).loss == doctest::Approx(reference_mse(e, d)).epsilon(1e-11));
  LossEvaluator<double> scaled(true);
  const LossResult r = scaled.loss(e, dd.view());
  // The best a, b undo the 0.9 and 0.1: the moment formula cancels to ~1e-16 of y² (~1).
  CHECK(r.scale == doctest::Approx(1 / 0.9).epsilon(1e-9));
  CHECK(r.loss < 1e-12);
}

TEST_CASE("mini-batch rows are gathered with their weights") {
  const Dataset d = make_data(20, [](double a, double) { return a; }, true);
  EvalData<float> batch;
  const std::vector<std::size_t> rows{3, 3, 7};
  batch.assign_rows(d, rows);
  const auto v = batch.view();
  REQUIRE(v.rows == 3);
  CHECK(v.columns[0][2] == static_cast<float>(d.features[0][7]));
  CHECK(v.weight_sum == doctest::Approx(2 * d.weights[3] + d.weights[7]).epsilon(1e-12));
}

TEST_CASE("Levenberg–Marquardt recovers constants of a nonlinear model") {
  const Dataset d = make_data(400, [](double a, double) { return 2.0 * std::sin(1.5 * a) + 0.5; });
  EvalData<double> dd(d);
  Expression e = parse_expression("1.5 * sin(1.2 * x0) + 0.2");
  ConstantOptimizer<double> opt;
  SearchRng rng(1);
  ConstantFitSettings s;
  s.iterations = 50;
  const ConstantFitResult r = opt.optimize(e, dd.view(), rng, s);
  CHECK(r.improved);
  const auto c = e.constants();
  // Zero-residual problem: LM converges quadratically to round-off.
  CHECK(c[0] == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(c[1] == doctest::Approx(1.5).epsilon(1e-9));
  CHECK(c[2] == doctest::Approx(0.5).epsilon(1e-9));
  CHECK(r.loss < 1e-20);
  LossEvaluator<double> l;
  CHECK(l.loss(e, dd.view()).loss == doctest::Approx(r.loss).epsilon(1e-6).scale(1e-20));
}

TEST_CASE("tied and fixed constants") {
  const Dataset d = make_data(200, [](double a, double b) { return 0.7 * a + 0.7 * b + 3.0; });
  EvalData<double> dd(d);
  // Constants in order: a, a, 3 (fixed). The two 'a' slots are one parameter.
  Expression e = parse_expression("1 * x0 + 1 * x1 + 3");
  const std::vector<int> map{0, 0, -1};
  ConstantOptimizer<double> opt;
  SearchRng rng(1);
  ConstantFitSettings s;
  s.iterations = 30;
  const auto r = opt.optimize(e, dd.view(), rng, s, map);
  const auto c = e.constants();
  CHECK(c[0] == doctest::Approx(0.7).epsilon(1e-10));
  CHECK(c[1] == c[0]);
  CHECK(c[2] == 3.0);
  CHECK(r.loss < 1e-20);
  Expression bad = parse_expression("x0 + 1");
  CHECK_THROWS_AS(opt.optimize(bad, dd.view(), rng, s, map), std::invalid_argument);
}

TEST_CASE("optimisation with linear scaling and without constants") {
  const Dataset d = make_data(200, [](double a, double) { return 4.0 * std::exp(0.5 * a) - 1.0; });
  EvalData<float> df(d);
  Expression e = parse_expression("exp(0.3 * x0)");
  ConstantOptimizer<float> opt;
  SearchRng rng(2);
  ConstantFitSettings s;
  s.iterations = 30;
  s.linear_scaling = true;
  const auto r = opt.optimize(e, df.view(), rng, s);
  // Float evaluation: constants to ~1e-4 relative.
  CHECK(e.constants()[0] == doctest::Approx(0.5).epsilon(1e-4));
  CHECK(r.scale == doctest::Approx(4.0).epsilon(1e-4));
  CHECK(r.offset == doctest::Approx(-1.0).epsilon(1e-3));
  Expression none = parse_expression("x0 * x0");
  s.linear_scaling = false;
  const auto rn = opt.optimize(none, df.view(), rng, s);
  CHECK_FALSE(rn.improved);
  CHECK(std::isfinite(rn.loss));
}
