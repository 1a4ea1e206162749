// pinn_heat: the heat equation's closed-form solution from a physics-informed network
// (SymTorch paper, PINN case study).
//
//  1. train a PINN u(x, t) for u_t = α u_xx on x, t ∈ [0, 1] with u(x, 0) = sin(π x) and
//     u(0, t) = u(1, t) = 0: the loss is the PDE residual (derivatives by autograd) at random
//     collocation points plus the initial and boundary conditions — no solution data;
//  2. wrap it in a SymbolicModel, record it on a grid, distill u(x, t) with + - * / sin cos exp;
//  3. check that the chosen equation is exp(-α π² t)·sin(π x) with its constants within 1%
//     (a semantic check, see heat_solution_check.hpp), report its MSE against the analytic
//     solution on a 101 x 101 grid (the paper: 7.40e-6), switch the model to symbolic and
//     evaluate it through the compiled equation as well.
// Exit status: 0 when recovered, 1 when not, 2 on an error.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "heat_solution_check.hpp"
#include "result_file.hpp"
#include "symtorch/engine/search_options.hpp"
#include "symtorch/torch/symbolic_model.hpp"

namespace ex = symtorch::examples;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr double kPaperMse = 7.40e-6;  // SymTorch paper, distilled heat-equation solution

struct Config {
  double alpha = 0.1;
  int hidden = 32;
  int hidden_layers = 3;
  int collocation = 2000;
  int boundary_points = 200;  // on each of t = 0, x = 0, x = 1
  int adam_steps = 3000;
  double learning_rate = 3e-3;
  int lbfgs_iterations = 1000;
  bool float64 = false;
  int record_points = 41;     // grid points per axis recorded from the network
  int sr_iterations = 60;
  int sr_populations = 16;
  int maxsize = 20;
  double selection_tolerance = 10;
  int mse_points = 101;
  std::uint64_t seed = 1;
  int threads = 2;        // search
  // Training: 2000-row batches through a 32-wide MLP run fastest on one thread; more threads
  // only add OpenMP synchronisation, which on a busy 2-core machine costs several times the work.
  int torch_threads = 1;
};

// u(x, t): a tanh MLP on inputs scaled to [-1, 1]. Its forward takes one [N, 2] tensor of
// (x, t) rows, the shape SymbolicModel records.
struct HeatNetImpl : torch::nn::Module {
  HeatNetImpl(int hidden, int hidden_layers) {
    layers->push_back(torch::nn::Linear(2, hidden));
    layers->push_back(torch::nn::Tanh());
    for (int k = 1; k < hidden_layers; ++k) {
      layers->push_back(torch::nn::Linear(hidden, hidden));
      layers->push_back(torch::nn::Tanh());
    }
    layers->push_back(torch::nn::Linear(hidden, 1));
    register_module("layers", layers);
  }
  torch::Tensor forward(const torch::Tensor& xt) { return layers->forward(2.0 * xt - 1.0); }
  torch::nn::Sequential layers;
};
TORCH_MODULE(HeatNet);

struct Problem {
  torch::Tensor collocation;      // [N, 2] interior (x, t)
  torch::Tensor initial;          // [M, 2] at t = 0
  torch::Tensor initial_values;   // [M, 1] sin(π x)
  torch::Tensor boundary;         // [2M, 2] at x = 0 and x = 1
};

Problem make_problem(const Config& c, torch::Dtype dtype) {
  auto opts = torch::TensorOptions().dtype(dtype);
  Problem p;
  p.collocation = torch::rand({c.collocation, 2}, opts);
  const torch::Tensor xs = torch::rand({c.boundary_points, 1}, opts);
  p.initial = torch::cat({xs, torch::zeros_like(xs)}, 1);
  p.initial_values = torch::sin(std::numbers::pi * xs);
  const torch::Tensor ts = torch::rand({c.boundary_points, 1}, opts);
  p.boundary = torch::cat({torch::cat({torch::zeros_like(ts), ts}, 1), torch::cat({torch::ones_like(ts), ts}, 1)}, 0);
  return p;
}

