#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/random_tree.hpp"

using namespace symtorch;

namespace {

const std::vector<Op> kUnary = {Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
                                Op::Sin, Op::Cos,    Op::Tan,  Op::Tanh, Op::Abs, Op::Inv};
const std::vector<Op> kBinary = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow};

struct Table3 {
  std::vector<std::vector<double>> cols;
  std::vector<const double*> ptrs() const {
    std::vector<const double*> p;
    for (auto& c : cols) p.push_back(c.data());
    return p;
  }
};

// Random data that includes the domain edge cases: zeros, negatives, NaN, ±Inf, huge values.
Table3 edge_data(std::mt19937_64& rng, std::size_t rows, std::size_t nf) {
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  std::uniform_int_distribution<int> pick(0, 39);
  const double inf = std::numeric_limits<double>::infinity();
  const double specials[] = {0.0, -0.0, std::nan(""), inf, -inf, 1e300, -1e-300, 1.0};
  Table3 t;
  t.cols.assign(nf, std::vector<double>(rows));
  for (auto& c : t.cols)
    for (auto& v : c) {
      const int k = pick(rng);
      v = k < 8 ? specials[k] : u(rng);
    }
  return t;
}

bool same_value(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= rel * std::max({1.0, std::fabs(a), std::fabs(b)});
}

}  // namespace

TEST_CASE("interpreter matches the reference evaluator on random expressions (double)") {
  std::mt19937_64 rng(7);
  Interpreter<double> interp;
  std::size_t rows_total = 0, rows_bad = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    RandomTreeOptions opt;
    opt.unary_ops = kUnary;
    opt.binary_ops = kBinary;
    opt.num_features = 3;
    opt.size = 1 + static_cast<std::size_t>(trial % 30);
    const Expression e = random_expression(rng, opt);
    const std::size_t rows = 1 + static_cast<std::size_t>(trial * 37 % 600);  // crosses block edges
    const auto data = edge_data(rng, rows, 3);
    std::vector<double> out(rows);
    interp.evaluate(e, data.ptrs(), rows, out);
    for (std::size_t r = 0; r < rows; ++r) {
      const double row[3] = {data.cols[0][r], data.cols[1][r], data.cols[2][r]};
      const double ref = evaluate_reference(e, row);
      ++rows_total;
      // Eigen's vectorised exp/log/pow differ from libm by ~1 ulp; 1e-9 leaves room for that
      // error to grow through a few dozen well-conditioned operations.
      if (!same_value(out[r], ref, 1e-9)) ++rows_bad;
    }
  }
  // Ill-conditioned rows (cancellation, tan near a pole, pow of huge values) may amplify a
  // 1-ulp difference past any fixed tolerance; a wrong kernel would fail most rows, not 0.2%.
  INFO("rows differing: " << rows_bad << " of " << rows_total);
  CHECK(rows_total > 300000);
  CHECK(static_cast<double>(rows_bad) <= 0.002 * static_cast<double>(rows_total));
}

TEST_CASE("float interpreter agrees with the double reference within float accuracy") {
  std::mt19937_64 rng(11);
  Interpreter<float> interp;
  std::size_t rows_total = 0, rows_bad = 0;
  for (int trial = 0; trial < 500; ++trial) {
    RandomTreeOptions opt;
    opt.unary_ops = kUnary;
    opt.binary_ops = kBinary;
    opt.num_features = 2;
    opt.size = 1 + static_cast<std::size_t>(trial % 20);
    const Expression e = random_expression(rng, opt);
    const std::size_t rows = 300;
    std::uniform_real_distribution<double> u(0.1, 2.0);
    std::vector<std::vector<float>> cols(2, std::vector<float>(rows));
    for (auto& c : cols)
      for (auto& v : c) v = static_cast<float>(u(rng));
    std::vector<const float*> ptrs = {cols[0].data(), cols[1].data()};
    std::vector<float> out(rows);
    // The reference sees the same float-rounded constants and data.
    Expression ef = e;
    for (auto& n : ef.mutable_nodes())
      if (n.op == Op::Const) n.value = static_cast<float>(n.value);
    interp.evaluate(ef, ptrs, rows, out);
    for (std::size_t r = 0; r < rows; ++r) {
      const double row[2] = {cols[0][r], cols[1][r]};
      const double ref = evaluate_reference(ef, row);
      if (!std::isfinite(ref) || std::fabs(ref) > 1e30) continue;  // float overflow range
      ++rows_total;
      // float carries ~6e-8 relative error per operation; 1e-3 allows ~20 operations of
      // growth with condition numbers up to ~1e3.
      if (!same_value(out[r], ref, 1e-3)) ++rows_bad;
    }
  }
  INFO("rows differing: " << rows_bad << " of " << rows_total);
  CHECK(rows_total > 50000);
  CHECK(static_cast<double>(rows_bad) <= 0.01 * static_cast<double>(rows_total));
}

