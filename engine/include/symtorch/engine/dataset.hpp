// Dataset: column-major numeric data with names, and readers for CSV and .npy files.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace symtorch {

// A refused data file. The message names the file, and the row and column where known
// (1-based; row 1 is the header line of a CSV).
class DataError : public std::runtime_error {
 public:
  DataError(const std::string& file, std::size_t row, std::size_t column, const std::string& what);
  const std::string& file() const { return file_; }
  std::size_t row() const { return row_; }        // 0 if not applicable
  std::size_t column() const { return column_; }  // 0 if not applicable

 private:
  std::string file_;
  std::size_t row_, column_;
};

// A table of double columns.
struct Table {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;  // columns[c][row]
  std::size_t rows() const { return columns.empty() ? 0 : columns[0].size(); }
  std::size_t cols() const { return columns.size(); }
  std::size_t column_index(const std::string& name) const;  // throws std::invalid_argument
};

// Inputs X (features) and target y, ready for regression.
struct Dataset {
  std::vector<std::string> feature_names;
  std::vector<std::vector<double>> features;  // features[k][row]
  std::vector<double> target;
  std::string target_name = "y";
  std::vector<double> weights;  // empty = unweighted
  std::size_t rows() const { return target.size(); }
  std::size_t num_features() const { return features.size(); }
  std::vector<const double*> column_pointers() const;
};

// CSV with a header line; separators ',' (also ';' or tab, detected from the header);
// every other cell must be a finite or non-finite number ("nan", "inf" accepted).
Table read_csv(const std::string& path);
// .npy: float32/float64 (also little-endian ints), C or Fortran order, 1-D or 2-D.
// Columns are named x0, x1, ...
Table read_npy(const std::string& path);
// Chooses by extension (.npy or anything else = CSV).
Table read_table(const std::string& path);

// Splits a table into features and target (last column unless target_name is given).
Dataset to_dataset(const Table& t, const std::optional<std::string>& target_name = std::nullopt);

}  // namespace symtorch
