// FusedLayer (one native kernel for transforms -> PCA_in -> equations -> inverse PCA_out, and
// its backward) against UnfusedLayer (the same chain as separate tensor ops: Equation ops and
// matmuls, autograd through them), on hand-made distillations: forward values, gradients with
// respect to the input, and a finite-difference check of the fused gradient in double.
//
// Tolerances. Both paths evaluate the same equations with the same JIT code for the operators
// (the Equation op is a NativeKernel), so the only differences are the order of the sums in
// the projections (torch's blocked matmul against the kernel's sequential fused multiply-adds
// over the feature index) and the rounding of the products feeding them: a few ulp of the
// largest term per sum. With O(1) data, 12-128 terms per sum and outputs of O(1-10), 1e-11
// (double) and 2e-4 (float, eps 1.2e-7 times 128 terms times the spread) bound that with room.
// The finite-difference check uses central differences with h = 1e-6 on smooth equations:
// truncation error ~h² times the third derivative (< 1e-9 here) plus round-off ~eps/h (1e-10).
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "symtorch/engine/parser.hpp"
#include "symtorch/torch/fused_layer.hpp"
#include "symtorch/torch/symbolic_model.hpp"
#include "symtorch/torch/unfused_layer.hpp"
#include "doctest_after_torch.hpp"
#include "error_of.hpp"
#include "test_support.hpp"

using namespace symtorch;

