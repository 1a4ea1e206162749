// Vector math: sin/exp/... vectorise into the x86-64 vector-ABI functions for the widest vectors
// the target uses (SSE 'b', AVX2 'd', AVX-512 'e'; the AVX-512 mappings are our own, LLVM 19's
// table lacks them), and every vector math library choice computes the same values.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "symtorch/jit/export.hpp"
#include "symtorch/jit/native_kernel.hpp"

using namespace symtorch;
using namespace symtorch::jit;

namespace {

KernelSpec math_spec(ScalarType type) {
  KernelSpec spec;
  spec.equations = parse_equations({"sin(x) * exp(y) + tanh(x) * (x ^ y) - cos(y) / log(y)", "tan(x)"}, {"x", "y"});
  spec.type = type;
  return spec;
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("generated code calls the vector function for the target's vector width") {
  // IR only: no code for these CPUs runs here, so any x86-64 host can check the mappings.
  CompileOptions o;
  o.vector_math = VectorMath::Libmvec;
  o.cpu = "x86-64";  // SSE2
  std::string ir = emit_llvm_ir(math_spec(ScalarType::Float64), o);
  for (const char* f : {"_ZGVbN2v_sin", "_ZGVbN2v_exp", "_ZGVbN2v_tanh", "_ZGVbN2vv_pow", "_ZGVbN2v_cos", "_ZGVbN2v_log",
                        "_ZGVbN2v_tan"})
    CHECK_MESSAGE(contains(ir, f), f);
  o.cpu = "haswell";  // AVX2
  ir = emit_llvm_ir(math_spec(ScalarType::Float32), o);
  for (const char* f : {"_ZGVdN8v_sinf", "_ZGVdN8v_expf", "_ZGVdN8v_tanhf", "_ZGVdN8vv_powf"}) CHECK_MESSAGE(contains(ir, f), f);
  o.cpu = "skylake-avx512";  // prefers 256-bit vectors unless told otherwise
  o.prefer_vector_width = 512;
  ir = emit_llvm_ir(math_spec(ScalarType::Float64), o);
  for (const char* f : {"_ZGVeN8v_sin", "_ZGVeN8v_exp", "_ZGVeN8v_tanh", "_ZGVeN8vv_pow"}) CHECK_MESSAGE(contains(ir, f), f);
  ir = emit_llvm_ir(math_spec(ScalarType::Float32), o);
  for (const char* f : {"_ZGVeN16v_sinf", "_ZGVeN16v_expf"}) CHECK_MESSAGE(contains(ir, f), f);
  o.vector_math = VectorMath::None;
  ir = emit_llvm_ir(math_spec(ScalarType::Float64), o);
  CHECK_FALSE(contains(ir, "_ZGV"));
  o.prefer_vector_width = 384;
  CHECK_THROWS_AS(emit_llvm_ir(math_spec(ScalarType::Float64), o), std::invalid_argument);
}

TEST_CASE("libmvec, SLEEF and scalar libm give the same values within their accuracy") {
  const int n = 301;
  std::vector<double> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = -2.0 + 4.0 * i / n;
    y[i] = 0.2 + 1.5 * i / n;
  }
  const double* in[] = {x.data(), y.data()};
  std::vector<VectorMath> libraries = {VectorMath::Libmvec, VectorMath::None};
  try {
    CompileOptions probe;
    probe.vector_math = VectorMath::Sleef;
    probe.use_cache = false;
    NativeKernel::compile(math_spec(ScalarType::Float64), probe);
    libraries.push_back(VectorMath::Sleef);
  } catch (const std::runtime_error& e) {
    MESSAGE("SLEEF not tested: " << e.what());
  }
  for (VectorMath lib : libraries) {
    CompileOptions o;
    o.vector_math = lib;
    o.use_cache = false;
    NativeKernel k = NativeKernel::compile(math_spec(ScalarType::Float64), o);
    std::vector<double> f(n), t(n);
    double* out[] = {f.data(), t.data()};
    k.run(in, out, n);
    for (int i = 0; i < n; ++i) {
      const double expected = std::sin(x[i]) * std::exp(y[i]) + std::tanh(x[i]) * std::pow(x[i], y[i]) -
                              std::cos(y[i]) / std::log(y[i]);
      if (std::isnan(expected)) {
        CHECK(std::isnan(f[i]));  // negative x to a non-integer power
        continue;
      }
      // Each function is within 4 ulp; the terms are O(1..10) and the division by log(y) near
      // y = 1 amplifies by at most ~1/|log y| ~ 1e3 at these points: 1e-11 absolute is ample.
      CHECK(f[i] == doctest::Approx(expected).epsilon(1e-11));
      CHECK(t[i] == doctest::Approx(std::tan(x[i])).epsilon(1e-14));
    }
  }
}
