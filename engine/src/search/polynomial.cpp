#include "polynomial.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace symtorch::search_detail {
namespace {

using Exponents = std::vector<int>;

struct Limits {
  std::size_t features;
  int max_degree;
  std::size_t max_terms;
};

int degree(const Exponents& x) { return std::accumulate(x.begin(), x.end(), 0); }

// Total degree counting negative powers by size: the limit on how far an expansion may grow.
int extent(const Exponents& x) {
  return std::accumulate(x.begin(), x.end(), 0, [](int s, int k) { return s + std::abs(k); });
}

std::optional<Polynomial> checked(Polynomial p, const Limits& limits) {
  if (p.size() > limits.max_terms) return std::nullopt;
  for (const auto& [x, c] : p)
    if (extent(x) > limits.max_degree || !std::isfinite(c)) return std::nullopt;
  return p;
}

Polynomial constant_polynomial(double c, std::size_t features) { return {{Exponents(features, 0), c}}; }

Polynomial add(Polynomial a, const Polynomial& b, double sign) {
  for (const auto& [x, c] : b) a[x] += sign * c;
  return a;
}

std::optional<Polynomial> multiply(const Polynomial& a, const Polynomial& b, const Limits& limits) {
  Polynomial out;
  for (const auto& [xa, ca] : a)
    for (const auto& [xb, cb] : b) {
      Exponents x(xa.size());
      for (std::size_t k = 0; k < x.size(); ++k) {
        const int sum = xa[k] + xb[k];
        if (std::abs(sum) > limits.max_degree) return std::nullopt;
        x[k] = sum;
      }
      out[x] += ca * cb;
    }
  return checked(std::move(out), limits);
}

// The constant value of p, if it has no variable.
std::optional<double> constant_value(const Polynomial& p) {
  double value = 0;
  for (const auto& [x, c] : p) {
    if (extent(x) > 0 && c != 0) return std::nullopt;
    if (extent(x) == 0) value = c;
  }
  return value;
}

std::optional<Polynomial> power(const Polynomial& p, int n, const Limits& limits) {
  std::optional<Polynomial> out = constant_polynomial(1, limits.features);
  for (int k = 0; k < n && out; ++k) out = multiply(*out, p, limits);
  return out;
}

// 1/p when p is a single monomial c·x^k (then it is x^-k / c): division by anything longer
// leaves the Laurent polynomials.
std::optional<Polynomial> reciprocal(const Polynomial& p) {
  const auto nonzero = [](const auto& term) { return term.second != 0; };
  if (std::count_if(p.begin(), p.end(), nonzero) != 1) return std::nullopt;
  const auto& [x, c] = *std::find_if(p.begin(), p.end(), nonzero);
  Exponents inverse(x.size());
  std::transform(x.begin(), x.end(), inverse.begin(), [](int k) { return -k; });
  return Polynomial{{inverse, 1 / c}};
}

std::optional<Polynomial> polynomial_at(const Expression& e, std::size_t i, const Limits& limits) {
  const Node& n = e[i];
  switch (n.op) {
    case Op::Const:
      return constant_polynomial(n.value, limits.features);
    case Op::Var: {
      Exponents x(limits.features, 0);
      x[n.feature] = 1;
      return Polynomial{{x, 1.0}};
    }
    default:
      break;
  }
  if (n.arity == 1) {
    auto a = polynomial_at(e, i - 1, limits);
    if (!a) return std::nullopt;
    switch (n.op) {
      case Op::Neg:
        return add(Polynomial{}, *a, -1);
      case Op::Square:
        return power(*a, 2, limits);
      case Op::Cube:
        return power(*a, 3, limits);
      default:
        return std::nullopt;
    }
  }
  if (n.arity != 2) return std::nullopt;
  auto a = polynomial_at(e, e.left_child(i), limits);
  if (!a) return std::nullopt;
  auto b = polynomial_at(e, e.right_child(i), limits);
  if (!b) return std::nullopt;
  switch (n.op) {
    case Op::Add:
      return checked(add(std::move(*a), *b, 1), limits);
    case Op::Sub:
      return checked(add(std::move(*a), *b, -1), limits);
    case Op::Mul:
      return multiply(*a, *b, limits);
    case Op::Div: {
      const auto inverse = reciprocal(*b);
      if (!inverse) return std::nullopt;
      return multiply(*a, *inverse, limits);
    }
    case Op::Pow: {
      const auto k = constant_value(*b);
      if (!k || std::abs(*k) > limits.max_degree || *k != std::round(*k)) return std::nullopt;
      if (*k >= 0) return power(*a, static_cast<int>(*k), limits);
      const auto inverse = reciprocal(*a);
      if (!inverse) return std::nullopt;
      return power(*inverse, static_cast<int>(-*k), limits);
    }
    default:
      return std::nullopt;
  }
}

// The product of the variables with positive exponents in x (sign = 1) or of those with
// negative exponents, as positive powers (sign = -1); nullopt when there are none.
std::optional<Expression> monomial_part(const Exponents& x, int sign) {
  std::optional<Expression> out;
  for (std::size_t f = 0; f < x.size(); ++f)
    for (int k = 0; k < sign * x[f]; ++k) {
      const Expression v = Expression::variable(static_cast<std::uint32_t>(f));
      out = out ? Expression::binary(Op::Mul, *out, v) : v;
    }
  return out;
}

// magnitude·x^a: the positive powers multiply, the negative ones divide.
Expression term_of(const Exponents& x, double magnitude) {
  const auto numerator = monomial_part(x, 1), denominator = monomial_part(x, -1);
  Expression out = !numerator       ? Expression::constant(magnitude)
                   : magnitude == 1 ? *numerator
                                    : Expression::binary(Op::Mul, Expression::constant(magnitude), *numerator);
  return denominator ? Expression::binary(Op::Div, out, *denominator) : out;
}

// Every largest subtree that is a polynomial, as its expanded sum.
Expression expand_polynomial_subtrees(const Expression& e, std::size_t i, const Limits& limits) {
  const Node& n = e[i];
  if (n.arity == 0) return e.subtree(i);
  if (const auto p = polynomial_at(e, i, limits)) return expression_of(*p);
  if (n.arity == 1) return Expression::unary(n.op, expand_polynomial_subtrees(e, i - 1, limits));
  return Expression::binary(n.op, expand_polynomial_subtrees(e, e.left_child(i), limits),
                            expand_polynomial_subtrees(e, e.right_child(i), limits));
}

}  // namespace

