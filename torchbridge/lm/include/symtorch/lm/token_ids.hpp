// Token id sequences as .npy files: what a user's own tokenizer writes
// (numpy.save("ids.npy", numpy.array(ids))) and what this project's tokenizer writes.
#pragma once

#include <torch/types.h>

#include <filesystem>

namespace symtorch::lm {

// Reads a 1-D (or [1, n]) array of integers (int8/16/32/64 or uint8/16/32/64, little-endian,
// C order) as a 1-D int64 tensor. Throws std::invalid_argument naming the file and what is wrong
// (not .npy, other dtype or shape, truncated data, a negative id and its position).
torch::Tensor read_token_ids(const std::filesystem::path& path);

// Writes a 1-D integer tensor as int32 .npy (via a temporary file). Throws std::invalid_argument
// when an id does not fit.
void write_token_ids(const std::filesystem::path& path, const torch::Tensor& ids);

}  // namespace symtorch::lm
