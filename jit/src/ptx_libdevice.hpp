// Internal: libdevice (the CUDA toolkit's math library as LLVM bitcode), read once per process
// and linked into each PTX module.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace llvm {
class MemoryBuffer;
class Module;
}  // namespace llvm

namespace symtorch::jit::detail {

struct LibdeviceFile {
  std::filesystem::path path;
  std::unique_ptr<llvm::MemoryBuffer> bitcode;
  std::string digest;  // SHA-256 of the file, part of the PTX cache key
  ~LibdeviceFile();
};

// The file's bytes, read once per process and path (std::runtime_error naming the path if it
// cannot be read).
std::shared_ptr<const LibdeviceFile> load_libdevice(const std::filesystem::path& path);

// Links the libdevice functions `module` calls (and what they call) into it. The caller then
// gives them internal linkage so that the optimiser inlines them and drops the rest. The bitcode is read lazily in the module's context: only the bodies of the
// needed functions are materialised, which costs far less than parsing all of libdevice (and,
// unlike cloning one parsed copy, needs no lock shared by concurrent compiles).
void link_libdevice(llvm::Module& module, const LibdeviceFile& libdevice);

}  // namespace symtorch::jit::detail
