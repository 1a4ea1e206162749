// Perplexity of a decoder on a token sequence, as Hugging Face's perplexity guide and the SymTorch
// study compute it with stride = context: the sequence is cut into non-overlapping chunks of
// `context` tokens (the last one shorter if the length is not a multiple); within a chunk every
// token after the first is predicted from those before it in the chunk; the result is
// exp(sum of negative log-likelihoods / number of predicted tokens).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "symtorch/lm/decoder.hpp"

namespace symtorch::lm {

struct PerplexityResult {
  double mean_nll = 0;     // nats per predicted token
  double perplexity = 0;   // exp(mean_nll)
  std::int64_t predicted_tokens = 0;
  std::int64_t chunks = 0;
};

// ids: 1-D int64. `batch` full chunks go through the model together (the result does not depend
// on it beyond rounding). A trailing piece of one token predicts nothing and is skipped.
// `progress`, if set, is called after each batch with (chunks done, chunks in all).
// Throws std::invalid_argument for a context < 2 or fewer than 2 tokens.
PerplexityResult perplexity(Decoder& decoder, const torch::Tensor& ids, std::int64_t context, std::int64_t batch = 1,
                            const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace symtorch::lm
