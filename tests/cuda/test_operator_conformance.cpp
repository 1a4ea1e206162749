// Operator conformance of the GPU backend (tests/common/operator_conformance.hpp): every
// built-in operator alone, in float and double with its derivatives, assembles with ptxas
// (suite "ptxas") and, on a GPU, equals the reference evaluator (suite "gpu").
#include <doctest/doctest.h>

#include "../common/operator_conformance.hpp"
#include "cuda_test_support.hpp"
#include "symtorch/cuda/driver.hpp"

using namespace symtorch;
using namespace symtorch::testing;

namespace {

// One kernel per operator (inputs x0, x1), all in one module.
std::vector<jit::KernelSpec> operator_specs(jit::ScalarType type, bool derivatives) {
  std::vector<jit::KernelSpec> specs;
  for (const Op op : conformance_operators()) {
    jit::KernelSpec s;
    s.equations.num_inputs = 2;
    s.equations.outputs.push_back(single_operator(op));
    s.type = type;
    s.derivatives = derivatives;
    s.name = std::string("op_") + std::to_string(static_cast<int>(op)) + (type == jit::ScalarType::Float32 ? "_f" : "_d");
    specs.push_back(std::move(s));
  }
  return specs;
}

template <typename T>
void check_gpu(const cuda::Device& device) {
  const auto type = sizeof(T) == 4 ? jit::ScalarType::Float32 : jit::ScalarType::Float64;
  const auto ops = conformance_operators();
  const auto specs = operator_specs(type, false);
  for (std::size_t j = 0; j < ops.size(); ++j) {
    const auto rows = conformance_rows<T>(ops[j]);
    std::vector<T> inputs(2 * rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      inputs[r] = static_cast<T>(rows[r][0]);
      inputs[rows.size() + r] = static_cast<T>(rows[r][1]);
    }
    const std::vector<T> out = test::run_on_gpu(device, specs[j], inputs, rows.size(), test::ptx_sm_for(device.info().sm()));
    check_against_reference<T>(sizeof(T) == 4 ? "GPU float" : "GPU double", ops[j], rows,
                               std::vector<double>(out.begin(), out.end()));
  }
}

}  // namespace

TEST_CASE("conformance: every operator's kernel, float and double with derivatives, assembles for sm_80 and sm_90" *
          doctest::test_suite("ptxas")) {
  const auto ptxas = test::find_ptxas();
  REQUIRE_MESSAGE(ptxas, "ptxas not found (the runner's --require=ptxas checks this first)");
  test::ScratchDir dir("ptx-conformance");
  std::vector<jit::KernelSpec> specs = operator_specs(jit::ScalarType::Float32, true);
  for (auto& s : operator_specs(jit::ScalarType::Float64, true)) specs.push_back(std::move(s));
  for (int sm : {80, 90}) {
    jit::PtxOptions options;
    options.sm = sm;
    options.use_cache = false;
    const jit::PtxModule module = jit::PtxModule::compile(specs, options);
    const auto file = dir.path() / ("operators_sm" + std::to_string(sm) + ".ptx");
    module.write(file);
    const auto r = test::run_command(ptxas->string() + " -arch=sm_" + std::to_string(sm) + " " + file.string() + " -o /dev/null");
    INFO(r.output);
    CHECK(r.status == 0);
  }
}

TEST_CASE("conformance: every operator on the GPU equals the reference, float and double" * doctest::test_suite("gpu")) {
  std::string reason;
  REQUIRE_MESSAGE(cuda::cuda_available(&reason), "no usable GPU: " << reason);
  const cuda::Device device(0);
  check_gpu<double>(device);
  check_gpu<float>(device);
}
