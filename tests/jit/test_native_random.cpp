// Native kernels equal the reference evaluator and the batch interpreter on random expressions,
// with data that includes domain edge cases (NaN, +-inf, 0, -0, huge, tiny, exp overflow).
// Tolerances: see bounded_reference.hpp (a per-value bound built from the operations' ulp
// errors and their exact sensitivities); a value whose bound is not trustworthy is skipped, and
// the test requires that most values are compared.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../common/bounded_reference.hpp"
#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/random_tree.hpp"
#include "symtorch/jit/native_kernel.hpp"

using namespace symtorch;
using namespace symtorch::jit;
using symtorch::testing::Bounded;
using symtorch::testing::BoundedReference;

namespace {

constexpr std::uint32_t kInputs = 3;
constexpr int kExpressions = 1000;
// Many equations share one kernel (one compile), as a layer's outputs would.
constexpr int kPerKernel = 250;
constexpr std::size_t kRows = 203;  // not a multiple of any vector width: the scalar tail runs too

template <typename T>
std::vector<std::vector<T>> make_columns(std::mt19937_64& rng) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const bool single = sizeof(T) == 4;
  // Domain edges: NaN and infinities, signed zeros, +-1, values that overflow exp / square in T,
  // subnormal-range values, numbers near pi.
  const std::vector<double> edges = {nan,  inf,   -inf,  0.0,  -0.0, 1.0, -1.0, 3.141592653589793,
                                     single ? 1e30 : 1e300, single ? -1e30 : -1e300, single ? 1e-40 : 1e-310,
                                     single ? 90.0 : 710.0, single ? -104.0 : -746.0, 0.5};
  std::vector<std::vector<T>> cols(kInputs, std::vector<T>(kRows));
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::uint32_t k = 0; k < kInputs; ++k) {
      double x = -3.0 + 6.0 * random_unit(rng);
      if (r % 4 == 0 && random_unit(rng) < 0.5) x = edges[random_below(rng, edges.size())];
      cols[k][r] = static_cast<T>(x);
    }
  }
  return cols;
}

bool same_class(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return true;
}

struct Tally {
  std::size_t values = 0, compared = 0, exact_nonfinite = 0, failures = 0;
};

// Checks `got` against the bounded reference: same class when exact, within 2E otherwise
// (factor 2: `got` and the reference each sit within E of the exact result).
void check_value(const Bounded& ref, double got, double slack, Tally& t, const std::string& what) {
  ++t.values;
  if (!ref.stable()) return;
  ++t.compared;
  bool ok;
  if (!std::isfinite(ref.v)) {
    ++t.exact_nonfinite;
    ok = same_class(ref.v, got);
  } else {
    ok = std::isfinite(got) && std::fabs(got - ref.v) <= slack * ref.e;
  }
  if (!ok && ++t.failures <= 10) {
    char buf[160];
    std::snprintf(buf, sizeof buf, " got %.17g reference %.17g bound %.3g", got, ref.v, ref.e);
    FAIL_CHECK(what << buf);
  }
}

template <typename T>
void run_random(ScalarType type, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  RandomTreeOptions options;
  options.unary_ops = {Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
                       Op::Sin, Op::Cos,    Op::Tan,  Op::Tanh, Op::Abs, Op::Inv};
  options.binary_ops = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow};
  options.num_features = kInputs;

  auto cols = make_columns<T>(rng);
  std::vector<const T*> in;
  for (auto& c : cols) in.push_back(c.data());
  std::vector<double> row(kInputs);

  CompileOptions compile_options;
  compile_options.use_cache = false;
  BoundedReference<T> bounded;
  Interpreter<T> interpreter;
  std::vector<T> interpreted(kRows);
  Tally native_tally, interp_tally;
  std::size_t reference_mismatch = 0;

  for (int first = 0; first < kExpressions; first += kPerKernel) {
    KernelSpec spec;
    spec.type = type;
    spec.equations.num_inputs = kInputs;
    for (int j = 0; j < kPerKernel; ++j) {
      options.size = 1 + random_below(rng, 25);
      spec.equations.outputs.push_back(random_expression(rng, options));
    }
    NativeKernel kernel = NativeKernel::compile(spec, compile_options);
    REQUIRE(kernel.num_outputs() == static_cast<std::size_t>(kPerKernel));
    std::vector<std::vector<T>> out(kPerKernel, std::vector<T>(kRows, T(-12345)));
    std::vector<T*> out_ptr;
    for (auto& o : out) out_ptr.push_back(o.data());
    kernel.run(in.data(), out_ptr.data(), static_cast<std::int64_t>(kRows));

    for (int j = 0; j < kPerKernel; ++j) {
      const Expression& e = spec.equations.outputs[j];
      interpreter.evaluate(e, std::span<const T* const>(in), kRows, std::span<T>(interpreted));
      for (std::size_t r = 0; r < kRows; ++r) {
        for (std::uint32_t k = 0; k < kInputs; ++k) row[k] = static_cast<double>(cols[k][r]);
        Bounded ref = bounded.evaluate(e, row);
        if (type == ScalarType::Float64) {
          // The bounded evaluator is the engine's reference, value for value.
          double plain = evaluate_reference(e, row);
          if (!(plain == ref.v || (std::isnan(plain) && std::isnan(ref.v)))) ++reference_mismatch;
        }
        std::string what;
        if (native_tally.failures < 10 || interp_tally.failures < 10) {
          what = to_string(e) + " at (";
          for (std::uint32_t k = 0; k < kInputs; ++k) {
            if (k) what += ", ";
            what += std::to_string(row[k]);
          }
          what += ")";
        }
        check_value(ref, static_cast<double>(out[j][r]), 2.0, native_tally, "native " + what);
        check_value(ref, static_cast<double>(interpreted[r]), 2.0, interp_tally, "interpreter " + what);
      }
    }
  }
  CHECK(reference_mismatch == 0);
  CHECK(native_tally.failures == 0);
  CHECK(interp_tally.failures == 0);
  MESSAGE(c_type_name(type) << ": " << native_tally.compared << " of " << native_tally.values
                            << " values compared, " << native_tally.exact_nonfinite << " exact NaN/inf");
  // The bound must not make the test vacuous: most values are compared, and NaN/inf cases occur.
  CHECK(native_tally.compared >= native_tally.values * 7 / 10);
  CHECK(native_tally.exact_nonfinite >= native_tally.values / 20);
}

}  // namespace

TEST_CASE("native double kernels equal the reference and the interpreter on 1000 random expressions") {
  run_random<double>(ScalarType::Float64, 20240601);
}

TEST_CASE("native float kernels equal the reference and the interpreter on 1000 random expressions") {
  run_random<float>(ScalarType::Float32, 20240602);
}
