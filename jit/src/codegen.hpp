// Internal: KernelSpec -> optimised LLVM module -> object code, for the host (or a chosen x86 CPU).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "symtorch/jit/compile_options.hpp"
#include "symtorch/jit/lowering.hpp"
#include "vector_math.hpp"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
}  // namespace llvm

namespace symtorch::jit::detail {

struct TargetDescription {
  std::string triple, cpu, features;
  int opt_level = 3;
  // Width of the kernel's vectors in bits (see vector_width.hpp): its "prefer-vector-width" and
  // "min-legal-vector-width", and the widest vector math functions it may call.
  unsigned vector_bits = 128;
  std::string vector_features;  // for reports: "avx2,fma,avx512f", "sse", ... (a named CPU's own too)
  VectorMathLibrary vector_math;
};

// Host CPU/features unless the options name them; the vector width from their features; loads
// the vector math library.
TargetDescription resolve_target(const CompileOptions& options);

// The text hashed for the object cache: everything that changes the object code.
std::string cache_key_text(const KernelSpec& spec, const ExpressionDag& dag, const TargetDescription& target);

// One module with one kernel, optimised (O0..O3 pipeline with loop and SLP vectorisation and the
// vector math mappings). The context is owned by the result.
struct OptimisedModule {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  OptimisedModule();
  OptimisedModule(OptimisedModule&&) noexcept;
  ~OptimisedModule();
};
OptimisedModule build_optimised_module(const KernelSpec& spec, const ExpressionDag& dag, const TargetDescription& target);

// The two halves of build_optimised_module, for kernels with another shell (fused_ir.hpp): an
// empty module with the target's triple and data layout; then the target attributes on every
// defined function and the optimisation pipeline.
OptimisedModule new_module(const std::string& name, const TargetDescription& target);
void optimise_module(OptimisedModule& m, const TargetDescription& target);

// The part of a cache key that describes the code generator and the target (first lines of
// cache_key_text).
std::string target_key_text(const TargetDescription& target);

std::vector<char> emit_object(OptimisedModule& m, const TargetDescription& target);
std::string module_text(const OptimisedModule& m);

}  // namespace symtorch::jit::detail
