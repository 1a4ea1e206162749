// SymbolicModel end to end: train a small MLP on a known function of 3 inputs, wrap it,
// record, distill, switch, compare; save and load in a fresh process (this executable started
// again on one skipped test case). Also transforms, PCA, wrap() and the refusals.
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "symtorch/engine/parser.hpp"
#include "symtorch/torch/symbolic_model.hpp"
#include "doctest_after_torch.hpp"
#include "error_of.hpp"
#include "test_support.hpp"

using namespace symtorch;

namespace {

// The known function: y = a * b + c on [-1, 1]^3.
at::Tensor known_function(const at::Tensor& x) {
  return x.select(-1, 0) * x.select(-1, 1) + x.select(-1, 2);
}

// 3 -> 32 -> 32 -> 1, tanh. A module of its own (not a Sequential) so that it can sit inside
// a parent Sequential, which AnyModule cannot do for a nested Sequential.
struct MlpImpl : torch::nn::Module {
  MlpImpl() {
    l1 = register_module("l1", torch::nn::Linear(3, 32));
    l2 = register_module("l2", torch::nn::Linear(32, 32));
    l3 = register_module("l3", torch::nn::Linear(32, 1));
  }
  at::Tensor forward(const at::Tensor& x) { return l3(torch::tanh(l2(torch::tanh(l1(x))))); }
  torch::nn::Linear l1{nullptr}, l2{nullptr}, l3{nullptr};
};
TORCH_MODULE(Mlp);

Mlp make_mlp() { return Mlp(); }

// Full-batch Adam, 500 points, 500 steps: about a second on one thread, RMSE ~0.015 and max
// error ~0.08 against the function on the test grid (checked in the test).
Mlp trained_mlp() {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);  // tiny matrices: threads only contend
  torch::manual_seed(1);
  auto mlp = make_mlp();
  const at::Tensor x = torch::rand({500, 3}) * 2 - 1;
  const at::Tensor y = known_function(x).unsqueeze(1);
  torch::optim::Adam opt(mlp->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 500; ++step) {
    opt.zero_grad();
    const at::Tensor loss = torch::mse_loss(mlp->forward(x), y);
    loss.backward();
    opt.step();
  }
  at::set_num_threads(threads);
  return mlp;
}

double rms(const at::Tensor& t) { return std::sqrt(t.square().mean().item<double>()); }

// A search budget small enough for a test (a few seconds) that still recovers a*b + c.
DistillOptions small_search(std::vector<std::string> names) {
  DistillOptions o;
  o.input_names = std::move(names);
  o.search.binary_operators = {Op::Add, Op::Sub, Op::Mul};
  o.search.unary_operators = {};
  o.search.populations = 8;
  o.search.population_size = 30;
  o.search.ncycles_per_iteration = 100;
  o.search.niterations = 20;
  o.search.maxsize = 15;
  o.search.seed = 42;
  o.max_rows = 500;
  return o;
}

at::Tensor test_inputs() {
  torch::manual_seed(123);
  return torch::rand({7, 50, 3}) * 2 - 1;  // rank 3: rows are flattened 7 x 50
}

// Variables an equation uses.
std::set<std::uint32_t> variables_of(const std::string& equation, const std::vector<std::string>& names) {
  std::set<std::uint32_t> used;
  const Expression e = parse_expression(equation, names);  // (a temporary's nodes() would dangle)
  for (const auto& node : e.nodes())
    if (node.op == Op::Var) used.insert(node.feature);
  return used;
}

using symtorch::test::error_of;

}  // namespace

