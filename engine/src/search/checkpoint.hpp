// Checkpoints: the search state after an iteration as JSON (nlohmann_json), written to a
// temporary file and renamed, so a crash never leaves a half-written checkpoint. A checkpoint
// records a fingerprint of the data and the options that shape the state; resuming with
// different ones is refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

// The checkpoint of `state` as text (what save_checkpoint writes).
std::string checkpoint_text(const SearchState& state, const SearchOptions& options, const Dataset& data);
// The data fingerprint and the options that shape a search's state, as text: equal on every
// rank of a distributed search.
std::string search_shape(const SearchOptions& options, const Dataset& data);

// A distributed asynchronous search keeps one state per rank: rank k's checkpoint_text (its
// own islands only) at index k, written as one file by rank 0.
void save_rank_checkpoints(const std::string& path, const std::vector<std::string>& rank_texts);
struct RankCheckpoint {
  SearchState state;
  bool per_rank = false;  // the file held one state per rank (state is this rank's)
};
// For rank `rank` of `ranks` owning `own_islands` islands: a single-process checkpoint gives
// the whole state (every island); a per-rank one this rank's state, refused unless it was
// written by `ranks` ranks. Throws std::runtime_error naming the file and what does not match.
RankCheckpoint load_rank_checkpoint(const std::string& path, const SearchOptions& options, const Dataset& data,
                                    int rank, int ranks, std::size_t own_islands);

// Writes text to path through a temporary file in the same directory and a rename.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace symtorch::search_detail
