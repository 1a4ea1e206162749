#include "symtorch/engine/interpreter.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "vector_math.hpp"

namespace symtorch {
namespace {

template <typename T>
void unary_kernel(Op op, const T* __restrict a, T* __restrict out, std::size_t len) {
  using vecmath::Fn;
  switch (op) {
    case Op::Neg: for (std::size_t r = 0; r < len; ++r) out[r] = -a[r]; break;
    case Op::Square: for (std::size_t r = 0; r < len; ++r) out[r] = a[r] * a[r]; break;
    case Op::Cube: for (std::size_t r = 0; r < len; ++r) out[r] = a[r] * a[r] * a[r]; break;
    case Op::Sqrt: for (std::size_t r = 0; r < len; ++r) out[r] = std::sqrt(a[r]); break;
    case Op::Exp: vecmath::unary<T>(Fn::Exp, a, out, len); break;
    case Op::Log: vecmath::unary<T>(Fn::Log, a, out, len); break;
    case Op::Sin: vecmath::unary<T>(Fn::Sin, a, out, len); break;
    case Op::Cos: vecmath::unary<T>(Fn::Cos, a, out, len); break;
    case Op::Tan: vecmath::unary<T>(Fn::Tan, a, out, len); break;
    case Op::Tanh: vecmath::unary<T>(Fn::Tanh, a, out, len); break;
    case Op::Abs: for (std::size_t r = 0; r < len; ++r) out[r] = std::fabs(a[r]); break;
    case Op::Inv: for (std::size_t r = 0; r < len; ++r) out[r] = T(1) / a[r]; break;
    default: {
      const auto& f = op_info(op).unary;
      for (std::size_t r = 0; r < len; ++r) out[r] = static_cast<T>(f(static_cast<double>(a[r])));
    }
  }
}

template <typename T>
void binary_kernel(Op op, const T* __restrict a, const T* __restrict b, T* __restrict out, std::size_t len) {
  switch (op) {
    case Op::Add: for (std::size_t r = 0; r < len; ++r) out[r] = a[r] + b[r]; break;
    case Op::Sub: for (std::size_t r = 0; r < len; ++r) out[r] = a[r] - b[r]; break;
    case Op::Mul: for (std::size_t r = 0; r < len; ++r) out[r] = a[r] * b[r]; break;
    case Op::Div: for (std::size_t r = 0; r < len; ++r) out[r] = a[r] / b[r]; break;
    case Op::Pow: vecmath::pow<T>(a, b, out, len); break;
    default: {
      const auto& f = op_info(op).binary;
      for (std::size_t r = 0; r < len; ++r)
        out[r] = static_cast<T>(f(static_cast<double>(a[r]), static_cast<double>(b[r])));
    }
  }
}

// Writes the adjoints of the children of node i given its adjoint g, its value y and the
// values of its operands a (and b). Each tree node has one parent, so adjoints are assigned.
template <typename T>
void unary_adjoint(Op op, const T* __restrict g, const T* __restrict y, const T* __restrict a,
                   T* __restrict da, std::size_t len) {
  switch (op) {
    case Op::Neg: for (std::size_t r = 0; r < len; ++r) da[r] = -g[r]; break;
    case Op::Square: for (std::size_t r = 0; r < len; ++r) da[r] = T(2) * a[r] * g[r]; break;
    case Op::Cube: for (std::size_t r = 0; r < len; ++r) da[r] = T(3) * a[r] * a[r] * g[r]; break;
    case Op::Sqrt: for (std::size_t r = 0; r < len; ++r) da[r] = g[r] / (T(2) * y[r]); break;
    case Op::Exp: for (std::size_t r = 0; r < len; ++r) da[r] = g[r] * y[r]; break;
    case Op::Log: for (std::size_t r = 0; r < len; ++r) da[r] = g[r] / a[r]; break;
    case Op::Sin:
      vecmath::unary<T>(vecmath::Fn::Cos, a, da, len);
      for (std::size_t r = 0; r < len; ++r) da[r] *= g[r];
      break;
    case Op::Cos:
      vecmath::unary<T>(vecmath::Fn::Sin, a, da, len);
      for (std::size_t r = 0; r < len; ++r) da[r] *= -g[r];
      break;
    case Op::Tan: for (std::size_t r = 0; r < len; ++r) da[r] = g[r] * (T(1) + y[r] * y[r]); break;
    case Op::Tanh: for (std::size_t r = 0; r < len; ++r) da[r] = g[r] * (T(1) - y[r] * y[r]); break;
    case Op::Abs:
      for (std::size_t r = 0; r < len; ++r) da[r] = a[r] > T(0) ? g[r] : (a[r] < T(0) ? -g[r] : T(0));
      break;
    case Op::Inv: for (std::size_t r = 0; r < len; ++r) da[r] = -g[r] * y[r] * y[r]; break;
    default: {
      const auto& info = op_info(op);
      if (!info.unary_derivative)
        throw std::invalid_argument("operator '" + info.name + "' has no derivative; cannot optimise constants under it");
      for (std::size_t r = 0; r < len; ++r)
        da[r] = g[r] * static_cast<T>(info.unary_derivative(static_cast<double>(a[r])));
    }
  }
}

template <typename T>
void binary_adjoint(Op op, const T* __restrict g, const T* __restrict y, const T* __restrict a,
                    const T* __restrict b, T* __restrict da, T* __restrict db, std::size_t len) {
  switch (op) {
    case Op::Add:
      for (std::size_t r = 0; r < len; ++r) { da[r] = g[r]; db[r] = g[r]; }
      break;
    case Op::Sub:
      for (std::size_t r = 0; r < len; ++r) { da[r] = g[r]; db[r] = -g[r]; }
      break;
    case Op::Mul:
      for (std::size_t r = 0; r < len; ++r) { da[r] = g[r] * b[r]; db[r] = g[r] * a[r]; }
      break;
    case Op::Div:
      for (std::size_t r = 0; r < len; ++r) { da[r] = g[r] / b[r]; db[r] = -g[r] * y[r] / b[r]; }
      break;
    case Op::Pow:
      // db doubles as scratch for b - 1 before it receives its own adjoint.
      for (std::size_t r = 0; r < len; ++r) db[r] = b[r] - T(1);
      vecmath::pow<T>(a, db, da, len);
      for (std::size_t r = 0; r < len; ++r) da[r] *= g[r] * b[r];
      vecmath::unary<T>(vecmath::Fn::Log, a, db, len);
      for (std::size_t r = 0; r < len; ++r) db[r] *= g[r] * y[r];
      break;
    default: {
      const auto& info = op_info(op);
      if (!info.binary_derivative)
        throw std::invalid_argument("operator '" + info.name + "' has no derivative; cannot optimise constants under it");
      for (std::size_t r = 0; r < len; ++r) {
        auto [pa, pb] = info.binary_derivative(static_cast<double>(a[r]), static_cast<double>(b[r]));
        da[r] = g[r] * static_cast<T>(pa);
        db[r] = g[r] * static_cast<T>(pb);
      }
    }
  }
}

template <typename T>
void check_inputs(const Expression& e, std::size_t ncols, std::size_t n, std::size_t out_size) {
  if (e.empty()) throw std::invalid_argument("cannot evaluate an empty expression");
  const auto need = e.max_feature();
  if (need > ncols)
    throw std::invalid_argument("expression uses input x" + std::to_string(need - 1) + " but only " +
                                std::to_string(ncols) + " input columns were given");
  if (out_size < n)
    throw std::invalid_argument("output has " + std::to_string(out_size) + " elements, need " + std::to_string(n));
}

}  // namespace

template <typename T>
void Interpreter<T>::prepare(const Expression& e, std::span<const T> constants, std::size_t, bool with_adjoint) {
  const std::size_t m = e.size();
  if (values_.size() < m * kBatchRows) values_.resize(m * kBatchRows);
  if (with_adjoint && adjoints_.size() < m * kBatchRows) adjoints_.resize(m * kBatchRows);
  ptr_.resize(m);
  const_slot_.assign(m, -1);
  std::size_t c = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const Node& node = e[i];
    if (node.op != Op::Const) {
      ptr_[i] = values_.data() + i * kBatchRows;
      continue;
    }
    T v;
    if (constants.empty()) {
      v = static_cast<T>(node.value);
    } else {
      if (c >= constants.size())
        throw std::invalid_argument("expression has more constants than the " + std::to_string(constants.size()) + " given");
      v = constants[c];
    }
    const_slot_[i] = static_cast<int>(c++);
    // Constants are broadcast once per call, not per block.
    T* slot = values_.data() + i * kBatchRows;
    std::fill(slot, slot + kBatchRows, v);
    ptr_[i] = slot;
  }
  if (!constants.empty() && c != constants.size())
    throw std::invalid_argument("expression has " + std::to_string(c) + " constants, " +
                                std::to_string(constants.size()) + " given");
}