TEST_CASE("wrap, record, distill, switch and save a trained MLP; a fresh process loads it") {
  auto mlp = trained_mlp();
  mlp->eval();
  const at::Tensor x = test_inputs();
  const at::Tensor truth = known_function(x);
  const at::Tensor neural = mlp->forward(x).squeeze(-1).detach();
  // The network learned the function: RMS error ~0.015, max ~0.08 (at the corners of the cube).
  REQUIRE(rms(neural - truth) < 0.03);

  auto parent = torch::nn::Sequential(mlp);  // the MLP as child "0" of a parent
  SymbolicModel model = wrap(*parent, "0", RecordingOptions{2000, 7});
  model->start_recording();
  torch::manual_seed(5);
  {
    torch::NoGradGuard no_grad;
    for (int call = 0; call < 8; ++call) parent->forward(torch::rand({10, 50, 3}) * 2 - 1);
  }
  CHECK(model->seen_rows() == 8 * 500);  // every call recorded, rank-3 inputs flattened to rows
  CHECK(model->recorded_rows() == 2000);
  CHECK_FALSE(mlp->is_training());       // recording left the eval flag as it was
  model->stop_recording();

  const auto& d = model->distill(small_search({"a", "b", "c"}));
  REQUIRE(d.targets.size() == 1);
  model->switch_to_symbolic();
  CHECK(model->mode() == ModelMode::Symbolic);
  const std::string equation = model->equations().at(0);
  MESSAGE("distilled equation: " << equation);

  // Structure: uses a, b and c, no more complex than a*b + c with a few fitted constants.
  CHECK((variables_of(equation, d.variable_names) == std::set<std::uint32_t>{0, 1, 2}));
  CHECK(d.targets[0].front[model->selected_members()[0]].complexity <= 11);
  const at::Tensor symbolic = parent->forward(x).detach();  // the parent now runs the equation
  REQUIRE((symbolic.sizes() == at::IntArrayRef({7, 50, 1})));
  // Against the network it replaced: within the network's own error (max ~0.08) plus the
  // equation's fit to it. Against the known function: the equation, fitted to 500 noisy
  // network outputs, is closer to the function than the network is (RMS).
  CHECK(at::max(at::abs(symbolic.squeeze(-1) - neural)).item<double>() < 0.15);
  CHECK(rms(symbolic.squeeze(-1) - truth) < 0.03);
  // d/da (a*b + c) = b: the equation's input gradient follows the known function's.
  const at::Tensor xg = x.clone().requires_grad_(true);
  parent->forward(xg).sum().backward();
  CHECK(at::max(at::abs(xg.grad().select(-1, 0) - x.select(-1, 1))).item<double>() < 0.1);

  // Save, and let a fresh process load it into a newly initialised MLP.
  test::TempDir dir("e2e");
  model->save(dir.path().string());
  model->switch_to_neural();
  const at::Tensor neural_again = parent->forward(x).detach();
  CHECK(at::equal(neural_again.squeeze(-1), neural));
  torch::save(std::vector<at::Tensor>{x, symbolic, neural_again}, (dir.path() / "expected.pt").string());

  const std::string command = "SYMTORCH_E2E_DIR=" + test::shell_quote(dir.path().string()) + " " +
                              test::shell_quote(test::this_executable()) +
                              " --no-skip --test-case='SymbolicModel loaded in a fresh process'";
  const auto child = test::run_command(command);
  CHECK_MESSAGE(child.exit_code == 0, child.output);
  CHECK_MESSAGE(child.output.find("test cases: 1 | 1 passed") != std::string::npos, child.output);
}