TEST_CASE("constants override equals set_constants, and block edges are handled") {
  const Expression e = parse_expression("1.5 * x0 + sin(2.0 * x1) - 0.25");
  for (std::size_t rows : {0u, 1u, 255u, 256u, 257u, 1000u}) {
    std::vector<double> a(rows), b(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      a[r] = 0.01 * static_cast<double>(r);
      b[r] = -0.02 * static_cast<double>(r);
    }
    std::vector<const double*> cols = {a.data(), b.data()};
    Interpreter<double> interp;
    std::vector<double> out1(rows), out2(rows);
    const std::vector<double> c = {3.0, -1.0, 0.5};
    interp.evaluate(e, c, cols, rows, out1);
    Expression e2 = e;
    e2.set_constants(c);
    interp.evaluate(e2, cols, rows, out2);
    for (std::size_t r = 0; r < rows; ++r) {
      CHECK(out1[r] == out2[r]);
      CHECK(out1[r] == doctest::Approx(3.0 * a[r] + std::sin(-1.0 * b[r]) - 0.5).epsilon(1e-14));
    }
  }
}

TEST_CASE("documented domain semantics flow through the batch interpreter") {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x = {-1.0, 0.0, 4.0, std::nan(""), inf};
  std::vector<const double*> cols = {x.data()};
  Interpreter<double> interp;
  std::vector<double> out(x.size());
  interp.evaluate(parse_expression("log(x0)"), cols, x.size(), out);
  CHECK(std::isnan(out[0]));
  CHECK(out[1] == -inf);
  CHECK(out[2] == doctest::Approx(std::log(4.0)));
  CHECK(std::isnan(out[3]));
  CHECK(out[4] == inf);
  interp.evaluate(parse_expression("1.0 / x0"), cols, x.size(), out);
  CHECK(out[1] == inf);
  interp.evaluate(parse_expression("sqrt(x0)"), cols, x.size(), out);
  CHECK(std::isnan(out[0]));
  CHECK(out[2] == 2.0);
  interp.evaluate(parse_expression("exp(x0 * 1000.0)"), cols, x.size(), out);
  CHECK(out[2] == inf);
  CHECK(out[0] == 0.0);
}

TEST_CASE("jacobian with respect to constants: exact on a known expression") {
  const Expression e = parse_expression("2.0 * x0 + sin(3.0 * x1) / 0.5");
  const std::size_t rows = 300;
  std::vector<double> a(rows), b(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    a[r] = std::cos(static_cast<double>(r));
    b[r] = 0.01 * static_cast<double>(r);
  }
  std::vector<const double*> cols = {a.data(), b.data()};
  const std::vector<double> c = {2.0, 3.0, 0.5};
  std::vector<double> out(rows), jac(3 * rows);
  Interpreter<double> interp;
  interp.jacobian(e, c, cols, rows, out, jac);
  for (std::size_t r = 0; r < rows; ++r) {
    CHECK(out[r] == doctest::Approx(2.0 * a[r] + std::sin(3.0 * b[r]) / 0.5).epsilon(1e-14));
    CHECK(jac[0 * rows + r] == doctest::Approx(a[r]).epsilon(1e-14));
    CHECK(jac[1 * rows + r] == doctest::Approx(b[r] * std::cos(3.0 * b[r]) / 0.5).epsilon(1e-12));
    CHECK(jac[2 * rows + r] == doctest::Approx(-std::sin(3.0 * b[r]) / 0.25).epsilon(1e-12));
  }
}