// u_t - α u_xx at the given points, differentiable with respect to the network's parameters.
torch::Tensor pde_residual(HeatNet& net, const torch::Tensor& points, double alpha) {
  const torch::Tensor xt = points.detach().requires_grad_(true);
  const torch::Tensor u = net->forward(xt);
  const torch::Tensor du = torch::autograd::grad({u}, {xt}, {torch::ones_like(u)}, true, true)[0];
  const torch::Tensor u_x = du.select(1, 0);
  const torch::Tensor u_t = du.select(1, 1);
  const torch::Tensor u_xx = torch::autograd::grad({u_x}, {xt}, {torch::ones_like(u_x)}, true, true)[0].select(1, 0);
  return u_t - alpha * u_xx;
}

torch::Tensor pinn_loss(HeatNet& net, const Problem& p, double alpha) {
  const torch::Tensor residual = pde_residual(net, p.collocation, alpha);
  const torch::Tensor initial = net->forward(p.initial) - p.initial_values;
  const torch::Tensor boundary = net->forward(p.boundary);
  return residual.pow(2).mean() + initial.pow(2).mean() + boundary.pow(2).mean();
}

struct TrainReport {
  double adam_loss = 0, final_loss = 0, seconds = 0;
};

TrainReport train(HeatNet& net, const Problem& p, const Config& c) {
  const auto start = Clock::now();
  TrainReport report;
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(c.learning_rate));
  for (int step = 0; step < c.adam_steps; ++step) {
    // Exponential decay to lr / 30: Adam finds the solution's shape, L-BFGS then polishes it.
    const double lr = c.learning_rate * std::pow(1.0 / 30.0, static_cast<double>(step) / c.adam_steps);
    for (auto& group : adam.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    adam.zero_grad();
    const torch::Tensor loss = pinn_loss(net, p, c.alpha);
    loss.backward();
    adam.step();
    report.adam_loss = loss.item<double>();
  }
  if (c.lbfgs_iterations > 0) {
    torch::optim::LBFGS lbfgs(net->parameters(), torch::optim::LBFGSOptions(1.0)
                                                     .max_iter(c.lbfgs_iterations)
                                                     .max_eval(c.lbfgs_iterations * 5 / 4)
                                                     .history_size(50)
                                                     .tolerance_grad(1e-12)
                                                     .tolerance_change(1e-16)
                                                     .line_search_fn("strong_wolfe"));
    lbfgs.step([&] {
      lbfgs.zero_grad();
      torch::Tensor loss = pinn_loss(net, p, c.alpha);
      loss.backward();
      return loss;
    });
  }
  report.final_loss = pinn_loss(net, p, c.alpha).item<double>();
  report.seconds = seconds_since(start);
  return report;
}

// (x, t) grid rows with `points` values per axis on [0, 1], x-major.
torch::Tensor grid(int points, torch::Dtype dtype) {
  const torch::Tensor axis = torch::linspace(0.0, 1.0, points, torch::TensorOptions().dtype(torch::kFloat64));
  const std::vector<torch::Tensor> mesh = torch::meshgrid({axis, axis}, "ij");
  return torch::stack({mesh[0].reshape(-1), mesh[1].reshape(-1)}, 1).to(dtype);
}

torch::Tensor analytic(const torch::Tensor& xt, double alpha) {
  const torch::Tensor d = xt.to(torch::kFloat64);
  return torch::exp(-alpha * std::numbers::pi * std::numbers::pi * d.select(1, 1)) *
         torch::sin(std::numbers::pi * d.select(1, 0));
}

double mse(const torch::Tensor& prediction, const torch::Tensor& truth) {
  return (prediction.to(torch::kFloat64).reshape(-1) - truth.reshape(-1)).pow(2).mean().item<double>();
}

