#include "symtorch/lm/token_ids.hpp"

#include <torch/torch.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <stdexcept>

namespace symtorch::lm {
namespace {

static_assert(std::endian::native == std::endian::little, "the .npy data is copied directly on a little-endian host");

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::invalid_argument(path.string() + ": " + what);
}

struct IntegerType {
  const char* descr;
  torch::ScalarType type;
  std::size_t size;
};

// torch has no uint16/32/64 in 1.13: those are read into the next wider signed type (uint64
// ids >= 2^63 are refused as negative).
constexpr IntegerType kTypes[] = {
    {"|i1", torch::kInt8, 1}, {"|u1", torch::kUInt8, 1}, {"<i2", torch::kInt16, 2}, {"<u2", torch::kInt32, 2},
    {"<i4", torch::kInt32, 4}, {"<u4", torch::kInt64, 4}, {"<i8", torch::kInt64, 8}, {"<u8", torch::kInt64, 8},
};

}  // namespace

torch::Tensor read_token_ids(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_length = 0;
  if (major == 1) {
    std::uint16_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 2);
    header_length = n;
  } else if (major == 2 || major == 3) {
    in.read(reinterpret_cast<char*>(&header_length), 4);
  } else {
    fail(path, ".npy format version " + std::to_string(major) + " is not supported");
  }
  std::string header(header_length, '\0');
  in.read(header.data(), header_length);
  if (!in) fail(path, "truncated .npy header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) fail(path, "no 'descr' in the header");
  const std::string descr = m[1];
  const IntegerType* type = nullptr;
  for (const auto& t : kTypes)
    if (descr == t.descr || (t.size == 1 && descr == std::string("<") + (t.descr + 1))) type = &t;
  if (!type) fail(path, "dtype '" + descr + "' is not an integer type this reader takes (little-endian int/uint)");
  // fortran_order does not matter: the shapes accepted, (n,) and (1, n), lay out the same in both.
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) fail(path, "no 'shape' in the header");
  std::vector<std::int64_t> shape;
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));
  std::int64_t count = 0;
  if (shape.size() == 1) count = shape[0];
  else if (shape.size() == 2 && shape[0] == 1) count = shape[1];
  else fail(path, "shape (" + dims + ") is not a sequence of ids: expected (n,) or (1, n)");

  torch::Tensor raw = torch::empty({count}, torch::TensorOptions().dtype(type->type));
  const auto bytes = static_cast<std::streamsize>(count * static_cast<std::int64_t>(type->size));
  if (type->size == static_cast<std::size_t>(raw.element_size())) {
    in.read(static_cast<char*>(raw.data_ptr()), bytes);
  } else {  // unsigned, widened
    std::vector<unsigned char> buffer(static_cast<std::size_t>(bytes));
    in.read(reinterpret_cast<char*>(buffer.data()), bytes);
    for (std::int64_t i = 0; in && i < count; ++i) {
      std::uint64_t v = 0;
      std::memcpy(&v, buffer.data() + i * static_cast<std::int64_t>(type->size), type->size);
      if (raw.scalar_type() == torch::kInt32) raw.data_ptr<std::int32_t>()[i] = static_cast<std::int32_t>(v);
      else raw.data_ptr<std::int64_t>()[i] = static_cast<std::int64_t>(v);
    }
  }
  if (!in) fail(path, "truncated: the header announces " + std::to_string(count) + " ids");
  auto ids = raw.to(torch::kInt64);
  const auto negative = (ids < 0).nonzero();
  if (negative.size(0) > 0) {
    const auto i = negative[0][0].item<std::int64_t>();
    fail(path, "id " + std::to_string(ids[i].item<std::int64_t>()) + " at position " + std::to_string(i) + " is negative");
  }
  return ids;
}

void write_token_ids(const std::filesystem::path& path, const torch::Tensor& ids) {
  if (ids.dim() != 1 || ids.is_floating_point()) fail(path, "token ids must be a 1-D integer tensor");
  const auto values = ids.to(torch::kInt64).contiguous();
  if (values.numel() > 0 && (values.min().item<std::int64_t>() < 0 ||
                             values.max().item<std::int64_t>() > std::numeric_limits<std::int32_t>::max()))
    fail(path, "ids must lie in [0, 2^31) to be written as int32");
  const auto data = values.to(torch::kInt32);
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + std::to_string(values.numel()) + ",), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64, as numpy writes it.
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) fail(temporary, "cannot open for writing");
    out.write("\x93NUMPY\x01\x00", 8);
    const auto n = static_cast<std::uint16_t>(header.size());
    out.write(reinterpret_cast<const char*>(&n), 2);
    out << header;
    out.write(static_cast<const char*>(data.data_ptr()), static_cast<std::streamsize>(data.numel() * 4));
    out.flush();
    if (!out) fail(temporary, "write failed");
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace symtorch::lm