TEST_CASE("SymbolicModel loaded in a fresh process" * doctest::skip()) {
  // Started by the test above with SYMTORCH_E2E_DIR set.
  const char* dir = std::getenv("SYMTORCH_E2E_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "run by the end-to-end test case, which sets SYMTORCH_E2E_DIR");
  std::vector<at::Tensor> expected;
  torch::load(expected, std::string(dir) + "/expected.pt");
  REQUIRE(expected.size() == 3);
  torch::manual_seed(999);  // a differently initialised network: load() must replace its weights
  auto parent = torch::nn::Sequential(make_mlp());
  SymbolicModel model = wrap(*parent, "0");
  model->load(dir);
  CHECK(model->mode() == ModelMode::Symbolic);
  // Same equation, same compiled kernel: the same numbers.
  CHECK(at::equal(parent->forward(expected[0]).detach(), expected[1]));
  model->switch_to_neural();
  CHECK(at::equal(parent->forward(expected[0]).detach().squeeze(-1), expected[2].squeeze(-1)));
}

TEST_CASE("input transforms are applied by the symbolic forward too") {
  // y = (x1 - x0)^2 + x2: with the feature dx = x1 - x0 the search needs dx*dx + x2.
  SymbolicModel model(SymbolicModelImpl::Function([](const at::Tensor& x) {
    const at::Tensor dx = x.select(-1, 1) - x.select(-1, 0);
    return (dx * dx + x.select(-1, 2)).unsqueeze(-1);
  }));
  model->start_recording();
  torch::manual_seed(3);
  model->forward(torch::randn({600, 3}, at::kDouble));
  auto options = small_search({"x0", "x1", "x2"});
  options.transforms = {{"dx", "x1 - x0"}};
  options.keep_inputs = true;
  const auto& d = model->distill(options);
  CHECK((d.variable_names == std::vector<std::string>{"x0", "x1", "x2", "dx"}));
  model->switch_to_symbolic();
  const std::string equation = model->equations().at(0);
  MESSAGE("equation with transform: " << equation);
  CHECK((variables_of(equation, d.variable_names) == std::set<std::uint32_t>{2, 3}));  // x2 and dx
  const at::Tensor x = torch::randn({100, 3}, at::kDouble);
  const at::Tensor dx = x.select(-1, 1) - x.select(-1, 0);
  // An exact form is reachable; constant polishing leaves round-off only.
  CHECK(at::allclose(model->forward(x).squeeze(-1), dx * dx + x.select(-1, 2), 1e-8, 1e-8));

  // Unknown variable names in a transform: refused, the previous distillation kept.
  options.transforms = {{"dz", "x1 - z"}};
  const std::string err = error_of([&] { model->distill(options); });
  CHECK_MESSAGE(err.find("input transform 'dz' = 'x1 - z': unknown variable 'z'") != std::string::npos, err);
  CHECK(model->distillation().variable_names == d.variable_names);
}

TEST_CASE("several outputs: fitted in parallel, deterministic, re-distilled from the same recording") {
  const auto f = [](const at::Tensor& x) {
    return at::stack({x.select(-1, 0) * x.select(-1, 1), x.select(-1, 0) + 2.0 * x.select(-1, 2)}, -1);
  };
  SymbolicModel model{SymbolicModelImpl::Function(f)};
  model->start_recording();
  torch::manual_seed(6);
  model->forward(torch::randn({300, 3}, at::kDouble));
  model->forward(torch::randn({300, 3}, at::kDouble));
  model->stop_recording();
  const auto options = small_search({"a", "b", "c"});
  const auto first = model->distill(options);  // a copy: distill() below replaces it
  REQUIRE(first.targets.size() == 2);
  CHECK(first.targets[0].name == "y0");
  CHECK(first.targets[1].name == "y1");
  const auto equations = model->equations();
  MESSAGE("y0 = " << equations[0] << ", y1 = " << equations[1]);
  // Same seed, same recording: the same fronts (each target's search is deterministic and the
  // targets' seeds do not depend on scheduling).
  model->distill(options);
  CHECK(model->equations() == equations);
  // Other options, same recording: the accuracy rule picks the most accurate members.
  auto accurate = options;
  accurate.selection.rule = SelectionRule::Accuracy;
  const auto& d = model->distill(accurate);
  CHECK(d.targets[0].chosen == d.targets[0].front.size() - 1);
  CHECK(model->seen_rows() == 600);

  model->switch_to_symbolic();
  const at::Tensor x = torch::randn({40, 3}, at::kDouble);
  // Exact forms exist (a*b and a + 2c); polishing leaves round-off.
  CHECK(at::allclose(model->forward(x), f(x), 1e-8, 1e-8));
  // The simplest members instead: complexity 1 is a single variable or constant per output.
  model->switch_to_symbolic(std::vector<int>{1, 1});
  for (const auto& e : model->equations()) CHECK(parse_expression(e, d.variable_names).size() == 1);
  CHECK_THROWS_AS(model->switch_to_symbolic(std::vector<int>{0, 1}), std::invalid_argument);

  // A wrapped function saves no weights; its model loads into another function wrapper.
  model->switch_to_symbolic();
  test::TempDir dir("function");
  model->save(dir.path().string());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "module.pt"));
  SymbolicModel other{SymbolicModelImpl::Function(f)};
  other->load(dir.path().string());
  CHECK(other->mode() == ModelMode::Symbolic);
  CHECK(at::equal(other->forward(x), model->forward(x)));
}

