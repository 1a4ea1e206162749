#include "symtorch/jit/native_kernel.hpp"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/MemoryBuffer.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>

#include "codegen.hpp"
#include "kernel_linking.hpp"
#include "symtorch/jit/object_cache.hpp"

namespace symtorch::jit {

namespace {

std::string error_text(llvm::Error e) { return llvm::toString(std::move(e)); }

// One LLJIT for the process; every kernel gets its own JITDylib (so equal kernel names never
// clash and a kernel's code is freed with its last NativeKernel copy). Kernels are compiled to
// objects outside this class, each thread with its own LLVMContext and TargetMachine, so
// compiles run concurrently; only linking into the session (cheap) is serialised here.
class JitRuntime {
 public:
  static JitRuntime& instance() {
    // Never destroyed: kernels held in static objects may be released after main returns.
    static JitRuntime* runtime = new JitRuntime();
    return *runtime;
  }

  struct Loaded {
    llvm::orc::JITDylib* dylib = nullptr;
    void* function = nullptr;
  };

  Loaded load(const std::vector<char>& object, const std::string& symbol, const detail::VectorMathLibrary& math) {
    std::lock_guard lock(mutex_);
    auto dylib = jit_->createJITDylib(symbol + "#" + std::to_string(counter_++));
    if (!dylib) throw std::runtime_error("JIT: " + error_text(dylib.takeError()));
    llvm::orc::JITDylib& jd = *dylib;
    // The chosen vector math library resolves _ZGV* symbols before the process does (libmvec and
    // SLEEF's GNU-ABI build export the same names).
    llvm::orc::JITDylibSearchOrder order;
    if (math.kind != VectorMath::None)
      order.push_back({&library_dylib(math.soname), llvm::orc::JITDylibLookupFlags::MatchExportedSymbolsOnly});
    for (auto& link : jit_->defaultLinkOrder()) order.push_back(link);
    jd.setLinkOrder(std::move(order), /*LinkAgainstThisJITDylibFirst=*/true);

    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), symbol + ".o");
    if (auto err = jit_->addObjectFile(jd, std::move(buffer))) {
      remove(jd);
      throw std::runtime_error("JIT: cannot add the object of kernel '" + symbol + "': " + error_text(std::move(err)));
    }
    auto address = jit_->lookup(jd, symbol);
    if (!address) {
      remove(jd);
      throw std::runtime_error("JIT: cannot link kernel '" + symbol + "': " + error_text(address.takeError()));
    }
    return {&jd, address->toPtr<void*>()};
  }

  void unload(llvm::orc::JITDylib* jd) {
    std::lock_guard lock(mutex_);
    remove(*jd);
  }

 private:
  JitRuntime() {
    auto jit = llvm::orc::LLJITBuilder().create();
    if (!jit) throw std::runtime_error("JIT: cannot create LLJIT: " + error_text(jit.takeError()));
    jit_ = std::move(*jit);
  }

  void remove(llvm::orc::JITDylib& jd) {
    if (auto err = jit_->getExecutionSession().removeJITDylib(jd)) llvm::consumeError(std::move(err));
  }

  llvm::orc::JITDylib& library_dylib(const std::string& soname) {
    auto it = libraries_.find(soname);
    if (it != libraries_.end()) return *it->second;
    auto generator = llvm::orc::DynamicLibrarySearchGenerator::Load(soname.c_str(), jit_->getDataLayout().getGlobalPrefix());
    if (!generator) throw std::runtime_error("JIT: cannot open " + soname + ": " + error_text(generator.takeError()));
    llvm::orc::JITDylib& jd = jit_->getExecutionSession().createBareJITDylib("vector-math:" + soname);
    jd.addGenerator(std::move(*generator));
    libraries_.emplace(soname, &jd);
    return jd;
  }

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::mutex mutex_;
  std::map<std::string, llvm::orc::JITDylib*> libraries_;
  std::uint64_t counter_ = 0;
};

}  // namespace

namespace detail {

struct LoadedKernel {
  llvm::orc::JITDylib* dylib = nullptr;
  void* function = nullptr;
  std::size_t num_inputs = 0, num_outputs = 0;
  ScalarType type = ScalarType::Float64;
  std::string name;
  bool from_cache = false;
  double compile_ms = 0;
  std::string cache_key;

  LoadedKernel() = default;
  LoadedKernel(const LoadedKernel&) = delete;
  LoadedKernel& operator=(const LoadedKernel&) = delete;
  ~LoadedKernel() {
    if (dylib) JitRuntime::instance().unload(dylib);
  }
};

}  // namespace detail

