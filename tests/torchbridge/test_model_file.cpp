// symbolic_model.json: round trip, and a refusal naming the path for each kind of damage.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "symtorch/engine/parser.hpp"
#include "symtorch/torch/model_file.hpp"
#include "test_support.hpp"

using namespace symtorch;
using json = nlohmann::json;

namespace {

ModelFile sample_file() {
  Distillation d;
  d.num_inputs = 2;
  d.num_outputs = 1;
  d.input_names = {"a", "b"};
  d.transforms = {{"d", "b - a"}};
  d.keep_inputs = true;
  d.feature_names = {"a", "b", "d"};
  d.variable_names = d.feature_names;
  d.rows = 100;
  d.selection = "best";
  d.search.seed = 9;
  std::vector<FrontMember> members;
  for (const auto& [text, loss] : {std::pair{"a", 1.0}, {"a * d", 0.25}, {"a * d + 0.1", 1e-3}}) {
    FrontMember m;
    m.expression = parse_expression(text, d.variable_names);
    m.complexity = m.expression.complexity();
    m.loss = loss;
    members.push_back(m);
  }
  TargetFit t;
  t.name = "y0";
  t.front = ParetoFront::from_candidates(members);
  t.chosen = 2;
  d.targets.push_back(t);
  ModelFile f;
  f.mode = "symbolic";
  f.num_inputs = 2;
  f.num_outputs = 1;
  f.weights = WeightsFile{"module.pt", 10, "0123456789abcdef"};
  f.distillation = d;
  f.selected = {1};
  f.metadata = {{"note", "test"}};
  return f;
}

std::string error_of(const json& j) {
  try {
    model_file_from_json(j, "m.json");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("model file round-trips through JSON") {
  const ModelFile f = sample_file();
  const json j = to_json(f);
  const ModelFile g = model_file_from_json(json::parse(j.dump()), "m.json");
  CHECK(g.mode == "symbolic");
  CHECK(g.selected == std::vector<std::size_t>{1});
  REQUIRE(g.distillation.has_value());
  CHECK(g.distillation->transforms[0].expression == "b - a");
  REQUIRE(g.distillation->targets[0].front.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(g.distillation->targets[0].front[i].expression == f.distillation->targets[0].front[i].expression);
    CHECK(g.distillation->targets[0].front[i].loss == f.distillation->targets[0].front[i].loss);
  }
  CHECK(to_json(g) == j);
}

TEST_CASE("model file refuses damage, naming where") {
  const json good = to_json(sample_file());
  auto with = [&](auto edit) {
    json j = good;
    edit(j);
    return error_of(j);
  };
  CHECK(with([](json& j) { j["version"] = 2; }) == "m.json: version: this build reads version 1, got 2");
  CHECK(with([](json& j) { j.erase("mode"); }) == "m.json: mode: missing");
  CHECK(with([](json& j) { j["mode"] = "fancy"; }) == "m.json: mode: expected \"neural\" or \"symbolic\", got \"fancy\"");
  CHECK(with([](json& j) { j["distillation"]["targets"][0]["front"][1]["loss"] = "low"; }) ==
        "m.json: distillation.targets[0].front[1].loss: expected a number, got string");
  CHECK(with([](json& j) { j["distillation"]["targets"][0]["front"][1]["equation"] = "a * q"; })
            .starts_with("m.json: distillation.targets[0].front[1].equation: 'a * q': unknown variable 'q'"));
  CHECK(with([](json& j) { j["distillation"]["selected"][0] = 7; }) ==
        "m.json: distillation.selected[0]: outside the front of 3");
  CHECK(with([](json& j) { j["distillation"]["transforms"][0]["expression"] = "b - z"; })
            .starts_with("m.json: distillation: input transform 'd' = 'b - z': unknown variable 'z'"));
  CHECK(with([](json& j) { j["distillation"] = nullptr; }) == "m.json: mode: \"symbolic\" without a distillation");
  CHECK(with([](json& j) { j["weights"]["file"] = "../x.pt"; }) ==
        "m.json: weights.file: expected a file name inside the model directory, got \"../x.pt\"");
  CHECK(with([](json& j) { j["inputs"] = 3; }).starts_with("m.json: distillation: its inputs/outputs (2/1) differ"));
  CHECK(with([](json& j) {
          j["distillation"]["input_pca"] = {{"mean", {0, 0, 0}},
                                            {"components", {{1, 0, 0}, {1, 0, 0}}},
                                            {"explained_variance", {1, 1}},
                                            {"total_variance", 2}};
        }).find("are not orthonormal") != std::string::npos);
}

TEST_CASE("files are written through a temporary and renamed") {
  test::TempDir dir("modelfile");
  const auto path = dir.path() / "f.json";
  write_file_atomically(path, "first");
  write_file_atomically(path, "second");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text == "second");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);  // no temporary left
  CHECK_THROWS_AS(read_model_file(dir.path() / "missing.json"), std::invalid_argument);
}

TEST_CASE("a number beyond double in a model file is refused as not valid JSON") {
  // nlohmann::json throws out_of_range (406), not parse_error, for such a number; found by
  // fuzz_model_file (fuzz/regressions/model_file/number_overflow_406.json).
  test::TempDir dir("modelfile");
  const auto path = dir.path() / "f.json";
  std::ofstream(path) << "{\"format\": 1e999}";
  try {
    read_model_file(path);
    FAIL("accepted");
  } catch (const std::invalid_argument& e) {
    CHECK_MESSAGE(std::string(e.what()).find("f.json: not valid JSON") != std::string::npos, e.what());
  }
}