template <typename T>
void Interpreter<T>::forward_block(const Expression& e, std::span<const T* const> columns, std::size_t row,
                                   std::size_t len) {
  const Node* nodes = e.nodes().data();
  const std::size_t m = e.size();
  for (std::size_t i = 0; i < m; ++i) {
    const Node& node = nodes[i];
    switch (node.arity) {
      case 0:
        if (node.op == Op::Var) ptr_[i] = columns[node.feature] + row;
        break;
      case 1:
        unary_kernel<T>(node.op, ptr_[i - 1], values_.data() + i * kBatchRows, len);
        break;
      default: {
        const std::size_t right = i - 1;
        const std::size_t left = right - nodes[right].length;
        binary_kernel<T>(node.op, ptr_[left], ptr_[right], values_.data() + i * kBatchRows, len);
      }
    }
  }
}

template <typename T>
void Interpreter<T>::evaluate(const Expression& e, std::span<const T* const> columns, std::size_t n,
                              std::span<T> out) {
  evaluate(e, {}, columns, n, out);
}

template <typename T>
void Interpreter<T>::evaluate(const Expression& e, std::span<const T> constants, std::span<const T* const> columns,
                              std::size_t n, std::span<T> out) {
  check_inputs<T>(e, columns.size(), n, out.size());
  prepare(e, constants, columns.size(), false);
  const std::size_t root = e.root();
  for (std::size_t row = 0; row < n; row += kBatchRows) {
    const std::size_t len = std::min(kBatchRows, n - row);
    forward_block(e, columns, row, len);
    std::copy(ptr_[root], ptr_[root] + len, out.data() + row);
  }
}

