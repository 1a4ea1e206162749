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
  o.cpu = "skylake-avx512";
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

TEST_CASE("the kernel's vector width is the widest the target CPU has") {
  // Chosen from the CPU's features, not LLVM's per-CPU tuning (which takes 256 bits on the Intel
  // AVX-512 CPUs and x86-64-v4). IR and object code only, so any x86-64 host checks all of them.
  struct Case {
    const char* cpu;
    unsigned bits;
    const char *sinf, *sin;  // the vector functions of that width
  };
  const Case cases[] = {{"x86-64", 128, "_ZGVbN4v_sinf", "_ZGVbN2v_sin"},
                        {"x86-64-v3", 256, "_ZGVdN8v_sinf", "_ZGVdN4v_sin"},
                        {"znver3", 256, "_ZGVdN8v_sinf", "_ZGVdN4v_sin"},
                        {"x86-64-v4", 512, "_ZGVeN16v_sinf", "_ZGVeN8v_sin"},
                        {"skylake-avx512", 512, "_ZGVeN16v_sinf", "_ZGVeN8v_sin"},
                        {"cooperlake", 512, "_ZGVeN16v_sinf", "_ZGVeN8v_sin"},
                        {"sapphirerapids", 512, "_ZGVeN16v_sinf", "_ZGVeN8v_sin"},
                        {"znver4", 512, "_ZGVeN16v_sinf", "_ZGVeN8v_sin"}};
  for (const Case& c : cases) {
    CAPTURE(c.cpu);
    CompileOptions o;
    o.vector_math = VectorMath::Libmvec;
    o.cpu = c.cpu;
    const std::string bits = std::to_string(c.bits);
    for (ScalarType type : {ScalarType::Float32, ScalarType::Float64}) {
      const std::string fn = type == ScalarType::Float32 ? c.sinf : c.sin;
      const std::string ir = emit_llvm_ir(math_spec(type), o);
      CHECK(contains(ir, "\"prefer-vector-width\"=\"" + bits + "\""));
      CHECK(contains(ir, "\"min-legal-vector-width\"=\"" + bits + "\""));
      CHECK_MESSAGE(contains(ir, fn), fn);
      // Nothing wider than the kernel's width (its arguments would not fit its registers).
      if (c.bits < 512) CHECK_FALSE(contains(ir, "_ZGVe"));
      if (c.bits < 256) CHECK_FALSE(contains(ir, "_ZGVd"));
      // The object code calls it too (the name is in the symbol table), so the backend kept the
      // vector whole rather than splitting it into narrower calls.
      const std::vector<char> object = compile_object(math_spec(type), o);
      CHECK_MESSAGE(contains(std::string(object.begin(), object.end()), fn), fn);
    }
  }
}

TEST_CASE("an explicit vector width is honoured up to the target's widest") {
  CompileOptions o;
  o.vector_math = VectorMath::Libmvec;
  o.cpu = "skylake-avx512";
  o.prefer_vector_width = 256;  // AVX-512 CPU held to ymm: AVX2 functions only, no zmm types
  std::string ir = emit_llvm_ir(math_spec(ScalarType::Float32), o);
  CHECK(contains(ir, "\"prefer-vector-width\"=\"256\""));
  CHECK(contains(ir, "\"min-legal-vector-width\"=\"256\""));
  CHECK(contains(ir, "_ZGVdN8v_sinf"));
  CHECK_FALSE(contains(ir, "_ZGVe"));
  CHECK_FALSE(contains(ir, "<16 x float>"));
  o.prefer_vector_width = 128;
  ir = emit_llvm_ir(math_spec(ScalarType::Float64), o);
  CHECK(contains(ir, "_ZGVbN2v_sin"));
  CHECK_FALSE(contains(ir, "_ZGVd"));
  o.cpu = "haswell";
  o.prefer_vector_width = 512;  // a preference: capped at AVX2's 256 bits
  ir = emit_llvm_ir(math_spec(ScalarType::Float32), o);
  CHECK(contains(ir, "\"prefer-vector-width\"=\"256\""));
  CHECK(contains(ir, "_ZGVdN8v_sinf"));
  CHECK_FALSE(contains(ir, "_ZGVe"));
  // AVX-512 instructions limited to 256-bit encodings (no EVEX-512): 256-bit vectors.
  o.cpu = "skylake-avx512";
  o.features = "-evex512";
  o.prefer_vector_width = 0;
  ir = emit_llvm_ir(math_spec(ScalarType::Float32), o);
  CHECK(contains(ir, "\"prefer-vector-width\"=\"256\""));
  CHECK_FALSE(contains(ir, "_ZGVe"));
}

TEST_CASE("an unknown target CPU is refused by name") {
  CompileOptions o;
  o.cpu = "pentium-9000";
  try {
    emit_llvm_ir(math_spec(ScalarType::Float64), o);
    FAIL("no error for an unknown CPU");
  } catch (const std::invalid_argument& e) {
    CHECK(contains(e.what(), "pentium-9000"));
  }
}

TEST_CASE("the host kernel runs at the host's widest vectors and computes the same values") {
  // On an AVX-512 host this runs the 512-bit code and the _ZGVe* functions; elsewhere the
  // widest that host has. Narrower widths must give the same values within the functions' ulps.
  const std::string description = host_target_description({});
  CHECK((contains(description, "512-bit vectors") || contains(description, "256-bit vectors") ||
         contains(description, "128-bit vectors")));
  const int n = 1003;  // not a multiple of any vector width: the remainder loop runs too
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = -3.0f + 6.0f * static_cast<float>(i) / n;
    y[i] = 0.1f + 2.0f * static_cast<float>(i) / n;
  }
  const float* in[] = {x.data(), y.data()};
  std::vector<std::vector<float>> results;
  for (int width : {0, 256, 128}) {
    CAPTURE(width);
    CompileOptions o;
    o.vector_math = VectorMath::Libmvec;
    o.prefer_vector_width = width;
    o.use_cache = false;
    NativeKernel k = NativeKernel::compile(math_spec(ScalarType::Float32), o);
    std::vector<float> f(n), t(n);
    float* out[] = {f.data(), t.data()};
    k.run(in, out, n);
    for (int i = 0; i < n; ++i) {
      const double expected = std::tan(static_cast<double>(x[i]));
      if (std::fabs(expected) < 100) CHECK(t[i] == doctest::Approx(expected).epsilon(1e-5));
    }
    results.push_back(f);
  }
  for (int i = 0; i < n; ++i)
    for (std::size_t w = 1; w < results.size(); ++w) {
      if (std::isnan(results[0][i])) {
        CHECK(std::isnan(results[w][i]));
        continue;
      }
      CHECK(results[w][i] == doctest::Approx(results[0][i]).epsilon(1e-4));
    }
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
