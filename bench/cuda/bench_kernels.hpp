// The GPU benchmark's kernels: bench_jit's five reference expressions, float and double, and
// the deterministic inputs both the benchmark and the GPU bundle use.
#pragma once

#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hand_written.hpp"
#include "symtorch/engine/random_tree.hpp"
#include "symtorch/jit/lowering.hpp"

namespace symtorch::bench {

// bench_jit draws inputs uniform in [0.1, 2.0] so that log and sqrt stay real; so do we.
inline constexpr double kInputLow = 0.1, kInputHigh = 2.0;

struct BenchKernel {
  std::string expression;  // bench_jit's name, e.g. "sin/exp"
  jit::KernelSpec spec;
};

// "sin/exp", Float32 -> "bench_sin_exp_f32" (+ "_d" with derivatives).
inline std::string kernel_name(const std::string& expression, jit::ScalarType type, bool derivatives) {
  std::string name = "bench_";
  for (char c : expression) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  name += type == jit::ScalarType::Float32 ? "_f32" : "_f64";
  if (derivatives) name += "_d";
  return name;
}

inline std::vector<BenchKernel> bench_kernels(const std::vector<jit::ScalarType>& types, bool derivatives) {
  std::vector<BenchKernel> out;
  for (const ReferenceExpression& e : reference_expressions())
    for (jit::ScalarType type : types) {
      BenchKernel k{e.name, {}};
      k.spec.equations = jit::parse_equations(e.equations, e.variables);
      k.spec.type = type;
      k.spec.derivatives = derivatives;
      k.spec.name = kernel_name(e.name, type, derivatives);
      out.push_back(std::move(k));
    }
  return out;
}

// `columns` columns of `rows` values, uniform in [lo, hi), column after column.
template <class T>
std::vector<T> uniform_columns(std::size_t columns, std::size_t rows, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(columns * rows);
  for (T& x : v) x = static_cast<T>(lo + (hi - lo) * random_unit(rng));
  return v;
}

}  // namespace symtorch::bench
