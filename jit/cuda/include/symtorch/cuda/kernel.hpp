// Loading PTX and launching symtorch kernels through the driver API.
//
// Launch ABI (version v1; symtorch::jit::PtxModule generates it):
//   .visible .entry NAME(.param .u64 in_0, ..., .param .u64 in_{K-1},
//                        .param .u64 out_0, ..., .param .u64 out_{M-1}, .param .u64 n)
// Every in_k / out_j is the device address of a column of n elements of T (float or double,
// aligned to sizeof(T)); n is a signed 64-bit row count. The columns are passed by value (not
// as an array of pointers in device memory), so a launch needs no device allocation and no
// host-to-device copy, and torch tensors' data pointers are passed as they are. The kernel is a
// 1-D grid-stride loop: any 1-D grid and block size covers all n rows. Outputs must not overlap
// inputs or each other (inputs are read through the read-only cache).
//
// Manifest: each kernel of a module is described by one comment line in the PTX text,
//   // symtorch-kernel v1 name=NAME type=float32|float64 inputs=K outputs=M
// so a PTX file carried to another machine is self-describing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "symtorch/cuda/device.hpp"

namespace symtorch::cuda {

enum class ElementType { Float32, Float64 };
std::size_t element_size(ElementType type);
std::string_view element_type_name(ElementType type);  // "float32" / "float64"

struct KernelSignature {
  std::string name;
  ElementType type = ElementType::Float64;
  std::size_t num_inputs = 0;
  std::size_t num_outputs = 0;
  bool operator==(const KernelSignature&) const = default;
};

// The manifest line for a signature (without a newline) and the signatures listed in a PTX text.
// parse throws std::invalid_argument naming the line and the field for a malformed manifest line.
std::string manifest_line(const KernelSignature& signature);
std::vector<KernelSignature> parse_ptx_manifest(std::string_view ptx);

namespace detail {
struct ModuleState;
}

class CudaKernel;

class CudaModule {
 public:
  // JIT-compiles the PTX for the device (cuModuleLoadDataEx). Throws CudaError with the driver's
  // JIT log, e.g. "CUDA_ERROR_INVALID_PTX in cuModuleLoadDataEx: ...", or std::invalid_argument
  // for a malformed manifest.
  static CudaModule load(const Device& device, std::string ptx);

  const std::vector<KernelSignature>& manifest() const;
  // The kernel listed in the manifest under `name` (std::invalid_argument if not listed).
  CudaKernel kernel(const std::string& name) const;
  // A kernel of the v1 ABI described by the caller (for PTX without a manifest).
  CudaKernel kernel(const KernelSignature& signature) const;

 private:
  explicit CudaModule(std::shared_ptr<detail::ModuleState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::ModuleState> state_;
};

class CudaKernel {
 public:
  static constexpr int kBlockSize = 256;

  const KernelSignature& signature() const { return signature_; }
  // Blocks for n rows: enough to fill every multiprocessor at full occupancy, fewer when n is
  // small; the grid-stride loop covers the rest.
  unsigned grid_size(std::int64_t n) const;

  // Asynchronous on `stream`. inputs / outputs hold device addresses (num_inputs / num_outputs
  // of them). Throws std::invalid_argument for a wrong count, a null column with n > 0 or n < 0;
  // CudaError when the launch fails. n == 0 launches nothing.
  void launch(std::span<const void* const> inputs, std::span<void* const> outputs, std::int64_t n,
              Stream stream = nullptr) const;
  void launch(std::span<const std::uint64_t> inputs, std::span<const std::uint64_t> outputs, std::int64_t n,
              Stream stream = nullptr) const;

 private:
  friend class CudaModule;
  CudaKernel(std::shared_ptr<detail::ModuleState> module, KernelSignature signature, void* function,
             unsigned max_grid);
  std::shared_ptr<detail::ModuleState> module_;
  KernelSignature signature_;
  void* function_ = nullptr;  // CUfunction
  unsigned max_grid_ = 1;
};

}  // namespace symtorch::cuda
