// Helpers shared by the cuda area's tests: finding ptxas, running commands, scratch directories,
// setting an environment variable for a scope.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "symtorch/cuda/device.hpp"
#include "symtorch/cuda/device_buffer.hpp"
#include "symtorch/cuda/kernel.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace symtorch::test {

// Whether $CUDA_HOME or $CUDA_PATH names the toolkit (then only it is looked at).
inline bool toolkit_variable_set() {
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* value = std::getenv(var); value && *value) return true;
  return false;
}

// ptxas from the toolkit find_libdevice() uses (jit::cuda_toolkit_root(): $CUDA_HOME, else
// $CUDA_PATH, else /usr/local/cuda), else, when neither variable is set, from PATH; or nothing.
inline std::optional<std::filesystem::path> find_ptxas() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path in_toolkit = jit::cuda_toolkit_root().path / "bin" / "ptxas";
  if (fs::is_regular_file(in_toolkit, ec)) return in_toolkit;
  if (toolkit_variable_set()) return std::nullopt;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (std::size_t start = 0; start <= dirs.size();) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      fs::path candidate = fs::path(dirs.substr(start, end - start)) / "ptxas";
      if (end > start && fs::is_regular_file(candidate, ec)) return candidate;
      start = end + 1;
    }
  }
  return std::nullopt;
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) r.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

// A fresh directory under the system temp directory, removed with its contents at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("symtorch-" + tag + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Sets (value) or unsets (nullptr) an environment variable until the end of the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_)
      setenv(name_.c_str(), saved_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> saved_;
};

// PTX for the newest supported SM a device of compute capability `device_sm` can run (the
// driver JIT-compiles PTX forward).
inline int ptx_sm_for(int device_sm) {
  int best = jit::supported_sm_versions().front();
  for (int sm : jit::supported_sm_versions())
    if (sm <= device_sm) best = sm;
  return best;
}

// Runs `spec` on the GPU: inputs column-major (num_inputs columns of `rows`), outputs likewise.
template <class T>
std::vector<T> run_on_gpu(const cuda::Device& device, const jit::KernelSpec& spec, const std::vector<T>& inputs,
                          std::size_t rows, int sm) {
  jit::PtxOptions options;
  options.sm = sm;
  const jit::PtxModule ptx = jit::PtxModule::compile(spec, options);
  const cuda::CudaModule module = cuda::CudaModule::load(device, ptx.ptx());
  const cuda::CudaKernel kernel = module.kernel(spec.name);
  const std::size_t k = spec.num_inputs(), m = spec.num_outputs();
  cuda::DeviceBuffer in(device, std::max<std::size_t>(1, k * rows) * sizeof(T));
  cuda::DeviceBuffer out(device, m * rows * sizeof(T));
  if (k) in.copy_from_host(inputs.data(), k * rows * sizeof(T));
  std::vector<std::uint64_t> in_cols, out_cols;
  for (std::size_t c = 0; c < k; ++c) in_cols.push_back(in.address() + c * rows * sizeof(T));
  for (std::size_t c = 0; c < m; ++c) out_cols.push_back(out.address() + c * rows * sizeof(T));
  kernel.launch(std::span<const std::uint64_t>(in_cols), std::span<const std::uint64_t>(out_cols),
                static_cast<std::int64_t>(rows));
  device.synchronize();
  return out.download<T>(m * rows);
}

}  // namespace symtorch::test
