// simplify_algebra (simplify.hpp): constant merging and like terms, for the search. One
// bottom-up rebuild; each node's operands are already merged, so looking one level down into
// them finds every constant that can be combined.
#include <cmath>
#include <optional>

#include "symtorch/engine/simplify.hpp"

namespace symtorch {
namespace {

bool is_const(const Expression& e) { return e.size() == 1 && e[0].op == Op::Const; }
double value(const Expression& e) { return e[0].value; }

Expression left_of(const Expression& e) { return e.subtree(e.left_child(e.root())); }
Expression right_of(const Expression& e) { return e.subtree(e.right_child(e.root())); }

// e = k · u^power with power ±1 and u not a constant.
struct Product {
  double k = 1;
  Expression u;
  int power = 1;
};

std::optional<Product> as_product(const Expression& e) {
  if (e.empty() || is_const(e)) return std::nullopt;
  const Op op = e[e.root()].op;
  if (op == Op::Mul || op == Op::Div) {
    const Expression a = left_of(e), b = right_of(e);
    if (op == Op::Mul && is_const(a) && !is_const(b)) return Product{value(a), b, 1};
    if (op == Op::Mul && is_const(b) && !is_const(a)) return Product{value(b), a, 1};
    if (op == Op::Div && is_const(b) && !is_const(a)) return Product{1 / value(b), a, 1};
    if (op == Op::Div && is_const(a) && !is_const(b)) return Product{value(a), b, -1};
  }
  if (op == Op::Neg) {
    const Expression a = e.subtree(e.root() - 1);
    if (auto p = as_product(a)) return Product{-p->k, p->u, p->power};
    return Product{-1, a, 1};
  }
  return Product{1, e, 1};
}

// Whether e is k·u^±1 with a constant k that is not 1 (a product worth merging).
bool has_factor(const Expression& e) {
  if (e.empty() || is_const(e)) return false;
  const Op op = e[e.root()].op;
  if (op == Op::Neg) return true;
  if (op != Op::Mul && op != Op::Div) return false;
  return is_const(left_of(e)) != is_const(right_of(e));
}

Expression build_product(double k, const Expression& u, int power) {
  if (power > 0) return Expression::binary(Op::Mul, Expression::constant(k), u);
  return Expression::binary(Op::Div, Expression::constant(k), u);
}

// e = sign · u + k with u not a constant.
struct Affine {
  int sign = 1;
  Expression u;
  double k = 0;
};

std::optional<Affine> as_affine(const Expression& e) {
  if (e.empty() || is_const(e)) return std::nullopt;
  const Op op = e[e.root()].op;
  if (op != Op::Add && op != Op::Sub) return std::nullopt;
  const Expression a = left_of(e), b = right_of(e);
  if (is_const(a) == is_const(b)) return std::nullopt;
  if (op == Op::Add) return is_const(b) ? Affine{1, a, value(b)} : Affine{1, b, value(a)};
  return is_const(b) ? Affine{1, a, -value(b)} : Affine{-1, b, value(a)};
}

Expression build_affine(int sign, const Expression& u, double k) {
  if (sign > 0) return Expression::binary(Op::Add, u, Expression::constant(k));
  return Expression::binary(Op::Sub, Expression::constant(k), u);
}

// sa·u1 + sb·u2 + k with signs ±1, written with two operators: k - (u1 + u2) when both signs
// are negative.
Expression signed_sum(int sa, const Expression& a, int sb, const Expression& b, double k) {
  if (sa < 0 && sb < 0) return build_affine(-1, Expression::binary(Op::Add, a, b), k);
  Expression sum;
  if (sa > 0 && sb > 0) sum = Expression::binary(Op::Add, a, b);
  else if (sa > 0) sum = Expression::binary(Op::Sub, a, b);
  else sum = Expression::binary(Op::Sub, b, a);
  return build_affine(1, sum, k);
}

std::optional<Expression> merge_sum(Op op, const Expression& a, const Expression& b) {
  const double s = op == Op::Add ? 1.0 : -1.0;
  if (op == Op::Sub && a == b) return Expression::constant(0.0);
  // Like terms: k1·u ± k2·u -> (k1 ± k2)·u (also u ± u, u ± k·u).
  const auto pa = as_product(a), pb = as_product(b);
  if (pa && pb && pa->power == pb->power && pa->u == pb->u) return build_product(pa->k + s * pb->k, pa->u, pa->power);
  // a ± (-1)·u -> a ∓ u, and (-1)·u + b -> b - u: the sign goes into the operator. A set
  // without neg writes a negation as a product with -1, which would otherwise stay as a node
  // and a constant the front pays complexity for.
  if (pb && pb->k == -1 && pb->power == 1 && !is_const(a)) return Expression::binary(op == Op::Add ? Op::Sub : Op::Add, a, pb->u);
  if (op == Op::Add && pa && pa->k == -1 && pa->power == 1 && !is_const(b)) return Expression::binary(Op::Sub, b, pa->u);
  // Constants of affine operands: (u + k1) ± (v + k2) -> (u ± v) + (k1 ± k2), (u + k1) ± c -> u + (k1 ± c).
  const auto fa = as_affine(a), fb = as_affine(b);
  if (fa && is_const(b)) return build_affine(fa->sign, fa->u, fa->k + s * value(b));
  if (fb && is_const(a)) return build_affine(static_cast<int>(s) * fb->sign, fb->u, value(a) + s * fb->k);
  const int si = static_cast<int>(s);
  if (fa && fb) return signed_sum(fa->sign, fa->u, si * fb->sign, fb->u, fa->k + s * fb->k);
  if (fa) return signed_sum(fa->sign, fa->u, si, b, fa->k);
  if (fb) return signed_sum(1, a, si * fb->sign, fb->u, s * fb->k);
  return std::nullopt;
}

// u1^p1 · u2^p2 (op Mul) or u1^p1 / u2^p2 (op Div) times k, as k·w or k/w.
Expression combine_products(double k, const Product& a, const Product& b, Op op) {
  const int pb = op == Op::Mul ? b.power : -b.power;
  if (a.power > 0 && pb > 0) return build_product(k, Expression::binary(Op::Mul, a.u, b.u), 1);
  if (a.power > 0) return build_product(k, Expression::binary(Op::Div, a.u, b.u), 1);
  if (pb > 0) return build_product(k, Expression::binary(Op::Div, b.u, a.u), 1);
  return build_product(k, Expression::binary(Op::Mul, a.u, b.u), -1);
}

std::optional<Expression> merge_product(Op op, const Expression& a, const Expression& b) {
  if (op == Op::Div && a == b) return Expression::constant(1.0);
  if (is_const(a) && has_factor(b)) {
    const Product p = *as_product(b);
    if (op == Op::Mul) return build_product(value(a) * p.k, p.u, p.power);
    return build_product(value(a) / p.k, p.u, -p.power);
  }
  if (is_const(b) && has_factor(a)) {
    const Product p = *as_product(a);
    return build_product(op == Op::Mul ? p.k * value(b) : p.k / value(b), p.u, p.power);
  }
  // Pull factors out of products of non-constants: (k1·u)·(k2·v) -> (k1·k2)·(u·v).
  if (!is_const(a) && !is_const(b) && (has_factor(a) || has_factor(b))) {
    const Product pa = *as_product(a), pb = *as_product(b);
    return combine_products(op == Op::Mul ? pa.k * pb.k : pa.k / pb.k, pa, pb, op);
  }
  return std::nullopt;
}

std::optional<Expression> merge_unary(Op op, const Expression& a) {
  if (!has_factor(a)) return std::nullopt;
  const Product p = *as_product(a);
  // square(k·u^±1) = k²·square(u)^±1;  sqrt(k·u^±1) = sqrt(k)·sqrt(u)^±1 for k > 0 (both NaN
  // exactly where u < 0).
  if (op == Op::Square) return build_product(p.k * p.k, Expression::unary(Op::Square, p.u), p.power);
  if (op == Op::Sqrt && p.k > 0) return build_product(std::sqrt(p.k), Expression::unary(Op::Sqrt, p.u), p.power);
  if (op == Op::Neg) return build_product(-p.k, p.u, p.power);
  return std::nullopt;
}

bool finite_constants(const Expression& e) {
  for (const Node& n : e.nodes())
    if (n.op == Op::Const && !std::isfinite(n.value)) return false;
  return true;
}

Expression merge(const Expression& e, std::size_t i, const OperatorSet& allowed) {
  const Node& n = e[i];
  if (n.arity == 0) return e.subtree(i);
  std::optional<Expression> merged;
  Expression out;
  if (n.arity == 1) {
    const Expression a = merge(e, i - 1, allowed);
    merged = merge_unary(n.op, a);
    out = Expression::unary(n.op, a);
  } else if (n.arity == 2) {
    const Expression a = merge(e, e.left_child(i), allowed), b = merge(e, e.right_child(i), allowed);
    if (n.op == Op::Add || n.op == Op::Sub) merged = merge_sum(n.op, a, b);
    else if (n.op == Op::Mul || n.op == Op::Div) merged = merge_product(n.op, a, b);
    out = Expression::binary(n.op, a, b);
  } else {
    Expression copy = e.subtree(i);
    return copy;
  }
  // A merge whose new constant overflowed or is NaN, or that needs an operator that is not
  // allowed, keeps the original form.
  if (merged && finite_constants(*merged) && allowed.allows(*merged)) return simplify(*merged, allowed);
  return simplify(out, allowed);
}

}  // namespace

Expression simplify_algebra(const Expression& e, const OperatorSet& allowed) {
  if (e.empty()) return e;
  // Each merge removes a constant or a node or moves constants towards the root, so repeating
  // ends; the bound is a guard.
  Expression current = simplify(e, allowed);
  for (int round = 0; round < 8; ++round) {
    Expression next = merge(current, current.root(), allowed);
    if (next == current) break;
    current = std::move(next);
  }
  return current;
}

}  // namespace symtorch
