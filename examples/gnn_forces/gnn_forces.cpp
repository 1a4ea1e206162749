// gnn_forces: force laws from a graph network (Cranmer et al. 2020; SymTorch paper, GNN case study).
//
// For each force law (1/r^2 gravity, springs):
//  1. simulate 2-D systems of n particles and record (state, acceleration) snapshots;
//  2. train an interaction network: an edge MLP maps the pair features (dx, dy, r, m1, m2) to a
//     message vector, messages are summed per receiving particle, a node MLP maps (summed
//     message, mass) to the acceleration; an L1 penalty on the messages (or a 2-wide message
//     bottleneck) makes them sparse;
//  3. wrap the edge MLP in a SymbolicModel, record its inputs and messages on held-out systems,
//     pick the message components with the largest variance and distill each against
//     (dx, dy, r, m1, m2);
//  4. check that each distilled equation is, up to a linear transformation, the true force law
//     (least squares of a·Fx + b·Fy + c onto the equation on held-out edges, and the variables
//     it uses), and print RECOVERED or NOT RECOVERED.
// Exit status: 0 when every law asked for was recovered, 1 when one was not, 2 on an error.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "force_law_check.hpp"
#include "result_file.hpp"
#include "simulation.hpp"
#include "symtorch/engine/regressor.hpp"

namespace ex = symtorch::examples;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Config {
  std::size_t particles = 4;
  std::size_t train_systems = 1000;
  std::size_t test_systems = 120;
  std::size_t snapshots_per_system = 8;
  int hidden = 64;
  std::string regularizer = "l1";  // "l1" (Cranmer's L1 on messages) or "bottleneck"
  int message_dim = 16;            // with the bottleneck: the dimension of space, 2
  double l1 = 1e-2;
  int epochs = 60;
  int batch_snapshots = 32;
  double learning_rate = 2e-3;
  int components = 2;              // message components distilled (the dimension of space)
  std::size_t distill_rows = 2000;
  int sr_iterations = 100;
  int sr_populations = 16;
  int maxsize = 25;
  double r2_threshold = 0.95;
  std::uint64_t seed = 1;
  int threads = 2;
};

// Edge features, masses and accelerations of a snapshot set as float32 tensors:
// edges [S, n(n-1), 5], masses [S, n, 1], accelerations [S, n, 2].
struct GraphTensors {
  torch::Tensor edges, masses, accelerations;
  std::vector<double> edge_rows;  // the same edge features in double, row-major [S*n(n-1), 5]
};

GraphTensors to_tensors(const ex::SnapshotSet& set) {
  const auto s = static_cast<std::int64_t>(set.snapshots);
  const auto n = static_cast<std::int64_t>(set.particles);
  GraphTensors t;
  t.edge_rows = ex::edge_features(set);
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  t.edges = torch::from_blob(t.edge_rows.data(), {s, n * (n - 1), 5}, f64).to(torch::kFloat32);
  std::vector<double> m(set.m), acc(set.ax.size() * 2);
  for (std::size_t k = 0; k < set.ax.size(); ++k) acc[2 * k] = set.ax[k], acc[2 * k + 1] = set.ay[k];
  t.masses = torch::from_blob(m.data(), {s, n, 1}, f64).to(torch::kFloat32);
  t.accelerations = torch::from_blob(acc.data(), {s, n, 2}, f64).to(torch::kFloat32);
  return t;
}

// Three SiLU hidden layers (Cranmer et al. use three ReLU layers; SiLU is smooth, so the messages
// a symbolic regression sees are smooth functions rather than piecewise-linear ones). A module
// with a concrete forward() so that it can be held in an AnyModule.
struct MlpImpl : torch::nn::Module {
  MlpImpl(int in, int hidden, int out)
      : layers(register_module(
            "layers", torch::nn::Sequential(torch::nn::Linear(in, hidden), torch::nn::SiLU(),
                                            torch::nn::Linear(hidden, hidden), torch::nn::SiLU(),
                                            torch::nn::Linear(hidden, hidden), torch::nn::SiLU(),
                                            torch::nn::Linear(hidden, out)))) {}
  torch::Tensor forward(const torch::Tensor& x) { return layers->forward(x); }
  torch::nn::Sequential layers;
};
TORCH_MODULE(Mlp);

