// Helpers shared by the cuda area's tests: finding ptxas, running it, scratch directories.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

namespace symtorch::test {

// ptxas from $CUDA_HOME/bin, $CUDA_PATH/bin, /usr/local/cuda/bin or PATH, or nothing.
inline std::optional<std::filesystem::path> find_ptxas() {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* root = std::getenv(var); root && *root && fs::is_regular_file(fs::path(root) / "bin" / "ptxas", ec))
      return fs::path(root) / "bin" / "ptxas";
  if (fs::is_regular_file("/usr/local/cuda/bin/ptxas", ec)) return fs::path("/usr/local/cuda/bin/ptxas");
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

}  // namespace symtorch::test
