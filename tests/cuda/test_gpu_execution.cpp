// GPU execution (doctest suite "gpu", CTest test cuda_gpu, label gpu): PTX kernels run through
// the driver API must give the NativeKernel's results. CTest runs the suite with
// --require=gpu,libdevice (tests/cuda/main.cpp): without a usable GPU or the CUDA toolkit the
// test is reported as skipped, saying why. Run by hand without --require, each case still says
// why and returns when there is no GPU.
//
// Tolerances. Arithmetic and sqrt are IEEE and identical on both sides (no fma contraction,
// no flush to zero); the differences come from the math functions: libdevice's are within
// 1-2 ulp in double and 2-4 ulp in float (CUDA C Programming Guide, "Mathematical functions"),
// glibc's within 1-2 ulp. For the fixed expressions (inputs in [0.5, 2], well conditioned) a
// few ulp grow by at most a few hundred through an expression: relative 1e-12 (double, ulp
// 2.2e-16) and 2e-5 (float, ulp 1.2e-7) cover that with margin. Random expressions can be
// ill-conditioned (cancellation, huge derivatives), where any two correct implementations
// differ; there a row counts as equal within relative 1e-9 / 1e-3 (plus the same absolute
// amount), and at most 1% of a kernel's values may differ.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "cuda_test_support.hpp"
#include "symtorch/cuda/device_buffer.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/cuda/error.hpp"
#include "symtorch/cuda/kernel.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/random_tree.hpp"
#include "symtorch/jit/native_kernel.hpp"
#include "symtorch/jit/ptx_module.hpp"

using namespace symtorch;
using namespace symtorch::jit;

namespace {

// The device, or nothing after printing why the case is skipped.
std::optional<cuda::Device> gpu_or_skip() {
  std::string reason;
  if (!cuda::cuda_available(&reason)) {
    MESSAGE("skipped, no usable GPU: " << reason);
    return std::nullopt;
  }
  cuda::Device device(0);
  if (device.info().sm() < 70) {
    MESSAGE("skipped: " << device.info().name << " is sm_" << device.info().sm() << ", older than sm_70");
    return std::nullopt;
  }
  return device;
}

int ptx_sm_for(const cuda::Device& device) { return test::ptx_sm_for(device.info().sm()); }

template <class T>
std::vector<T> uniform_columns(std::size_t columns, std::size_t rows, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(columns * rows);
  for (T& x : v) x = static_cast<T>(lo + (hi - lo) * random_unit(rng));
  return v;
}

struct Comparison {
  std::size_t differing = 0, total = 0;
  double worst_relative = 0;
};

template <class T>
Comparison compare(const std::vector<T>& gpu, const std::vector<T>& native, double rtol) {
  Comparison c;
  c.total = gpu.size();
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    const double g = gpu[i], n = native[i];
    if (std::isnan(g) && std::isnan(n)) continue;
    if (std::isinf(n) && g == n) continue;
    const double diff = std::fabs(g - n);
    if (!(diff <= rtol * (1.0 + std::fabs(n)))) ++c.differing;
    if (std::isfinite(diff)) c.worst_relative = std::max(c.worst_relative, diff / (1.0 + std::fabs(n)));
  }
  return c;
}

// Runs `spec` on the GPU and natively on the same inputs; returns (gpu, native) outputs.
template <class T>
std::pair<std::vector<T>, std::vector<T>> run_both(const cuda::Device& device, const KernelSpec& spec,
                                                   const std::vector<T>& inputs, std::size_t rows) {
  std::vector<T> gpu = test::run_on_gpu(device, spec, inputs, rows, ptx_sm_for(device));
  const NativeKernel native = NativeKernel::compile(spec);
  const std::size_t k = spec.num_inputs(), m = spec.num_outputs();
  std::vector<T> expected(m * rows);
  std::vector<const T*> in_ptrs;
  std::vector<T*> out_ptrs;
  for (std::size_t c = 0; c < k; ++c) in_ptrs.push_back(inputs.data() + c * rows);
  for (std::size_t c = 0; c < m; ++c) out_ptrs.push_back(expected.data() + c * rows);
  native.run(in_ptrs.data(), out_ptrs.data(), static_cast<std::int64_t>(rows));
  return {std::move(gpu), std::move(expected)};
}

KernelSpec spec_of(const std::string& equation, ScalarType type, bool derivatives) {
  KernelSpec s;
  s.equations = parse_equations({equation}, {"x0", "x1", "x2", "x3", "x4"});
  s.type = type;
  s.derivatives = derivatives;
  s.name = "gpu_check";
  return s;
}

