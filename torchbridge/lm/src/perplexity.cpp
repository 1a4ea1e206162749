#include "symtorch/lm/perplexity.hpp"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace symtorch::lm {
namespace {

// Summed negative log-likelihood of chunks [rows, length]: positions 0..length-2 predict 1..length-1.
// The log-softmax runs in float64 (so that a uniform model scores exactly log(vocab)), on slices of
// at most 128 positions: a real model's [1024, 151936] logits would take 1.2 GB in float64 at once.
double chunk_nll(Decoder& decoder, const torch::Tensor& chunks) {
  constexpr std::int64_t kSlice = 128;
  const auto length = chunks.size(1);
  const auto logits = decoder->forward(chunks);
  double nll = 0;
  for (std::int64_t row = 0; row < chunks.size(0); ++row)
    for (std::int64_t start = 0; start < length - 1; start += kSlice) {
      const auto n = std::min(kSlice, length - 1 - start);
      nll += torch::nn::functional::cross_entropy(
                 logits[row].narrow(0, start, n).to(torch::kFloat64), chunks[row].narrow(0, start + 1, n),
                 torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                 .item<double>();
    }
  return nll;
}

}  // namespace

PerplexityResult perplexity(Decoder& decoder, const torch::Tensor& ids, std::int64_t context, std::int64_t batch,
                            const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (context < 2) throw std::invalid_argument("perplexity: context must be at least 2, got " + std::to_string(context));
  if (batch < 1) throw std::invalid_argument("perplexity: batch must be at least 1, got " + std::to_string(batch));
  if (ids.dim() != 1 || ids.scalar_type() != torch::kInt64)
    throw std::invalid_argument("perplexity: token ids must be a 1-D int64 tensor");
  const std::int64_t n = ids.size(0);
  if (n < 2) throw std::invalid_argument("perplexity: needs at least 2 tokens, got " + std::to_string(n));
  const std::int64_t full = n / context, rest = n % context;
  const std::int64_t total_chunks = full + (rest >= 2 ? 1 : 0);
  torch::InferenceMode inference;
  PerplexityResult r;
  double nll = 0;
  const auto whole = ids.narrow(0, 0, full * context).view({full, context});
  for (std::int64_t start = 0; start < full; start += batch) {
    const auto rows = std::min(batch, full - start);
    nll += chunk_nll(decoder, whole.narrow(0, start, rows));
    r.predicted_tokens += rows * (context - 1);
    r.chunks += rows;
    if (progress) progress(r.chunks, total_chunks);
  }
  if (rest >= 2) {
    nll += chunk_nll(decoder, ids.narrow(0, full * context, rest).view({1, rest}));
    r.predicted_tokens += rest - 1;
    r.chunks += 1;
    if (progress) progress(r.chunks, total_chunks);
  }
  r.mean_nll = nll / static_cast<double>(r.predicted_tokens);
  r.perplexity = std::exp(r.mean_nll);
  return r;
}

}  // namespace symtorch::lm
