// DataError, Table/Dataset helpers, reader dispatch and the table -> dataset split.
#include "symtorch/engine/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "data_file.hpp"

namespace symtorch {
namespace {

std::string located_message(const std::string& file, std::size_t row, std::size_t column,
                            const std::string& what) {
  std::string m = file;
  if (row > 0) {
    m += ':' + std::to_string(row);
    if (column > 0) m += ':' + std::to_string(column);
  }
  if (!m.empty()) m += ": ";
  return m + what;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "'" : ", '") + n + "'";
  return s;
}

}  // namespace

DataError::DataError(const std::string& file, std::size_t row, std::size_t column, const std::string& what)
    : std::runtime_error(located_message(file, row, column, what)), file_(file), row_(row), column_(column) {}

std::size_t Table::column_index(const std::string& name) const {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw std::invalid_argument("no column named '" + name + "'; the columns are " + quoted_list(names));
  return static_cast<std::size_t>(it - names.begin());
}

std::vector<const double*> Dataset::column_pointers() const {
  std::vector<const double*> p;
  p.reserve(features.size());
  for (const auto& f : features) p.push_back(f.data());
  return p;
}

namespace detail {

std::string read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path, 0, 0, "is a directory, not a data file");
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw DataError(path, 0, 0, std::string("cannot open: ") + std::strerror(errno));
  // Read in large chunks rather than trusting the size reported up front (pipes, /proc).
  std::string bytes;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) bytes.reserve(static_cast<std::size_t>(size) + 1);
  char chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    bytes.append(chunk, n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) throw DataError(path, 0, 0, std::string("cannot read: ") + std::strerror(errno));
  return bytes;
}

}  // namespace detail

Table read_table(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".npy" ? read_npy(path) : read_csv(path);
}

Dataset to_dataset(const Table& t, const std::optional<std::string>& target_name) {
  if (t.cols() == 0) throw DataError(t.source, 0, 0, "the table has no columns");
  for (std::size_t c = 0; c < t.cols(); ++c)
    if (t.columns[c].size() != t.rows())
      throw DataError(t.source, 0, c + 1, "column '" + t.names[c] + "' has " + std::to_string(t.columns[c].size()) +
                                               " rows, the first column has " + std::to_string(t.rows()));
  std::size_t target = t.cols() - 1;
  if (target_name) {
    auto it = std::find(t.names.begin(), t.names.end(), *target_name);
    if (it == t.names.end())
      throw DataError(t.source, 0, 0, "no target column named '" + *target_name + "'; the columns are " +
                                          quoted_list(t.names));
    target = static_cast<std::size_t>(it - t.names.begin());
  }
  if (t.cols() < 2)
    throw DataError(t.source, 0, 0, "only the target column '" + t.names[target] +
                                        "' is present; at least one feature column is needed");
  Dataset d;
  d.target_name = t.names[target];
  d.target = t.columns[target];
  for (std::size_t c = 0; c < t.cols(); ++c) {
    if (c == target) continue;
    d.feature_names.push_back(t.names[c]);
    d.features.push_back(t.columns[c]);
  }
  return d;
}

}  // namespace symtorch