TEST_CASE("wrap() reaches into a Sequential held by a module, by dotted path") {
  struct NetImpl : torch::nn::Module {
    NetImpl() {
      body = register_module("body", torch::nn::Sequential(torch::nn::Linear(3, 8), torch::nn::Tanh(),
                                                           torch::nn::Linear(8, 2)));
    }
    at::Tensor forward(const at::Tensor& x) { return body->forward(x); }
    torch::nn::Sequential body{nullptr};
  };
  auto net = std::make_shared<NetImpl>();
  const at::Tensor x = torch::rand({4, 3});
  const at::Tensor before = net->forward(x).detach();
  SymbolicModel wrapper = wrap(*net, "body.2");
  CHECK(net->named_parameters().contains("body.2.module.weight"));  // registered in the tree
  wrapper->start_recording();
  CHECK(at::equal(net->forward(x).detach(), before));  // neural mode: the same network
  CHECK(wrapper->seen_rows() == 4);                     // the parent's forward ran the wrapper
  CHECK(wrapper->recorded_rows() == 4);
  const auto [rx, ry] = wrapper->recording();
  CHECK((rx.sizes() == at::IntArrayRef({4, 8})));       // the wrapped layer's own inputs
  CHECK((ry.sizes() == at::IntArrayRef({4, 2})));
}

TEST_CASE("PCA of inputs and outputs: the symbolic forward projects and reconstructs") {
  // 4 inputs of rank 2 and 3 outputs of rank 1: u = x0 + 0.5 x1, y = [u, 2u, -u].
  SymbolicModel model(SymbolicModelImpl::Function([](const at::Tensor& x) {
    const at::Tensor u = x.select(-1, 0) + 0.5 * x.select(-1, 1);
    return at::stack({u, 2 * u, -u}, -1);
  }));
  model->start_recording();
  torch::manual_seed(4);
  const at::Tensor base = torch::randn({800, 2}, at::kDouble);
  model->forward(at::stack({base.select(1, 0), base.select(1, 1), base.select(1, 0) + base.select(1, 1),
                            base.select(1, 0) - base.select(1, 1)}, 1));
  auto options = small_search({});
  options.pca_inputs = 2;
  options.pca_outputs = 1;
  const auto& d = model->distill(options);
  REQUIRE(d.input_pca.has_value());
  REQUIRE(d.output_pca.has_value());
  CHECK((d.variable_names == std::vector<std::string>{"pc0", "pc1"}));
  REQUIRE(d.targets.size() == 1);
  model->switch_to_symbolic();
  MESSAGE("PCA equation: " << model->equations().at(0));

  const at::Tensor b = torch::randn({50, 2}, at::kDouble);
  const at::Tensor x = at::stack({b.select(1, 0), b.select(1, 1), b.select(1, 0) + b.select(1, 1),
                                  b.select(1, 0) - b.select(1, 1)}, 1);
  const at::Tensor y = model->forward(x);
  // The chain by hand, in double: project, evaluate the equation, reconstruct.
  const auto e = parse_expression(model->equations()[0], d.variable_names);
  for (std::int64_t r = 0; r < 50; r += 7) {
    const at::Tensor row = x[r].contiguous();
    const auto z = d.input_pca->project(row.data_ptr<double>(), 1);
    const double t = evaluate_reference(e, {z.data(), z.size()});
    const auto out = d.output_pca->reconstruct(&t, 1);
    for (int j = 0; j < 3; ++j) CHECK(y[r][j].item<double>() == doctest::Approx(out[j]).epsilon(1e-10));
  }
  // And the whole is the linear function (PCA is exact on rank-2 / rank-1 data; the search
  // finds a linear form whose constants are polished to round-off).
  const at::Tensor u = b.select(1, 0) + 0.5 * b.select(1, 1);
  CHECK(at::allclose(y, at::stack({u, 2 * u, -u}, -1), 1e-6, 1e-6));
}

