// `symtorch compile "EXPR[;EXPR...]" --vars x,y -o OUT`: compiles equations to a kernel with the
// C ABI  void NAME(const T* const* inputs, T* const* outputs, int64_t n)  and writes it as an
// object file (.o), shared library (.so), C header (.h) or LLVM IR (.ll), chosen by OUT's
// extension. Targets are looked up in a table so that other code generators are one entry more.
// --target ptx writes PTX for a CUDA GPU (--sm 70..90, default 80) with the launch ABI of
// symtorch/jit/ptx_module.hpp.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "command.hpp"
#include "jit_args.hpp"
#include "symtorch/jit/export.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace symtorch::cli {
namespace {

struct CompileArgs {
  std::string equations, vars, type = "double", name = "symtorch_kernel", output, target = "host";
  std::string cpu, vector_math = "auto", sm;
  int opt_level = 3, prefer_vector_width = 0;
  bool derivatives = false;
};

// Writes `out` for the host CPU: .o .so .h .ll.
void export_host(const jit::KernelSpec& spec, const std::filesystem::path& out, const jit::CompileOptions& options) {
  auto format = jit::export_format_from_path(out);
  if (!format)
    throw std::invalid_argument("cannot tell the output format of '" + out.string() +
                                "': use .o (object), .so (shared library), .h (C header) or .ll (LLVM IR)");
  jit::export_kernel(spec, out, *format, options);
}

// PTX for a CUDA GPU, for the SM given by --sm (default sm_80).
void export_ptx(const jit::KernelSpec& spec, const std::filesystem::path& out, const CompileArgs& a) {
  jit::PtxOptions options;
  if (!a.sm.empty()) options.sm = jit::parse_sm(a.sm);
  options.opt_level = a.opt_level;
  options.use_cache = false;
  jit::PtxModule::compile(spec, options).write(out);
}

using TargetWriter = std::function<void(const jit::KernelSpec&, const std::filesystem::path&,
                                        const jit::CompileOptions&, const CompileArgs&)>;

std::vector<std::pair<std::string, TargetWriter>>& targets() {
  static std::vector<std::pair<std::string, TargetWriter>> list = {
      {"host", [](const auto& spec, const auto& out, const auto& options, const auto&) { export_host(spec, out, options); }},
      {"ptx", [](const auto& spec, const auto& out, const auto&, const auto& a) { export_ptx(spec, out, a); }}};
  return list;
}

void run_compile(const CompileArgs& a) {
  jit::KernelSpec spec = kernel_spec_from_args(a.equations, a.vars, a.type);
  spec.name = a.name;
  spec.derivatives = a.derivatives;
  jit::validate(spec);

  jit::CompileOptions options;
  options.opt_level = a.opt_level;
  options.cpu = a.cpu;
  options.prefer_vector_width = a.prefer_vector_width;
  options.vector_math = parse_vector_math(a.vector_math);
  options.use_cache = false;

  const TargetWriter* writer = nullptr;
  std::string known;
  for (const auto& [name, w] : targets()) {
    if (name == a.target) writer = &w;
    if (!known.empty()) known += ", ";
    known += name;
  }
  if (!writer) throw std::invalid_argument("unknown --target '" + a.target + "' (known: " + known + ")");
  if (!a.sm.empty() && a.target != "ptx") throw std::invalid_argument("--sm applies to --target ptx only");
  (*writer)(spec, a.output, options, a);
  std::cout << "wrote " << a.output << ": kernel " << spec.name << "(" << spec.num_inputs() << " inputs, "
            << spec.num_outputs() << " outputs, " << jit::c_type_name(spec.type) << ")\n";
}

const CommandRegistration registration(
    "compile", "compile equations to a native kernel: object (.o), shared library (.so), C header (.h), LLVM IR (.ll); "
    "or to PTX for a CUDA GPU (--target ptx)",
    [](CLI::App& app) {
      auto a = std::make_shared<CompileArgs>();
      app.add_option("equations", a->equations, "equations separated by ';', e.g. \"sin(x)*y; x + y\"")->required();
      app.add_option("--vars", a->vars, "input names in column order, comma-separated (default x0, x1, ...)");
      app.add_option("--type", a->type, "float or double (default double)");
      app.add_option("--name", a->name, "C name of the kernel (default symtorch_kernel)");
      app.add_flag("--derivatives", a->derivatives,
                   "also output d f_j / d x_k after the equations, output-major (see the header)");
      app.add_option("-o,--output", a->output, "output file: .o .so .h .ll")->required();
      app.add_option("--target", a->target, "code generator: host (default) or ptx (CUDA GPU)");
      app.add_option("--sm", a->sm, "GPU architecture for --target ptx: 70, 72, 75, 80 (default), 86, 87, 89, 90");
      app.add_option("--cpu", a->cpu, "LLVM CPU name for host code (default: this machine's; x86-64 = portable)");
      app.add_option("--vector-math", a->vector_math, "auto (default), libmvec, sleef or none");
      app.add_option("--prefer-vector-width", a->prefer_vector_width, "128, 256 or 512 bits, capped at the CPU's widest (default: its widest, 512 with AVX-512)");
      app.add_option("--opt", a->opt_level, "optimisation level 0-3 (default 3)");
      app.callback([a] { run_compile(*a); });
    });

}  // namespace
}  // namespace symtorch::cli
