// Internal helpers shared by the data readers (csv_reader.cpp, npy_reader.cpp).
#pragma once

#include <string>

namespace symtorch::detail {

// The whole file as bytes. Throws DataError naming the file if it is missing, a directory or
// unreadable.
std::string read_file_bytes(const std::string& path);

}  // namespace symtorch::detail
