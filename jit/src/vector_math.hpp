// Internal: vector math library selection and its mappings for the loop vectoriser.
#pragma once

#include <string>

#include "symtorch/jit/compile_options.hpp"

namespace llvm {
class TargetLibraryInfoImpl;
class MCSubtargetInfo;
}  // namespace llvm

namespace symtorch::jit::detail {

// The library that provides the _ZGV* (x86-64 vector function ABI) symbols.
struct VectorMathLibrary {
  VectorMath kind = VectorMath::None;  // Libmvec, Sleef or None (Auto is resolved)
  std::string soname;                  // "libmvec.so.1", "libsleefgnuabi.so.3" or ""
  std::string label() const;           // "libmvec", "sleef", "none"
};

// Resolves Auto and loads the library into the process (once). Throws std::runtime_error if an
// explicitly requested library cannot be loaded.
VectorMathLibrary load_vector_math(VectorMath requested);

// Adds scalar -> vector mappings for sin, cos, tan, tanh, exp, log, pow, exp2 (double and float, the
// llvm.* intrinsics and the libm names) for every vector width the subtarget supports up to
// `vector_bits`, the width the kernel is compiled for: SSE ('b', always on x86-64), AVX2 ('d',
// 256 bits), AVX-512F ('e', 512 bits; LLVM 19's LIBMVEC-X86 table lacks these). Capping at the
// kernel's width keeps the calls consistent with its "min-legal-vector-width": a 512-bit
// argument in a function limited to 256 bits would be split into two ymm registers, which is
// not how the 'e' functions take it.
void add_vector_math_mappings(llvm::TargetLibraryInfoImpl& tli, const VectorMathLibrary& library,
                              const llvm::MCSubtargetInfo& subtarget, unsigned vector_bits);

}  // namespace symtorch::jit::detail
