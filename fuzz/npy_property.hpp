// The .npy reader's property: any bytes give a rectangular table with one name per column, or
// DataError.
#pragma once

#include <string_view>

#include "../engine/src/data_file.hpp"
#include "table_shape.hpp"
#include "symtorch/engine/dataset.hpp"

namespace symtorch::fuzz {

inline void check_npy_input(std::string_view bytes) {
  Table table;
  try {
    table = detail::parse_npy(bytes, "fuzz.npy");
  } catch (const DataError&) {
    return;
  }
  check_table_shape(table, "read_npy");
}

}  // namespace symtorch::fuzz
