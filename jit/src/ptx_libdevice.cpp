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

#include "symtorch/jit/object_cache.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace symtorch::jit {

std::filesystem::path find_libdevice() {
  const std::filesystem::path relative = std::filesystem::path("nvvm") / "libdevice" / "libdevice.10.bc";
  std::vector<std::string> looked;
  auto try_root = [&](const std::filesystem::path& root, const std::string& why) -> std::optional<std::filesystem::path> {
    std::filesystem::path candidate = root / relative;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    looked.push_back(candidate.string() + " (" + why + ")");
    return std::nullopt;
  };
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char* root = std::getenv(var); root && *root)
      if (auto found = try_root(root, std::string("$") + var)) return *found;
  }
  if (auto found = try_root("/usr/local/cuda", "default CUDA toolkit prefix")) return *found;
  std::string list;
  for (const auto& l : looked) list += "\n  " + l;
  throw std::runtime_error(
      "libdevice (the CUDA toolkit's math library, needed for exp/log/sin/cos/tan/tanh/pow on the GPU) "
      "was not found; looked at:" +
      list + "\nSet CUDA_HOME to the CUDA toolkit or pass the file's path (PtxOptions::libdevice).");
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
