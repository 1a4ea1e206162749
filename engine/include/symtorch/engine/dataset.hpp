// Dataset: column-major numeric data with names, and readers for CSV and .npy files.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace symtorch {

// A refused data file. The message is "file:row:column: what" (row and column 1-based; row 1 is
// the header line of a CSV, so rows are the file's line numbers), shortened to "file:row: what"
// or "file: what" where the column or row does not apply.
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
  std::string source;  // file it was read from (for messages); may be empty
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

// CSV with a header line of column names (quotes allowed); the separator is ',', ';' or tab,
// whichever the header uses most. Every other cell must be a number as std::from_chars reads it
// (exponents allowed, optional leading '+'); "nan", "inf", "-inf" are accepted in any case and
// loaded as they are (the search refuses non-finite data itself). CRLF line endings and empty
// lines at the end are accepted; spaces around cells are trimmed. Throws DataError.
Table read_csv(const std::string& path);
// .npy (format versions 1-3): dtypes float32/float64 and 8-64-bit signed/unsigned integers,
// little endian, C or Fortran order, 1-D (one column) or 2-D rows x cols. Columns are named
// x0, x1, ... Bytes after the array data are ignored, as numpy.load does. Throws DataError.
Table read_npy(const std::string& path);
// Chooses by extension (.npy, any case, or anything else = CSV).
Table read_table(const std::string& path);

// Splits a table into features and target (last column unless target_name is given).
// Throws DataError if the target is missing (listing the columns) or no feature column is left.
Dataset to_dataset(const Table& t, const std::optional<std::string>& target_name = std::nullopt);

}  // namespace symtorch
