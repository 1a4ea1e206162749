// PtxModule: KernelSpecs compiled to PTX text through LLVM's NVPTX back-end, for CUDA GPUs.
// The PTX is loaded and launched with symtorch::cuda::CudaModule (jit/cuda), which has no LLVM
// dependency, so PTX made here can be carried to a GPU machine and run there.
//
// Kernel ABI (v1): every KernelSpec becomes one entry point
//   .visible .entry NAME(.param .u64 in_0, ..., .param .u64 in_{K-1},
//                        .param .u64 out_0, ..., .param .u64 out_{M-1}, .param .u64 n)
// with the device address of each column passed by value (K = num_inputs, M = num_outputs,
// outputs in KernelSpec order: equations, then derivatives), n a signed 64-bit row count, and a
// 1-D grid-stride loop over the rows, so any 1-D launch configuration covers all rows. Passing
// columns by value (instead of a device array of pointers, as the host ABI does) means a launch
// needs no device allocation or copy; the 4 KiB parameter space limits a kernel to
// kMaxPtxColumns columns. Columns must be aligned to sizeof(T) and must not overlap (inputs are
// read through the read-only data cache).
//
// Each kernel is listed on a manifest comment line at the top of the PTX text,
//   // symtorch-kernel v1 name=NAME type=float32|float64 inputs=K outputs=M
// followed by its equations as comments, so a carried PTX file describes itself.
//
// Numerics: no fast-math. +, -, *, / and sqrt are IEEE round-to-nearest (div.rn, sqrt.rn), no
// contraction into fma unless PtxOptions::fma; exp, log, sin, cos, tan, tanh and pow call
// libdevice (__nv_exp / __nv_expf, ...; a few ulp, see the CUDA math documentation). NVVMReflect
// is run with __CUDA_FTZ=0 (module flag nvvm-reflect-ftz = 0), so libdevice keeps denormals
// like the CPU kernels, and __CUDA_ARCH = 10 * sm.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit {

inline constexpr std::size_t kMaxPtxColumns = 500;

// SM versions LLVM 19's NVPTX back-end and this module support: 70 72 75 80 86 87 89 90.
const std::vector<int>& supported_sm_versions();
// "sm_80", "80" -> 80; throws std::invalid_argument naming the supported versions otherwise.
int parse_sm(std::string_view text);

struct PtxOptions {
  int sm = 80;
  int opt_level = 3;  // 0..3
  // Contract a*b+c into fma (nvcc's default). Off by default so that arithmetic rounds exactly
  // as in the CPU kernels and the interpreter.
  bool fma = false;
  // PTX cache: (cache_dir or default_cache_dir()) / "ptx", entries keyed by the SHA-256 of the
  // canonical DAGs, types, names, sm, options, libdevice digest and LLVM version.
  bool use_cache = true;
  std::optional<std::string> cache_dir;
  // libdevice bitcode; default find_libdevice(). Only needed by kernels that use exp, log, sin,
  // cos, tan, tanh or pow.
  std::optional<std::filesystem::path> libdevice;
};

// Where the CUDA toolkit is taken to be: $CUDA_HOME if set (non-empty), else $CUDA_PATH if set,
// else /usr/local/cuda. A variable that is set is the only place looked at. `source` says which
// rule gave the path, for error messages.
struct CudaToolkitRoot {
  std::filesystem::path path;
  std::string source;
};
CudaToolkitRoot cuda_toolkit_root();

// libdevice.10.bc under cuda_toolkit_root()/nvvm/libdevice. Throws std::runtime_error naming
// the path looked at, and why there, when the file is not there.
std::filesystem::path find_libdevice();

struct PtxKernelInfo {
  std::string name;
  ScalarType type = ScalarType::Float64;
  std::size_t num_inputs = 0;
  std::size_t num_outputs = 0;
  bool derivatives = false;
};

class PtxModule {
 public:
  // One module with one kernel per spec (names must differ). Throws std::invalid_argument for a
  // bad spec, SM, option or too many columns; std::runtime_error when libdevice is needed but
  // missing or LLVM fails. Thread-safe.
  static PtxModule compile(std::span<const KernelSpec> specs, const PtxOptions& options = {});
  static PtxModule compile(const KernelSpec& spec, const PtxOptions& options = {});

  const std::string& ptx() const { return ptx_; }
  const std::vector<PtxKernelInfo>& kernels() const { return kernels_; }
  int sm() const { return sm_; }
  bool from_cache() const { return from_cache_; }
  double compile_ms() const { return compile_ms_; }
  const std::string& cache_key() const { return cache_key_; }  // hex digest (also when the cache is off)

  // Writes the PTX text atomically (temporary file, then rename).
  void write(const std::filesystem::path& path) const;

 private:
  std::string ptx_;
  std::vector<PtxKernelInfo> kernels_;
  int sm_ = 80;
  bool from_cache_ = false;
  double compile_ms_ = 0.0;
  std::string cache_key_;
};

}  // namespace symtorch::jit