// Interaction network on fully connected graphs of n particles. The edge model is held as an
// AnyModule so that it can be replaced by its SymbolicModel wrapper after training.
struct InteractionNetworkImpl : torch::nn::Module {
  InteractionNetworkImpl(int hidden, int message_dim)
      : message_dim(message_dim),
        edge_mlp(register_module("edge", Mlp(static_cast<int>(ex::kEdgeFeatures), hidden, message_dim))),
        edge(edge_mlp),
        node(register_module("node", Mlp(message_dim + 1, hidden, 2))) {}

  // edges [B, n(n-1), 5], masses [B, n, 1] -> (accelerations [B, n, 2], messages [B*n(n-1), D])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& edges, const torch::Tensor& masses) {
    const std::int64_t b = masses.size(0), n = masses.size(1);
    torch::Tensor messages =
        edge.forward<torch::Tensor>(edges.reshape({-1, static_cast<std::int64_t>(ex::kEdgeFeatures)}));
    // Edges are grouped by receiver (n - 1 senders each), so the sum over senders is a reshape.
    torch::Tensor summed = messages.view({b * n, n - 1, message_dim}).sum(1);
    torch::Tensor out = node->forward(torch::cat({summed, masses.reshape({b * n, 1})}, 1));
    return {out.view({b, n, 2}), messages};
  }

  int message_dim;
  Mlp edge_mlp;
  torch::nn::AnyModule edge;
  Mlp node;
};
TORCH_MODULE(InteractionNetwork);

struct TrainReport {
  double final_loss = 0;
  double seconds = 0;
};

TrainReport train(InteractionNetwork& net, const GraphTensors& data, const Config& c) {
  const auto start = Clock::now();
  const std::int64_t s = data.edges.size(0);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(c.learning_rate));
  const std::int64_t batches = (s + c.batch_snapshots - 1) / c.batch_snapshots;
  const double total_steps = static_cast<double>(c.epochs * batches);
  std::int64_t step = 0;
  double epoch_loss = 0;
  net->train();
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(s, torch::kLong);
    epoch_loss = 0;
    for (std::int64_t b = 0; b < batches; ++b, ++step) {
      // Exponential decay over the run, from lr to lr / 100: large steps to find the structure,
      // small ones to settle the message representation.
      const double lr = c.learning_rate * std::pow(0.01, static_cast<double>(step) / total_steps);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      const torch::Tensor idx = order.slice(0, b * c.batch_snapshots, std::min(s, (b + 1) * c.batch_snapshots));
      auto [pred, messages] = net->forward(data.edges.index_select(0, idx), data.masses.index_select(0, idx));
      // L1 on the accelerations (Cranmer et al.: robust to the heavy tail of 1/r^2 forces), plus
      // the L1 message penalty that drives the messages to as few components as the physics needs.
      torch::Tensor loss = (pred - data.accelerations.index_select(0, idx)).abs().sum(-1).mean();
      if (c.l1 > 0) loss = loss + c.l1 * messages.abs().sum(-1).mean();
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      epoch_loss += loss.item<double>();
    }
    epoch_loss /= static_cast<double>(batches);
  }
  return {epoch_loss, seconds_since(start)};
}

// Mean absolute acceleration error relative to the mean absolute acceleration.
double relative_error(InteractionNetwork& net, const GraphTensors& data) {
  torch::NoGradGuard no_grad;
  net->eval();
  auto [pred, messages] = net->forward(data.edges, data.masses);
  return (pred - data.accelerations).abs().mean().item<double>() / data.accelerations.abs().mean().item<double>();
}

