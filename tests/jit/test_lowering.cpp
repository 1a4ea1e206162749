// Lowering: the expression DAG shares common subexpressions, orders children before parents,
// has a canonical text; specs are validated; derivative outputs come in the documented order.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <vector>

#include "symtorch/engine/parser.hpp"
#include "symtorch/jit/native_kernel.hpp"

using namespace symtorch;
using namespace symtorch::jit;

namespace {

KernelSpec spec_of(const std::vector<std::string>& texts, const std::vector<std::string>& vars,
                   ScalarType type = ScalarType::Float64) {
  KernelSpec spec;
  spec.equations = parse_equations(texts, vars);
  spec.type = type;
  return spec;
}

CompileOptions no_cache() {
  CompileOptions o;
  o.use_cache = false;
  return o;
}

}  // namespace

TEST_CASE("common subexpressions across outputs become one node, commutative operands too") {
  auto spec = spec_of({"x*y + sin(x*y)", "sin(y*x)", "x*y"}, {"x", "y"});
  ExpressionDag dag = build_dag(spec);
  // x, y, x*y, sin(x*y), + : five nodes for three outputs.
  CHECK(dag.num_nodes() == 5);
  CHECK(dag.num_operations() == 3);
  REQUIRE(dag.outputs().size() == 3);
  CHECK(dag.outputs()[1] != dag.outputs()[0]);
  CHECK(dag.node(dag.outputs()[1]).op == Op::Sin);
  CHECK(dag.node(dag.outputs()[2]).op == Op::Mul);
  CHECK(dag.node(dag.outputs()[1]).child[0] == dag.outputs()[2]);
}

TEST_CASE("non-commutative operands and different constants stay distinct") {
  auto spec = spec_of({"x - y", "y - x", "x / 3", "x / 3.0000000000000004"}, {"x", "y"});
  ExpressionDag dag = build_dag(spec);
  std::set<std::uint32_t> distinct(dag.outputs().begin(), dag.outputs().end());
  CHECK(distinct.size() == 4);
}

TEST_CASE("topological order lists every node once, children before parents") {
  auto spec = spec_of({"exp(x) * (x + y) - log(y) / (x + y)", "(x + y) ^ 2"}, {"x", "y"});
  ExpressionDag dag = build_dag(spec);
  const auto& order = dag.topological_order();
  REQUIRE(order.size() == dag.num_nodes());
  std::vector<int> position(dag.num_nodes(), -1);
  for (std::size_t i = 0; i < order.size(); ++i) {
    REQUIRE(position[order[i]] == -1);
    position[order[i]] = static_cast<int>(i);
  }
  for (std::uint32_t id = 0; id < dag.num_nodes(); ++id)
    for (int k = 0; k < dag.node(id).arity; ++k) CHECK(position[dag.node(id).child[k]] < position[id]);
}

TEST_CASE("canonical text is equal for equal sets and differs when anything differs") {
  auto a = build_dag(spec_of({"x*y + 1", "cos(x)"}, {"x", "y"})).canonical_text();
  auto b = build_dag(spec_of({"x*y + 1", "cos(x)"}, {"x", "y"})).canonical_text();
  auto c = build_dag(spec_of({"x*y + 1.0000000000000002", "cos(x)"}, {"x", "y"})).canonical_text();
  auto d = build_dag(spec_of({"cos(x)", "x*y + 1"}, {"x", "y"})).canonical_text();
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != d);  // output order is part of the kernel
}

TEST_CASE("derivative outputs follow the equations, output-major") {
  KernelSpec spec = spec_of({"x * sin(y)", "x * x + y"}, {"x", "y"});
  spec.derivatives = true;
  CHECK(spec.num_outputs() == 6);
  NativeKernel k = NativeKernel::compile(spec, no_cache());
  REQUIRE(k.num_outputs() == 6);
  const std::vector<double> x = {0.5, -1.25, 2.0}, y = {0.3, 1.7, -2.2};
  std::vector<std::vector<double>> out(6, std::vector<double>(3));
  const double* in[] = {x.data(), y.data()};
  std::vector<double*> outp;
  for (auto& o : out) outp.push_back(o.data());
  k.run(in, outp.data(), 3);
  for (int r = 0; r < 3; ++r) {
    // Closed forms; the kernel's values are a few roundings away (1e-14 relative is ~50 ulp).
    const double expected[6] = {x[r] * std::sin(y[r]), x[r] * x[r] + y[r],  // f0, f1
                                std::sin(y[r]), x[r] * std::cos(y[r]),     // df0/dx, df0/dy
                                2 * x[r], 1.0};                           // df1/dx, df1/dy
    for (int j = 0; j < 6; ++j) CHECK(out[j][r] == doctest::Approx(expected[j]).epsilon(1e-14));
  }
}

