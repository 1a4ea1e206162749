// A symbolic surrogate of a transformer MLP, fused into one JIT kernel, against the MLP it
// replaces and against the same surrogate as separate tensor ops, all measured in this run on
// the CPU in float32.
//
//   usage: bench_fused_layer [seconds-per-measurement=1] [rows...=256 1024 8192]
//
// MLP: a Qwen2-style SwiGLU (symtorch::lm::SwiGLU, as in the LLM study), hidden 128,
// intermediate 744, down(silu(gate(x)) * up(x)), no biases.
// Surrogate: 128 features -> 32 input PCA components -> 8 equations (the study's operators
// + * inv sin exp; each uses 4-5 components and has 13-17 nodes; two sub-expressions shared
// between equations) -> 8 output PCA components -> 128 outputs. PCA bases fitted to random
// correlated data (their values do not change the work).
//   fused:   SymbolicModel's symbolic path (FusedLayer: one kernel call per thread's rows)
//   unfused: UnfusedLayer (Equation op for the equations, torch matmuls for the PCA)
// For each row count: no-grad forward, and forward + backward (gradient w.r.t. the input), with
// one intra-op thread and with libtorch's default; ms per call and ratios against the MLP and
// the unfused path measured in the same run. Also the fused kernel's compile time (cache off).
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "symtorch/engine/parser.hpp"
#include "symtorch/jit/native_kernel.hpp"
#include "symtorch/lm/decoder.hpp"
#include "symtorch/torch/fused_layer.hpp"
#include "symtorch/torch/unfused_layer.hpp"
#include "time_per_call.hpp"

namespace {

using symtorch::bench::time_per_call;

std::vector<std::string> numbered(const std::string& prefix, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

symtorch::Pca random_pca(std::int64_t d, std::size_t k, std::uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor rows = (torch::randn({2000, d}, at::kDouble).matmul(torch::randn({d, d}, at::kDouble))).contiguous();
  return symtorch::Pca::fit(rows.data_ptr<double>(), 2000, static_cast<std::size_t>(d), k);
}

// The surrogate as a distillation with one front member per output component.
symtorch::Distillation surrogate() {
  const std::vector<std::string> equations = {
      "sin(pc0 * 0.8 + pc5) * pc1 + exp(pc2 * 0.1) * 0.3",
      "pc3 * pc4 + inv(pc0 * pc0 + 1.5) * pc6",
      "sin(pc7) * exp(pc8 * 0.05) + pc9 * 0.4 - pc1",
      "inv(pc10 * pc10 + 2.0) + sin(pc0 * 0.8 + pc5) * pc11",
      "exp(pc12 * -0.2) * pc13 + pc14 * pc15 * 0.1",
      "sin(pc16 + pc17 * 0.5) * 1.7 + pc18 * pc3",
      "pc19 * inv(pc20 * pc20 + 1.0) + exp(pc21 * 0.07) * pc22",
      "sin(pc23 * pc24) + pc25 * 0.9 + inv(pc0 * pc0 + 1.5) * pc31",
  };
  symtorch::Distillation d;
  d.num_inputs = 128;
  d.num_outputs = 128;
  d.input_names = numbered("x", 128);
  d.feature_names = d.input_names;
  d.input_pca = random_pca(128, 32, 1);
  d.output_pca = random_pca(128, 8, 2);
  d.variable_names = numbered("pc", 32);
  for (std::size_t j = 0; j < equations.size(); ++j) {
    symtorch::TargetFit t;
    t.name = "pc_y" + std::to_string(j);
    symtorch::FrontMember m;
    m.expression = symtorch::parse_expression(equations[j], d.variable_names);
    m.complexity = m.expression.complexity();
    t.front = symtorch::ParetoFront::from_candidates({m});
    d.targets.push_back(std::move(t));
  }
  d.validate();
  return d;
}

struct Timings {
  double infer = 0, train = 0;  // seconds per call: no-grad forward; forward + backward
};

Timings measure(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& x, double budget) {
  Timings t;
  t.infer = time_per_call([&] {
    torch::NoGradGuard no_grad;
    f(x);
  }, budget);
  const at::Tensor xg = x.clone().requires_grad_(true);
  t.train = time_per_call([&] {
    xg.mutable_grad() = at::Tensor();
    f(xg).sum().backward();
  }, budget);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<std::int64_t> row_counts;
  for (int i = 2; i < argc; ++i) row_counts.push_back(std::atoll(argv[i]));
  if (row_counts.empty()) row_counts = {256, 1024, 8192};
  const int default_threads = at::get_num_threads();

  symtorch::lm::DecoderConfig config;
  config.hidden_size = 128;
  config.intermediate_size = 744;
  torch::manual_seed(0);
  symtorch::lm::SwiGLU mlp(config);
  mlp->eval();

  const symtorch::Distillation d = surrogate();
  const std::vector<std::size_t> members(d.targets.size(), 0);
  {
    symtorch::jit::CompileOptions no_cache;
    no_cache.use_cache = false;
    const auto spec = symtorch::fused_spec(d, members, symtorch::jit::ScalarType::Float32);
    const auto k = symtorch::jit::FusedKernel::compile(spec, no_cache);
    std::printf("fused kernel compile (forward + backward, cache off): %.1f ms\n", k.compile_ms());
  }
  const symtorch::FusedLayer fused(d, members, at::kFloat);
  const symtorch::UnfusedLayer unfused(d, members, at::kFloat);
  std::printf("target: %s\n", symtorch::jit::host_target_description().c_str());
  std::printf("MLP: SwiGLU 128 -> 744 -> 128 (%.0f kMAC/row); surrogate: PCA 128->32, 8 equations, PCA 8->128 float32\n",
              3.0 * 128 * 744 / 1000);

  for (const int threads : {1, default_threads}) {
    at::set_num_threads(threads);
    std::printf("\n%d intra-op thread(s)\n", threads);
    std::printf("  %6s  %-8s %12s %12s   %10s %10s   %10s %10s\n", "rows", "", "no-grad fwd", "fwd+bwd", "MLP/this",
                "(fwd+bwd)", "unfused/", "(fwd+bwd)");
    for (const std::int64_t rows : row_counts) {
      torch::manual_seed(7);
      const at::Tensor x = torch::randn({rows, 128});
      const Timings m = measure([&](const at::Tensor& in) { return mlp->forward(in); }, x, budget);
      const Timings u = measure([&](const at::Tensor& in) { return unfused.forward(in); }, x, budget);
      const Timings f = measure([&](const at::Tensor& in) { return fused.forward(in); }, x, budget);
      auto line = [&](const char* name, const Timings& t) {
        std::printf("  %6lld  %-8s %9.4f ms %9.4f ms   %9.2fx %9.2fx   %9.2fx %9.2fx\n", static_cast<long long>(rows), name,
                    t.infer * 1e3, t.train * 1e3, m.infer / t.infer, m.train / t.train, u.infer / t.infer,
                    u.train / t.train);
      };
      line("MLP", m);
      line("unfused", u);
      line("fused", f);
    }
    if (default_threads == 1) break;
  }
  at::set_num_threads(default_threads);
  return 0;
}
