#include "symtorch/jit/fused_kernel.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>

#include "codegen.hpp"
#include "fused_ir.hpp"
#include "kernel_linking.hpp"
#include "symtorch/jit/object_cache.hpp"

namespace symtorch::jit {

std::size_t FusedSpec::num_features() const {
  if (transforms.empty()) return num_inputs;
  return transforms.size() + (keep_inputs ? num_inputs : 0);
}

std::size_t FusedSpec::num_variables() const { return pca_inputs > 0 ? pca_inputs : num_features(); }

FusedLayout fused_layout(const FusedSpec& spec) {
  FusedLayout l;
  std::size_t at = 0;
  if (spec.pca_inputs > 0) {
    l.in_components = at, at += spec.pca_inputs * spec.num_features();
    l.in_mean = at, at += spec.num_features();
  }
  if (spec.output_pca) {
    l.out_components = at, at += spec.equations.size() * spec.num_outputs;
    l.out_mean = at, at += spec.num_outputs;
  }
  l.size = std::max<std::size_t>(at, 1);
  return l;
}

namespace {

// Each expression set through the plain kernel's checks (operators, variable range, shape).
void validate_set(const std::vector<Expression>& set, std::size_t num_inputs, const std::string& what,
                  const std::string& name) {
  KernelSpec k;
  k.equations.outputs = set;
  k.equations.num_inputs = static_cast<std::uint32_t>(num_inputs);
  k.name = name;
  try {
    validate(k);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("fused kernel '" + name + "', " + what + ": " + e.what());
  }
}

}  // namespace

void validate(const FusedSpec& s) {
  const std::string where = "fused kernel '" + s.name + "'";
  if (s.num_inputs == 0) throw std::invalid_argument(where + " has no inputs");
  if (s.equations.empty()) throw std::invalid_argument(where + " has no equations");
  if (s.keep_inputs && s.transforms.empty())
    throw std::invalid_argument(where + ": keep_inputs without transforms");
  if (s.pca_inputs > s.num_features())
    throw std::invalid_argument(where + ": " + std::to_string(s.pca_inputs) + " input components of " +
                                std::to_string(s.num_features()) + " features");
  if (!s.output_pca && s.num_outputs != s.equations.size())
    throw std::invalid_argument(where + " has " + std::to_string(s.equations.size()) + " equations for " +
                                std::to_string(s.num_outputs) + " outputs (and no output PCA)");
  if (s.output_pca && s.num_outputs == 0) throw std::invalid_argument(where + " has no outputs");
  if (!s.transforms.empty()) validate_set(s.transforms, s.num_inputs, "transforms", s.name);
  validate_set(s.equations, s.num_variables(), "equations", s.name);
  validate_set(s.equations, s.num_variables(), "backward", s.name + "_grad");  // the backward's name too
}

struct FusedKernel::Impl {
  FusedSpec spec;
  FusedLayout layout;
  std::size_t block_rows = 0, scratch = 0;
  detail::LinkedCode forward, backward;
  bool from_cache = false;
  double compile_ms = 0;
};

namespace {

constexpr const char* kFusedVersion = "symtorch-fused 1";

std::string key_text(const FusedSpec& s, const detail::TargetDescription& target, const char* half) {
  std::string key = detail::target_key_text(target);
  key += "\n" + std::string(kFusedVersion) + " " + half;
  key += "\ntype " + std::string(c_type_name(s.type)) + "\nname " + s.name;
  key += "\ninputs " + std::to_string(s.num_inputs) + " keep " + (s.keep_inputs ? "1" : "0") + " pca_in " +
         std::to_string(s.pca_inputs) + " output_pca " + (s.output_pca ? "1" : "0") + " outputs " +
         std::to_string(s.num_outputs);
  key += "\ntransforms " + std::to_string(s.transforms.size()) + "\n";
  if (!s.transforms.empty()) key += ExpressionDag(s.transforms, s.num_inputs).canonical_text();
  key += "\nequations " + std::to_string(s.equations.size()) + "\n";
  key += ExpressionDag(s.equations, static_cast<std::uint32_t>(s.num_variables())).canonical_text();
  return key;
}

// One half (forward or backward) as an object, from the cache or compiled, then linked.
detail::LinkedCode build_half(const FusedSpec& spec, const detail::TargetDescription& target,
                              const std::optional<ObjectCache>& cache, bool backward, bool& from_cache) {
  const char* half = backward ? "backward" : "forward";
  const std::string symbol = backward ? spec.name + "_grad" : spec.name;
  const std::string key = key_text(spec, target, half);
  if (cache) {
    if (auto object = cache->load(key)) {
      try {
        auto code = detail::link_object(*object, symbol, target.vector_math);
        from_cache = true;
        return code;
      } catch (const std::runtime_error&) {
        // Recompiled and replaced below (as NativeKernel does).
      }
    }
  }
  from_cache = false;
  auto m = detail::new_module(symbol, target);
  auto math = detail::make_host_math_emitter(*m.module);
  if (backward) detail::build_fused_backward(*m.module, spec, *math);
  else detail::build_fused_forward(*m.module, spec, *math);
  detail::optimise_module(m, target);
  std::vector<char> object = detail::emit_object(m, target);
  if (cache) cache->store(key, object);
  return detail::link_object(object, symbol, target.vector_math);
}

}  // namespace

FusedKernel FusedKernel::compile(const FusedSpec& spec, const CompileOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  validate(spec);
  auto target = detail::resolve_target(options);
  std::optional<ObjectCache> cache;
  if (options.use_cache) cache.emplace(options.cache_dir ? std::filesystem::path(*options.cache_dir) : default_cache_dir());
  auto impl = std::make_shared<Impl>();
  impl->spec = spec;
  impl->layout = fused_layout(spec);
  impl->block_rows = detail::fused_block_rows(spec.type);
  impl->scratch = detail::fused_scratch_elements(spec);
  bool forward_cached = false, backward_cached = false;
  impl->forward = build_half(spec, target, cache, false, forward_cached);
  impl->backward = build_half(spec, target, cache, true, backward_cached);
  impl->from_cache = forward_cached && backward_cached;
  impl->compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return FusedKernel(std::move(impl));
}

const FusedSpec& FusedKernel::spec() const { return impl_->spec; }
const FusedLayout& FusedKernel::layout() const { return impl_->layout; }
std::size_t FusedKernel::block_rows() const { return impl_->block_rows; }
std::size_t FusedKernel::scratch_elements() const { return impl_->scratch; }
bool FusedKernel::needs_saved() const { return !impl_->spec.transforms.empty() || impl_->spec.pca_inputs > 0; }
bool FusedKernel::from_cache() const { return impl_->from_cache; }
double FusedKernel::compile_ms() const { return impl_->compile_ms; }

namespace {
void check_type(const FusedSpec& s, ScalarType wanted) {
  if (s.type != wanted)
    throw std::invalid_argument("fused kernel '" + s.name + "' computes in " + std::string(c_type_name(s.type)) +
                                ", not " + std::string(c_type_name(wanted)));
}
}  // namespace

FusedForwardF32 FusedKernel::forward_f32() const {
  check_type(impl_->spec, ScalarType::Float32);
  return reinterpret_cast<FusedForwardF32>(impl_->forward.function);
}
FusedForwardF64 FusedKernel::forward_f64() const {
  check_type(impl_->spec, ScalarType::Float64);
  return reinterpret_cast<FusedForwardF64>(impl_->forward.function);
}
FusedBackwardF32 FusedKernel::backward_f32() const {
  check_type(impl_->spec, ScalarType::Float32);
  return reinterpret_cast<FusedBackwardF32>(impl_->backward.function);
}
FusedBackwardF64 FusedKernel::backward_f64() const {
  check_type(impl_->spec, ScalarType::Float64);
  return reinterpret_cast<FusedBackwardF64>(impl_->backward.function);
}

}  // namespace symtorch::jit
