// Lowering of a set of equations over the same inputs to one kernel:
//   EquationSet + ScalarType (+ derivatives)  =  KernelSpec
//   KernelSpec -> ExpressionDag (common subexpressions shared, topological order)
//   ExpressionDag -> LLVM IR (jit/src/ir_builder.hpp, internal) -> object code / JIT.
// No LLVM or Boost header is included here, so users' translation units stay cheap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "symtorch/engine/expression.hpp"

namespace symtorch::jit {

enum class ScalarType { Float32, Float64 };

// "float" / "double" (C spelling, used in generated headers).
std::string_view c_type_name(ScalarType t);
// Accepts float, float32, f32, double, float64, f64; throws std::invalid_argument otherwise.
ScalarType parse_scalar_type(std::string_view text);
std::size_t scalar_size(ScalarType t);

// Several expressions over the same input columns x_0 .. x_{num_inputs-1}.
struct EquationSet {
  std::vector<Expression> outputs;
  std::uint32_t num_inputs = 0;
  std::vector<std::string> input_names;  // optional (used in headers and error messages); empty or num_inputs names
};

// Parses each text with the given variable names (throws symtorch::ParseError naming the
// equation, column and token). num_inputs = variables.size(); with no variables, x0, x1, ... are
// accepted and num_inputs is the largest index used + 1.
EquationSet parse_equations(const std::vector<std::string>& texts, const std::vector<std::string>& variables);

// What to compile. The kernel has the C ABI
//   extern "C" void NAME(const T* const* inputs, T* const* outputs, int64_t n);
// inputs[k] points to n values of input k, outputs[j] to room for n values of output j
// (columns; outputs must not overlap inputs or each other).
//
// Output order: the m equations f_0 .. f_{m-1} first; with `derivatives` they are followed by
// the m*n partial derivatives, output-major:
//   outputs[m + j*num_inputs + k] = d f_j / d x_k      (j < m, k < num_inputs)
// so num_outputs = m * (1 + num_inputs). Derivatives come from symtorch::derivative (symbolic,
// simplified) and share subexpressions with the values in the DAG.
struct KernelSpec {
  EquationSet equations;
  ScalarType type = ScalarType::Float64;
  bool derivatives = false;
  std::string name = "symtorch_kernel";  // C identifier

  std::size_t num_inputs() const { return equations.num_inputs; }
  std::size_t num_outputs() const;
};

// Checks a spec before lowering; throws std::invalid_argument naming what is wrong: no
// outputs, an empty or malformed expression, a variable index >= num_inputs, wrong number of
// input names, a kernel name that is not a C identifier, a user operator (only built-in
// operators can be compiled: user operators are opaque std::functions).
void validate(const KernelSpec& spec);

// The expressions the kernel computes, in output order (equations, then derivatives).
std::vector<Expression> kernel_outputs(const KernelSpec& spec);

// One node of the DAG. Children are node ids that are smaller than the node's own id only
// after sorting by topological_order(); use the order, not the ids, to evaluate.
struct DagNode {
  Op op = Op::Const;
  std::uint8_t arity = 0;
  std::uint32_t child[2] = {0, 0};  // node ids (valid for arity 1 and 2)
  std::uint32_t feature = 0;        // Var
  double value = 0.0;               // Const
};

// A set of expressions as one directed acyclic graph (Boost.Graph adjacency_list inside), with
// common subexpressions shared: nodes are hash-consed on (op, children, feature, constant bits),
// with the operands of commutative operators (+, *) in canonical order. Only nodes reachable
// from an output are kept.
class ExpressionDag {
 public:
  ExpressionDag(std::span<const Expression> outputs, std::uint32_t num_inputs);

  std::size_t num_nodes() const;
  std::uint32_t num_inputs() const;
  const DagNode& node(std::uint32_t id) const;
  // All node ids, every child before its parents.
  const std::vector<std::uint32_t>& topological_order() const;
  // Node id of each output (several outputs may share one node).
  const std::vector<std::uint32_t>& outputs() const;
  // Operator nodes only (what a tree walk would evaluate once per row, shared nodes once).
  std::size_t num_operations() const;

  // Deterministic text of the DAG in topological order with constants as exact hex bits;
  // equal for equal equation sets. The cache key is built from it.
  std::string canonical_text() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// The DAG of a spec's kernel_outputs (validates the spec first).
ExpressionDag build_dag(const KernelSpec& spec);

}  // namespace symtorch::jit