NativeKernel NativeKernel::compile(const KernelSpec& spec, const CompileOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  ExpressionDag dag = build_dag(spec);
  auto target = detail::resolve_target(options);
  const std::string key = detail::cache_key_text(spec, dag, target);

  std::optional<ObjectCache> cache;
  if (options.use_cache) cache.emplace(options.cache_dir ? std::filesystem::path(*options.cache_dir) : default_cache_dir());

  auto kernel = std::make_shared<detail::LoadedKernel>();
  kernel->num_inputs = spec.num_inputs();
  kernel->num_outputs = spec.num_outputs();
  kernel->type = spec.type;
  kernel->name = spec.name;
  kernel->cache_key = ObjectCache::digest(key);

  JitRuntime& runtime = JitRuntime::instance();
  if (cache) {
    if (auto object = cache->load(key)) {
      try {
        auto loaded = runtime.load(*object, spec.name, target.vector_math);
        kernel->dylib = loaded.dylib;
        kernel->function = loaded.function;
        kernel->from_cache = true;
      } catch (const std::runtime_error&) {
        // An entry that passed its checksum but does not link (e.g. written by a different
        // build with the same key) is recompiled and replaced below.
      }
    }
  }
  if (!kernel->function) {
    auto module = detail::build_optimised_module(spec, dag, target);
    std::vector<char> object = detail::emit_object(module, target);
    if (cache) cache->store(key, object);
    auto loaded = runtime.load(object, spec.name, target.vector_math);
    kernel->dylib = loaded.dylib;
    kernel->function = loaded.function;
  }
  kernel->compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return NativeKernel(std::move(kernel));
}

namespace {

void check(const detail::LoadedKernel& k, ScalarType wanted, std::int64_t n) {
  if (k.type != wanted)
    throw std::invalid_argument("kernel '" + k.name + "' computes in " + std::string(c_type_name(k.type)) +
                                " but was given " + std::string(c_type_name(wanted)) + " columns");
  if (n < 0) throw std::invalid_argument("kernel '" + k.name + "': negative row count " + std::to_string(n));
}

}  // namespace

void NativeKernel::run(const float* const* inputs, float* const* outputs, std::int64_t n) const {
  check(*impl_, ScalarType::Float32, n);
  call_kernel(reinterpret_cast<KernelFnF32>(impl_->function), inputs, outputs, n);
}

void NativeKernel::run(const double* const* inputs, double* const* outputs, std::int64_t n) const {
  check(*impl_, ScalarType::Float64, n);
  call_kernel(reinterpret_cast<KernelFnF64>(impl_->function), inputs, outputs, n);
}

void NativeKernel::run(ScalarType type, const void* const* inputs, void* const* outputs, std::int64_t n) const {
  check(*impl_, type, n);
  // The kernel reads the column pointers as plain addresses, so the untyped arrays pass through.
  using Untyped = void (*)(const void* const*, void* const*, std::int64_t);
  call_kernel(reinterpret_cast<Untyped>(impl_->function), inputs, outputs, n);
}

KernelFnF32 NativeKernel::function_f32() const {
  check(*impl_, ScalarType::Float32, 0);
  return reinterpret_cast<KernelFnF32>(impl_->function);
}

KernelFnF64 NativeKernel::function_f64() const {
  check(*impl_, ScalarType::Float64, 0);
  return reinterpret_cast<KernelFnF64>(impl_->function);
}

std::size_t NativeKernel::num_inputs() const { return impl_->num_inputs; }
std::size_t NativeKernel::num_outputs() const { return impl_->num_outputs; }
ScalarType NativeKernel::type() const { return impl_->type; }
const std::string& NativeKernel::name() const { return impl_->name; }
bool NativeKernel::from_cache() const { return impl_->from_cache; }
double NativeKernel::compile_ms() const { return impl_->compile_ms; }
const std::string& NativeKernel::cache_key() const { return impl_->cache_key; }

std::string host_target_description(const CompileOptions& options) {
  auto target = detail::resolve_target(options);
  return target.triple + ", cpu " + target.cpu + " (" + target.vector_features + "), " +
         std::to_string(target.vector_bits) + "-bit vectors, vector math " + target.vector_math.label() + ", O" +
         std::to_string(target.opt_level);
}

namespace detail {

LinkedCode link_object(const std::vector<char>& object, const std::string& symbol, const VectorMathLibrary& math) {
  auto loaded = JitRuntime::instance().load(object, symbol, math);
  LinkedCode code;
  code.owner = std::shared_ptr<void>(static_cast<void*>(loaded.dylib), [](void* dylib) {
    JitRuntime::instance().unload(static_cast<llvm::orc::JITDylib*>(dylib));
  });
  code.function = loaded.function;
  return code;
}

}  // namespace detail

}  // namespace symtorch::jit
