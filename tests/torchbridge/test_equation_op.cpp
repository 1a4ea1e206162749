// symtorch::ops::Equation from C++: values and gradients against the engine's reference
// evaluator, input checks, pickling, and a TorchScript module scripted and saved by Python,
// loaded and run here with torch::jit::load.
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cmath>
#include <string>
#include <vector>

#include "symtorch/engine/derivative.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/torch/equation.hpp"
#include "doctest_after_torch.hpp"
#include "test_support.hpp"

using symtorch::ops::Equation;

namespace {

const std::vector<std::string> kNames = {"a", "b", "c"};
const std::vector<std::string> kEquations = {"a * sin(b) + c", "exp(-(a * a)) / (1 + b * b)", "2.5"};

// Expects `fn` to throw a c10::Error whose message contains `part`.
template <typename Fn>
void check_throws_with(Fn&& fn, const std::string& part) {
  try {
    fn();
    FAIL("expected an error containing: " << part);
  } catch (const c10::Error& e) {
    const std::string msg = e.what_without_backtrace();
    CHECK_MESSAGE(msg.find(part) != std::string::npos, msg);
  }
}

at::Tensor random_input(std::int64_t rows, at::ScalarType type) {
  at::manual_seed(7);
  return at::randn({rows, 3}, at::TensorOptions().dtype(type));
}

// Value of equation j and its derivative in input k at each row, from the engine's recursive
// reference evaluator (double).
double reference(const std::string& eq, const at::Tensor& x, std::int64_t row) {
  const auto e = symtorch::parse_expression(eq, kNames);
  const auto r = x[row].to(at::kDouble).contiguous();
  const double* p = r.data_ptr<double>();
  return symtorch::evaluate_reference(e, {p, 3});
}

double reference_derivative(const std::string& eq, std::uint32_t k, const at::Tensor& x, std::int64_t row) {
  const auto d = symtorch::derivative(symtorch::parse_expression(eq, kNames), k);
  const auto r = x[row].to(at::kDouble).contiguous();
  const double* p = r.data_ptr<double>();
  return symtorch::evaluate_reference(d, {p, 3});
}

}  // namespace

TEST_CASE("Equation forward matches the reference evaluator in double and float") {
  // 10007 rows: with 2 threads, two parallel chunks; blocks of 512 rows with a partial last one.
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  for (const auto type : {at::kDouble, at::kFloat}) {
    CAPTURE(static_cast<int>(type));
    const auto eq = c10::make_intrusive<Equation>(kEquations, kNames, type == at::kDouble ? "float64" : "float32");
    const at::Tensor x = random_input(10007, type);
    const at::Tensor y = eq->forward(x);
    REQUIRE((y.sizes() == at::IntArrayRef({10007, 3})));
    REQUIRE((y.scalar_type() == type));
    const at::Tensor yd = y.to(at::kDouble);
    // Double: the vectorised sin/exp (libmvec) are within a few ulp of libm's. Float: the float
    // kernel against the double reference, a few float ulp on values of order 1.
    const double tol = type == at::kDouble ? 1e-13 : 2e-6;
    for (std::int64_t row : {0L, 1L, 511L, 512L, 4095L, 4096L, 10006L})
      for (int j = 0; j < 3; ++j)
        CHECK(yd[row][j].item<double>() ==
              doctest::Approx(reference(kEquations[j], x, row)).epsilon(tol).scale(1.0));
  }
  at::set_num_threads(threads);
}

TEST_CASE("Equation keeps leading dimensions and handles an empty batch") {
  const auto eq = c10::make_intrusive<Equation>(std::vector<std::string>{"a + b * c"}, kNames, "float64");
  const at::Tensor x = at::randn({2, 4, 5, 3}, at::kDouble);
  const at::Tensor y = eq->forward(x);
  CHECK((y.sizes() == at::IntArrayRef({2, 4, 5, 1})));
  const at::Tensor expected = x.select(-1, 0) + x.select(-1, 1) * x.select(-1, 2);
  CHECK(at::allclose(y.squeeze(-1), expected, 1e-15, 1e-15));
  CHECK((eq->forward(at::empty({0, 3}, at::kDouble)).sizes() == at::IntArrayRef({0, 1})));
}