Eigen::MatrixXd to_eigen(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kFloat64).contiguous();
  Eigen::MatrixXd m(d.size(0), d.size(1));
  const double* p = d.data_ptr<double>();
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index k = 0; k < m.cols(); ++k) m(r, k) = p[r * m.cols() + k];
  return m;
}

// Every other held-out edge goes to the check, so the check's points were not fitted.
std::vector<double> alternate_rows(const std::vector<double>& rows, std::size_t width, std::size_t parity) {
  std::vector<double> out;
  for (std::size_t r = parity; r * width < rows.size(); r += 2)
    out.insert(out.end(), rows.begin() + static_cast<std::ptrdiff_t>(r * width),
               rows.begin() + static_cast<std::ptrdiff_t>((r + 1) * width));
  return out;
}

json run_law(ex::ForceLaw law, const Config& c, bool& recovered) {
  const auto start = Clock::now();
  ex::SimulationConfig sim;
  sim.law = law;
  sim.particles = c.particles;
  sim.snapshots_per_system = c.snapshots_per_system;
  // Springs have no singularity at r -> 0 beyond the direction of dx/r; gravity's 1/r^2 is kept
  // away from close encounters so accelerations stay in a range a small network can fit.
  sim.min_distance = law == ex::ForceLaw::Gravity ? 0.5 : 0.1;
  sim.systems = c.train_systems;
  sim.seed = c.seed * 1000 + static_cast<std::uint64_t>(law);
  const ex::SnapshotSet train_set = ex::simulate(sim);
  sim.systems = c.test_systems;
  sim.seed += 500;
  const ex::SnapshotSet test_set = ex::simulate(sim);
  const GraphTensors train_data = to_tensors(train_set), test_data = to_tensors(test_set);

  torch::manual_seed(c.seed);
  InteractionNetwork net(c.hidden, c.message_dim);
  const TrainReport trained = train(net, train_data, c);
  const double train_error = relative_error(net, train_data);
  const double test_error = relative_error(net, test_data);
  std::printf("[%s] %zu train / %zu test snapshots of %zu particles; trained %d epochs in %.1f s; "
              "relative acceleration error train %.4f, test %.4f\n",
              ex::to_string(law), train_set.snapshots, test_set.snapshots, c.particles, c.epochs, trained.seconds,
              train_error, test_error);

  // Record the edge model on the held-out systems.
  torch::Tensor recorded;
  {
    torch::NoGradGuard no_grad;
    recorded = net->edge_mlp->forward(test_data.edges.reshape({-1, static_cast<std::int64_t>(ex::kEdgeFeatures)}));
  }
  const std::vector<double>& recorded_inputs = test_data.edge_rows;
  const Eigen::MatrixXd messages = to_eigen(recorded);
  const std::vector<int> top = ex::most_significant_components(messages, c.components);
  Eigen::VectorXd stddev = ((messages.rowwise() - messages.colwise().mean()).array().square().colwise().mean()).sqrt();
  json result;
  result["law"] = ex::to_string(law);
  result["train_snapshots"] = train_set.snapshots;
  result["test_snapshots"] = test_set.snapshots;
  result["train_seconds"] = trained.seconds;
  result["final_train_loss"] = trained.final_loss;
  result["relative_error_train"] = train_error;
  result["relative_error_test"] = test_error;
  result["message_std"] = std::vector<double>(stddev.data(), stddev.data() + stddev.size());
  {
    std::printf("[%s] message standard deviations:", ex::to_string(law));
    for (Eigen::Index k = 0; k < stddev.size(); ++k) std::printf(" %.3g", stddev(k));
    std::printf("\n");
  }

  // Distill the chosen components against the recorded edge features: even held-out rows are
  // fitted, odd ones check the equation.
  const std::vector<double> fit_rows = alternate_rows(recorded_inputs, ex::kEdgeFeatures, 0);
  const std::vector<double> check_rows = alternate_rows(recorded_inputs, ex::kEdgeFeatures, 1);
  const auto fit_count = std::min(c.distill_rows, fit_rows.size() / ex::kEdgeFeatures);
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::MatrixXd fit_x = Eigen::Map<const RowMajor>(fit_rows.data(), static_cast<Eigen::Index>(fit_count),
                                                           static_cast<Eigen::Index>(ex::kEdgeFeatures));
  symtorch::SearchOptions options;
  options.binary_operators = {symtorch::Op::Add, symtorch::Op::Sub, symtorch::Op::Mul, symtorch::Op::Div};
  options.unary_operators = {};
  options.maxsize = c.maxsize;
  options.niterations = c.sr_iterations;
  options.populations = c.sr_populations;
  options.seed = c.seed;
  options.threads = c.threads;
  const auto distill_start = Clock::now();
  std::vector<std::string> equations;
  for (int component : top) {
    Eigen::VectorXd y(static_cast<Eigen::Index>(fit_count));
    for (Eigen::Index r = 0; r < y.size(); ++r) y(r) = messages(2 * r, component);
    symtorch::Regressor regressor(options);
    equations.push_back(regressor.fit(fit_x, y, ex::edge_feature_names()).chosen_equation());
  }
  const double distill_seconds = seconds_since(distill_start);

  const Eigen::MatrixXd law_basis = ex::force_basis(law, sim.constants, recorded_inputs);
  recovered = true;
  json components = json::array();
  for (std::size_t k = 0; k < top.size(); ++k) {
    const int component = top[k];
    const ex::LinearMapFit message_fit = ex::fit_linear_map(law_basis, messages.col(component));
    const std::string& equation = equations[k];
    const ex::EquationCheck check = ex::check_equation(law, sim.constants, equation, check_rows);
    const bool ok = check.variables_match && check.finite && check.map.r2 >= c.r2_threshold;
    recovered = recovered && ok;
    std::printf("[%s] message %d (std %.3g): message ~ %.4g*Fx + %.4g*Fy + %.3g, R^2 = %.5f\n", ex::to_string(law),
                component, stddev(component), message_fit.coefficients(0), message_fit.coefficients(1),
                message_fit.coefficients(2), message_fit.r2);
    std::printf("[%s]   distilled: %s\n", ex::to_string(law), equation.c_str());
    std::printf("[%s]   equation ~ %.4g*Fx + %.4g*Fy + %.3g on held-out edges, R^2 = %.6f; variables %s -> %s\n",
                ex::to_string(law), check.map.coefficients.size() ? check.map.coefficients(0) : 0.0,
                check.map.coefficients.size() ? check.map.coefficients(1) : 0.0,
                check.map.coefficients.size() ? check.map.coefficients(2) : 0.0, check.map.r2,
                check.variables_match ? "match" : "do not match", ok ? "law" : "not the law");
    components.push_back({{"component", component},
                          {"std", stddev(component)},
                          {"message_vs_law_r2", message_fit.r2},
                          {"equation", equation},
                          {"variables", check.variables_used},
                          {"variables_match", check.variables_match},
                          {"equation_vs_law_r2", check.map.r2},
                          {"equation_map", std::vector<double>(check.map.coefficients.data(),
                                                               check.map.coefficients.data() +
                                                                   check.map.coefficients.size())},
                          {"recovered", ok}});
  }
  result["components"] = components;
  result["distill_seconds"] = distill_seconds;
  result["seconds"] = seconds_since(start);
  result["recovered"] = recovered;
  std::printf("[%s] %s (%.1f s)\n", ex::to_string(law), recovered ? "RECOVERED" : "NOT RECOVERED",
              seconds_since(start));
  return result;
}

