// Internal helpers shared by the data readers (csv_reader.cpp, npy_reader.cpp), and the readers
// on bytes already in memory, which the fuzz targets (fuzz/) call without a file.
#pragma once

#include <string>
#include <string_view>

#include "symtorch/engine/dataset.hpp"

namespace symtorch::detail {

// The whole file as bytes. Throws DataError naming the file if it is missing, a directory or
// unreadable.
std::string read_file_bytes(const std::string& path);

// read_csv / read_npy on the file's bytes; `source` names the file in messages and Table::source.
Table parse_csv(std::string_view bytes, const std::string& source);
Table parse_npy(std::string_view bytes, const std::string& source);

}  // namespace symtorch::detail
