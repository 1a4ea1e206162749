// Pruning of output dimensions (pruning.hpp, SymbolicModel::setup_pruning / prune): the
// schedule equals the Python front's (values printed by python/symtorch_cpp/pruning.py), the
// dimensions of largest spread are kept, every forward masks the pruned ones, distill fits them
// as the constant 0, save/load keeps the mask, and bad input changes nothing.
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "symtorch/torch/model_file.hpp"
#include "symtorch/torch/symbolic_model.hpp"
#include "doctest_after_torch.hpp"
#include "error_of.hpp"
#include "test_support.hpp"

using namespace symtorch;

namespace {

using Dims = std::vector<std::int64_t>;
using symtorch::test::error_of;


// Output j = scale_j * x0: spreads in the order of |scale|.
torch::nn::Linear scaled_copies() {
  torch::nn::Linear l(torch::nn::LinearOptions(3, 4).bias(false));
  torch::NoGradGuard no_grad;
  l->weight.copy_(torch::tensor({{0.1, 0.0, 0.0}, {2.0, 0.0, 0.0}, {0.5, 0.0, 0.0}, {1.0, 0.0, 0.0}}, torch::kFloat32));
  return l;
}

}  // namespace

TEST_CASE("pruning schedules equal the Python front's, and bad options are refused") {
  auto steps = [](std::int64_t initial, std::int64_t target, std::int64_t total, double frac, PruningDecay d) {
    return pruning_schedule({initial, target, total, frac, d});
  };
  CHECK(steps(8, 2, 10, 0.5, PruningDecay::Exp) == Dims{8, 5, 3, 2, 2, 2, 2, 2, 2, 2});
  CHECK(steps(8, 2, 10, 0.5, PruningDecay::Linear) == Dims{8, 6, 5, 4, 3, 2, 2, 2, 2, 2});
  CHECK(steps(8, 2, 10, 0.5, PruningDecay::Cosine) == Dims{8, 7, 5, 4, 2, 2, 2, 2, 2, 2});
  CHECK(steps(5, 1, 7, 0.6, PruningDecay::Exp) == Dims{5, 2, 1, 1, 1, 1, 1});
  CHECK(steps(3, 3, 2, 0.0, PruningDecay::Exp) == Dims{3, 3});
  CHECK(parse_pruning_decay("cosine") == PruningDecay::Cosine);
  CHECK(error_of([] { parse_pruning_decay("step"); }) == "pruning: decay_rate must be one of exp, linear, cosine, got 'step'");
  CHECK(error_of([&] { steps(4, 5, 10, 0.5, PruningDecay::Exp); }).find("1 <= target_dim <= initial_dim") != std::string::npos);
  CHECK(error_of([&] { steps(4, 0, 10, 0.5, PruningDecay::Exp); }).find("target_dim=0") != std::string::npos);
  CHECK(error_of([&] { steps(4, 2, 0, 0.5, PruningDecay::Exp); }) == "pruning: total_steps must be >= 1, got 0");
  CHECK(error_of([&] { steps(4, 2, 10, 1.5, PruningDecay::Exp); }).find("end_step_frac must be in [0, 1]") != std::string::npos);
  CHECK(error_of([&] { steps(4, 2, 10, NAN, PruningDecay::Exp); }).find("end_step_frac") != std::string::npos);
}

TEST_CASE("the dimensions of largest spread: ties to the lower index, NaN last, sorted") {
  CHECK(dimensions_of_largest_spread({0.1, 2.0, 0.5, 1.0}, 2) == Dims{1, 3});
  CHECK(dimensions_of_largest_spread({1.0, 1.0, 1.0}, 2) == Dims{0, 1});
  CHECK(dimensions_of_largest_spread({NAN, 0.0, 3.0}, 2) == Dims{1, 2});
  CHECK(dimensions_of_largest_spread({1.0, 2.0}, 5) == Dims{0, 1});
}

