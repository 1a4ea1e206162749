// Disk cache of compiled kernel objects, so a second process loads instead of compiling.
//
// Directory: $SYMTORCH_CACHE_DIR if set, else $XDG_CACHE_HOME/symtorch, else ~/.cache/symtorch
// (CompileOptions::cache_dir overrides all three). One file per kernel, named by the SHA-256 of
// the key text: canonical DAG text, scalar type, derivative flag, kernel name, target CPU and
// features, vector math library, optimisation level, LLVM version and the cache format version.
// Entries are written to a temporary file and renamed, so readers never see half a file; an
// entry whose header, key text or checksum does not match is ignored (and replaced on the next
// store).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace symtorch::jit {

std::filesystem::path default_cache_dir();

class ObjectCache {
 public:
  explicit ObjectCache(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  // Digest of the key text (hex SHA-256): the file name of the entry.
  static std::string digest(const std::string& key_text);
  std::filesystem::path entry_path(const std::string& key_text) const;

  // The stored object for key_text, or nothing if absent, unreadable or corrupted.
  std::optional<std::vector<char>> load(const std::string& key_text) const;
  // Stores atomically. Returns false (and leaves no file behind) if the directory cannot be
  // created or written; a cache that cannot be written is not an error for the caller.
  bool store(const std::string& key_text, const std::vector<char>& object) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace symtorch::jit
