// Continuing prompts through the KV cache: greedy (temperature 0) or top-k sampling.
//
// A batch of prompts of equal length is prefilled at once, then one token per row per step is
// chosen from the last position's logits. Rows are independent; a row that has produced the stop
// token keeps producing it (its later tokens are not meaningful), and generation ends early once
// every row has stopped.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <optional>

#include "symtorch/lm/decoder.hpp"

namespace symtorch::lm {

struct GenerationOptions {
  std::int64_t max_new_tokens = 100;
  double temperature = 0;  // <= 0: greedy (argmax; the lowest id among equal logits)
  std::int64_t top_k = 40;  // sampling only: among the k most likely tokens
  // Only ids below this are candidates (a tokenizer smaller than the model's embedding table);
  // 0 = the whole vocabulary.
  std::int64_t vocab_limit = 0;
  std::optional<std::int64_t> stop_token = std::nullopt;
};

// prompts [batch, tokens] int64 -> generated ids [batch, n] with n <= max_new_tokens (fewer when
// every row stopped). `generator` is needed for sampling and ignored when greedy. Runs without
// autograd. Throws std::invalid_argument for an empty prompt, a negative max_new_tokens, a
// vocab_limit outside [0, vocab], or sampling without a generator.
torch::Tensor generate(Decoder& decoder, const torch::Tensor& prompts, const GenerationOptions& options,
                       std::optional<at::Generator> generator = std::nullopt);

}  // namespace symtorch::lm