TEST_CASE("invalid specs are refused with what is wrong") {
  KernelSpec spec = spec_of({"x + y"}, {"x", "y"});
  SUBCASE("variable index beyond the inputs") {
    spec.equations.num_inputs = 1;
    spec.equations.input_names = {"x"};
    CHECK_THROWS_WITH_AS(validate(spec), doctest::Contains("uses input x1"), std::invalid_argument);
  }
  SUBCASE("kernel name not a C identifier") {
    spec.name = "my-kernel";
    CHECK_THROWS_WITH_AS(validate(spec), doctest::Contains("not a C identifier"), std::invalid_argument);
  }
  SUBCASE("kernel name that would shadow a math function the code calls") {
    spec.name = "sin";
    CHECK_THROWS_WITH_AS(validate(spec), doctest::Contains("C library function"), std::invalid_argument);
    spec.name = "_ZGVdN4v_exp";
    CHECK_THROWS_AS(validate(spec), std::invalid_argument);
  }
  SUBCASE("no equations") {
    spec.equations.outputs.clear();
    CHECK_THROWS_WITH_AS(validate(spec), doctest::Contains("no equations"), std::invalid_argument);
  }
  SUBCASE("wrong number of input names") {
    spec.equations.input_names = {"x"};
    CHECK_THROWS_WITH_AS(validate(spec), doctest::Contains("input names"), std::invalid_argument);
  }
  SUBCASE("user operators cannot be compiled") {
    static const Op square_plus_one = OperatorRegistry::instance().find("jit_test_sq1")
                                          ? *OperatorRegistry::instance().find("jit_test_sq1")
                                          : OperatorRegistry::instance().register_unary(
                                                "jit_test_sq1", [](double v) { return v * v + 1; });
    spec.equations.outputs = {Expression::unary(square_plus_one, Expression::variable(0))};
    CHECK_THROWS_WITH_AS(NativeKernel::compile(spec), doctest::Contains("user operator 'jit_test_sq1'"),
                         std::invalid_argument);
  }
}

TEST_CASE("parse errors name the equation, column and token; unknown variables are refused") {
  CHECK_THROWS_WITH_AS(parse_equations({"x + y", "x * (y"}, {"x", "y"}), doctest::Contains("equation 2"), ParseError);
  CHECK_THROWS_WITH_AS(parse_equations({"x + z"}, {"x", "y"}), doctest::Contains("z"), ParseError);
  try {
    parse_equations({"x + z"}, {"x", "y"});
  } catch (const ParseError& e) {
    CHECK(e.column() == 5);
    CHECK(e.token() == "z");
  }
}

TEST_CASE("type mismatch and negative row counts are refused") {
  NativeKernel k = NativeKernel::compile(spec_of({"x + 1"}, {"x"}, ScalarType::Float32), no_cache());
  const double xd[1] = {1};
  double yd[1];
  const double* in[] = {xd};
  double* out[] = {yd};
  CHECK_THROWS_WITH_AS(k.run(in, out, 1), doctest::Contains("computes in float but was given double"),
                       std::invalid_argument);
  CHECK_THROWS_AS(k.function_f64(), std::invalid_argument);
  const float xf[1] = {1};
  float yf[1] = {0};
  const float* inf_[] = {xf};
  float* outf[] = {yf};
  CHECK_THROWS_AS(k.run(inf_, outf, -1), std::invalid_argument);
  k.run(inf_, outf, 1);
  CHECK(yf[0] == 2.0f);
  CHECK_THROWS_AS(parse_scalar_type("half"), std::invalid_argument);
}

TEST_CASE("n = 0 and an output shared by equal equations") {
  NativeKernel k = NativeKernel::compile(spec_of({"sqrt(x)", "sqrt(x)"}, {"x"}), no_cache());
  std::vector<double> x = {4, 9, -1}, a(3, 7), b(3, 7);
  const double* in[] = {x.data()};
  double* out[] = {a.data(), b.data()};
  k.run(in, out, 0);
  CHECK(a[0] == 7);  // nothing written
  k.run(in, out, 3);
  CHECK(a[0] == 2);
  CHECK(b[1] == 3);
  CHECK(std::isnan(a[2]));
  CHECK(std::isnan(b[2]));
}