const char* kFixedExpressions[] = {
    "((x0 * x1 + x2) * (x3 - x4) + x0 / (x1 + 1.5)) * (x2 - 0.25 * x3)",
    "sin(x0 * x1) + exp(0.5 * x2) * (x3 - x4) + log(abs(x0) + 1.0) * x1",
    "cos(x3 - x4 * 0.3) * sqrt(abs(x2)) - tanh(x0 * x2) * (x1 + 2.0)",
    "tan(0.5 * x0) + x1 ^ x2 - square(x3) * cube(x4) + inv(x0) - (-x1)",
};

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("fixed expressions with derivatives equal the native kernel's, float and double") {
    auto device = gpu_or_skip();
    if (!device) return;
    MESSAGE("running on " << device->info().name << " (sm_" << device->info().sm() << "), PTX for sm_"
                          << ptx_sm_for(*device));
    for (const char* text : kFixedExpressions) {
      for (std::size_t rows : {std::size_t{1}, std::size_t{255}, std::size_t{257}, std::size_t{100003}}) {
        CAPTURE(text);
        CAPTURE(rows);
        {
          const auto inputs = uniform_columns<double>(5, rows, 0.5, 2.0, rows);
          auto [gpu, native] = run_both(*device, spec_of(text, ScalarType::Float64, true), inputs, rows);
          const Comparison c = compare(gpu, native, 1e-12);
          CAPTURE(c.worst_relative);
          CHECK(c.differing == 0);
        }
        {
          const auto inputs = uniform_columns<float>(5, rows, 0.5, 2.0, rows);
          auto [gpu, native] = run_both(*device, spec_of(text, ScalarType::Float32, true), inputs, rows);
          const Comparison c = compare(gpu, native, 2e-5);
          CAPTURE(c.worst_relative);
          CHECK(c.differing == 0);
        }
      }
    }
  }

  TEST_CASE("the grid-stride loop covers more rows than the grid has threads") {
    auto device = gpu_or_skip();
    if (!device) return;
    // Enough rows for every thread of a full grid to take several (3 x the largest grid of
    // 2048 threads per SM), plus a ragged end.
    const std::size_t rows = 3 * 2048 * static_cast<std::size_t>(device->info().multiprocessors) + 17;
    const auto inputs = uniform_columns<float>(5, rows, -1.0, 1.0, 7);
    auto [gpu, native] = run_both(*device, spec_of("x0 * x1 - x2 / (x3 + 3.0) + x4", ScalarType::Float32, false),
                                  inputs, rows);
    // Pure IEEE arithmetic, same operation order: bit-identical.
    CHECK(gpu == native);
  }

  TEST_CASE("random expressions with derivatives agree with the native kernel") {
    auto device = gpu_or_skip();
    if (!device) return;
    std::mt19937_64 rng(99);
    RandomTreeOptions options;
    options.binary_ops = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow};
    options.unary_ops = {Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
                         Op::Sin, Op::Cos,    Op::Tan,  Op::Tanh, Op::Abs, Op::Inv};
    options.num_features = 3;
    const std::size_t rows = 4096;
    for (int i = 0; i < 60; ++i) {
      options.size = 1 + random_below(rng, 16);
      KernelSpec spec;
      spec.equations.num_inputs = 3;
      spec.equations.outputs.push_back(random_expression(rng, options));
      spec.derivatives = true;
      spec.name = "random_gpu";
      spec.type = i % 2 ? ScalarType::Float32 : ScalarType::Float64;
      CAPTURE(to_string(spec.equations.outputs[0]));
      Comparison c;
      if (spec.type == ScalarType::Float64) {
        auto [gpu, native] = run_both(*device, spec, uniform_columns<double>(3, rows, -3.0, 3.0, i), rows);
        c = compare(gpu, native, 1e-9);
      } else {
        auto [gpu, native] = run_both(*device, spec, uniform_columns<float>(3, rows, -3.0, 3.0, i), rows);
        c = compare(gpu, native, 1e-3);
      }
      CAPTURE(c.differing);
      CAPTURE(c.worst_relative);
      CHECK(c.differing * 100 <= c.total);
    }
  }

  TEST_CASE("kernels launch on pointers, as torch passes them") {
    auto device = gpu_or_skip();
    if (!device) return;
    const KernelSpec spec = spec_of("x0 + 2 * x1", ScalarType::Float64, false);
    PtxOptions options;
    options.sm = ptx_sm_for(*device);
    const PtxModule ptx = PtxModule::compile(spec, options);
    const cuda::CudaModule module = cuda::CudaModule::load(*device, ptx.ptx());
    const cuda::CudaKernel kernel = module.kernel("gpu_check");
    const std::size_t rows = 1000;
    const auto inputs = uniform_columns<double>(5, rows, -1, 1, 3);
    cuda::DeviceBuffer in(*device, inputs.size() * sizeof(double)), out(*device, rows * sizeof(double));
    in.upload(std::span<const double>(inputs));
    std::vector<const void*> in_ptrs;
    for (std::size_t c = 0; c < 5; ++c) in_ptrs.push_back(static_cast<const char*>(in.pointer()) + c * rows * sizeof(double));
    std::vector<void*> out_ptrs = {out.pointer()};
    kernel.launch(in_ptrs, out_ptrs, static_cast<std::int64_t>(rows));
    device->synchronize();
    const auto result = out.download<double>(rows);
    for (std::size_t r = 0; r < rows; ++r) CHECK(result[r] == inputs[r] + 2 * inputs[rows + r]);
  }

  TEST_CASE("invalid PTX is reported by the driver with its log") {
    auto device = gpu_or_skip();
    if (!device) return;
    CHECK_THROWS_WITH_AS(cuda::CudaModule::load(*device, ".version 7.0\n.target sm_70\n.address_size 64\nbogus;\n"),
                         doctest::Contains("in cuModuleLoadDataEx"), cuda::CudaError);
  }
}
