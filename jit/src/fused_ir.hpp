// Internal: LLVM IR of a FusedKernel's forward and backward entry points (the lowering is
// described in symtorch/jit/fused_kernel.hpp). Includes LLVM headers: keep it out of public ones.
#pragma once

#include <llvm/IR/Module.h>

#include <cstddef>

#include "ir_builder.hpp"
#include "symtorch/jit/fused_kernel.hpp"

namespace symtorch::jit::detail {

// Rows per block: one column of a block is 512 bytes (8 cache lines; 128 floats, 64 doubles),
// so a block's columns of a few dozen variables stay in L1 and every stage's loop over the
// block runs several full-width vector iterations per loop entry.
std::size_t fused_block_rows(ScalarType type);
// Elements of scratch one call needs (the larger of forward and backward).
std::size_t fused_scratch_elements(const FusedSpec& spec);

// Define spec.name (forward) and spec.name + "_grad" (backward) with the ABI of
// fused_kernel.hpp. The spec must be valid (validate(FusedSpec)).
void build_fused_forward(llvm::Module& module, const FusedSpec& spec, MathEmitter& math);
void build_fused_backward(llvm::Module& module, const FusedSpec& spec, MathEmitter& math);

}  // namespace symtorch::jit::detail
