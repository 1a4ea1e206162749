#include "symtorch/torch_eval/torch_ops.hpp"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace symtorch::torch_eval {

at::Tensor evaluate(const Expression& e, const std::vector<at::Tensor>& columns) {
  if (columns.empty()) throw std::invalid_argument("torch_eval: no input columns");
  if (e.empty()) throw std::invalid_argument("torch_eval: empty expression");
  const at::Tensor& like = columns.front();
  std::vector<at::Tensor> stack;
  for (const Node& n : e.nodes()) {
    if (n.op == Op::Const) {
      stack.push_back(at::full_like(like, n.value));
      continue;
    }
    if (n.op == Op::Var) {
      if (n.feature >= columns.size())
        throw std::invalid_argument("torch_eval: variable x" + std::to_string(n.feature) + " but only " +
                                    std::to_string(columns.size()) + " input columns");
      stack.push_back(columns[n.feature]);
      continue;
    }
    if (n.arity == 1) {
      const at::Tensor a = stack.back();
      stack.pop_back();
      switch (n.op) {
        case Op::Neg: stack.push_back(-a); break;
        case Op::Square: stack.push_back(a * a); break;
        case Op::Cube: stack.push_back(a * a * a); break;
        case Op::Sqrt: stack.push_back(at::sqrt(a)); break;
        case Op::Exp: stack.push_back(at::exp(a)); break;
        case Op::Log: stack.push_back(at::log(a)); break;
        case Op::Sin: stack.push_back(at::sin(a)); break;
        case Op::Cos: stack.push_back(at::cos(a)); break;
        case Op::Tan: stack.push_back(at::tan(a)); break;
        case Op::Tanh: stack.push_back(at::tanh(a)); break;
        case Op::Abs: stack.push_back(at::abs(a)); break;
        case Op::Inv: stack.push_back(at::reciprocal(a)); break;
        default: throw std::invalid_argument("torch_eval: user operators have no torch form");
      }
      continue;
    }
    const at::Tensor b = stack.back();
    stack.pop_back();
    const at::Tensor a = stack.back();
    stack.pop_back();
    switch (n.op) {
      case Op::Add: stack.push_back(a + b); break;
      case Op::Sub: stack.push_back(a - b); break;
      case Op::Mul: stack.push_back(a * b); break;
      case Op::Div: stack.push_back(a / b); break;
      case Op::Pow: stack.push_back(at::pow(a, b)); break;
      default: throw std::invalid_argument("torch_eval: user operators have no torch form");
    }
  }
  return stack.back();
}

}  // namespace symtorch::torch_eval
