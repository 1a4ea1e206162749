// Forward time of a distilled symbolic layer against the MLP it replaced and against the same
// equation written as plain torch ops, all measured in this run on the CPU.
//
//   usage: bench_torchbridge [batch=4096] [seconds-per-measurement=1]
//
// 1. Trains an MLP 3 -> 64 -> 64 -> 1 (tanh) on y = a*b + c, wraps it in a SymbolicModel,
//    records, distills (fixed seed, small budget) and switches to the equation it found.
// 2. Times, on a [batch, 3] float32 input, inference (no grad) and forward+backward:
//      MLP (the network) | SymbolicModel in symbolic mode | the Equation op alone |
//      the same equation as torch ops (one tensor op per tree node).
// 3. The same for a fixed, larger equation (trigonometric and exponential terms, shared
//    subexpressions), where a fused kernel saves the most over one op per node.
// Prints ms per call and ratios against the MLP and against the torch-ops version.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "symtorch/engine/parser.hpp"
#include "symtorch/torch/equation.hpp"
#include "symtorch/torch/symbolic_model.hpp"
#include "symtorch/torch_eval/torch_ops.hpp"
#include "time_per_call.hpp"

namespace {

using Clock = std::chrono::steady_clock;

using symtorch::bench::time_per_call;

// The equation as torch ops (one ATen call per operator node) on the columns of x [n, k].
at::Tensor torch_ops(const symtorch::Expression& e, const at::Tensor& x) {
  std::vector<at::Tensor> columns;
  for (std::int64_t k = 0; k < x.size(1); ++k) columns.push_back(x.select(1, k));
  return symtorch::torch_eval::evaluate(e, columns).unsqueeze(1);
}

struct MlpImpl : torch::nn::Module {
  MlpImpl() {
    l1 = register_module("l1", torch::nn::Linear(3, 64));
    l2 = register_module("l2", torch::nn::Linear(64, 64));
    l3 = register_module("l3", torch::nn::Linear(64, 1));
  }
  at::Tensor forward(const at::Tensor& x) { return l3(torch::tanh(l2(torch::tanh(l1(x))))); }
  torch::nn::Linear l1{nullptr}, l2{nullptr}, l3{nullptr};
};
TORCH_MODULE(Mlp);

struct Timings {
  double infer = 0, train = 0;  // seconds per call: no-grad forward; forward + backward
};

Timings measure(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& x, double budget) {
  Timings t;
  t.infer = time_per_call([&] {
    torch::NoGradGuard no_grad;
    f(x);
  }, budget);
  const at::Tensor xg = x.clone().requires_grad_(true);
  t.train = time_per_call([&] { f(xg).sum().backward(); }, budget);
  return t;
}

void report(const char* name, const Timings& t, const Timings& mlp, const Timings& ops) {
  std::printf("  %-34s %9.4f ms %9.4f ms   %8.1fx %8.1fx   %6.2fx %6.2fx\n", name, t.infer * 1e3, t.train * 1e3,
              mlp.infer / t.infer, mlp.train / t.train, ops.infer / t.infer, ops.train / t.train);
}

void header(std::int64_t batch) {
  std::printf("  %-34s %12s %12s   %17s   %15s\n", "", "no-grad fwd", "fwd+bwd", "speed-up vs MLP",
              "vs torch ops");
  std::printf("  (batch %lld x 3 float32, %d intra-op threads)\n", static_cast<long long>(batch), at::get_num_threads());
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t batch = argc > 1 ? std::atoll(argv[1]) : 4096;
  const double budget = argc > 2 ? std::atof(argv[2]) : 1.0;

  // 1. Train, wrap, record, distill, switch.
  torch::manual_seed(1);
  Mlp mlp;
  {
    const at::Tensor x = torch::rand({1000, 3}) * 2 - 1;
    const at::Tensor y = (x.select(1, 0) * x.select(1, 1) + x.select(1, 2)).unsqueeze(1);
    torch::optim::Adam opt(mlp->parameters(), torch::optim::AdamOptions(1e-2));
    for (int step = 0; step < 500; ++step) {
      opt.zero_grad();
      torch::mse_loss(mlp->forward(x), y).backward();
      opt.step();
    }
  }
  mlp->eval();
  symtorch::SymbolicModel model(mlp);
  model->start_recording();
  {
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 4; ++i) model->forward(torch::rand({1000, 3}) * 2 - 1);
  }
  symtorch::DistillOptions options;
  options.input_names = {"a", "b", "c"};
  options.search.binary_operators = {symtorch::Op::Add, symtorch::Op::Sub, symtorch::Op::Mul};
  options.search.populations = 8;
  options.search.population_size = 30;
  options.search.ncycles_per_iteration = 100;
  options.search.niterations = 20;
  options.search.maxsize = 15;
  options.search.seed = 42;
  options.max_rows = 500;
  const auto distill_start = Clock::now();
  const auto& d = model->distill(options);
  const double distill_s = std::chrono::duration<double>(Clock::now() - distill_start).count();
  model->switch_to_symbolic();
  const std::string equation = model->equations().at(0);
  std::printf("distilled in %.2f s: y = %s\n\n", distill_s, equation.c_str());

