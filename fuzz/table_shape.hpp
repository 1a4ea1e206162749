// What every table a reader returns must be (the CSV and .npy properties).
#pragma once

#include <string>

#include "property_violation.hpp"
#include "symtorch/engine/dataset.hpp"

namespace symtorch::fuzz {

inline void check_table_shape(const Table& table, const char* reader) {
  if (table.names.size() != table.cols() || table.rows() == 0 || table.cols() == 0)
    throw PropertyViolation(std::string(reader) + ": a table without rows, columns or a name per column");
  for (const auto& column : table.columns)
    if (column.size() != table.rows()) throw PropertyViolation(std::string(reader) + ": columns of different lengths");
}

}  // namespace symtorch::fuzz
