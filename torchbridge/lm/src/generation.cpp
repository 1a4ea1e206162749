#include "symtorch/lm/generation.hpp"

#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace symtorch::lm {

torch::Tensor generate(Decoder& decoder, const torch::Tensor& prompts, const GenerationOptions& o,
                       std::optional<at::Generator> generator) {
  if (prompts.dim() != 2 || prompts.size(1) == 0)
    throw std::invalid_argument("generate: prompts must be [batch, tokens] with at least one token, got " +
                                c10::str(prompts.sizes()));
  if (o.max_new_tokens < 0) throw std::invalid_argument("generate: max_new_tokens is negative");
  const std::int64_t vocab = decoder->config().vocab_size;
  if (o.vocab_limit < 0 || o.vocab_limit > vocab)
    throw std::invalid_argument("generate: vocab_limit " + std::to_string(o.vocab_limit) + " is outside [0, " +
                                std::to_string(vocab) + "]");
  const bool greedy = o.temperature <= 0;
  if (!greedy && !generator) throw std::invalid_argument("generate: sampling (temperature > 0) needs a generator");
  const std::int64_t limit = o.vocab_limit > 0 ? o.vocab_limit : vocab;
  const std::int64_t batch = prompts.size(0);

  torch::NoGradGuard no_grad;
  KVCache cache;
  torch::Tensor input = prompts;
  torch::Tensor stopped = torch::zeros({batch}, torch::kBool);
  std::vector<torch::Tensor> out;
  for (std::int64_t t = 0; t < o.max_new_tokens; ++t) {
    const auto logits = decoder->forward(input, &cache).select(1, -1).narrow(1, 0, limit);  // [batch, limit]
    torch::Tensor next;
    if (greedy) {
      next = logits.argmax(1);
    } else {
      next = torch::empty({batch}, torch::kInt64);
      const std::int64_t k = std::min(o.top_k, limit);
      for (std::int64_t b = 0; b < batch; ++b) {
        auto [values, indices] = logits[b].topk(k);
        const auto probs = torch::softmax(values / o.temperature, 0);
        next[b] = indices[torch::multinomial(probs, 1, false, *generator).item<std::int64_t>()];
      }
    }
    if (o.stop_token) {
      next = torch::where(stopped, torch::full_like(next, *o.stop_token), next);
      stopped = stopped.logical_or(next == *o.stop_token);
    }
    out.push_back(next);
    if (o.stop_token && stopped.all().item<bool>()) break;
    input = next.unsqueeze(1);
  }
  if (out.empty()) return torch::empty({batch, 0}, torch::kInt64);
  return torch::stack(out, 1);
}

}  // namespace symtorch::lm