  const at::Tensor x = torch::rand({batch, 3}) * 2 - 1;
  const auto expr = symtorch::parse_expression(equation, d.variable_names);
  const auto op = c10::make_intrusive<symtorch::ops::Equation>(std::vector<std::string>{equation}, d.variable_names,
                                                                "float32");
  // The same numbers from the symbolic layer and the torch-ops version (float32 round-off).
  if (!at::allclose(model->forward(x), torch_ops(expr, x), 1e-5, 1e-5)) {
    std::fprintf(stderr, "symbolic layer and torch ops disagree\n");
    return 1;
  }

  std::printf("distilled layer (the MLP's replacement):\n");
  header(batch);
  model->switch_to_neural();
  const Timings t_mlp = measure([&](const at::Tensor& in) { return model->forward(in); }, x, budget);
  model->switch_to_symbolic();
  const Timings t_ops = measure([&](const at::Tensor& in) { return torch_ops(expr, in); }, x, budget);
  const Timings t_model = measure([&](const at::Tensor& in) { return model->forward(in); }, x, budget);
  const Timings t_eq = measure([&](const at::Tensor& in) { return op->forward(in); }, x, budget);
  report("MLP 3-64-64-1 (neural mode)", t_mlp, t_mlp, t_ops);
  report("same equation as torch ops", t_ops, t_mlp, t_ops);
  report("SymbolicModel (symbolic mode)", t_model, t_mlp, t_ops);
  report("Equation op alone", t_eq, t_mlp, t_ops);

  // 3. A larger equation with shared subexpressions.
  const std::vector<std::string> names = {"a", "b", "c"};
  const std::string big = "a * sin(b) + exp(-(c * c)) * cos(a * b) + (a * b) / (1 + c * c) + tanh(a - c) * sin(b)";
  const auto big_expr = symtorch::parse_expression(big, names);
  const auto big_op = c10::make_intrusive<symtorch::ops::Equation>(std::vector<std::string>{big}, names, "float32");
  if (!at::allclose(big_op->forward(x), torch_ops(big_expr, x), 1e-5, 1e-5)) {
    std::fprintf(stderr, "fixed equation: op and torch ops disagree\n");
    return 1;
  }
  std::printf("\nfixed equation y = %s:\n", big.c_str());
  header(batch);
  const Timings b_ops = measure([&](const at::Tensor& in) { return torch_ops(big_expr, in); }, x, budget);
  const Timings b_eq = measure([&](const at::Tensor& in) { return big_op->forward(in); }, x, budget);
  report("MLP 3-64-64-1 (for scale)", t_mlp, t_mlp, b_ops);
  report("as torch ops", b_ops, t_mlp, b_ops);
  report("Equation op", b_eq, t_mlp, b_ops);
  return 0;
}
