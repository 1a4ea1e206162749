// Checkpoints: the search state after an iteration as JSON (nlohmann_json), written to a
// temporary file and renamed, so a crash never leaves a half-written checkpoint. A checkpoint
// records a fingerprint of the data and the options that shape the state; resuming with
// different ones is refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "search_state.hpp"
#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

nlohmann::json expression_to_json(const Expression& e);
Expression expression_from_json(const nlohmann::json& j);  // throws std::runtime_error

void save_checkpoint(const std::string& path, const SearchState& state, const SearchOptions& options,
                     const Dataset& data);
// Throws std::runtime_error naming the file and what does not match.
SearchState load_checkpoint(const std::string& path, const SearchOptions& options, const Dataset& data);
// load_checkpoint on the file's text; `path` names it in messages (the fuzz target calls this).
SearchState checkpoint_from_text(const std::string& text, const std::string& path, const SearchOptions& options,
                                 const Dataset& data);

// Writes text to path through a temporary file in the same directory and a rename.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace symtorch::search_detail
