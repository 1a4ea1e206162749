// shorten_with_operators (simplify.hpp): rewrites that need to know the operator set.
#include <algorithm>
#include <optional>

#include "symtorch/engine/simplify.hpp"

namespace symtorch {
namespace {

bool is_const(const Expression& e) { return e.size() == 1 && e[0].op == Op::Const; }

// u for -u, written as neg(u), (-1)·u or u·(-1); nothing otherwise.
std::optional<Expression> negated(const Expression& e) {
  const std::size_t r = e.root();
  if (e[r].op == Op::Neg) return e.subtree(r - 1);
  if (e[r].op != Op::Mul) return std::nullopt;
  const Expression a = e.subtree(e.left_child(r)), b = e.subtree(e.right_child(r));
  if (is_const(a) && a[0].value == -1) return b;
  if (is_const(b) && b[0].value == -1) return a;
  return std::nullopt;
}

// c·u or u·c with c < 0, c != -1, as (-c)·u.
std::optional<Expression> with_positive_factor(const Expression& e) {
  const std::size_t r = e.root();
  if (e[r].op != Op::Mul) return std::nullopt;
  const Expression a = e.subtree(e.left_child(r)), b = e.subtree(e.right_child(r));
  if (is_const(a) == is_const(b)) return std::nullopt;
  const Expression& c = is_const(a) ? a : b;
  const Expression& u = is_const(a) ? b : a;
  if (!(c[0].value < 0)) return std::nullopt;
  return Expression::binary(Op::Mul, Expression::constant(-c[0].value), u);
}

class Shortener {
 public:
  explicit Shortener(const OperatorSet& allowed) : square_(allowed.allows(Op::Square)) {}

  Expression rebuild(const Expression& e, std::size_t i) const {
    const Node& n = e[i];
    if (n.arity == 0) return e.subtree(i);
    if (n.arity == 1) {
      const Expression a = rebuild(e, i - 1);
      if (op_info(n.op).parity == Parity::Even) {
        // Even functions: f(-u) = f(u); f(c·u) = f(-c·u).
        if (auto u = negated(a)) return rebuild_unary(n.op, *u);
        if (n.op != Op::Square)
          if (auto u = with_positive_factor(a)) return Expression::unary(n.op, *u);
      }
      return Expression::unary(n.op, a);
    }
    if (n.arity == 2) {
      const Expression a = rebuild(e, e.left_child(i)), b = rebuild(e, e.right_child(i));
      if (n.op == Op::Mul && square_ && a == b && !is_const(a)) return Expression::unary(Op::Square, a);
      return Expression::binary(n.op, a, b);
    }
    return e.subtree(i);
  }

 private:
  Expression rebuild_unary(Op op, const Expression& u) const {
    return rebuild(Expression::unary(op, u), u.size());
  }
  bool square_;
};

}  // namespace

Expression shorten_with_operators(const Expression& e, const OperatorSet& allowed) {
  if (e.empty()) return e;
  return Shortener(allowed).rebuild(e, e.root());
}

}  // namespace symtorch