namespace {

std::vector<std::string> numbered(const std::string& prefix, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// A PCA basis of `k` components over `d` dimensions, fitted to correlated random data (so the
// components are a genuine orthonormal basis with a non-zero mean).
Pca random_pca(std::size_t d, std::size_t k, std::uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor mix = torch::randn({static_cast<std::int64_t>(d), static_cast<std::int64_t>(d)}, at::kDouble);
  const at::Tensor rows = (torch::randn({400, static_cast<std::int64_t>(d)}, at::kDouble).matmul(mix) + 0.5).contiguous();
  return Pca::fit(rows.data_ptr<double>(), 400, d, k);
}

struct Layer {
  Distillation d;
  std::vector<std::size_t> members;
};

// A distillation with one front member per target (the given equations), as distill() would
// leave it: features from the transforms, optional PCA on both sides.
Layer make_layer(std::size_t n_in, std::size_t n_out, const std::vector<InputTransform>& transforms, bool keep_inputs,
                 std::size_t k_in, std::size_t k_out, const std::vector<std::string>& equations) {
  Layer l;
  Distillation& d = l.d;
  d.num_inputs = n_in;
  d.num_outputs = n_out;
  d.input_names = numbered("x", n_in);
  d.transforms = transforms;
  d.keep_inputs = keep_inputs;
  if (transforms.empty()) {
    d.feature_names = d.input_names;
  } else {
    if (keep_inputs) d.feature_names = d.input_names;
    for (const auto& t : transforms) d.feature_names.push_back(t.name);
  }
  if (k_in > 0) d.input_pca = random_pca(d.feature_names.size(), k_in, 11);
  if (k_out > 0) d.output_pca = random_pca(n_out, k_out, 12);
  d.variable_names = k_in > 0 ? numbered("pc", k_in) : d.feature_names;
  for (std::size_t j = 0; j < equations.size(); ++j) {
    TargetFit t;
    t.name = k_out > 0 ? "pc_y" + std::to_string(j) : "y" + std::to_string(j);
    FrontMember m;
    m.expression = parse_expression(equations[j], d.variable_names);
    m.complexity = m.expression.complexity();
    t.front = ParetoFront::from_candidates({m});
    d.targets.push_back(std::move(t));
    l.members.push_back(0);
  }
  d.validate();
  return l;
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// Forward and input gradient of both paths on the same rows; the fused within `tol` (relative
// to the largest value) of the unfused.
void check_against_unfused(const Layer& l, at::ScalarType dtype, std::int64_t rows, double tol) {
  const FusedLayer fused(l.d, l.members, dtype);
  const UnfusedLayer unfused(l.d, l.members, dtype);
  torch::manual_seed(3);
  const at::Tensor x = torch::randn({rows, static_cast<std::int64_t>(l.d.num_inputs)}, at::kDouble).to(dtype);
  {
    torch::NoGradGuard no_grad;
    const at::Tensor a = fused.forward(x), b = unfused.forward(x);
    REQUIRE(a.sizes() == b.sizes());
    CHECK(max_abs(a - b) <= tol * std::max(1.0, max_abs(b)));
  }
  const at::Tensor xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
  const at::Tensor ya = fused.forward(xa), yb = unfused.forward(xb);
  CHECK(max_abs(ya.detach() - yb.detach()) <= tol * std::max(1.0, max_abs(yb.detach())));
  // A weighted sum, so every output column's gradient counts with its own weight.
  const at::Tensor w = torch::linspace(-1.0, 2.0, ya.size(1), at::TensorOptions().dtype(dtype));
  (ya * w).sum().backward();
  (yb * w).sum().backward();
  REQUIRE(xa.grad().defined());
  CHECK(max_abs(xa.grad() - xb.grad()) <= tol * std::max(1.0, max_abs(xb.grad())));
}

// Central differences of sum(w * fused(x)) against the fused backward, in double.
void check_finite_differences(const Layer& l) {
  const FusedLayer fused(l.d, l.members, at::kDouble);
  torch::manual_seed(5);
  const at::Tensor x = torch::randn({3, static_cast<std::int64_t>(l.d.num_inputs)}, at::kDouble);
  const at::Tensor w = torch::linspace(-1.0, 2.0, static_cast<std::int64_t>(l.d.num_outputs), at::kDouble);
  const at::Tensor xg = x.clone().requires_grad_(true);
  (fused.forward(xg) * w).sum().backward();
  const at::Tensor analytic = xg.grad();
  torch::NoGradGuard no_grad;
  auto loss = [&](const at::Tensor& at) { return (fused.forward(at) * w).sum().item<double>(); };
  const double h = 1e-6;
  double worst = 0;
  for (std::int64_t r = 0; r < x.size(0); ++r)
    for (std::int64_t c = 0; c < x.size(1); ++c) {
      at::Tensor plus = x.clone(), minus = x.clone();
      plus[r][c] += h;
      minus[r][c] -= h;
      const double numeric = (loss(plus) - loss(minus)) / (2 * h);
      worst = std::max(worst, std::abs(numeric - analytic[r][c].item<double>()) / std::max(1.0, std::abs(numeric)));
    }
  CHECK(worst < 1e-6);
}

}  // namespace

TEST_CASE("fused layer with input and output PCA equals the unfused chain, forward and backward") {
  // 12 features -> 4 components; 3 equations sharing sin(pc0 * pc1) -> 3 components -> 10 outputs.
  const Layer l = make_layer(12, 10, {}, false, 4, 3,
                             {"sin(pc0 * pc1) + 0.5 * pc2", "exp(0.3 * pc3) * sin(pc0 * pc1)", "pc1 * pc2 - tanh(pc3) / 2.0"});
  check_against_unfused(l, at::kDouble, 300, 1e-11);  // 300 rows: two full blocks of 128... and a partial one
  check_against_unfused(l, at::kFloat, 1000, 2e-4);
  check_finite_differences(l);
}

TEST_CASE("fused layer without PCA: several outputs straight from the equations") {
  const Layer l = make_layer(3, 2, {}, false, 0, 0, {"x0 * x1 + sin(x2)", "exp(x0 / 4.0) - x2 * x2 * x1"});
  check_against_unfused(l, at::kDouble, 100, 1e-13);
  check_against_unfused(l, at::kFloat, 5000, 1e-5);  // several tasks when threads are available
  check_finite_differences(l);
  // One output, and an equation that leaves an input out (its gradient is exactly 0).
  const Layer one = make_layer(3, 1, {}, false, 0, 0, {"x0 * cos(x2)"});
  check_against_unfused(one, at::kDouble, 10, 1e-13);
  const FusedLayer fused(one.d, one.members, at::kDouble);
  const at::Tensor x = torch::randn({4, 3}, at::kDouble).requires_grad_(true);
  fused.forward(x).sum().backward();
  CHECK(x.grad().select(1, 1).abs().max().item<double>() == 0.0);
}

TEST_CASE("fused layer with input transforms, kept inputs and input PCA") {
  const std::vector<InputTransform> t = {{"d", "x1 - x0"}, {"s", "sin(x2) * x0"}};
  const Layer pca = make_layer(3, 2, t, true, 3, 0, {"pc0 * pc1 + pc2", "cos(pc2) - pc0"});
  check_against_unfused(pca, at::kDouble, 200, 1e-11);
  check_against_unfused(pca, at::kFloat, 200, 2e-4);
  check_finite_differences(pca);
  // Transforms only (the equations over the transformed features), and with output PCA.
  const Layer plain = make_layer(3, 1, t, false, 0, 0, {"d * s + exp(d / 3.0)"});
  check_against_unfused(plain, at::kDouble, 50, 1e-12);
  check_finite_differences(plain);
  const Layer out_pca = make_layer(3, 4, t, false, 0, 2, {"d * s", "d - s"});
  check_against_unfused(out_pca, at::kDouble, 50, 1e-11);
  check_finite_differences(out_pca);
}

TEST_CASE("fused layer at LLM size: 128 features -> 32 components, 8 components -> 128 outputs") {
  std::vector<std::string> eqs;
  for (int j = 0; j < 8; ++j)
    eqs.push_back("sin(pc" + std::to_string(j) + ") * pc" + std::to_string(j + 8) + " + exp(0.1 * pc" +
                  std::to_string(j + 16) + ") - inv(2.0 + pc" + std::to_string(j + 24) + " * pc" + std::to_string(j + 24) + ")");
  const Layer l = make_layer(128, 128, {}, false, 32, 8, eqs);
  check_against_unfused(l, at::kDouble, 130, 1e-11);
  check_against_unfused(l, at::kFloat, 1024, 2e-4);
}

TEST_CASE("fused layer: an empty batch, and refusals") {
  const Layer l = make_layer(3, 1, {}, false, 0, 0, {"x0 + x1 * x2"});
  const FusedLayer fused(l.d, l.members, at::kDouble);
  CHECK(fused.forward(torch::zeros({0, 3}, at::kDouble)).sizes() == at::IntArrayRef({0, 1}));
  CHECK(test::error_of([&] { FusedLayer(l.d, {1}, at::kDouble); }).find("member 1") != std::string::npos);
  CHECK(test::error_of([&] { FusedLayer(l.d, {0}, at::kHalf); }).find("float32 or float64") != std::string::npos);
}

TEST_CASE("SymbolicModel with PCA runs the fused kernel; save and load keep outputs and gradients") {
  // 4 inputs of rank 2 and 3 outputs of rank 1: u = x0 + 0.5 x1, y = [u, 2u, -u].
  auto block = [](const at::Tensor& x) {
    const at::Tensor u = x.select(-1, 0) + 0.5 * x.select(-1, 1);
    return at::stack({u, 2 * u, -u}, -1);
  };
  auto inputs = [](const at::Tensor& b) {
    return at::stack({b.select(1, 0), b.select(1, 1), b.select(1, 0) + b.select(1, 1), b.select(1, 0) - b.select(1, 1)}, 1);
  };
  SymbolicModel model{SymbolicModelImpl::Function(block)};
  model->start_recording();
  torch::manual_seed(4);
  model->forward(inputs(torch::randn({400, 2}, at::kDouble)));
  DistillOptions o;
  o.search.binary_operators = {Op::Add, Op::Sub, Op::Mul};
  o.search.unary_operators = {};
  o.search.populations = 4;
  o.search.population_size = 20;
  o.search.niterations = 5;
  o.search.maxsize = 9;
  o.search.seed = 1;
  o.pca_inputs = 2;
  o.pca_outputs = 1;
  model->distill(o);
  model->switch_to_symbolic();

  const at::Tensor x = inputs(torch::randn({20, 2}, at::kDouble)).reshape({4, 5, 4});  // leading dims kept
  const at::Tensor xg = x.clone().requires_grad_(true);
  const at::Tensor y = model->forward(xg);
  CHECK(y.sizes() == at::IntArrayRef({4, 5, 3}));
  y.sum().backward();
  // The same as the unfused chain on the same distillation.
  const UnfusedLayer unfused(model->distillation(), model->selected_members(), at::kDouble);
  const at::Tensor xr = x.reshape({-1, 4}).clone().requires_grad_(true);
  const at::Tensor yr = unfused.forward(xr);
  yr.sum().backward();
  CHECK(max_abs(y.detach().reshape({-1, 3}) - yr.detach()) < 1e-11);
  CHECK(max_abs(xg.grad().reshape({-1, 4}) - xr.grad()) < 1e-11);

  test::TempDir dir("fused-save");
  model->save(dir.path().string());
  SymbolicModel loaded{SymbolicModelImpl::Function(block)};
  loaded->load(dir.path().string());
  REQUIRE(loaded->mode() == ModelMode::Symbolic);
  const at::Tensor xl = x.clone().requires_grad_(true);
  const at::Tensor yl = loaded->forward(xl);
  yl.sum().backward();
  CHECK(at::equal(yl.detach(), y.detach()));
  CHECK(at::equal(xl.grad(), xg.grad()));
  // float32 input: compiled for that dtype on first use, same values within float rounding.
  const at::Tensor yf = loaded->forward(x.to(at::kFloat));
  CHECK((yf.scalar_type() == at::kFloat));
  CHECK(max_abs(yf.to(at::kDouble) - y.detach()) < 1e-4 * std::max(1.0, max_abs(y.detach())));
}
