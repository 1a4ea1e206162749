// NativeKernel: a KernelSpec compiled to machine code for this CPU with LLVM ORC (O3, loop
// vectorisation, vector math), loaded into the process, and cached on disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "symtorch/jit/compile_options.hpp"
#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit {

namespace detail {
struct LoadedKernel;
}

// The kernel ABI: extern "C" void NAME(const T* const* inputs, T* const* outputs, int64_t n).
using KernelFnF32 = void (*)(const float* const*, float* const*, std::int64_t);
using KernelFnF64 = void (*)(const double* const*, double* const*, std::int64_t);

// Calls a raw entry point. Clang's -fsanitize=function (part of -fsanitize=undefined, used by
// the fuzz preset) checks an indirect call by reading a type signature from the 8 bytes before
// the callee; JIT-compiled code has none, and a kernel placed at the start of its memory page
// makes that read fault (found by fuzz_jit: fuzz/regressions/jit/segv_sin0_div_sqrt_x1.bin).
// Every call into a kernel goes through here, exempt from that check.
template <typename Fn, typename In, typename Out>
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
inline void call_kernel(Fn fn, In inputs, Out outputs, std::int64_t n) {
  fn(inputs, outputs, n);
}

class NativeKernel {
 public:
  // Compiles (or loads from the disk cache) and links the kernel into the process.
  // Thread-safe: several threads may compile at the same time. Throws std::invalid_argument for
  // a bad spec and std::runtime_error if LLVM fails.
  static NativeKernel compile(const KernelSpec& spec, const CompileOptions& options = {});

  // Evaluates n rows. inputs: num_inputs() column pointers; outputs: num_outputs() column
  // pointers. Throws std::invalid_argument if the element type is not type(), or n < 0.
  // Any number of threads may run one kernel at once (on disjoint outputs).
  void run(const float* const* inputs, float* const* outputs, std::int64_t n) const;
  void run(const double* const* inputs, double* const* outputs, std::int64_t n) const;
  // Element type checked against `type` (for callers holding untyped buffers, e.g. tensors).
  void run(ScalarType type, const void* const* inputs, void* const* outputs, std::int64_t n) const;

  // Raw entry points for hot loops; throw std::invalid_argument on a type mismatch.
  KernelFnF32 function_f32() const;
  KernelFnF64 function_f64() const;

  std::size_t num_inputs() const;
  std::size_t num_outputs() const;
  ScalarType type() const;
  const std::string& name() const;
  bool from_cache() const;     // loaded from the disk cache instead of compiled
  double compile_ms() const;   // wall time of compile() (lowering + codegen or cache load + link)
  const std::string& cache_key() const;  // hex digest (also when the cache is off)

 private:
  explicit NativeKernel(std::shared_ptr<const detail::LoadedKernel> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::LoadedKernel> impl_;  // copies share the loaded code
};

// Description of the code generation target used for NativeKernel on this machine
// (CPU name, features relevant to vector width, vector math library), for reports.
std::string host_target_description(const CompileOptions& options = {});

}  // namespace symtorch::jit
