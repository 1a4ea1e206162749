// bench_cuda: bench_jit's five reference expressions as GPU kernels (PTX from the NVPTX back-end
// with libdevice, loaded through the CUDA driver API).
//
//   bench_cuda [--rows N] [--repeat R] [--type float|double|both] [--sm SM] [--bundle DIR]
//
// Always: generates the PTX of every kernel and prints its size and compile time (cache off).
// --bundle DIR: also writes PTX, inputs, reference outputs and a cases file for a GPU machine
//   that has only the standalone loader (jit/cuda/README.md).
// With a GPU: checks the first rows of every kernel against the native kernel, then times R
//   launches on N rows (default 10^8) and prints elements/s (rows x outputs / s, as bench_jit)
//   and the fraction of the memory-bandwidth bound, i.e. (bytes the kernel must move / time)
//   over the device's peak DRAM bandwidth and over a device-to-device copy measured in this run.
// Without a GPU: says that the timing did not run, and why.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "bench_kernels.hpp"
#include "gpu_bundle.hpp"
#include "symtorch/cuda/device_buffer.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/cuda/kernel.hpp"
#include "symtorch/cuda/throughput.hpp"
#include "symtorch/jit/native_kernel.hpp"
#include "symtorch/jit/ptx_module.hpp"

using namespace symtorch;
using namespace symtorch::bench;

namespace {

struct Args {
  std::int64_t rows = 100'000'000;
  int repeat = 20;
  std::string type = "both";
  std::string sm;  // default: the GPU's (capped at sm_90), else 80
  std::string bundle;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
      return argv[++i];
    };
    if (s == "--rows") a.rows = static_cast<std::int64_t>(std::stod(value()));
    else if (s == "--repeat") a.repeat = std::stoi(value());
    else if (s == "--type") a.type = value();
    else if (s == "--sm") a.sm = value();
    else if (s == "--bundle") a.bundle = value();
    else throw std::invalid_argument("unknown argument " + s + " (--rows N --repeat R --type float|double|both --sm SM --bundle DIR)");
  }
  if (a.type != "float" && a.type != "double" && a.type != "both") throw std::invalid_argument("--type float|double|both");
  if (a.rows < 1 || a.repeat < 1) throw std::invalid_argument("--rows and --repeat must be positive");
  return a;
}

std::vector<jit::ScalarType> types_of(const std::string& t) {
  if (t == "float") return {jit::ScalarType::Float32};
  if (t == "double") return {jit::ScalarType::Float64};
  return {jit::ScalarType::Float32, jit::ScalarType::Float64};
}

int newest_sm_up_to(int device_sm) {
  int best = jit::supported_sm_versions().front();
  for (int sm : jit::supported_sm_versions())
    if (sm <= device_sm) best = sm;
  return best;
}

const char* type_label(jit::ScalarType t) { return t == jit::ScalarType::Float32 ? "float" : "double"; }

// Largest relative difference (scaled by 1 + |native|) between the GPU's and the native
// kernel's first `check_rows` rows of every output.
template <class T>
double check_prefix(const BenchKernel& k, const std::vector<T>& inputs, std::size_t rows, std::size_t check_rows,
                    const cuda::DeviceBuffer& out) {
  const std::size_t nin = k.spec.num_inputs(), nout = k.spec.num_outputs();
  std::vector<T> native(nout * check_rows), gpu(nout * check_rows);
  std::vector<const T*> in;
  std::vector<T*> outp;
  for (std::size_t c = 0; c < nin; ++c) in.push_back(inputs.data() + c * rows);
  for (std::size_t c = 0; c < nout; ++c) {
    outp.push_back(native.data() + c * check_rows);
    out.copy_to_host(gpu.data() + c * check_rows, check_rows * sizeof(T), c * rows * sizeof(T));
  }
  jit::NativeKernel::compile(k.spec).run(in.data(), outp.data(), static_cast<std::int64_t>(check_rows));
  double worst = 0;
  for (std::size_t i = 0; i < native.size(); ++i) {
    const double d = std::fabs(static_cast<double>(gpu[i]) - native[i]) / (1.0 + std::fabs(static_cast<double>(native[i])));
    worst = std::max(worst, std::isnan(d) ? INFINITY : d);
  }
  return worst;
}