TEST_CASE("Equation gradient is the symbolic derivative contracted with the output gradient") {
  const int threads = at::get_num_threads();
  at::set_num_threads(2);  // 5000 rows: two parallel chunks
  const auto eq = c10::make_intrusive<Equation>(kEquations, kNames, "float64");
  const at::Tensor x = random_input(5000, at::kDouble).requires_grad_(true);
  const at::Tensor w = at::randn({5000, 3}, at::kDouble);
  (eq->forward(x) * w).sum().backward();
  const at::Tensor g = x.grad();
  REQUIRE(g.defined());
  for (std::int64_t row : {0L, 777L, 4999L})
    for (std::uint32_t k = 0; k < 3; ++k) {
      double expected = 0;
      for (int j = 0; j < 3; ++j)
        expected += w[row][j].item<double>() * reference_derivative(kEquations[j], k, x.detach(), row);
      // The kernel evaluates the same simplified derivative trees; only libmvec's ulps differ.
      CHECK(g[row][k].item<double>() == doctest::Approx(expected).epsilon(1e-12).scale(1.0));
    }
  at::set_num_threads(threads);
}

TEST_CASE("Equation refuses bad inputs with what it expected and what it got") {
  const auto eq = c10::make_intrusive<Equation>(kEquations, kNames, "float64");
  check_throws_with([&] { eq->forward(at::randn({4, 3}, at::kFloat)); },
                    "expected a tensor of dtype float64 (the Equation's dtype), got float32");
  check_throws_with([&] { eq->forward(at::randn({4, 2}, at::kDouble)); },
                    "expected a tensor of shape [..., 3] (last dimension = the inputs a, b, c), got shape [4, 2]");
  check_throws_with([&] { eq->forward(at::randn({3, 4}, at::kDouble).t()); }, "expected a contiguous tensor");
  check_throws_with([&] { eq->forward(at::Tensor()); }, "got an undefined tensor");
  CHECK_THROWS_WITH_AS(Equation({"a * d"}, kNames, "float64"),
                       "symtorch.Equation: equation 0 'a * d': unknown variable 'd' at column 5",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Equation({"a"}, kNames, "float16"),
                       "symtorch.Equation: expected dtype float32 or float64, got 'float16'", std::invalid_argument);
  CHECK_THROWS_AS(Equation({"a"}, {}, "float64"), std::invalid_argument);
}

TEST_CASE("Equation state round-trips and refuses another format version") {
  const Equation eq(kEquations, kNames, "float32");
  const auto copy = Equation::from_state(eq.state());
  CHECK(copy->equations() == eq.equations());
  CHECK(copy->input_names() == kNames);
  CHECK(copy->dtype() == "float32");
  auto state = eq.state();
  std::get<0>(state) = 99;
  CHECK_THROWS_AS(Equation::from_state(state), std::invalid_argument);
}

// The system python is not built with AddressSanitizer, so it refuses to load our
// ASan-built ops library ("ASan runtime does not come first in initial library list").
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPythonCannotLoadThisBuild = true;
#else
constexpr bool kPythonCannotLoadThisBuild = false;
#endif

TEST_CASE("a TorchScript module scripted and saved in Python runs from C++" *
          doctest::skip(kPythonCannotLoadThisBuild)) {
  symtorch::test::TempDir dir("scripted");
  const std::string path = (dir.path() / "scripted.pt").string();
  const auto made = symtorch::test::run_command(
      std::string(SYMTORCH_TORCH_PYTHON) + " " +
      symtorch::test::shell_quote(std::string(SYMTORCH_SOURCE_DIR) + "/tests/torchbridge/test_ops.py") + " " +
      symtorch::test::shell_quote(SYMTORCH_OPS_LIBRARY) + " --save-scripted " + symtorch::test::shell_quote(path));
  REQUIRE_MESSAGE(made.exit_code == 0, made.output);

  torch::jit::Module module = torch::jit::load(path);
  const at::Tensor x = random_input(300, at::kDouble);
  const at::Tensor y = module.forward({x}).toTensor();
  // The formula of ScriptedSymbolic in test_ops.py.
  const at::Tensor a = x.select(1, 0), b = x.select(1, 1), c = x.select(1, 2);
  const at::Tensor expected = 2.0 * at::stack({a * at::sin(b) + c, at::exp(-(a * a))}, 1) + 1.0;
  CHECK(at::allclose(y, expected, 1e-13, 1e-13));
}