TEST_CASE("bad input: clear errors and the model unchanged") {
  auto mlp = make_mlp();
  mlp->train();
  SymbolicModel model(mlp, RecordingOptions{100, 0});

  // Nothing recorded / no equations.
  std::string err = error_of([&] { model->distill(small_search({})); });
  CHECK_MESSAGE(err.find("nothing recorded") != std::string::npos, err);
  CHECK_FALSE(model->has_distillation());
  err = error_of([&] { model->switch_to_symbolic(); });
  CHECK_MESSAGE(err.find("no equations") != std::string::npos, err);
  CHECK(model->mode() == ModelMode::Neural);

  // Shape mismatch while recording: refused before the call counts.
  model->start_recording();
  model->forward(torch::rand({20, 3}));
  CHECK(mlp->is_training());  // recording left the train flag as it was
  err = error_of([&] { model->forward(torch::rand({20, 4})); });
  CHECK_MESSAGE(err.find("expected a tensor of shape [..., 3]") != std::string::npos, err);
  CHECK(model->seen_rows() == 20);

  // Input names that do not fit the recording.
  err = error_of([&] { model->distill(small_search({"a", "b"})); });
  CHECK_MESSAGE(err.find("2 input names given (a, b) but the recorded inputs have 3 columns") != std::string::npos, err);
  err = error_of([&] { model->distill(small_search({"a", "b", "nan"})); });
  CHECK_MESSAGE(err.find("input name 'nan' is not usable") != std::string::npos, err);
  auto too_many = small_search({});
  too_many.pca_inputs = 4;
  err = error_of([&] { model->distill(too_many); });
  CHECK_MESSAGE(err.find("4 input PCA components requested, but there are only 3 features") != std::string::npos, err);
  CHECK_FALSE(model->has_distillation());

  model->distill(small_search({"a", "b", "c"}));
  err = error_of([&] { model->switch_to_symbolic(std::vector<int>{1, 2}); });
  CHECK_MESSAGE(err.find("2 complexities given for 1 targets") != std::string::npos, err);
  CHECK(model->mode() == ModelMode::Recording);
  model->switch_to_symbolic();

  // Dtype and shape in symbolic mode.
  err = error_of([&] { model->forward(torch::ones({2, 3}, at::kInt)); });
  CHECK_MESSAGE(err.find("expected a float32 or float64 tensor, got Int") != std::string::npos, err);
  err = error_of([&] { model->forward(torch::ones({2, 5})); });
  CHECK_MESSAGE(err.find("expected a tensor of shape [..., 3] (inputs a, b, c), got shape [2, 5]") != std::string::npos,
                err);

  // Damaged files: refused, model unchanged.
  test::TempDir dir("damaged");
  model->save(dir.path().string());
  const auto json_path = dir.path() / "symbolic_model.json";
  const auto weights_path = dir.path() / "module.pt";
  std::string json_text;
  {
    std::ifstream in(json_path);
    json_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto before_equations = model->equations();
  const at::Tensor probe = torch::rand({5, 3});
  const at::Tensor before_out = model->forward(probe).detach();
  model->switch_to_neural();
  const at::Tensor before_neural = model->forward(probe).detach();

  std::ofstream(json_path) << json_text.substr(0, json_text.size() / 2);  // truncated
  err = error_of([&] { model->load(dir.path().string()); });
  CHECK_MESSAGE(err.find("symbolic_model.json: not valid JSON") != std::string::npos, err);

  std::string bad_equation = json_text;
  const auto pos = bad_equation.find("\"equation\": \"");
  REQUIRE(pos != std::string::npos);
  bad_equation.insert(pos + 13, "zz + ");
  std::ofstream(json_path) << bad_equation;
  err = error_of([&] { model->load(dir.path().string()); });
  CHECK_MESSAGE(err.find("distillation.targets[0].front[0].equation") != std::string::npos, err);
  CHECK_MESSAGE(err.find("unknown variable 'zz'") != std::string::npos, err);

  std::ofstream(json_path) << json_text;
  {
    std::fstream f(weights_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x7f');
  }
  err = error_of([&] { model->load(dir.path().string()); });
  CHECK_MESSAGE(err.find("module.pt: damaged or replaced") != std::string::npos, err);

  CHECK(model->mode() == ModelMode::Neural);
  CHECK(model->equations() == before_equations);
  CHECK(at::equal(model->forward(probe).detach(), before_neural));
  model->switch_to_symbolic();
  CHECK(at::equal(model->forward(probe).detach(), before_out));

  // wrap() of a child that is not in a Sequential, or not there.
  struct Plain : torch::nn::Module {
    Plain() { fc = register_module("fc", torch::nn::Linear(3, 1)); }
    torch::nn::Linear fc{nullptr};
  };
  Plain plain;
  err = error_of([&] { wrap(plain, "fc"); });
  CHECK_MESSAGE(err.find("not a torch::nn::Sequential") != std::string::npos, err);
  auto seq = torch::nn::Sequential(torch::nn::Linear(3, 1));
  err = error_of([&] { wrap(*seq, "3"); });
  CHECK_MESSAGE(err.find("'3' is not a submodule") != std::string::npos, err);
}

TEST_CASE("SLIME: a local surrogate of a piecewise function around a point") {
  // Linear for x0 > 0, sin(x0) * x1 elsewhere: around x0 = 1.5 the law is 3 * x0 + 1.
  auto piecewise = [](const at::Tensor& x) {
    const at::Tensor x0 = x.select(-1, 0), x1 = x.select(-1, 1);
    return at::where(x0 > 0, 3 * x0 + 1, at::sin(x0) * x1).unsqueeze(-1);
  };
  SymbolicModel model{SymbolicModelImpl::Function(piecewise)};
  model->start_recording();
  torch::manual_seed(4);
  model->forward(torch::rand({500, 2}, at::kDouble) * 4 - 2);
  model->stop_recording();
  auto options = small_search({"x0", "x1"});
  SlimeOptions slime;
  slime.point = {1.5, 0.0};
  const auto& d = model->distill_slime(options, slime);
  CHECK(d.rows == 110);
  CHECK(model->equations().at(0) == "3 * x0 + 1");
  model->switch_to_symbolic();
  const at::Tensor near = torch::tensor({{1.49, 0.2}, {1.52, -0.1}}, at::kDouble);
  CHECK(at::allclose(model->forward(near), piecewise(near), 1e-12, 1e-12));

  // The same seed draws the same samples; bad options are refused naming them, nothing changes.
  const SlimeSample a = slime_sample(near.data_ptr<double>(), 2, 2, {{1.5, 0.0}, 1, 5, 1.0, {}}, 7);
  const SlimeSample b = slime_sample(near.data_ptr<double>(), 2, 2, {{1.5, 0.0}, 1, 5, 1.0, {}}, 7);
  CHECK(a.rows == b.rows);
  CHECK(a.weights.at(0) == 1.0);
  slime.neighbours = 500;
  std::string err = error_of([&] { model->distill_slime(options, slime); });
  CHECK_MESSAGE(err.find("SLIME: neighbours (500) must be in 1..500 - 1") != std::string::npos, err);
  slime.neighbours = 10;
  slime.point = {1.5};
  err = error_of([&] { model->distill_slime(options, slime); });
  CHECK_MESSAGE(err.find("SLIME: the point has 1 values but the inputs have 2 columns") != std::string::npos, err);
  CHECK(model->equations().at(0) == "3 * x0 + 1");
}