TEST_CASE("a pruned SymbolicModel masks every forward, distils the pruned outputs as 0 and saves the mask") {
  SymbolicModel model(scaled_copies());
  CHECK_THROWS_AS(model->prune(0, torch::randn({10, 3})), std::logic_error);
  CHECK_THROWS_AS(model->active_dimensions(), std::logic_error);
  model->setup_pruning({4, 2, 10, 0.5, PruningDecay::Linear});
  CHECK(model->active_dimensions() == Dims{0, 1, 2, 3});
  CHECK(model->pruning_steps() == pruning_schedule({4, 2, 10, 0.5, PruningDecay::Linear}));

  torch::manual_seed(1);
  const at::Tensor sample = torch::randn({200, 3});
  // A sample of the wrong width is refused and the mask kept.
  const std::string wrong = error_of([&] { model->prune(6, torch::randn({20, 2})); });
  CHECK(wrong != "(no error)");
  CHECK(model->active_dimensions() == Dims{0, 1, 2, 3});
  model->prune(1, sample);  // the schedule keeps 4 - ceil(2 * 0.2) = 3
  CHECK(model->active_dimensions() == Dims{1, 2, 3});
  model->prune(7, sample);  // after the end: target_dim
  CHECK(model->active_dimensions() == Dims{1, 3});
  model->prune(10, sample);  // outside the schedule: nothing happens
  CHECK(model->active_dimensions() == Dims{1, 3});

  const at::Tensor x = torch::randn({50, 3});
  const at::Tensor expected = torch::stack({torch::zeros({50}), 2 * x.select(1, 0), torch::zeros({50}), x.select(1, 0)}, 1);
  CHECK(at::allclose(model->forward(x), expected, 1e-6, 1e-6));
  // Training sees only the active outputs: no gradient reaches the pruned rows of the weight.
  model->forward(x).sum().backward();
  const at::Tensor grad = model->wrapped_module()->parameters()[0].grad();
  CHECK(grad[0].abs().sum().item<double>() == 0.0);
  CHECK(grad[1].abs().sum().item<double>() > 0.0);

  model->start_recording();
  model->forward(torch::randn({400, 3}));
  model->stop_recording();
  DistillOptions options;
  options.input_names = {"a", "b", "c"};
  options.search.binary_operators = {Op::Add, Op::Mul};
  options.search.unary_operators = {};
  options.search.populations = 4;
  options.search.population_size = 20;
  options.search.niterations = 10;
  options.search.seed = 3;
  const Distillation& d = model->distill(options);
  CHECK(d.targets.size() == 4);
  for (const std::size_t j : {0, 2}) {  // recorded as zeros: the constant 0, without a search
    const Expression& e = d.targets[j].front[d.targets[j].chosen].expression;
    CHECK(e.size() == 1);
    CHECK(e[0].op == Op::Const);
    CHECK(e[0].value == 0.0);
  }
  model->switch_to_symbolic();
  CHECK(at::allclose(model->forward(x), expected, 1e-5, 1e-5));

  symtorch::test::TempDir dir("pruning");
  model->save(dir.path().string());
  const ModelFile f = read_model_file(dir.path() / ModelFile::kFileName);
  REQUIRE(f.pruning.has_value());
  CHECK(f.pruning->active == Dims{1, 3});
  CHECK(f.pruning->options.decay == PruningDecay::Linear);
  SymbolicModel fresh(scaled_copies());
  fresh->load(dir.path().string());
  CHECK(fresh->active_dimensions() == Dims{1, 3});
  CHECK(at::allclose(fresh->forward(x), expected, 1e-5, 1e-5));
  // setup_pruning for another width than the block's outputs is refused, the mask kept.
  CHECK(error_of([&] { fresh->setup_pruning({5, 2, 10, 0.5, PruningDecay::Exp}); }) ==
        "SymbolicModel.setup_pruning: initial_dim is 5, the wrapped block has 4 outputs");
  CHECK(fresh->active_dimensions() == Dims{1, 3});
}

TEST_CASE("symbolic_model.json: a damaged pruning field is refused naming it") {
  nlohmann::json j = {{"format", ModelFile::kFormat}, {"version", ModelFile::kVersion}, {"mode", "neural"},
                      {"inputs", 3}, {"outputs", 4}, {"output_squeezed", false}, {"weights", nullptr},
                      {"distillation", nullptr}, {"metadata", nlohmann::json::object()}};
  CHECK_FALSE(model_file_from_json(j, "m.json").pruning.has_value());  // older files have no field
  const nlohmann::json good = {{"initial_dim", 4}, {"target_dim", 2}, {"total_steps", 10}, {"end_step_frac", 0.5},
                               {"decay_rate", "exp"}, {"active", {0, 2, 3}}};
  j["pruning"] = good;
  CHECK(model_file_from_json(j, "m.json").pruning->active == Dims{0, 2, 3});
  CHECK(to_json(model_file_from_json(j, "m.json"))["pruning"] == good);
  auto refusal = [&](const char* key, const nlohmann::json& value) {
    nlohmann::json bad = j;
    bad["pruning"][key] = value;
    return error_of([&] { model_file_from_json(bad, "m.json"); });
  };
  CHECK(refusal("initial_dim", 5) == "m.json: pruning.initial_dim: is 5, the model has 4 outputs");
  CHECK(refusal("active", {0, 4}) == "m.json: pruning.active[1]: expected increasing dimensions below initial_dim 4, got 4");
  CHECK(refusal("active", {2, 1}) == "m.json: pruning.active[1]: expected increasing dimensions below initial_dim 4, got 1");
  CHECK(refusal("active", {3}) == "m.json: pruning.active: 1 active dimensions, fewer than target_dim 2");
  CHECK(refusal("decay_rate", "step") == "m.json: pruning: pruning: decay_rate must be one of exp, linear, cosine, got 'step'");
  CHECK(refusal("target_dim", 9).find("m.json: pruning: pruning: expected 1 <= target_dim <= initial_dim") == 0);
}
