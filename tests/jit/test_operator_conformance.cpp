// Operator conformance of the native JIT, float and double (tests/common/operator_conformance.hpp):
// every built-in operator alone, compiled into one kernel, against the reference evaluator.
#include <doctest/doctest.h>

#include "../common/operator_conformance.hpp"
#include "symtorch/jit/native_kernel.hpp"

using namespace symtorch;
using namespace symtorch::testing;

namespace {

template <typename T>
void check_native() {
  const auto ops = conformance_operators();
  // One kernel with every operator as an output (one compile), each output on its own rows.
  jit::KernelSpec spec;
  spec.equations.num_inputs = 2;
  for (const Op op : ops) spec.equations.outputs.push_back(single_operator(op));
  spec.type = sizeof(T) == 4 ? jit::ScalarType::Float32 : jit::ScalarType::Float64;
  spec.name = "conformance";
  jit::CompileOptions options;
  options.use_cache = false;
  const jit::NativeKernel kernel = jit::NativeKernel::compile(spec, options);
  for (std::size_t j = 0; j < ops.size(); ++j) {
    const auto rows = conformance_rows<T>(ops[j]);
    std::vector<T> x0, x1;
    for (const auto& r : rows) {
      x0.push_back(static_cast<T>(r[0]));
      x1.push_back(static_cast<T>(r[1]));
    }
    std::vector<std::vector<T>> out(ops.size(), std::vector<T>(rows.size()));
    std::vector<T*> outputs;
    for (auto& o : out) outputs.push_back(o.data());
    const T* inputs[] = {x0.data(), x1.data()};
    kernel.run(inputs, outputs.data(), static_cast<std::int64_t>(rows.size()));
    const std::vector<double> got(out[j].begin(), out[j].end());
    const std::size_t compared =
        check_against_reference<T>(sizeof(T) == 4 ? "native float" : "native double", ops[j], rows, got);
    CHECK_MESSAGE(compared * 2 >= rows.size(), op_info(ops[j]).name << ": only " << compared << " of " << rows.size());
  }
}

}  // namespace

TEST_CASE("conformance: every operator in a native kernel equals the reference, double") { check_native<double>(); }
TEST_CASE("conformance: every operator in a native kernel equals the reference, float") { check_native<float>(); }
