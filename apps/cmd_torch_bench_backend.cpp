// The "torch" column of `symtorch bench`: the equations as plain torch tensor operations (one
// ATen call per operator node, symtorch::torch_eval) on CPU tensors viewing the bench's input
// columns (no copy), in inference mode, with the bench's thread count as torch's intra-op
// threads. It is what a user gets by writing the equation in torch by hand.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <memory>
#include <vector>

#include "bench_backends.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/torch_eval/torch_ops.hpp"

namespace symtorch::cli {
namespace {

std::function<void()> prepare_torch(const BenchProblem& p) {
  at::set_num_threads(p.threads);
  const auto options = at::TensorOptions().dtype(p.single_precision ? at::kFloat : at::kDouble);
  auto columns = std::make_shared<std::vector<at::Tensor>>();
  for (const void* column : p.inputs)
    columns->push_back(at::from_blob(const_cast<void*>(column), {static_cast<std::int64_t>(p.rows)}, options));
  auto expressions = std::make_shared<std::vector<Expression>>();
  for (const auto& text : p.equations) expressions->push_back(parse_expression(text, p.variables));
  return [columns, expressions] {
    c10::InferenceMode inference;
    for (const auto& e : *expressions) torch_eval::evaluate(e, *columns);
  };
}

const BenchBackendRegistration registration{BenchBackend{"torch", prepare_torch}};

}  // namespace
}  // namespace symtorch::cli