template <class T>
void bench_one(const cuda::Device& device, const BenchKernel& k, const std::string& ptx, std::int64_t rows,
               int repeat, double copy_bandwidth) {
  const cuda::CudaModule module = cuda::CudaModule::load(device, ptx);
  const cuda::CudaKernel kernel = module.kernel(k.spec.name);
  const std::size_t nin = k.spec.num_inputs(), nout = k.spec.num_outputs(), n = static_cast<std::size_t>(rows);
  const std::vector<T> inputs = uniform_columns<T>(nin, n, kInputLow, kInputHigh, 42);
  cuda::DeviceBuffer in(device, inputs.size() * sizeof(T)), out(device, nout * n * sizeof(T));
  in.upload(std::span<const T>(inputs));
  std::vector<std::uint64_t> in_cols, out_cols;
  for (std::size_t c = 0; c < nin; ++c) in_cols.push_back(in.address() + c * n * sizeof(T));
  for (std::size_t c = 0; c < nout; ++c) out_cols.push_back(out.address() + c * n * sizeof(T));
  const cuda::Throughput t = cuda::measure_throughput(device, kernel, in_cols, out_cols, rows, repeat);
  // Tolerance as in tests/cuda/test_gpu_execution.cpp for these well-conditioned expressions.
  const double worst = check_prefix<T>(k, inputs, n, std::min<std::size_t>(n, 1'000'000), out);
  const double tolerance = sizeof(T) == 4 ? 2e-5 : 1e-12;
  const double peak = device.info().peak_bandwidth;
  std::printf("%-11s %-6s %9.3f %10.3g %9.1f %8.1f%% %8.1f%%  %s (max diff %.2g)\n", k.expression.c_str(),
              sizeof(T) == 4 ? "float" : "double", t.seconds * 1e3, t.elements_per_second, t.bandwidth / 1e9,
              peak > 0 ? 100.0 * t.bandwidth / peak : 0.0, copy_bandwidth > 0 ? 100.0 * t.bandwidth / copy_bandwidth : 0.0,
              worst <= tolerance ? "ok" : "MISMATCH", worst);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse_args(argc, argv);
    std::string reason;
    const bool gpu = cuda::cuda_available(&reason);
    std::optional<cuda::Device> device;
    if (gpu) device.emplace(0);
    const int sm = !args.sm.empty() ? jit::parse_sm(args.sm) : device ? newest_sm_up_to(device->info().sm()) : 80;

    std::printf("PTX generation for sm_%d (LLVM NVPTX + libdevice, cache off):\n", sm);
    std::printf("%-11s %-6s %10s %12s\n", "expression", "type", "PTX bytes", "compile ms");
    const std::vector<BenchKernel> kernels = bench_kernels(types_of(args.type), false);
    std::vector<std::string> ptx;
    jit::PtxOptions options;
    options.sm = sm;
    options.use_cache = false;
    for (const BenchKernel& k : kernels) {
      const jit::PtxModule m = jit::PtxModule::compile(k.spec, options);
      std::printf("%-11s %-6s %10zu %12.1f\n", k.expression.c_str(), type_label(k.spec.type), m.ptx().size(), m.compile_ms());
      ptx.push_back(m.ptx());
    }

    if (!args.bundle.empty()) {
      BundleOptions b;
      b.sm = sm;
      b.bench_rows = args.rows;
      b.bench_repeat = args.repeat;
      const int checks = write_gpu_bundle(args.bundle, b);
      std::printf("\nWrote the GPU bundle %s: bench.ptx (%zu kernels), checks.ptx with %d check cases, cases.txt, "
                  "torch_eager.txt.\nOn a GPU machine: symtorch_run_ptx cases %s/cases.txt (jit/cuda/README.md).\n",
                  args.bundle.c_str(), 2 * reference_expressions().size(), checks, args.bundle.c_str());
    }

    if (!gpu) {
      std::printf("\nGPU benchmark not run: no usable GPU (%s).\n", reason.c_str());
      return 0;
    }
    const cuda::DeviceInfo& info = device->info();
    std::printf("\nGPU: %s (sm_%d, %d SMs, %.1f GiB, peak DRAM bandwidth %.0f GB/s)\n", info.name.c_str(), info.sm(),
                info.multiprocessors, info.total_memory / 1073741824.0, info.peak_bandwidth / 1e9);
    double copy_bandwidth = 0;
    {
      const std::size_t bytes = std::size_t{1} << 30;
      cuda::DeviceBuffer a(*device, bytes), b(*device, bytes);
      copy_bandwidth = cuda::measure_copy_bandwidth(*device, b.address(), a.address(), bytes, 10);
    }
    std::printf("device-to-device copy (1 GiB, read + write): %.0f GB/s\n", copy_bandwidth / 1e9);
    std::printf("%d launches on %lld rows, inputs uniform in [%g, %g]:\n", args.repeat, static_cast<long long>(args.rows),
                kInputLow, kInputHigh);
    std::printf("%-11s %-6s %9s %10s %9s %9s %9s  %s\n", "expression", "type", "ms", "elem/s", "GB/s", "of peak",
                "of copy", "check vs native (first 10^6 rows)");
    for (std::size_t i = 0; i < kernels.size(); ++i) {
      const BenchKernel& k = kernels[i];
      const std::size_t bytes = static_cast<std::size_t>(args.rows) * (k.spec.num_inputs() + k.spec.num_outputs()) *
                                jit::scalar_size(k.spec.type);
      std::int64_t rows = args.rows;
      if (bytes > info.total_memory * 8 / 10) {
        rows = static_cast<std::int64_t>(args.rows * (info.total_memory * 0.8 / bytes));
        std::printf("(%s %s: %lld rows do not fit in device memory, using %lld)\n", k.expression.c_str(),
                    type_label(k.spec.type), static_cast<long long>(args.rows), static_cast<long long>(rows));
      }
      if (k.spec.type == jit::ScalarType::Float32)
        bench_one<float>(*device, k, ptx[i], rows, args.repeat, copy_bandwidth);
      else
        bench_one<double>(*device, k, ptx[i], rows, args.repeat, copy_bandwidth);
    }
    std::printf("Goal (issue 6): >= 80%% of the bandwidth bound. For torch eager on the same expressions run "
                "bench/cuda/torch_eager.py on the bundle's torch_eager.txt.\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cuda: error: %s\n", e.what());
    return 1;
  }
}
