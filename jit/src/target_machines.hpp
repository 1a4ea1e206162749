// Internal: the per-thread cache of LLVM TargetMachines shared by the native and the PTX code
// generators. A TargetMachine must not be used by two threads at once, and creating one costs
// about a millisecond, so every thread keeps one per configuration.
#pragma once

#include <llvm/Support/CodeGen.h>
#include <llvm/Target/TargetOptions.h>

#include <optional>
#include <string>

namespace llvm {
class TargetMachine;
}

namespace symtorch::jit::detail {

struct TargetMachineConfig {
  std::string triple, cpu, features;
  int opt_level = 3;  // 0..3, mapped onto LLVM's CodeGenOptLevel
  llvm::FPOpFusion::FPOpFusionMode fp_op_fusion = llvm::FPOpFusion::Standard;  // Standard = only explicit fmuladd
  std::optional<llvm::Reloc::Model> relocation;   // unset = the target's default
  std::optional<llvm::CodeModel::Model> code_model;
};

llvm::CodeGenOptLevel codegen_level(int opt_level);

// This thread's TargetMachine for `config`, created on first use. Throws std::runtime_error
// naming the triple and CPU when LLVM has no such target (its Initialize* calls must have run),
// std::invalid_argument naming the CPU when the target does not know it.
llvm::TargetMachine& thread_target_machine(const TargetMachineConfig& config);

}  // namespace symtorch::jit::detail
