// The CSV reader's property: any bytes give a rectangular table with one name per column and at
// least one row, or DataError; a table splits into a dataset or throws DataError.
#pragma once

#include <string_view>

#include "../engine/src/data_file.hpp"
#include "property_violation.hpp"
#include "table_shape.hpp"
#include "symtorch/engine/dataset.hpp"

namespace symtorch::fuzz {

inline void check_csv_input(std::string_view bytes) {
  Table table;
  try {
    table = detail::parse_csv(bytes, "fuzz.csv");
  } catch (const DataError&) {
    return;
  }
  check_table_shape(table, "read_csv");
  try {
    const Dataset d = to_dataset(table);
    if (d.num_features() + 1 != table.cols() || d.rows() != table.rows())
      throw PropertyViolation("to_dataset: the dataset does not have the table's shape");
  } catch (const DataError&) {
  }
}

}  // namespace symtorch::fuzz
