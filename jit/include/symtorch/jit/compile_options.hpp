// Options shared by the native JIT, the object cache and export.
#pragma once

#include <optional>
#include <string>

namespace symtorch::jit {

// Which vector math library vectorised sin/cos/tan/tanh/exp/log/pow call.
//  Auto:    glibc libmvec when it can be loaded, else scalar libm calls.
//  Libmvec: glibc libmvec (libmvec.so.1); error if missing.
//  Sleef:   SLEEF's GNU-ABI build (libsleefgnuabi.so.3): same _ZGV* names as libmvec, so the
//           generated code is identical and only the library that resolves it changes.
//  None:    scalar libm calls (the loop still vectorises arithmetic around them).
enum class VectorMath { Auto, Libmvec, Sleef, None };

struct CompileOptions {
  int opt_level = 3;  // 0..3
  VectorMath vector_math = VectorMath::Auto;
  // Target CPU and features for code generation; empty = the host's (llvm::sys::getHostCPUName
  // and getHostCPUFeatures). "x86-64" gives portable code for exported objects.
  // With an explicit cpu, features default to that CPU's own.
  std::string cpu;
  std::string features;  // LLVM feature string, e.g. "+avx2,+fma"
  // Width of the kernel's vectors in bits: 128, 256 or 512, capped at the widest the target CPU
  // has. 0 = the widest it has: 512 with AVX-512 (zmm registers and the 16-lane float / 8-lane
  // double _ZGVe* vector math functions), 256 with AVX/AVX2, else 128. LLVM's own tuning would
  // take 256 on Intel AVX-512 CPUs and x86-64-v4 (not on AMD Zen 4); for these kernels, which
  // run one vector loop full of vector math calls, the wider functions pay (BENCHMARKS.md).
  int prefer_vector_width = 0;
  // Disk cache of compiled objects (NativeKernel only; export always compiles).
  bool use_cache = true;
  std::optional<std::string> cache_dir;  // default: see object_cache.hpp
};

}  // namespace symtorch::jit
