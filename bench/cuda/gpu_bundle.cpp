#include "gpu_bundle.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bench_kernels.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/jit/export.hpp"
#include "symtorch/jit/native_kernel.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace symtorch::bench {

namespace {

namespace fs = std::filesystem;
using jit::KernelSpec;
using jit::ScalarType;

// Tolerances of the checks, the same as tests/cuda/test_gpu_execution.cpp (see the reasoning
// there): the reference expressions are well conditioned on [0.1, 2]; random expressions need
// looser bounds and may differ on up to 1% of the values.
struct Tolerance {
  double rtol, atol, max_bad_fraction;
};
Tolerance fixed_tolerance(ScalarType t) { return t == ScalarType::Float64 ? Tolerance{1e-12, 1e-12, 0} : Tolerance{2e-5, 2e-5, 0}; }
Tolerance random_tolerance(ScalarType t) { return t == ScalarType::Float64 ? Tolerance{1e-9, 1e-9, 0.01} : Tolerance{1e-3, 1e-3, 0.01}; }

template <class T>
void write_values(const fs::path& path, const std::vector<T>& values) {
  jit::write_file_atomically(path, values.data(), values.size() * sizeof(T));
}

// Inputs and the native kernel's outputs for one check case.
template <class T>
void write_check_data(const fs::path& dir, const KernelSpec& spec, std::size_t rows, double lo, double hi,
                      std::uint64_t seed) {
  const std::size_t k = spec.num_inputs(), m = spec.num_outputs();
  const std::vector<T> inputs = uniform_columns<T>(k, rows, lo, hi, seed);
  std::vector<T> outputs(m * rows);
  std::vector<const T*> in;
  std::vector<T*> out;
  for (std::size_t c = 0; c < k; ++c) in.push_back(inputs.data() + c * rows);
  for (std::size_t c = 0; c < m; ++c) out.push_back(outputs.data() + c * rows);
  jit::NativeKernel::compile(spec).run(in.data(), out.data(), static_cast<std::int64_t>(rows));
  write_values(dir / (spec.name + ".in.bin"), inputs);
  write_values(dir / (spec.name + ".ref.bin"), outputs);
}

struct CheckCase {
  KernelSpec spec;
  double lo, hi;
  Tolerance tolerance;
};

std::vector<CheckCase> check_cases(const BundleOptions& options) {
  std::vector<CheckCase> cases;
  for (BenchKernel& k : bench_kernels({ScalarType::Float32, ScalarType::Float64}, true)) {
    const Tolerance tolerance = fixed_tolerance(k.spec.type);
    cases.push_back({std::move(k.spec), kInputLow, kInputHigh, tolerance});
  }
  std::mt19937_64 rng(20240612);
  RandomTreeOptions tree;
  tree.binary_ops = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow};
  tree.unary_ops = {Op::Neg, Op::Square, Op::Cube, Op::Sqrt, Op::Exp, Op::Log,
                    Op::Sin, Op::Cos,    Op::Tan,  Op::Tanh, Op::Abs, Op::Inv};
  tree.num_features = 3;
  for (int i = 0; i < options.random_expressions; ++i) {
    tree.size = 1 + random_below(rng, 16);
    KernelSpec spec;
    spec.equations.num_inputs = 3;
    spec.equations.outputs.push_back(random_expression(rng, tree));
    spec.type = i % 2 ? ScalarType::Float32 : ScalarType::Float64;
    spec.derivatives = true;
    spec.name = "random_" + std::to_string(i);
    const Tolerance tolerance = random_tolerance(spec.type);
    cases.push_back({std::move(spec), -3.0, 3.0, tolerance});
  }
  return cases;
}

std::string torch_line(const KernelSpec& spec, const std::string& expression) {
  const auto& vars = spec.equations.input_names;
  std::string line = spec.name + "\t" + expression + "\t" + (spec.type == ScalarType::Float32 ? "float32" : "float64") + "\t";
  for (std::size_t k = 0; k < vars.size(); ++k) line += (k ? "," : "") + vars[k];
  for (const Expression& e : spec.equations.outputs) line += "\t" + to_string(e, vars, Format::Torch);
  return line + "\n";
}

}  // namespace

int write_gpu_bundle(const fs::path& dir, const BundleOptions& options) {
  fs::create_directories(dir);
  jit::PtxOptions ptx_options;
  ptx_options.sm = options.sm;

  std::ostringstream cases_txt, torch_txt;
  cases_txt << "# symtorch GPU bundle: run with  symtorch_run_ptx cases cases.txt  (see jit/cuda/README.md)\n"
            << "# PTX for sm_" << options.sm << "; reference outputs from the native (CPU) kernel.\n";

  const std::vector<CheckCase> checks = check_cases(options);
  std::vector<KernelSpec> check_specs;
  for (const CheckCase& c : checks) check_specs.push_back(c.spec);
  jit::PtxModule::compile(check_specs, ptx_options).write(dir / "checks.ptx");
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const CheckCase& c = checks[i];
    if (c.spec.type == ScalarType::Float32)
      write_check_data<float>(dir, c.spec, options.check_rows, c.lo, c.hi, 1000 + i);
    else
      write_check_data<double>(dir, c.spec, options.check_rows, c.lo, c.hi, 1000 + i);
    cases_txt << "check checks.ptx " << c.spec.name << " " << options.check_rows << " " << c.spec.name << ".in.bin "
              << c.spec.name << ".ref.bin " << c.tolerance.rtol << " " << c.tolerance.atol << " "
              << c.tolerance.max_bad_fraction << "\n";
  }

  std::vector<BenchKernel> bench = bench_kernels({ScalarType::Float32, ScalarType::Float64}, false);
  std::vector<KernelSpec> bench_specs;
  for (const BenchKernel& k : bench) bench_specs.push_back(k.spec);
  jit::PtxModule::compile(bench_specs, ptx_options).write(dir / "bench.ptx");
  for (const BenchKernel& k : bench) {
    cases_txt << "bench bench.ptx " << k.spec.name << " " << options.bench_rows << " " << options.bench_repeat << " "
              << kInputLow << " " << kInputHigh << "\n";
    torch_txt << torch_line(k.spec, k.expression);
  }
  const std::string cases = cases_txt.str(), torch = torch_txt.str();
  jit::write_file_atomically(dir / "cases.txt", cases.data(), cases.size());
  jit::write_file_atomically(dir / "torch_eager.txt", torch.data(), torch.size());
  return static_cast<int>(checks.size());
}

}  // namespace symtorch::bench