TEST_CASE("jacobian matches central finite differences on random expressions") {
  std::mt19937_64 rng(3);
  Interpreter<double> interp;
  std::size_t checked = 0, bad = 0;
  for (int trial = 0; trial < 400; ++trial) {
    RandomTreeOptions opt;
    opt.unary_ops = kUnary;
    opt.binary_ops = kBinary;
    opt.num_features = 2;
    opt.size = 3 + static_cast<std::size_t>(trial % 20);
    opt.constant_probability = 0.5;
    const Expression e = random_expression(rng, opt);
    const auto nc = e.num_constants();
    if (nc == 0) continue;
    const std::size_t rows = 20;
    std::uniform_real_distribution<double> u(0.2, 1.5);
    std::vector<double> a(rows), b(rows);
    for (std::size_t r = 0; r < rows; ++r) { a[r] = u(rng); b[r] = u(rng); }
    std::vector<const double*> cols = {a.data(), b.data()};
    const auto c = e.constants();
    std::vector<double> out(rows), jac(nc * rows), up(rows), down(rows);
    interp.jacobian(e, c, cols, rows, out, jac);
    // Rows where an intermediate value is huge are skipped: there a perturbation of a constant
    // is absorbed by rounding inside the tree (cos(4e38 + tiny)), so no difference quotient
    // can see the derivative.
    std::vector<char> well_scaled(rows, 1);
    std::vector<double> sub(rows);
    for (std::size_t i = 0; i < e.size(); ++i) {
      interp.evaluate(e.subtree(i), cols, rows, sub);
      for (std::size_t r = 0; r < rows; ++r)
        if (!(std::fabs(sub[r]) < 1e8)) well_scaled[r] = 0;
    }
    std::vector<double> up2(rows), down2(rows);
    for (std::size_t k = 0; k < nc; ++k) {
      // Central differences at h and h/2. Where the two agree to 1e-7 the finite difference has
      // converged (truncation error O(h^2) is below that), and then the Jacobian must agree with
      // it to 1e-6. Rows where they disagree (high curvature: cos(1/c^3) with small c, poles,
      // kinks) say nothing about the Jacobian and are skipped.
      const double h = 1e-4 * std::max(1.0, std::fabs(c[k]));
      auto fd_at = [&](double step, std::vector<double>& pu, std::vector<double>& pd) {
        auto cp = c, cm = c;
        cp[k] += step;
        cm[k] -= step;
        interp.evaluate(e, cp, cols, rows, pu);
        interp.evaluate(e, cm, cols, rows, pd);
      };
      fd_at(h, up, down);
      fd_at(h / 2, up2, down2);
      for (std::size_t r = 0; r < rows; ++r) {
        const double fd1 = (up[r] - down[r]) / (2 * h);
        const double fd2 = (up2[r] - down2[r]) / h;
        const double j = jac[k * rows + r];
        if (!well_scaled[r] || !std::isfinite(fd1) || !std::isfinite(fd2) || !std::isfinite(j)) continue;
        const double scale = std::max(1.0, std::fabs(fd2));
        if (std::fabs(fd1 - fd2) > 1e-7 * scale) continue;
        // Rounding error of the difference quotient is ~eps*|f|/h: large values swallow the
        // perturbation (e.g. c + 1e20), so such rows cannot check anything either.
        const double rounding = 2.3e-16 * std::max({std::fabs(out[r]), std::fabs(up[r]), std::fabs(down[r])}) / (h / 2);
        if (rounding > 1e-8 * scale) continue;
        ++checked;
        if (std::fabs(fd2 - j) > 1e-6 * scale) ++bad;
      }
    }
  }
  INFO("differing: " << bad << " of " << checked);
  CHECK(checked > 5000);
  CHECK(bad == 0);
}

TEST_CASE("interpreter refuses bad arguments with a clear message") {
  Interpreter<double> interp;
  std::vector<double> x(10, 1.0), out(10), small(5);
  std::vector<const double*> cols = {x.data()};
  CHECK_THROWS_WITH_AS(interp.evaluate(parse_expression("x0 + x2"), cols, 10, out),
                       "expression uses input x2 but only 1 input columns were given", std::invalid_argument);
  CHECK_THROWS_WITH_AS(interp.evaluate(parse_expression("x0"), cols, 10, small),
                       "output has 5 elements, need 10", std::invalid_argument);
  CHECK_THROWS_AS(interp.evaluate(Expression{}, cols, 10, out), std::invalid_argument);
  const std::vector<double> two = {1.0, 2.0};
  CHECK_THROWS_WITH_AS(interp.evaluate(parse_expression("1.5 * x0"), two, cols, 10, out),
                       "expression has 1 constants, 2 given", std::invalid_argument);
}
