#include "symtorch/jit/ptx_module.hpp"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "ptx_kernel.hpp"
#include "ptx_libdevice.hpp"
#include "target_machines.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/jit/export.hpp"
#include "symtorch/jit/object_cache.hpp"

namespace symtorch::jit {

namespace {

// Bumped whenever the generated PTX changes for the same key (kernel shell, pipeline, header).
constexpr const char* kPtxCodegenVersion = "symtorch-ptx-codegen 2";
constexpr const char* kTriple = "nvptx64-nvidia-cuda";

void initialise_nvptx() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });
}

// Standard = only explicit fmuladd fuses (we emit none); Fast lets NVPTX contract a*b+c.
llvm::TargetMachine& nvptx_target_machine(const PtxOptions& options) {
  detail::TargetMachineConfig config;
  config.triple = kTriple;
  config.cpu = "sm_" + std::to_string(options.sm);
  config.opt_level = options.opt_level;
  config.fp_op_fusion = options.fma ? llvm::FPOpFusion::Fast : llvm::FPOpFusion::Standard;
  return detail::thread_target_machine(config);
}

void check_options(const PtxOptions& options) {
  const auto& sms = supported_sm_versions();
  if (std::find(sms.begin(), sms.end(), options.sm) == sms.end()) parse_sm("sm_" + std::to_string(options.sm));
  if (options.opt_level < 0 || options.opt_level > 3)
    throw std::invalid_argument("optimisation level " + std::to_string(options.opt_level) + " is not 0..3");
}

// Appends are used instead of "literal" + std::string temporaries, which trip GCC 12's
// -Wrestrict false positive at -O3.
std::string manifest_comment(const KernelSpec& spec) {
  const EquationSet& set = spec.equations;
  std::string text = "// symtorch-kernel v1 name=";
  text.append(spec.name)
      .append(" type=")
      .append(spec.type == ScalarType::Float32 ? "float32" : "float64")
      .append(" inputs=")
      .append(std::to_string(spec.num_inputs()))
      .append(" outputs=")
      .append(std::to_string(spec.num_outputs()))
      .append("\n//   inputs:");
  for (std::uint32_t k = 0; k < set.num_inputs; ++k) {
    text.append(k ? ", " : " ");
    if (set.input_names.empty())
      text.append("x").append(std::to_string(k));
    else
      text.append(set.input_names[k]);
  }
  if (set.num_inputs == 0) text.append(" none");
  text.append("\n");
  for (std::size_t j = 0; j < set.outputs.size(); ++j)
    text.append("//   out_").append(std::to_string(j)).append(" = ").append(to_string(set.outputs[j], set.input_names)).append("\n");
  if (spec.derivatives) {
    const std::string m = std::to_string(set.outputs.size());
    text.append("//   out_").append(m).append(" + j * ").append(std::to_string(set.num_inputs))
        .append(" + k = d out_j / d input_k\n");
  }
  return text;
}

// NVPTX numbers call sites with a process-wide counter and prints it in comments
// ("{ // callseq 7, 0" ... "} // callseq 7"), so the same module would print differently
// depending on what was compiled before. Renumbering them from 0 in order of appearance makes
// the PTX a function of the input only (reproducible exports, comparable files).
std::string renumber_call_sequences(const std::string& ptx) {
  static constexpr std::string_view kMarker = "// callseq ";
  std::map<std::string, std::string> renamed;
  std::string out;
  out.reserve(ptx.size());
  std::size_t pos = 0;
  for (std::size_t at = ptx.find(kMarker); at != std::string::npos; at = ptx.find(kMarker, pos)) {
    const std::size_t digits = at + kMarker.size();
    std::size_t end = digits;
    while (end < ptx.size() && ptx[end] >= '0' && ptx[end] <= '9') ++end;
    out.append(ptx, pos, digits - pos);
    const std::string number = ptx.substr(digits, end - digits);
    auto it = renamed.emplace(number, std::to_string(renamed.size())).first;
    out += it->second;
    pos = end;
  }
  out.append(ptx, pos, std::string::npos);
  return out;
}

struct Prepared {
  std::vector<ExpressionDag> dags;
  std::shared_ptr<const detail::LibdeviceFile> libdevice;  // null when no kernel needs it
  std::string key_text;
};

Prepared prepare(std::span<const KernelSpec> specs, const PtxOptions& options) {
  if (specs.empty()) throw std::invalid_argument("a PTX module needs at least one kernel");
  check_options(options);
  Prepared p;
  std::set<std::string> names;
  bool math = false;
  for (const KernelSpec& spec : specs) {
    p.dags.push_back(build_dag(spec));  // validates the spec
    if (!names.insert(spec.name).second)
      throw std::invalid_argument("two kernels of one PTX module are named '" + spec.name + "'");
    const std::size_t columns = spec.num_inputs() + spec.num_outputs();
    if (columns > kMaxPtxColumns)
      throw std::invalid_argument("kernel '" + spec.name + "' has " + std::to_string(columns) +
                                  " columns (inputs + outputs); a GPU kernel takes at most " +
                                  std::to_string(kMaxPtxColumns) + " (4 KiB of launch parameters)");
    math = math || detail::needs_libdevice(p.dags.back());
  }
  if (math) p.libdevice = detail::load_libdevice(options.libdevice ? *options.libdevice : find_libdevice());

  p.key_text = kPtxCodegenVersion;
  p.key_text += "\nllvm " SYMTORCH_LLVM_VERSION;
  p.key_text += "\nsm " + std::to_string(options.sm) + "\nopt " + std::to_string(options.opt_level);
  p.key_text += "\nfma " + std::string(options.fma ? "1" : "0");
  p.key_text += "\nlibdevice " + (p.libdevice ? p.libdevice->digest : std::string("none"));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    p.key_text += "\nkernel " + specs[i].name + " " + std::string(c_type_name(specs[i].type)) +
                  (specs[i].derivatives ? " derivatives" : "") + "\n";
    p.key_text += p.dags[i].canonical_text();
    p.key_text += manifest_comment(specs[i]);  // names and equation text appear in the PTX
  }
  return p;
}

