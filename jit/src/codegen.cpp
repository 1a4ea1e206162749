#include "codegen.hpp"

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "ir_builder.hpp"

namespace symtorch::jit::detail {

namespace {

// Bumped whenever the generated code changes for the same key (IR builder, pipeline).
constexpr const char* kCodegenVersion = "symtorch-jit-codegen 1";

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

llvm::CodeGenOptLevel codegen_level(int opt_level) {
  switch (opt_level) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::Less;
    case 2: return llvm::CodeGenOptLevel::Default;
    default: return llvm::CodeGenOptLevel::Aggressive;
  }
}

// TargetMachine is not safe to share between threads that compile at the same time, so every
// thread keeps its own (creating one costs about a millisecond; reuse keeps compiles cheap).
llvm::TargetMachine& thread_target_machine(const TargetDescription& target) {
  thread_local std::map<std::string, std::unique_ptr<llvm::TargetMachine>> machines;
  const std::string key = target.triple + "|" + target.cpu + "|" + target.features + "|" + std::to_string(target.opt_level);
  auto it = machines.find(key);
  if (it != machines.end()) return *it->second;
  std::string error;
  const llvm::Target* t = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (!t) throw std::runtime_error("LLVM has no target for " + target.triple + ": " + error);
  llvm::TargetOptions options;  // IEEE semantics: no fast-math, FP contraction only for fmuladd
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(target.triple, target.cpu, target.features, options,
                                                                 llvm::Reloc::PIC_, llvm::CodeModel::Small,
                                                                 codegen_level(target.opt_level)));
  if (!tm) throw std::runtime_error("LLVM cannot create a target machine for " + target.triple + " cpu " + target.cpu);
  return *machines.emplace(key, std::move(tm)).first->second;
}

std::unique_ptr<llvm::TargetLibraryInfoImpl> make_tli(const TargetDescription& target, llvm::TargetMachine& tm) {
  auto tli = std::make_unique<llvm::TargetLibraryInfoImpl>(llvm::Triple(target.triple));
  add_vector_math_mappings(*tli, target.vector_math, *tm.getMCSubtargetInfo());
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
  if (options.prefer_vector_width != 0 && options.prefer_vector_width != 128 && options.prefer_vector_width != 256 &&
      options.prefer_vector_width != 512)
    throw std::invalid_argument("prefer_vector_width must be 0, 128, 256 or 512, not " +
                                std::to_string(options.prefer_vector_width));
  t.prefer_vector_width = options.prefer_vector_width;
  t.vector_math = load_vector_math(options.vector_math);
  return t;
}

std::string cache_key_text(const KernelSpec& spec, const ExpressionDag& dag, const TargetDescription& target) {
  std::string key = kCodegenVersion;
  key += "\nllvm " SYMTORCH_LLVM_VERSION;
  key += "\ntriple " + target.triple + "\ncpu " + target.cpu + "\nfeatures " + target.features;
  key += "\nopt " + std::to_string(target.opt_level) + "\nvector-math " + target.vector_math.label();
  key += "\nprefer-vector-width " + std::to_string(target.prefer_vector_width);
  key += "\ntype " + std::string(c_type_name(spec.type));
  key += "\nderivatives " + std::string(spec.derivatives ? "1" : "0");
  key += "\nname " + spec.name + "\n";
  key += dag.canonical_text();
  return key;
}

OptimisedModule build_optimised_module(const KernelSpec& spec, const ExpressionDag& dag, const TargetDescription& target) {
  llvm::TargetMachine& tm = thread_target_machine(target);
  OptimisedModule m;
  m.context = std::make_unique<llvm::LLVMContext>();
  m.module = std::make_unique<llvm::Module>(spec.name, *m.context);
  m.module->setTargetTriple(target.triple);
  m.module->setDataLayout(tm.createDataLayout());

  auto math = make_host_math_emitter(*m.module);
  build_host_kernel(*m.module, spec, dag, *math);
  for (llvm::Function& f : *m.module) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", target.cpu);
    if (!target.features.empty()) f.addFnAttr("target-features", target.features);
    if (target.prefer_vector_width != 0) f.addFnAttr("prefer-vector-width", std::to_string(target.prefer_vector_width));
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
  return m;
}

std::vector<char> emit_object(OptimisedModule& m, const TargetDescription& target) {
  llvm::TargetMachine& tm = thread_target_machine(target);
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
