// The saved-model reader's property (symbolic_model.json, torchbridge/src/model_file.cpp, which
// is torch-free): any bytes are refused (not JSON, or std::invalid_argument naming the field),
// or give a ModelFile whose JSON reads back to the same JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

#include "property_violation.hpp"
#include "symtorch/torch/model_file.hpp"

namespace symtorch::fuzz {

inline void check_model_file_input(std::string_view bytes) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range.406 for a number beyond double
    return;
  }
  ModelFile f;
  try {
    f = model_file_from_json(j, "fuzz.json");
  } catch (const std::invalid_argument&) {
    return;
  }
  const nlohmann::json written = to_json(f);
  try {
    if (to_json(model_file_from_json(nlohmann::json::parse(written.dump()), "written.json")) != written)
      throw PropertyViolation("a model file read back from its own JSON differs:\n" + written.dump());
  } catch (const std::invalid_argument& e) {
    throw PropertyViolation(std::string("a model file's own JSON is refused: ") + e.what() + "\n" + written.dump());
  }
}

}  // namespace symtorch::fuzz
