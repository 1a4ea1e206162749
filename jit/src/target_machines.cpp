#include "target_machines.hpp"

#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Target/TargetMachine.h>

#include <map>
#include <memory>
#include <stdexcept>

namespace symtorch::jit::detail {

llvm::CodeGenOptLevel codegen_level(int opt_level) {
  switch (opt_level) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::Less;
    case 2: return llvm::CodeGenOptLevel::Default;
    default: return llvm::CodeGenOptLevel::Aggressive;
  }
}

llvm::TargetMachine& thread_target_machine(const TargetMachineConfig& config) {
  thread_local std::map<std::string, std::unique_ptr<llvm::TargetMachine>> machines;
  const std::string key = config.triple + "|" + config.cpu + "|" + config.features + "|" +
                          std::to_string(config.opt_level) + "|" + std::to_string(static_cast<int>(config.fp_op_fusion)) +
                          "|" + (config.relocation ? std::to_string(static_cast<int>(*config.relocation)) : "-") + "|" +
                          (config.code_model ? std::to_string(static_cast<int>(*config.code_model)) : "-");
  if (auto it = machines.find(key); it != machines.end()) return *it->second;
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(config.triple, error);
  if (!target) throw std::runtime_error("LLVM has no target for " + config.triple + ": " + error);
  // LLVM only warns on stderr about a CPU name it does not know and then generates generic code.
  if (!config.cpu.empty()) {
    std::unique_ptr<llvm::MCSubtargetInfo> generic(target->createMCSubtargetInfo(config.triple, "", ""));
    if (generic && !generic->isCPUStringValid(config.cpu))
      throw std::invalid_argument("unknown target CPU '" + config.cpu + "' for " + config.triple +
                                  " (x86-64 CPUs are named e.g. x86-64, x86-64-v3, x86-64-v4, haswell, skylake-avx512, znver4)");
  }
  llvm::TargetOptions options;  // IEEE semantics: no fast-math
  options.AllowFPOpFusion = config.fp_op_fusion;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(config.triple, config.cpu, config.features, options,
                                                                      config.relocation, config.code_model,
                                                                      codegen_level(config.opt_level)));
  if (!tm) throw std::runtime_error("LLVM cannot create a target machine for " + config.triple + " cpu " + config.cpu);
  return *machines.emplace(key, std::move(tm)).first->second;
}

}  // namespace symtorch::jit::detail
