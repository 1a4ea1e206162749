// Export of a kernel as an object file, a shared library, a C header or LLVM IR text.
// Every writer writes a temporary file beside the target and renames it, so a failure leaves
// no partial file behind.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "symtorch/jit/compile_options.hpp"
#include "symtorch/jit/lowering.hpp"

namespace symtorch::jit {

enum class ExportFormat { Object, SharedLibrary, Header, LlvmIr };

// From the file extension: .o, .so, .h, .ll. Nothing for anything else.
std::optional<ExportFormat> export_format_from_path(const std::filesystem::path& path);

// Code generation (no JIT, no cache): the optimised module as an ELF object / as IR text.
std::vector<char> compile_object(const KernelSpec& spec, const CompileOptions& options = {});
std::string emit_llvm_ir(const KernelSpec& spec, const CompileOptions& options = {});

// The C header: include guard, <stdint.h>, extern "C" prototype, and a comment listing the
// inputs and the equations in output order.
std::string c_header(const KernelSpec& spec);

// A C compiler driver usable as a linker for `-shared` (env CC, then cc, gcc, clang on PATH),
// or nothing.
std::optional<std::string> find_linker();

// Writes `path` in `format`. SharedLibrary links the object with find_linker() (adding -lmvec
// and -lm because vectorised code calls glibc's libmvec) and throws std::runtime_error saying
// so if there is no linker. Throws std::runtime_error naming the path if it cannot be written.
void export_kernel(const KernelSpec& spec, const std::filesystem::path& path, ExportFormat format,
                   const CompileOptions& options = {});

// Atomic file write used by the exporters: temp file in the same directory, then rename.
void write_file_atomically(const std::filesystem::path& path, const void* data, std::size_t size);

}  // namespace symtorch::jit
