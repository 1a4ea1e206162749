// Every PTX the generator makes for random expressions must assemble with NVIDIA's ptxas.
// 200 random expressions over 3 inputs (sizes 1..16, all built-in operators, float and double
// alternately, each with its derivatives) are compiled in modules of 25 kernels for sm_80 and
// for sm_90, and each module is assembled by ptxas for its architecture. ptxas is the slow part
// (seconds per module), so it runs in the background while the next module is generated.
#include <doctest/doctest.h>

#include <future>
#include <random>

#include "../common/operator_conformance.hpp"
#include "cuda_test_support.hpp"
#include "symtorch/engine/random_tree.hpp"
#include "symtorch/jit/ptx_module.hpp"

using namespace symtorch;
using namespace symtorch::jit;

namespace {

constexpr int kExpressions = 200;
constexpr int kKernelsPerModule = 25;

std::vector<KernelSpec> random_specs() {
  std::mt19937_64 rng(20240611);
  RandomTreeOptions options;
  for (const Op op : testing::conformance_operators())
    (op_info(op).arity == 2 ? options.binary_ops : options.unary_ops).push_back(op);
  options.num_features = 3;
  std::vector<KernelSpec> specs;
  for (int i = 0; i < kExpressions; ++i) {
    options.size = 1 + random_below(rng, 16);
    KernelSpec spec;
    spec.equations.num_inputs = 3;
    spec.equations.outputs.push_back(random_expression(rng, options));
    spec.type = i % 2 ? ScalarType::Float32 : ScalarType::Float64;
    spec.derivatives = true;
    spec.name = "random_" + std::to_string(i);
    specs.push_back(std::move(spec));
  }
  return specs;
}

struct Assembly {
  std::string command;
  std::future<test::CommandResult> result;
};

Assembly assemble(const std::filesystem::path& ptxas, const std::filesystem::path& file, int arch) {
  std::string command = ptxas.string() + " -arch=sm_" + std::to_string(arch) + " " + file.string() + " -o /dev/null";
  auto result = std::async(std::launch::async, [command] { return test::run_command(command); });
  return {std::move(command), std::move(result)};
}

void check(Assembly& a) {
  const test::CommandResult result = a.result.get();
  INFO(a.command << ":\n" << result.output);
  CHECK(result.status == 0);
}

}  // namespace

// Suite "ptxas": the CTest test cuda_ptxas runs it with --require=libdevice,ptxas, so it is
// reported as skipped, saying why, where the CUDA toolkit is absent.
TEST_CASE("ptxas accepts the PTX of 200 random expressions with derivatives, float and double, sm_80 and sm_90" *
          doctest::test_suite("ptxas")) {
  const auto ptxas = test::find_ptxas();
  REQUIRE_MESSAGE(ptxas, "ptxas not found (the runner's --require=ptxas checks this first)");
  const std::vector<KernelSpec> specs = random_specs();
  test::ScratchDir dir("ptxas");
  std::size_t kernels = 0;
  std::optional<Assembly> pending;
  for (int sm : {80, 90}) {
    PtxOptions options;
    options.sm = sm;
    options.use_cache = false;  // generate every module
    for (int first = 0; first < kExpressions; first += kKernelsPerModule) {
      const std::span<const KernelSpec> batch(specs.data() + first, kKernelsPerModule);
      const PtxModule module = PtxModule::compile(batch, options);
      REQUIRE(module.kernels().size() == kKernelsPerModule);
      kernels += module.kernels().size();
      const auto file = dir.path() / ("sm" + std::to_string(sm) + "_" + std::to_string(first) + ".ptx");
      module.write(file);
      if (pending) check(*pending);
      pending = assemble(*ptxas, file, sm);
    }
  }
  check(*pending);
  CHECK(kernels == 2 * kExpressions);
}