std::string generate(std::span<const KernelSpec> specs, const Prepared& p, const PtxOptions& options) {
  llvm::TargetMachine& tm = nvptx_target_machine(options);
  llvm::LLVMContext context;
  auto module = std::make_unique<llvm::Module>("symtorch_ptx", context);
  module->setTargetTriple(kTriple);
  module->setDataLayout(tm.createDataLayout());
  // NVVMReflect answers libdevice's __nvvm_reflect("__CUDA_FTZ") from this flag: 0 keeps
  // denormals (IEEE, like the CPU kernels).
  module->addModuleFlag(llvm::Module::Override, "nvvm-reflect-ftz", std::uint32_t{0});

  auto math = detail::make_libdevice_math_emitter(*module);
  std::set<std::string> kernels;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    detail::build_ptx_kernel(*module, specs[i], p.dags[i], *math);
    kernels.insert(specs[i].name);
  }
  if (p.libdevice) detail::link_libdevice(*module, *p.libdevice);
  // Only the kernels are entry points: everything else (libdevice) is internal, so it is
  // inlined and the unused rest is deleted instead of appearing in the PTX.
  for (llvm::Function& f : *module)
    if (!f.isDeclaration() && !kernels.count(f.getName().str())) f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable& g : module->globals())
    if (!g.isDeclaration()) g.setLinkage(llvm::GlobalValue::InternalLinkage);

  std::string problems;
  llvm::raw_string_ostream problem_stream(problems);
  if (llvm::verifyModule(*module, &problem_stream))
    throw std::runtime_error("internal error: invalid NVPTX module: " + problems);

  {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    // The target machine registers NVVMReflect (with __CUDA_ARCH from the SM) at pipeline start;
    // the code generator runs it again, so O0 modules are reflected too.
    llvm::PassBuilder pb(&tm);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    static const llvm::OptimizationLevel levels[] = {llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1,
                                                     llvm::OptimizationLevel::O2, llvm::OptimizationLevel::O3};
    llvm::ModulePassManager mpm = options.opt_level == 0 ? pb.buildO0DefaultPipeline(levels[0])
                                                         : pb.buildPerModuleDefaultPipeline(levels[options.opt_level]);
    mpm.run(*module, mam);
  }

  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile))
    throw std::runtime_error("LLVM cannot emit PTX for sm_" + std::to_string(options.sm));
  pm.run(*module);

  std::string text = "// symtorch PTX module: " + std::to_string(specs.size()) + " kernel(s) for sm_" +
                     std::to_string(options.sm) + ", launch ABI v1 (see symtorch/jit/ptx_module.hpp)\n";
  for (const KernelSpec& spec : specs) text += manifest_comment(spec);
  text += renumber_call_sequences(std::string(buffer.begin(), buffer.end()));
  return text;
}

}  // namespace

const std::vector<int>& supported_sm_versions() {
  static const std::vector<int> sms = {70, 72, 75, 80, 86, 87, 89, 90};
  return sms;
}

int parse_sm(std::string_view text) {
  std::string_view digits = text.substr(0, 3) == "sm_" ? text.substr(3) : text;
  int sm = 0;
  bool numeric = !digits.empty() && digits.size() <= 3;
  for (char c : digits) {
    if (c < '0' || c > '9') numeric = false;
    else sm = sm * 10 + (c - '0');
  }
  const auto& sms = supported_sm_versions();
  if (numeric && std::find(sms.begin(), sms.end(), sm) != sms.end()) return sm;
  std::string list;
  for (int s : sms) list += (list.empty() ? "sm_" : ", sm_") + std::to_string(s);
  throw std::invalid_argument("unsupported GPU architecture '" + std::string(text) + "' (supported: " + list + ")");
}

PtxModule PtxModule::compile(const KernelSpec& spec, const PtxOptions& options) {
  return compile(std::span<const KernelSpec>(&spec, 1), options);
}

PtxModule PtxModule::compile(std::span<const KernelSpec> specs, const PtxOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  initialise_nvptx();
  Prepared p = prepare(specs, options);

  PtxModule m;
  m.sm_ = options.sm;
  m.cache_key_ = ObjectCache::digest(p.key_text);
  for (const KernelSpec& spec : specs)
    m.kernels_.push_back({spec.name, spec.type, spec.num_inputs(), spec.num_outputs(), spec.derivatives});

  const ObjectCache cache((options.cache_dir ? std::filesystem::path(*options.cache_dir) : default_cache_dir()) / "ptx");
  if (options.use_cache) {
    if (auto stored = cache.load(p.key_text)) {
      m.ptx_.assign(stored->begin(), stored->end());
      m.from_cache_ = true;
    }
  }
  if (!m.from_cache_) {
    m.ptx_ = generate(specs, p, options);
    if (options.use_cache) cache.store(p.key_text, std::vector<char>(m.ptx_.begin(), m.ptx_.end()));
  }
  m.compile_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return m;
}

void PtxModule::write(const std::filesystem::path& path) const { write_file_atomically(path, ptx_.data(), ptx_.size()); }

}  // namespace symtorch::jit
