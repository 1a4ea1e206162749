#include "symtorch/cuda/kernel.hpp"

#include <algorithm>
#include <stdexcept>

#include "context.hpp"

namespace symtorch::cuda {

namespace detail {

struct ModuleState {
  std::shared_ptr<ContextState> context;
  CUmodule module = nullptr;
  std::vector<KernelSignature> manifest;

  ModuleState() = default;
  ModuleState(const ModuleState&) = delete;
  ModuleState& operator=(const ModuleState&) = delete;
  ~ModuleState() {
    if (!module) return;
    try {
      ContextScope scope(*context);
      context->api().cuModuleUnload(module);
    } catch (const std::exception&) {
      // The context is gone (driver shutting down): the module went with it.
    }
  }
};

}  // namespace detail

namespace {

std::string trimmed_log(const std::vector<char>& buffer) {
  std::string log(buffer.data());
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
  return log;
}

}  // namespace

CudaModule CudaModule::load(const Device& device, std::string ptx) {
  auto state = std::make_shared<detail::ModuleState>();
  state->manifest = parse_ptx_manifest(ptx);
  state->context = device.state();
  const detail::ContextState& c = *state->context;

  // The driver JIT-compiles PTX for the device; its logs name the offending PTX line.
  std::vector<char> error_log(16384, '\0'), info_log(4096, '\0');
  detail::CUjit_option options[] = {detail::CU_JIT_ERROR_LOG_BUFFER, detail::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                                    detail::CU_JIT_INFO_LOG_BUFFER, detail::CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {error_log.data(), reinterpret_cast<void*>(error_log.size() - 1), info_log.data(),
                    reinterpret_cast<void*>(info_log.size() - 1)};
  detail::ContextScope scope(c);
  detail::CUresult result = c.api().cuModuleLoadDataEx(&state->module, ptx.c_str(), 4, options, values);
  if (result != detail::CUDA_SUCCESS) {
    state->module = nullptr;
    std::string log = trimmed_log(error_log);
    c.check(result, "cuModuleLoadDataEx",
            "loading PTX for " + c.info.name + " (sm_" + std::to_string(c.info.sm()) + ")" +
                (log.empty() ? std::string() : "; JIT log: " + log));
  }
  return CudaModule(std::move(state));
}

const std::vector<KernelSignature>& CudaModule::manifest() const { return state_->manifest; }

CudaKernel CudaModule::kernel(const std::string& name) const {
  for (const KernelSignature& s : state_->manifest)
    if (s.name == name) return kernel(s);
  std::string listed;
  for (const KernelSignature& s : state_->manifest) listed += (listed.empty() ? "" : ", ") + s.name;
  throw std::invalid_argument("the PTX manifest lists no kernel '" + name + "' (it lists: " +
                              (listed.empty() ? "none" : listed) + ")");
}

CudaKernel CudaModule::kernel(const KernelSignature& signature) const {
  const detail::ContextState& c = *state_->context;
  detail::ContextScope scope(c);
  detail::CUfunction function = nullptr;
  c.check(c.api().cuModuleGetFunction(&function, state_->module, signature.name.c_str()), "cuModuleGetFunction",
          "kernel '" + signature.name + "'");
  int blocks_per_sm = 0;
  c.check(c.api().cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, function, CudaKernel::kBlockSize, 0),
          "cuOccupancyMaxActiveBlocksPerMultiprocessor", "kernel '" + signature.name + "'");
  const unsigned max_grid = static_cast<unsigned>(std::max(1, blocks_per_sm * c.info.multiprocessors));
  return CudaKernel(state_, signature, function, max_grid);
}

CudaKernel::CudaKernel(std::shared_ptr<detail::ModuleState> module, KernelSignature signature, void* function,
                       unsigned max_grid)
    : module_(std::move(module)), signature_(std::move(signature)), function_(function), max_grid_(max_grid) {}

unsigned CudaKernel::grid_size(std::int64_t n) const {
  if (n <= 0) return 0;
  const std::int64_t blocks = (n + kBlockSize - 1) / kBlockSize;
  return static_cast<unsigned>(std::min<std::int64_t>(blocks, max_grid_));
}

void CudaKernel::launch(std::span<const void* const> inputs, std::span<void* const> outputs, std::int64_t n,
                        Stream stream) const {
  std::vector<std::uint64_t> in(inputs.size()), out(outputs.size());
  std::transform(inputs.begin(), inputs.end(), in.begin(),
                 [](const void* p) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)); });
  std::transform(outputs.begin(), outputs.end(), out.begin(),
                 [](void* p) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)); });
  launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), n, stream);
}

void CudaKernel::launch(std::span<const std::uint64_t> inputs, std::span<const std::uint64_t> outputs, std::int64_t n,
                        Stream stream) const {
  const KernelSignature& s = signature_;
  if (inputs.size() != s.num_inputs || outputs.size() != s.num_outputs)
    throw std::invalid_argument("kernel '" + s.name + "' takes " + std::to_string(s.num_inputs) + " inputs and " +
                                std::to_string(s.num_outputs) + " outputs, got " + std::to_string(inputs.size()) +
                                " and " + std::to_string(outputs.size()));
  if (n < 0) throw std::invalid_argument("kernel '" + s.name + "': negative row count " + std::to_string(n));
  if (n == 0) return;
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k]) throw std::invalid_argument("kernel '" + s.name + "': input " + std::to_string(k) + " is null");
  for (std::size_t j = 0; j < outputs.size(); ++j)
    if (!outputs[j]) throw std::invalid_argument("kernel '" + s.name + "': output " + std::to_string(j) + " is null");

  // cuLaunchKernel copies the parameter values during the call, so locals are enough.
  std::vector<std::uint64_t> columns(inputs.begin(), inputs.end());
  columns.insert(columns.end(), outputs.begin(), outputs.end());
  std::int64_t rows = n;
  std::vector<void*> params;
  params.reserve(columns.size() + 1);
  for (std::uint64_t& c : columns) params.push_back(&c);
  params.push_back(&rows);

  const detail::ContextState& c = *module_->context;
  detail::ContextScope scope(c);
  c.check(c.api().cuLaunchKernel(static_cast<detail::CUfunction>(function_), grid_size(n), 1, 1, kBlockSize, 1, 1, 0,
                                 static_cast<detail::CUstream>(stream), params.data(), nullptr),
          "cuLaunchKernel", "kernel '" + s.name + "', " + std::to_string(n) + " rows");
}

}  // namespace symtorch::cuda
