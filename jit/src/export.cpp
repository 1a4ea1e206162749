#include "symtorch/jit/export.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "codegen.hpp"
#include "symtorch/engine/printer.hpp"

extern char** environ;

namespace symtorch::jit {

namespace fs = std::filesystem;

std::optional<ExportFormat> export_format_from_path(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".o") return ExportFormat::Object;
  if (ext == ".so") return ExportFormat::SharedLibrary;
  if (ext == ".h") return ExportFormat::Header;
  if (ext == ".ll") return ExportFormat::LlvmIr;
  return std::nullopt;
}

namespace {

fs::path temp_sibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return fs::path(path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
}

std::string describe_errno() { return std::strerror(errno); }

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::optional<std::string> on_path(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return ::access(program.c_str(), X_OK) == 0 ? std::optional(program) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

// Runs argv, with stdout and stderr captured; returns the exit status and the output.
std::pair<int, std::string> run_program(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return {-1, "cannot start " + argv[0] + ": " + std::strerror(rc)};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "symtorch-export-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory: " + describe_errno());
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string upper_identifier(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

}  // namespace

void write_file_atomically(const fs::path& path, const void* data, std::size_t size) {
  const fs::path tmp = temp_sibling(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path.string() + ": " + describe_errno());
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error("cannot write " + path.string() + ": " + describe_errno());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
  }
}

std::vector<char> compile_object(const KernelSpec& spec, const CompileOptions& options) {
  ExpressionDag dag = build_dag(spec);
  auto target = detail::resolve_target(options);
  auto module = detail::build_optimised_module(spec, dag, target);
  return detail::emit_object(module, target);
}

std::string emit_llvm_ir(const KernelSpec& spec, const CompileOptions& options) {
  ExpressionDag dag = build_dag(spec);
  auto target = detail::resolve_target(options);
  auto module = detail::build_optimised_module(spec, dag, target);
  return detail::module_text(module);
}

std::string c_header(const KernelSpec& spec) {
  validate(spec);
  const EquationSet& eq = spec.equations;
  const std::string t(c_type_name(spec.type));
  std::vector<std::string> names = eq.input_names;
  for (std::uint32_t k = static_cast<std::uint32_t>(names.size()); k < eq.num_inputs; ++k)
    names.push_back(std::string("x").append(std::to_string(k)));
  const std::string guard = "SYMTORCH_KERNEL_" + upper_identifier(spec.name) + "_H";
  std::ostringstream h;
  h << "/* Generated by symtorch: kernel " << spec.name << " (" << t << ").\n";
  h << " * inputs[k] points to n values of input k; outputs[j] to room for n values of output j.\n";
  h << " * Columns must not overlap. Vectorised code calls glibc libmvec: link with -lmvec -lm.\n";
  h << " * Inputs:\n";
  for (std::uint32_t k = 0; k < eq.num_inputs; ++k) h << " *   inputs[" << k << "] = " << names[k] << "\n";
  h << " * Outputs:\n";
  const std::size_t m = eq.outputs.size();
  for (std::size_t j = 0; j < m; ++j) h << " *   outputs[" << j << "] = " << to_string(eq.outputs[j], names) << "\n";
  if (spec.derivatives) {
    const std::vector<Expression> all = kernel_outputs(spec);
    for (std::size_t j = 0; j < m; ++j)
      for (std::uint32_t k = 0; k < eq.num_inputs; ++k) {
        const std::size_t index = m + j * eq.num_inputs + k;
        h << " *   outputs[" << index << "] = d outputs[" << j << "] / d " << names[k] << " = "
          << to_string(all[index], names) << "\n";
      }
  }
  h << " */\n";
  h << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n";
  h << "#define " << upper_identifier(spec.name) << "_NUM_INPUTS " << eq.num_inputs << "\n";
  h << "#define " << upper_identifier(spec.name) << "_NUM_OUTPUTS " << spec.num_outputs() << "\n\n";
  h << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h << "void " << spec.name << "(const " << t << "* const* inputs, " << t << "* const* outputs, int64_t n);\n\n";
  h << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h.str();
}

std::optional<std::string> find_linker() {
  if (const char* cc = std::getenv("CC"); cc && *cc) {
    // The compiler itself: "gcc -m64" -> gcc, "ccache gcc" -> gcc.
    auto words = split_words(cc);
    if (!words.empty() && words[0].find("ccache") != std::string::npos) words.erase(words.begin());
    if (!words.empty())
      if (auto p = on_path(words[0])) return p;
  }
  for (const char* name : {"cc", "gcc", "clang"})
    if (auto p = on_path(name)) return p;
  return std::nullopt;
}

void export_kernel(const KernelSpec& spec, const fs::path& path, ExportFormat format, const CompileOptions& options) {
  switch (format) {
    case ExportFormat::Header: {
      std::string text = c_header(spec);
      write_file_atomically(path, text.data(), text.size());
      return;
    }
    case ExportFormat::LlvmIr: {
      std::string text = emit_llvm_ir(spec, options);
      write_file_atomically(path, text.data(), text.size());
      return;
    }
    case ExportFormat::Object: {
      std::vector<char> object = compile_object(spec, options);
      write_file_atomically(path, object.data(), object.size());
      return;
    }
    case ExportFormat::SharedLibrary: {
      // Compile first: a bad spec is reported before the linker is looked for.
      ExpressionDag dag = build_dag(spec);
      auto target = detail::resolve_target(options);
      auto module = detail::build_optimised_module(spec, dag, target);
      std::vector<char> object = detail::emit_object(module, target);
      auto linker = find_linker();
      if (!linker)
        throw std::runtime_error("cannot write " + path.string() +
                                 ": no C compiler driver to link a shared library (set CC, or install cc/gcc/clang); "
                                 "export a .o instead and link it yourself with -lmvec -lm");
      TempDir dir;
      const fs::path obj = dir.path() / (spec.name + ".o");
      write_file_atomically(obj, object.data(), object.size());
      const fs::path so = temp_sibling(path);
      std::vector<std::string> argv = {*linker, "-shared", "-o", so.string(), obj.string()};
      if (target.vector_math.kind == VectorMath::Libmvec) argv.push_back("-lmvec");
      if (target.vector_math.kind == VectorMath::Sleef) argv.push_back("-l:" + target.vector_math.soname);
      argv.push_back("-lm");
      auto [rc, output] = run_program(argv, dir.path() / "link.log");
      if (rc != 0) {
        std::error_code ec;
        fs::remove(so, ec);
        std::string cmd;
        for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
        throw std::runtime_error("cannot write " + path.string() + ": linking failed (" + cmd + "): " + output);
      }
      std::error_code ec;
      fs::rename(so, path, ec);
      if (ec) {
        std::error_code ignored;
        fs::remove(so, ignored);
        throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
      }
      return;
    }
  }
}

}  // namespace symtorch::jit
