// The reference expressions of bench_jit written by hand in C++, with the JIT kernel's ABI.
// Compiled in hand_written.cpp with -O3 -march=native -fno-math-errno -fopenmp-simd
// -ffp-contract=off: every loop is `#pragma omp simd` and sin/cos/exp/log are declared
// `omp declare simd`, so GCC calls the same glibc libmvec vector functions as the JIT
// (_ZGVdN4v_sin, ...). No -ffast-math and no FMA contraction: like the JIT and the interpreter,
// the baseline rounds every operation as IEEE says (no reassociation, NaN/Inf honoured).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace symtorch::bench {

template <typename T>
using KernelFn = void (*)(const T* const* in, T* const* out, std::int64_t n);

struct ReferenceExpression {
  std::string name;
  std::vector<std::string> equations;
  std::vector<std::string> variables;
  KernelFn<float> hand_f32;
  KernelFn<double> hand_f64;
};

// The five reference expressions: polynomial, rational, sin/exp-heavy, log/sqrt, and an 8-output
// PCA-style set (linear combinations of shared nonlinear features).
const std::vector<ReferenceExpression>& reference_expressions();

}  // namespace symtorch::bench
