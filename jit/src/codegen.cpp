#include "codegen.hpp"

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "ir_builder.hpp"
#include "target_machines.hpp"
#include "vector_width.hpp"

namespace symtorch::jit::detail {

namespace {

// Bumped whenever the generated code changes for the same key (IR builder, pipeline).
constexpr const char* kCodegenVersion = "symtorch-jit-codegen 2";

void initialise_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

std::string host_features() {
  std::vector<std::string> parts;
  for (const auto& f : llvm::sys::getHostCPUFeatures()) {
    std::string part(1, f.getValue() ? '+' : '-');
    part += f.getKey().str();
    parts.push_back(std::move(part));
  }
  std::sort(parts.begin(), parts.end());  // deterministic: the string is part of the cache key
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ",") + p;
  return s;
}

// FP contraction only for explicit fmuladd (IEEE semantics); PIC small code model for ORC and .so export.
llvm::TargetMachine& host_target_machine(const TargetDescription& target) {
  TargetMachineConfig config;
  config.triple = target.triple;
  config.cpu = target.cpu;
  config.features = target.features;
  config.opt_level = target.opt_level;
  config.relocation = llvm::Reloc::PIC_;
  config.code_model = llvm::CodeModel::Small;
  return thread_target_machine(config);
}

std::unique_ptr<llvm::TargetLibraryInfoImpl> make_tli(const TargetDescription& target, llvm::TargetMachine& tm) {
  auto tli = std::make_unique<llvm::TargetLibraryInfoImpl>(llvm::Triple(target.triple));
  add_vector_math_mappings(*tli, target.vector_math, *tm.getMCSubtargetInfo(), target.vector_bits);
  return tli;
}

}  // namespace

OptimisedModule::OptimisedModule() = default;
OptimisedModule::OptimisedModule(OptimisedModule&&) noexcept = default;
OptimisedModule::~OptimisedModule() {
  module.reset();  // before its context
  context.reset();
}

TargetDescription resolve_target(const CompileOptions& options) {
  initialise_llvm();
  if (options.opt_level < 0 || options.opt_level > 3)
    throw std::invalid_argument("optimisation level " + std::to_string(options.opt_level) + " is not 0..3");
  TargetDescription t;
  t.triple = llvm::sys::getProcessTriple();
  if (options.cpu.empty()) {
    t.cpu = llvm::sys::getHostCPUName().str();
    t.features = options.features.empty() ? host_features() : options.features;
  } else {
    t.cpu = options.cpu;
    t.features = options.features;
  }
  t.opt_level = options.opt_level;
  // The features of a named CPU come from LLVM's CPU table, so ask its subtarget.
  const llvm::MCSubtargetInfo& subtarget = *host_target_machine(t).getMCSubtargetInfo();
  t.vector_bits = choose_vector_bits(subtarget, options.prefer_vector_width);
  for (const char* f : {"avx2", "fma", "avx512f"})
    if (subtarget.checkFeatures(std::string("+") + f)) t.vector_features += (t.vector_features.empty() ? "" : ",") + std::string(f);
  if (t.vector_features.empty()) t.vector_features = "sse";
  t.vector_math = load_vector_math(options.vector_math);
  return t;
}

std::string target_key_text(const TargetDescription& target) {
  std::string key = kCodegenVersion;
  key += "\nllvm " SYMTORCH_LLVM_VERSION;
  key += "\ntriple " + target.triple + "\ncpu " + target.cpu + "\nfeatures " + target.features;
  key += "\nopt " + std::to_string(target.opt_level) + "\nvector-math " + target.vector_math.label();
  key += "\nvector-bits " + std::to_string(target.vector_bits);
  return key;
}

std::string cache_key_text(const KernelSpec& spec, const ExpressionDag& dag, const TargetDescription& target) {
  std::string key = target_key_text(target);
  key += "\ntype " + std::string(c_type_name(spec.type));
  key += "\nderivatives " + std::string(spec.derivatives ? "1" : "0");
  key += "\nname " + spec.name + "\n";
  key += dag.canonical_text();
  return key;
}

OptimisedModule new_module(const std::string& name, const TargetDescription& target) {
  llvm::TargetMachine& tm = host_target_machine(target);
  OptimisedModule m;
  m.context = std::make_unique<llvm::LLVMContext>();
  m.module = std::make_unique<llvm::Module>(name, *m.context);
  m.module->setTargetTriple(target.triple);
  m.module->setDataLayout(tm.createDataLayout());
  return m;
}

OptimisedModule build_optimised_module(const KernelSpec& spec, const ExpressionDag& dag, const TargetDescription& target) {
  OptimisedModule m = new_module(spec.name, target);
  auto math = make_host_math_emitter(*m.module);
  build_host_kernel(*m.module, spec, dag, *math);
  optimise_module(m, target);
  return m;
}

void optimise_module(OptimisedModule& m, const TargetDescription& target) {
  llvm::TargetMachine& tm = host_target_machine(target);
  for (llvm::Function& f : *m.module) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", target.cpu);
    if (!target.features.empty()) f.addFnAttr("target-features", target.features);
    // "prefer-vector-width" steers the vectorisers (and overrides LLVM's per-CPU preference);
    // "min-legal-vector-width", which clang derives from the widest vector type a function
    // uses, tells the backend which vector types it may keep whole: at 256 on an AVX-512 CPU no
    // zmm register appears at all, at 512 the 'e' vector math calls take their zmm arguments.
    f.addFnAttr("prefer-vector-width", std::to_string(target.vector_bits));
    f.addFnAttr("min-legal-vector-width", std::to_string(target.vector_bits));
  }

  auto tli = make_tli(target, tm);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = target.opt_level >= 2;
  pto.SLPVectorization = target.opt_level >= 2;
  llvm::PassBuilder pb(&tm, pto);
  // Registered before the defaults so the vector math mappings are the TLI every pass sees.
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(*tli); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  switch (target.opt_level) {
    case 0: mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0); break;
    case 1: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O1); break;
    case 2: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2); break;
    default: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3); break;
  }
  mpm.run(*m.module, mam);
}

std::vector<char> emit_object(OptimisedModule& m, const TargetDescription& target) {
  llvm::TargetMachine& tm = host_target_machine(target);
  auto tli = make_tli(target, tm);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  pm.add(new llvm::TargetLibraryInfoWrapperPass(*tli));
  if (tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    throw std::runtime_error("LLVM cannot emit an object file for " + target.triple);
  pm.run(*m.module);
  return std::vector<char>(buffer.begin(), buffer.end());
}

std::string module_text(const OptimisedModule& m) {
  std::string text;
  llvm::raw_string_ostream os(text);
  m.module->print(os, nullptr);
  os.flush();
  return text;
}

}  // namespace symtorch::jit::detail
