// Internal: LLVM IR for an ExpressionDag. Shared by the host JIT (jit/src) and the NVPTX backend,
// which plugs in its own MathEmitter (libdevice __nv_* calls) and its own kernel shell
// (one row per thread instead of a loop). Includes LLVM headers: keep it out of public headers.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit::detail {

llvm::Type* scalar_llvm_type(llvm::LLVMContext& context, ScalarType type);

// Emits the operators that are not plain IEEE arithmetic: Sqrt, Exp, Log, Sin, Cos, Tan, Tanh,
// Abs (unary, args.size() == 1) and Pow (binary). Add/Sub/Mul/Div/Neg/Square/Cube/Inv are
// emitted by emit_dag_values itself as fadd/fsub/fmul/fdiv/fneg, identical on every target.
class MathEmitter {
 public:
  virtual ~MathEmitter() = default;
  virtual llvm::Value* emit(llvm::IRBuilder<>& builder, Op op, llvm::ArrayRef<llvm::Value*> args) = 0;
};

// Host CPU: llvm.sqrt/exp/log/sin/cos/tan/fabs/pow intrinsics and a memory(none) call to libm
// tanh/tanhf, which the loop vectoriser maps to libmvec through the TargetLibraryInfo (see
// vector_math.hpp).
std::unique_ptr<MathEmitter> make_host_math_emitter(llvm::Module& module);

// Loads input k for the current row (called at most once per used input, in first-use order).
using InputLoader = std::function<llvm::Value*(std::uint32_t input)>;

// Straight-line code for one row: returns one value per dag.outputs() entry. Without fast-math
// flags, so NaN/Inf and signed zeros behave as IEEE (the interpreter's semantics).
std::vector<llvm::Value*> emit_dag_values(llvm::IRBuilder<>& builder, const ExpressionDag& dag,
                                          ScalarType type, const InputLoader& load_input,
                                          MathEmitter& math);

// Defines spec.name with the C ABI `void NAME(const T* const* in, T* const* out, int64_t n)`:
// loads the column pointers once and calls an internal always-inline row loop whose column
// parameters are `noalias`, so after inlining the loop vectorises without runtime alias checks.
llvm::Function* build_host_kernel(llvm::Module& module, const KernelSpec& spec, const ExpressionDag& dag,
                                  MathEmitter& math);

}  // namespace symtorch::jit::detail