// Reduced sizes for --small (a CTest run of seconds). Applied before the command line is parsed,
// so options given explicitly still override them.
void apply_small_sizes(Config& c) {
  c.collocation = 500;
  c.boundary_points = 64;
  c.adam_steps = 600;
  c.lbfgs_iterations = 300;
  c.record_points = 21;
  // 8 islands need about 80 iterations: at 40, seeds 1 and 2 of 3 ended on a polynomial in t
  // instead of exp(-k*t) (after constant fitting changed in ac2ab67); at 80, seeds 1-6 all
  // recovered the solution.
  c.sr_iterations = 80;
  c.sr_populations = 8;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  std::string out;
  bool small = false;
  CLI::App app{"The heat equation's solution from a PINN: train, wrap, distill, check"};
  app.add_flag("--small", small, "reduced sizes for a test run of a few seconds");
  app.add_option("--out", out, "write a JSON summary here");
  app.add_option("--alpha", c.alpha, "diffusivity α")->check(CLI::PositiveNumber);
  app.add_option("--seed", c.seed, "random seed (network, collocation points, search)");
  app.add_option("--threads", c.threads, "threads for the search")->check(CLI::PositiveNumber);
  app.add_option("--torch-threads", c.torch_threads, "threads for torch (training)")->check(CLI::PositiveNumber);
  app.add_option("--adam-steps", c.adam_steps, "Adam steps")->check(CLI::NonNegativeNumber);
  app.add_option("--lbfgs-iterations", c.lbfgs_iterations, "L-BFGS iterations after Adam")->check(CLI::NonNegativeNumber);
  app.add_option("--niterations", c.sr_iterations, "search iterations")->check(CLI::PositiveNumber);
  app.add_option("--selection-tolerance", c.selection_tolerance, "choose by score among front members within this factor of the lowest loss")
      ->check(CLI::Range(1.0, 1e300));
  app.add_flag("--float64", c.float64, "train in double precision (default float32)");
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear as they happen, also in pipes
  for (int k = 1; k < argc; ++k)
    if (std::string(argv[k]) == "--small") apply_small_sizes(c);
  CLI11_PARSE(app, argc, argv);

  try {
    at::set_num_threads(c.torch_threads);
    torch::manual_seed(c.seed);
    const torch::Dtype dtype = c.float64 ? torch::kFloat64 : torch::kFloat32;
    const auto start = Clock::now();

    HeatNet net(c.hidden, c.hidden_layers);
    net->to(dtype);
    const Problem problem = make_problem(c, dtype);
    const auto trained = train(net, problem, c);
    const torch::Tensor mse_grid = grid(c.mse_points, dtype);
    const torch::Tensor truth = analytic(mse_grid, c.alpha);
    double pinn_mse = 0;
    {
      torch::NoGradGuard no_grad;
      pinn_mse = mse(net->forward(mse_grid), truth);
    }
    std::printf("PINN %dx%d tanh, %s: loss %.3e after Adam, %.3e after L-BFGS (%.1f s); MSE vs analytic %.3e\n",
                c.hidden_layers, c.hidden, c.float64 ? "float64" : "float32", trained.adam_loss, trained.final_loss,
                trained.seconds, pinn_mse);

    // Wrap, record on a grid, distill.
    symtorch::SymbolicModel model{torch::nn::AnyModule(net)};
    model->start_recording();
    {
      torch::NoGradGuard no_grad;
      model->forward(grid(c.record_points, dtype));
    }
    model->stop_recording();

    symtorch::DistillOptions options;
    options.input_names = {"x", "t"};
    options.output_names = {"u"};
    symtorch::parse_operator_list("+,-,*,/,sin,cos,exp", options.search.binary_operators,
                                  options.search.unary_operators);
    // No sin(sin(.)), exp(exp(.)) and the like: PySR's usual guard against deep compositions
    // that fit a smooth target as well as the true form but mean nothing.
    options.search.nested_constraints =
        symtorch::parse_nested_constraints("sin:sin=0,cos=0;cos:sin=0,cos=0;exp:exp=0");
    options.search.maxsize = c.maxsize;
    // PySR's "best" rule, but among members within 10x (not 1.5x) of the lowest loss. A trained
    // network is not noisy data: the last order of magnitude of its loss (MSE ~1e-8 here) is the
    // network's own approximation error, which extra terms such as 1e-7*exp(9*x*t) chase
    // (seed 2 at --small chose one with 1.5x). One order of magnitude keeps the choice among
    // equations that describe the network equally well.
    options.selection.tolerance = c.selection_tolerance;
    options.search.niterations = c.sr_iterations;
    options.search.populations = c.sr_populations;
    options.search.seed = c.seed;
    options.search.threads = c.threads;
    const auto distill_start = Clock::now();
    const symtorch::Distillation& distillation = model->distill(options);
    const double distill_seconds = seconds_since(distill_start);
    const symtorch::TargetFit& fit = distillation.targets.at(0);
    std::printf("Pareto front (distilled in %.1f s):\n%s", distill_seconds,
                fit.front.table(distillation.variable_names, fit.chosen).c_str());
    const std::string equation = model->equations().at(0);

    const ex::HeatSolutionCheck check = ex::check_heat_solution(equation, c.alpha);
    const double equation_mse = ex::mse_against_solution(equation, c.alpha, c.mse_points);
    model->switch_to_symbolic();
    double symbolic_forward_mse = 0;
    {
      torch::NoGradGuard no_grad;
      symbolic_forward_mse = mse(model->forward(mse_grid), truth);
    }
    const double pi = std::numbers::pi;
    std::printf("chosen: u = %s\n", equation.c_str());
    std::printf("form A*exp(-k*t)*sin(w*x + phi): %s (ratio spreads %.2e, %.2e)\n",
                check.separable_form ? "yes" : "no", check.decay_spread, check.wavenumber_spread);
    std::printf("k = %.6f (alpha*pi^2 = %.6f, error %.3f%%), w = %.6f (pi, error %.3f%%), A = %.6f, phi = %.2e\n",
                check.decay, c.alpha * pi * pi, 100 * check.decay_error, check.wavenumber, 100 * check.wavenumber_error,
                check.amplitude, check.phase);
    std::printf("MSE vs analytic on a %dx%d grid: equation %.3e (paper %.2e, ratio %.3f), symbolic forward %.3e, "
                "PINN %.3e\n",
                c.mse_points, c.mse_points, equation_mse, kPaperMse, equation_mse / kPaperMse, symbolic_forward_mse,
                pinn_mse);
    const bool recovered = check.recovered;
    std::printf("%s (%.1f s)\n", recovered ? "RECOVERED" : "NOT RECOVERED", seconds_since(start));

    if (!out.empty()) {
      json front = json::array();
      for (std::size_t k = 0; k < fit.front.size(); ++k)
        front.push_back({{"complexity", fit.front[k].complexity},
                         {"loss", fit.front[k].loss},
                         {"score", fit.front[k].score},
                         {"equation", distillation.equation(0, k)}});
      json summary = {
          {"program", "pinn_heat"},
          {"config",
           {{"alpha", c.alpha}, {"hidden", c.hidden}, {"hidden_layers", c.hidden_layers},
            {"collocation", c.collocation}, {"adam_steps", c.adam_steps}, {"lbfgs_iterations", c.lbfgs_iterations},
            {"dtype", c.float64 ? "float64" : "float32"}, {"record_points", c.record_points},
            {"sr_iterations", c.sr_iterations}, {"sr_populations", c.sr_populations}, {"maxsize", c.maxsize}, {"selection_tolerance", c.selection_tolerance},
            {"seed", c.seed}, {"threads", c.threads}, {"torch_threads", c.torch_threads}, {"small", small}}},
          {"pinn", {{"loss_after_adam", trained.adam_loss}, {"final_loss", trained.final_loss},
                    {"train_seconds", trained.seconds}, {"mse_vs_analytic", pinn_mse}}},
          {"front", front},
          {"equation", equation},
          {"check",
           {{"separable_form", check.separable_form}, {"decay", check.decay}, {"decay_expected", c.alpha * pi * pi},
            {"decay_error", check.decay_error}, {"wavenumber", check.wavenumber},
            {"wavenumber_error", check.wavenumber_error}, {"amplitude", check.amplitude}, {"phase", check.phase}}},
          {"mse_grid_points", c.mse_points},
          {"equation_mse_vs_analytic", equation_mse},
          {"symbolic_forward_mse_vs_analytic", symbolic_forward_mse},
          {"paper_mse", kPaperMse},
          {"distill_seconds", distill_seconds},
          {"seconds", seconds_since(start)},
          {"recovered", recovered}};
      ex::write_json_atomically(out, summary);
    }
    return recovered ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pinn_heat: %s\n", e.what());
    return 2;
  }
}
