// JSON form of a search result (the CLI's --json): the chosen equation, the whole front with
// every printer format, the options and statistics. read_front_equations reads the equations
// back for a warm start.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "symtorch/engine/search.hpp"

namespace symtorch {

nlohmann::json options_to_json(const SearchOptions& options);
// `base` with the options of a JSON object over the C++ member names (options_to_json's keys,
// plus "size_constraints": [{"op", "left", "right"}], "mutation_weights": {...},
// "warm_start"); keys not given keep base's values. Throws std::invalid_argument naming an
// unknown key (and listing the known ones), a value of the wrong type or an unknown operator;
// the result is not validate()d.
SearchOptions options_from_json(const nlohmann::json& j, SearchOptions base = {});
// The keys options_from_json reads, sorted.
std::vector<std::string> option_json_keys();
nlohmann::json result_to_json(const SearchResult& result, const SearchOptions& options);

// Writes result_to_json to `path` (temporary file + rename). Throws std::runtime_error.
void write_result_json(const std::string& path, const SearchResult& result, const SearchOptions& options);

// The infix equations of the front in a file written by write_result_json (for warm starts).
// Throws std::runtime_error naming the file and what is missing.
std::vector<std::string> read_front_equations(const std::string& path);

}  // namespace symtorch
