// The "cuda" column of `symtorch bench`: the equations as one PTX kernel (PtxModule) run on the
// GPU through the driver API. Inputs are uploaded once and outputs stay on the device, so a run
// is one launch plus a synchronisation: the number compares kernels, as torch CUDA tensors
// would, not PCIe transfers. Without a usable GPU the column says why.
#include <memory>
#include <stdexcept>

#include "bench_backends.hpp"
#include "symtorch/cuda/device_buffer.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/cuda/kernel.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace symtorch::cli {
namespace {

struct CudaRun {
  cuda::Device device;
  cuda::CudaModule module;
  cuda::CudaKernel kernel;
  cuda::DeviceBuffer columns;
  std::vector<std::uint64_t> inputs, outputs;
  std::int64_t rows;
};

std::function<void()> prepare_cuda(const BenchProblem& p) {
  std::string reason;
  if (!cuda::cuda_available(&reason)) throw std::runtime_error("no usable GPU (" + reason + ")");
  cuda::Device device(0);
  jit::KernelSpec spec;
  spec.equations = jit::parse_equations(p.equations, p.variables);
  spec.type = p.single_precision ? jit::ScalarType::Float32 : jit::ScalarType::Float64;
  spec.name = "symtorch_bench";
  jit::PtxOptions options;
  for (int sm : jit::supported_sm_versions())  // newest the GPU runs; newer GPUs JIT it forward
    if (sm <= device.info().sm()) options.sm = sm;
  cuda::CudaModule module = cuda::CudaModule::load(device, jit::PtxModule::compile(spec, options).ptx());
  cuda::CudaKernel kernel = module.kernel(spec.name);

  const std::size_t column_bytes = p.rows * jit::scalar_size(spec.type);
  const std::size_t k = spec.num_inputs(), m = spec.num_outputs();
  auto run = std::make_shared<CudaRun>(CudaRun{device, std::move(module), std::move(kernel),
                                               cuda::DeviceBuffer(device, column_bytes * (k + m)), {}, {},
                                               static_cast<std::int64_t>(p.rows)});
  for (std::size_t c = 0; c < k; ++c) {
    run->columns.copy_from_host(p.inputs[c], column_bytes, c * column_bytes);
    run->inputs.push_back(run->columns.address() + c * column_bytes);
  }
  for (std::size_t j = 0; j < m; ++j) run->outputs.push_back(run->columns.address() + (k + j) * column_bytes);
  return [run] {
    run->kernel.launch(std::span<const std::uint64_t>(run->inputs), std::span<const std::uint64_t>(run->outputs),
                       run->rows);
    run->device.synchronize();
  };
}

const BenchBackendRegistration registration({"cuda", prepare_cuda});

}  // namespace
}  // namespace symtorch::cli