// Reduced sizes for --small (a CTest run of seconds). Applied before the command line is parsed,
// so options given explicitly still override them.
void apply_small_sizes(Config& c) {
  c.train_systems = 250;
  c.test_systems = 40;
  c.epochs = 25;
  c.sr_iterations = 40;
  c.sr_populations = 8;
  c.distill_rows = 1000;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  std::string laws = "gravity,spring", out;
  bool small = false;
  CLI::App app{"Force laws from a graph network: train, wrap the edge model, distill its messages"};
  app.add_option("--laws", laws, "comma-separated force laws: gravity, spring");
  app.add_flag("--small", small, "reduced sizes for a test run of a few seconds");
  app.add_option("--out", out, "write a JSON summary here");
  app.add_option("--seed", c.seed, "random seed (simulation, network, search)");
  app.add_option("--threads", c.threads, "threads for torch and the search")->check(CLI::PositiveNumber);
  app.add_option("--regularizer", c.regularizer, "l1 (L1 penalty on messages) or bottleneck (2-wide messages)")
      ->check(CLI::IsMember({"l1", "bottleneck"}));
  app.add_option("--epochs", c.epochs, "training epochs")->check(CLI::PositiveNumber);
  app.add_option("--particles", c.particles, "particles per system")->check(CLI::Range(2, 16));
  app.add_option("--systems", c.train_systems, "training systems")->check(CLI::PositiveNumber);
  app.add_option("--niterations", c.sr_iterations, "search iterations per component")->check(CLI::PositiveNumber);
  app.add_option("--l1", c.l1, "L1 penalty weight on the messages")->check(CLI::NonNegativeNumber);
  app.add_option("--hidden", c.hidden, "hidden width of the MLPs")->check(CLI::PositiveNumber);
  app.add_option("--message-dim", c.message_dim, "message width (l1 regularizer)")->check(CLI::PositiveNumber);
  app.add_option("--lr", c.learning_rate, "initial Adam learning rate")->check(CLI::PositiveNumber);
  app.add_option("--batch", c.batch_snapshots, "snapshots per batch")->check(CLI::PositiveNumber);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear as they happen, also in pipes
  for (int k = 1; k < argc; ++k)
    if (std::string(argv[k]) == "--small") apply_small_sizes(c);
  CLI11_PARSE(app, argc, argv);

  try {
    if (c.regularizer == "bottleneck") {
      c.message_dim = 2;
      c.l1 = 0;
    }
    at::set_num_threads(c.threads);
    std::vector<ex::ForceLaw> selected;
    std::stringstream list(laws);
    for (std::string name; std::getline(list, name, ',');) selected.push_back(ex::parse_force_law(name));
    if (selected.empty()) throw std::invalid_argument("--laws: no force law given");

    const auto start = Clock::now();
    json summary;
    summary["program"] = "gnn_forces";
    summary["config"] = {{"particles", c.particles},       {"train_systems", c.train_systems},
                         {"test_systems", c.test_systems}, {"snapshots_per_system", c.snapshots_per_system},
                         {"hidden", c.hidden},             {"regularizer", c.regularizer},
                         {"message_dim", c.message_dim},   {"l1", c.l1},
                         {"epochs", c.epochs},             {"sr_iterations", c.sr_iterations},
                         {"sr_populations", c.sr_populations}, {"maxsize", c.maxsize},
                         {"seed", c.seed},                 {"threads", c.threads},
                         {"small", small}};
    bool all = true;
    json results = json::array();
    for (ex::ForceLaw law : selected) {
      bool recovered = false;
      results.push_back(run_law(law, c, recovered));
      all = all && recovered;
    }
    summary["results"] = results;
    summary["recovered"] = all;
    summary["seconds"] = seconds_since(start);
    if (!out.empty()) ex::write_json_atomically(out, summary);
    std::printf("%s (%.1f s)\n", all ? "RECOVERED" : "NOT RECOVERED", seconds_since(start));
    return all ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gnn_forces: %s\n", e.what());
    return 2;
  }
}
