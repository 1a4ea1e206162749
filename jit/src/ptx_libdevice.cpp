#include "ptx_libdevice.hpp"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Module.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "symtorch/jit/object_cache.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace symtorch::jit {

CudaToolkitRoot cuda_toolkit_root() {
  // As PyTorch's cpp_extension picks it: a variable that is set names the toolkit, so a wrong
  // one is reported rather than silently replaced by another toolkit (and an empty folder hides
  // the toolkit).
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* value = std::getenv(var); value && *value) return {value, std::string("$") + var};
  return {"/usr/local/cuda", "the default CUDA toolkit prefix; set CUDA_HOME to use another"};
}

std::filesystem::path find_libdevice() {
  const CudaToolkitRoot toolkit = cuda_toolkit_root();
  const std::filesystem::path candidate = toolkit.path / "nvvm" / "libdevice" / "libdevice.10.bc";
  std::error_code ec;
  if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  throw std::runtime_error(
      "libdevice (the CUDA toolkit's math library, needed for exp/log/sin/cos/tan/tanh/pow on the GPU) "
      "was not found at " +
      candidate.string() + " (" + toolkit.source +
      "). It comes with NVIDIA's CUDA toolkit, which Debian's main archive does not ship; "
      "kernels of + - * / and other arithmetic need no libdevice. Pass the file's path with "
      "PtxOptions::libdevice to use one elsewhere.");
}

namespace detail {

LibdeviceFile::~LibdeviceFile() = default;

std::shared_ptr<const LibdeviceFile> load_libdevice(const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const LibdeviceFile>> files;
  std::lock_guard lock(mutex);
  if (auto it = files.find(path); it != files.end()) return it->second;
  auto buffer = llvm::MemoryBuffer::getFile(path.string(), /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer)
    throw std::runtime_error("cannot read libdevice " + path.string() + ": " + buffer.getError().message());
  auto file = std::make_shared<LibdeviceFile>();
  file->path = path;
  file->bitcode = std::move(*buffer);
  file->digest = ObjectCache::digest(file->bitcode->getBuffer().str());
  files.emplace(path, file);
  return file;
}

void link_libdevice(llvm::Module& module, const LibdeviceFile& libdevice) {
  auto lazy = llvm::getLazyBitcodeModule(libdevice.bitcode->getMemBufferRef(), module.getContext());
  if (!lazy)
    throw std::runtime_error("cannot read libdevice " + libdevice.path.string() + " as LLVM bitcode: " +
                             llvm::toString(lazy.takeError()));
  std::unique_ptr<llvm::Module> math = std::move(*lazy);
  // libdevice says nvptx64-nvidia-gpulibs and an older data layout; it is made for exactly this
  // use, so adopt the kernel's to keep the linker from warning about a mismatch.
  math->setTargetTriple(module.getTargetTriple());
  math->setDataLayout(module.getDataLayout());
  if (llvm::Linker::linkModules(module, std::move(math), llvm::Linker::Flags::LinkOnlyNeeded))
    throw std::runtime_error("cannot link libdevice " + libdevice.path.string() + " into the PTX module");
}

}  // namespace detail
}  // namespace symtorch::jit
