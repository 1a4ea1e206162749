#include "symtorch/jit/object_cache.hpp"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/SHA256.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "symtorch/jit/export.hpp"

namespace symtorch::jit {

namespace {

// Entry layout: magic, u64 key length, key text, u64 object length, object, SHA-256(key, object).
constexpr char kMagic[] = "SYMTORCH-JIT-OBJECT 1\n";
constexpr std::size_t kMagicLen = sizeof(kMagic) - 1;

std::array<std::uint8_t, 32> checksum(const std::string& key, const char* object, std::size_t size) {
  llvm::SHA256 h;
  h.update(llvm::StringRef(key));
  h.update(llvm::ArrayRef<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(object), size));
  return h.final();
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool get_u64(const std::string& in, std::size_t& pos, std::uint64_t& v) {
  if (in.size() - pos < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  pos += 8;
  return true;
}

}  // namespace

std::filesystem::path default_cache_dir() {
  if (const char* dir = std::getenv("SYMTORCH_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "symtorch";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "symtorch";
  return std::filesystem::temp_directory_path() / "symtorch-cache";
}

ObjectCache::ObjectCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::string ObjectCache::digest(const std::string& key_text) {
  auto hash = llvm::SHA256::hash(llvm::ArrayRef<std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(key_text.data()), key_text.size()));
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : hash) {
    s.push_back(hex[b >> 4]);
    s.push_back(hex[b & 15]);
  }
  return s;
}

std::filesystem::path ObjectCache::entry_path(const std::string& key_text) const {
  return dir_ / (digest(key_text) + ".symobj");
}

std::optional<std::vector<char>> ObjectCache::load(const std::string& key_text) const {
  std::ifstream in(entry_path(key_text), std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad() || data.size() < kMagicLen || data.compare(0, kMagicLen, kMagic) != 0) return std::nullopt;
  std::size_t pos = kMagicLen;
  std::uint64_t key_len = 0, obj_len = 0;
  if (!get_u64(data, pos, key_len) || data.size() - pos < key_len) return std::nullopt;
  if (data.compare(pos, key_len, key_text) != 0 || key_len != key_text.size()) return std::nullopt;
  pos += key_len;
  if (!get_u64(data, pos, obj_len) || data.size() - pos < obj_len) return std::nullopt;
  const char* object = data.data() + pos;
  pos += obj_len;
  if (data.size() - pos != 32) return std::nullopt;
  auto sum = checksum(key_text, object, obj_len);
  if (std::memcmp(sum.data(), data.data() + pos, 32) != 0) return std::nullopt;
  return std::vector<char>(object, object + obj_len);
}

bool ObjectCache::store(const std::string& key_text, const std::vector<char>& object) const {
  std::string data(kMagic, kMagicLen);
  put_u64(data, key_text.size());
  data += key_text;
  put_u64(data, object.size());
  data.append(object.data(), object.size());
  auto sum = checksum(key_text, object.data(), object.size());
  data.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  try {
    std::filesystem::create_directories(dir_);
    write_file_atomically(entry_path(key_text), data.data(), data.size());
    return true;
  } catch (const std::exception&) {
    return false;  // an unwritable cache only costs the next process a compile
  }
}

}  // namespace symtorch::jit
