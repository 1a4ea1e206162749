// Splitting option text into trimmed fields ("+, -, sin", "none, each | half:outer").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace symtorch::detail {

// s without leading and trailing spaces and tabs.
inline std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// The trimmed fields of s between separators (empty fields kept).
inline std::vector<std::string> split_fields(std::string_view s, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(separator, start);
    parts.push_back(trim(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace symtorch::detail
