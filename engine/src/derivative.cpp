// Symbolic derivative: one postfix sweep that keeps, for every subtree, its derivative (or a
// "zero" marker when the subtree does not depend on the variable, so chain-rule terms that are
// structurally zero are never built). Rules and their choices are documented in derivative.hpp.
#include "symtorch/engine/derivative.hpp"

#include <optional>
#include <stdexcept>
#include <string>

#include "symtorch/engine/simplify.hpp"

namespace symtorch {
namespace {

using E = Expression;

E c(double v) { return E::constant(v); }
E un(Op op, const E& a) { return E::unary(op, a); }
E bin(Op op, const E& a, const E& b) { return E::binary(op, a, b); }
E mul(const E& a, const E& b) { return bin(Op::Mul, a, b); }
E div(const E& a, const E& b) { return bin(Op::Div, a, b); }

// Multiplies by the inner derivative; a' = 1 (the variable itself) needs no factor.
E chain(const E& outer, const E& inner) {
  if (inner.size() == 1 && inner[0].op == Op::Const && inner[0].value == 1.0) return outer;
  return mul(outer, inner);
}

// Derivative of one node given its operands (a, b) and their derivatives (nullopt = zero).
std::optional<E> rule(Op op, const E& a, const E& b, const std::optional<E>& da, const std::optional<E>& db) {
  switch (op) {
    case Op::Add:
      if (!da) return *db;
      if (!db) return *da;
      return bin(Op::Add, *da, *db);
    case Op::Sub:
      if (!da) return un(Op::Neg, *db);
      if (!db) return *da;
      return bin(Op::Sub, *da, *db);
    case Op::Mul:
      if (!da) return mul(a, *db);
      if (!db) return mul(*da, b);
      return bin(Op::Add, mul(*da, b), mul(a, *db));
    case Op::Div: {
      std::optional<E> through_b;
      if (db) through_b = div(mul(a, *db), un(Op::Square, b));
      if (!da) return un(Op::Neg, *through_b);
      if (!db) return div(*da, b);
      return bin(Op::Sub, div(*da, b), *through_b);
    }
    case Op::Pow: {
      std::optional<E> through_a, through_b;
      if (da) {
        const E exponent_minus_one = b.size() == 1 && b[0].op == Op::Const ? c(b[0].value - 1.0) : bin(Op::Sub, b, c(1.0));
        through_a = chain(mul(b, bin(Op::Pow, a, exponent_minus_one)), *da);
      }
      if (db) through_b = chain(mul(bin(Op::Pow, a, b), un(Op::Log, a)), *db);
      if (!through_a) return *through_b;
      if (!through_b) return *through_a;
      return bin(Op::Add, *through_a, *through_b);
    }
    default: break;
  }
  const OperatorInfo& info = op_info(op);
  if (info.derivative_rule) return info.derivative_rule(a, *da);  // unary built-ins (operators.cpp)
  if (info.partials.empty())
    throw std::invalid_argument("operator '" + info.name + "' has no derivative (register it with one)");
  if (info.arity == 1) return chain(un(info.partials[0], a), *da);
  std::optional<E> through_a, through_b;
  if (da) through_a = chain(bin(info.partials[0], a, b), *da);
  if (db) through_b = chain(bin(info.partials[1], a, b), *db);
  if (!through_a) return *through_b;
  if (!through_b) return *through_a;
  return bin(Op::Add, *through_a, *through_b);
}

}  // namespace

Expression derivative(const Expression& e, std::uint32_t feature) {
  if (e.empty()) throw std::invalid_argument("cannot differentiate an empty expression");
  // d[i]: derivative of the subtree rooted at node i; nullopt when it does not depend on the
  // variable. A child's entry is released once its parent has used it.
  std::vector<std::optional<E>> d(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    const Node& n = e[i];
    if (n.arity == 0) {
      if (n.op == Op::Var && n.feature == feature) d[i] = c(1.0);
      continue;
    }
    const std::size_t left = e.child(i, 0);
    const std::size_t right = n.arity == 2 ? e.child(i, 1) : left;
    const std::optional<E> da = std::move(d[left]);
    const std::optional<E> db = n.arity == 2 ? std::move(d[right]) : std::nullopt;
    d[left].reset();
    d[right].reset();
    if (da || db) d[i] = rule(n.op, e.subtree(left), n.arity == 2 ? e.subtree(right) : E(), da, db);
  }
  return d.back() ? simplify(*d.back()) : c(0.0);
}

}  // namespace symtorch
