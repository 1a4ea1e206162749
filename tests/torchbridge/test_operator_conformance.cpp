// Operator conformance of the torch backends, float and double (tests/common/
// operator_conformance.hpp): every built-in operator alone, through the compiled Equation op
// (torch.classes.symtorch.Equation) and as plain ATen operations (symtorch::torch_eval, the
// baseline of benchmarks), against the reference evaluator.
#include <torch/torch.h>

#include "symtorch/engine/printer.hpp"
#include "symtorch/torch/equation.hpp"
#include "symtorch/torch_eval/torch_ops.hpp"
#include "doctest_after_torch.hpp"
#include "../common/operator_conformance.hpp"

using namespace symtorch;
using namespace symtorch::testing;

namespace {

template <typename T>
void check_torch() {
  const at::ScalarType type = sizeof(T) == 4 ? at::kFloat : at::kDouble;
  const char* dtype = sizeof(T) == 4 ? "float32" : "float64";
  for (const Op op : conformance_operators()) {
    const auto rows = conformance_rows<T>(op);
    at::Tensor x = at::empty({static_cast<std::int64_t>(rows.size()), 2}, at::TensorOptions().dtype(type));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      x[static_cast<std::int64_t>(r)][0] = rows[r][0];
      x[static_cast<std::int64_t>(r)][1] = rows[r][1];
    }
    const std::string text = to_string(single_operator(op), {"x0", "x1"});
    const ops::Equation equation({text}, {"x0", "x1"}, dtype);
    const at::Tensor y = equation.forward(x).to(at::kDouble).contiguous();
    const at::Tensor z = torch_eval::evaluate(single_operator(op), {x.select(1, 0), x.select(1, 1)}).to(at::kDouble).contiguous();
    const std::vector<double> compiled(y.data_ptr<double>(), y.data_ptr<double>() + rows.size());
    const std::vector<double> eager(z.data_ptr<double>(), z.data_ptr<double>() + rows.size());
    const std::size_t compared = check_against_reference<T>(std::string("Equation op ") + dtype, op, rows, compiled);
    check_against_reference<T>(std::string("torch eager ") + dtype, op, rows, eager);
    CHECK_MESSAGE(compared * 2 >= rows.size(), op_info(op).name << ": only " << compared << " of " << rows.size());
  }
}

}  // namespace

TEST_CASE("conformance: every operator through the Equation op and eager torch equals the reference, double") {
  check_torch<double>();
}
TEST_CASE("conformance: every operator through the Equation op and eager torch equals the reference, float") {
  check_torch<float>();
}
