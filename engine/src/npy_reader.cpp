// .npy reader (NumPy format versions 1.0, 2.0 and 3.0): a magic string, a version, a little-endian
// header length, a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} and
// then the raw array data.
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "data_file.hpp"
#include "symtorch/engine/dataset.hpp"

namespace symtorch {
namespace {

static_assert(std::endian::native == std::endian::little,
              "read_npy copies little-endian array data directly; port it before using a big-endian host");

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
};

// Parses the header dict. Python's repr is the only writer in practice, but spacing, quote style,
// key order and trailing commas vary between numpy versions, so the parser accepts all of them.
class HeaderParser {
 public:
  HeaderParser(const std::string& path, std::string_view text) : path_(path), text_(text) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail("structured dtypes (a list in 'descr') are not supported");
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = shape();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') ++pos_;
      else if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    if (!have_descr) fail("no 'descr' key");
    if (!have_order) fail("no 'fortran_order' key");
    if (!have_shape) fail("no 'shape' key");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(path_, 0, 0, "malformed .npy header: " + what + " in " + std::string(text_));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const auto end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    for (const std::string_view word : {std::string_view("True"), std::string_view("False")}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return word == "True";
      }
    }
    fail("'fortran_order' must be True or False");
  }
  std::vector<std::uint64_t> shape() {
    std::vector<std::uint64_t> dims;
    expect('(');
    for (;;) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a dimension in 'shape'");
      std::uint64_t d = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const auto digit = static_cast<std::uint64_t>(peek() - '0');
        if (d > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) fail("dimension too large in 'shape'");
        d = d * 10 + digit;
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literal
      dims.push_back(d);
      skip_space();
      if (peek() == ',') ++pos_;
      else if (peek() != ')') fail("expected ',' or ')' in 'shape'");
    }
    ++pos_;
    return dims;
  }

  const std::string& path_;
  std::string_view text_;
  std::size_t pos_ = 0;
};

enum class Kind { Float, Signed, Unsigned };

struct DType {
  Kind kind;
  std::size_t size;
};

DType parse_dtype(const std::string& path, const std::string& descr) {
  const std::string supported = "supported: float32, float64, int8-int64, uint8-uint64, little endian";
  if (descr.size() < 3) throw DataError(path, 0, 0, "unsupported dtype '" + descr + "' (" + supported + ")");
  const char order = descr[0], kind = descr[1];
  const std::string size = descr.substr(2);
  const bool one_byte = size == "1";
  if (order == '>' && !one_byte)
    throw DataError(path, 0, 0, "big-endian dtype '" + descr + "' is not supported; save little-endian data, e.g. "
                                "numpy.save(path, a.astype('<" + descr.substr(1) + "'))");
  if (order != '<' && order != '|' && order != '=' && order != '>')
    throw DataError(path, 0, 0, "unsupported dtype '" + descr + "' (" + supported + ")");
  if (kind == 'f' && (size == "4" || size == "8")) return {Kind::Float, size == "4" ? 4u : 8u};
  if ((kind == 'i' || kind == 'u') && (size == "1" || size == "2" || size == "4" || size == "8"))
    return {kind == 'i' ? Kind::Signed : Kind::Unsigned, static_cast<std::size_t>(size[0] - '0')};
  throw DataError(path, 0, 0, "unsupported dtype '" + descr + "' (" + supported + ")");
}

template <class T>
double load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

using Loader = double (*)(const char*);

Loader loader_for(DType t) {
  switch (t.kind) {
    case Kind::Float: return t.size == 4 ? load<float> : load<double>;
    case Kind::Signed:
      return t.size == 1 ? load<std::int8_t> : t.size == 2 ? load<std::int16_t> : t.size == 4 ? load<std::int32_t> : load<std::int64_t>;
    case Kind::Unsigned:
      return t.size == 1 ? load<std::uint8_t> : t.size == 2 ? load<std::uint16_t> : t.size == 4 ? load<std::uint32_t> : load<std::uint64_t>;
  }
  return load<double>;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::uint32_t little_endian_u32(const unsigned char* p, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

Table read_npy(const std::string& path) { return detail::parse_npy(detail::read_file_bytes(path), path); }

Table detail::parse_npy(std::string_view bytes, const std::string& path) {
  constexpr std::string_view magic("\x93NUMPY", 6);
  if (bytes.size() < 10 || bytes.substr(0, 6) != magic)
    throw DataError(path, 0, 0, "not a .npy file (it does not start with the bytes \\x93NUMPY)");
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const int major = u[6], minor = u[7];
  if (major < 1 || major > 3)
    throw DataError(path, 0, 0, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                                    " (versions 1.0 to 3.0 are supported)");
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t header_start = 8 + len_bytes;
  if (bytes.size() < header_start) throw DataError(path, 0, 0, "truncated .npy header");
  const std::size_t header_len = little_endian_u32(u + 8, len_bytes);
  if (bytes.size() - header_start < header_len)
    throw DataError(path, 0, 0, "truncated .npy header: it declares " + std::to_string(header_len) + " bytes, the file has " +
                                    std::to_string(bytes.size() - header_start) + " after the preamble");
  const std::string_view header_text(bytes.data() + header_start, header_len);
  const NpyHeader h = HeaderParser(path, header_text).parse();
  const DType dtype = parse_dtype(path, h.descr);

  if (h.shape.empty()) throw DataError(path, 0, 0, "the array is 0-dimensional (a single scalar), not a table");
  if (h.shape.size() > 2)
    throw DataError(path, 0, 0, "the array has shape " + shape_text(h.shape) + "; only 1-D (one column) or 2-D "
                                "(rows x columns) arrays are supported");
  const std::uint64_t rows = h.shape[0];
  const std::uint64_t cols = h.shape.size() == 2 ? h.shape[1] : 1;
  if (rows == 0) throw DataError(path, 0, 0, "the array has shape " + shape_text(h.shape) + ": no data rows");
  if (cols == 0) throw DataError(path, 0, 0, "the array has shape " + shape_text(h.shape) + ": no columns");
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() / dtype.size;
  if (rows > limit / cols) throw DataError(path, 0, 0, "the array shape " + shape_text(h.shape) + " is too large");
  const std::uint64_t expected = rows * cols * dtype.size;
  const std::size_t data_start = header_start + header_len;
  const std::size_t found = bytes.size() - data_start;
  if (found < expected)
    throw DataError(path, 0, 0, "truncated data: shape " + shape_text(h.shape) + " of '" + h.descr + "' needs " +
                                    std::to_string(expected) + " bytes, the file has " + std::to_string(found));

  Table t;
  t.source = path;
  const Loader load_value = loader_for(dtype);
  const char* data = bytes.data() + data_start;
  const std::size_t R = static_cast<std::size_t>(rows), C = static_cast<std::size_t>(cols);
  // Element (r, c) lives at r*C + c in C order and at c*R + r in Fortran order.
  const std::size_t row_stride = h.fortran_order ? 1 : C;
  const std::size_t col_stride = h.fortran_order ? R : 1;
  t.columns.resize(C);
  for (std::size_t c = 0; c < C; ++c) {
    // Appending, not "x" + to_string(c): GCC 12 gives a false -Wrestrict on the latter.
    std::string name = "x";
    name += std::to_string(c);
    t.names.push_back(std::move(name));
    auto& column = t.columns[c];
    column.resize(R);
    for (std::size_t r = 0; r < R; ++r) column[r] = load_value(data + (r * row_stride + c * col_stride) * dtype.size);
  }
  return t;
}

}  // namespace symtorch