std::optional<Polynomial> as_polynomial(const Expression& e, int max_degree, std::size_t max_terms) {
  if (e.empty()) return std::nullopt;
  const Limits limits{std::max<std::size_t>(e.max_feature(), 1), max_degree, max_terms};
  return polynomial_at(e, e.root(), limits);
}

Expression expand_polynomials(const Expression& e, int max_degree, std::size_t max_terms) {
  if (e.empty()) return e;
  const Limits limits{std::max<std::size_t>(e.max_feature(), 1), max_degree, max_terms};
  return expand_polynomial_subtrees(e, e.root(), limits);
}

Expression expression_of(const Polynomial& p) {
  std::vector<std::pair<Exponents, double>> terms;
  for (const auto& [x, c] : p)
    if (c != 0) terms.emplace_back(x, c);
  // Highest degree first; within a degree, the lower feature index with the higher power first.
  std::stable_sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) {
    const int da = degree(a.first), db = degree(b.first);
    return da != db ? da > db : a.first > b.first;
  });
  if (terms.empty()) return Expression::constant(0);
  std::optional<Expression> sum;
  for (const auto& [x, c] : terms) {
    const double magnitude = sum ? std::abs(c) : c;
    Expression term = term_of(x, magnitude);
    if (!sum) {
      sum = std::move(term);
    } else {
      sum = Expression::binary(c < 0 ? Op::Sub : Op::Add, *sum, term);
    }
  }
  return *sum;
}

}  // namespace symtorch::search_detail