template <typename T>
void Interpreter<T>::jacobian(const Expression& e, std::span<const T> constants, std::span<const T* const> columns,
                              std::size_t n, std::span<T> out, std::span<T> jacobian) {
  check_inputs<T>(e, columns.size(), n, out.size());
  prepare(e, constants, columns.size(), true);
  const std::size_t m = e.size();
  const std::size_t nconst = e.num_constants();
  if (jacobian.size() < nconst * n)
    throw std::invalid_argument("jacobian has " + std::to_string(jacobian.size()) + " elements, need " +
                                std::to_string(nconst * n) + " (" + std::to_string(nconst) + " constants x " +
                                std::to_string(n) + " rows)");
  // Subtrees without constants need no adjoints.
  std::vector<char>& has_const = has_const_;
  has_const.assign(m, 0);
  for (std::size_t i = 0; i < m; ++i) {
    const Node& node = e[i];
    if (node.arity == 0) has_const[i] = node.op == Op::Const;
    else if (node.arity == 1) has_const[i] = has_const[i - 1];
    else has_const[i] = has_const[e.left_child(i)] || has_const[e.right_child(i)];
  }
  const Node* nodes = e.nodes().data();
  const std::size_t root = e.root();
  for (std::size_t row = 0; row < n; row += kBatchRows) {
    const std::size_t len = std::min(kBatchRows, n - row);
    forward_block(e, columns, row, len);
    std::copy(ptr_[root], ptr_[root] + len, out.data() + row);
    if (nconst == 0) continue;
    // A constant's adjoint is its Jacobian column: its parent writes it there directly.
    T* adj = adjoints_.data();
    const auto adjoint = [&](std::size_t i) {
      return nodes[i].op == Op::Const ? jacobian.data() + static_cast<std::size_t>(const_slot_[i]) * n + row
                                      : adj + i * kBatchRows;
    };
    T* const top = adjoint(root);
    std::fill(top, top + len, T(1));
    for (std::size_t i = m; i-- > 0;) {
      const Node& node = nodes[i];
      if (!has_const[i] || node.arity == 0) continue;
      const T* g = adj + i * kBatchRows;
      if (node.arity == 1) {
        unary_adjoint<T>(node.op, g, ptr_[i], ptr_[i - 1], adjoint(i - 1), len);
      } else {
        const std::size_t right = i - 1;
        const std::size_t left = right - nodes[right].length;
        binary_adjoint<T>(node.op, g, ptr_[i], ptr_[left], ptr_[right], adjoint(left), adjoint(right), len);
      }
    }
  }
}

template class Interpreter<float>;
template class Interpreter<double>;

}  // namespace symtorch
