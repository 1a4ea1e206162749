// Internal: the NVPTX kernel shell (grid-stride loop over rows, columns passed by value) around
// the shared DAG code of ir_builder.hpp, with libdevice math.
#pragma once

#include <llvm/IR/Module.h>

#include "ir_builder.hpp"
#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit::detail {

// Calls libdevice for exp/log/sin/cos/tan/tanh/pow (__nv_exp, __nv_expf, ...): NVPTX cannot
// lower llvm.exp.f64 and friends. sqrt and fabs stay intrinsics (sqrt.rn / abs instructions).
std::unique_ptr<MathEmitter> make_libdevice_math_emitter(llvm::Module& module);

// True if the DAG calls libdevice (uses an operator the emitter maps to a __nv_* call).
bool needs_libdevice(const ExpressionDag& dag);

// Defines the kernel `spec.name` with the v1 ABI of ptx_module.hpp and marks it a kernel entry
// (nvvm.annotations).
llvm::Function* build_ptx_kernel(llvm::Module& module, const KernelSpec& spec, const ExpressionDag& dag,
                                 MathEmitter& math);

}  // namespace symtorch::jit::detail
