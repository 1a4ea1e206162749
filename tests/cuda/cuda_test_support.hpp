// Helpers shared by the cuda area's tests: finding ptxas, running commands, scratch directories,
// setting an environment variable for a scope.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

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

}  // namespace symtorch::test
