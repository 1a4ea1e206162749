// Result summaries of the case-study programs: a JSON document written atomically (to a
// temporary file beside the target, then renamed), so a reader never sees half a file and a
// failed run leaves any previous result in place.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace symtorch::examples {

// Throws std::runtime_error naming the path when the file cannot be written or renamed.
void write_json_atomically(const std::string& path, const nlohmann::json& document);

}  // namespace symtorch::examples
