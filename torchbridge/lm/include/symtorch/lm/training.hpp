// Training a decoder from scratch: the pieces every model trained in this project shares (the
// text model of symtorch_lm and the arithmetic model of symtorch_arithmetic), so that both are
// trained by the same recipe and a change to it reaches both.
//
//   - a Qwen2-architecture configuration (q/k/v biases, tied embeddings, as Qwen2.5) of a given
//     shape;
//   - GPT-2's initialisation;
//   - AdamW with betas 0.9 / 0.95 and weight decay on matrices only;
//   - linear warm-up, then cosine decay to a tenth of the peak learning rate;
//   - one step of next-token cross-entropy with the gradient norm clipped at 1, where targets of
//     kIgnoreTarget contribute nothing (padding, or tokens the model is not asked to predict).
#pragma once

#include <torch/optim/adamw.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "symtorch/lm/config.hpp"
#include "symtorch/lm/decoder.hpp"

namespace symtorch::lm {

struct ModelShape {
  std::int64_t hidden = 128, intermediate = 744, layers = 6, heads = 4, kv_heads = 2;
  std::int64_t max_positions = 1024;
  double rope_theta = 10000;
};

// Throws std::invalid_argument naming the field when the shape is impossible (hidden not a
// multiple of heads, non-positive sizes, ...).
DecoderConfig qwen2_config(const ModelShape& shape, std::int64_t vocab_size, std::optional<std::int64_t> eos_token_id);

// N(0, std) for matrices and embeddings, the projections that write into the residual stream
// (o_proj, down_proj) scaled by 1/sqrt(2 * layers), biases 0, norms 1. Draws from torch's global
// generator (seed it with torch::manual_seed first).
void initialise_gpt2(Decoder& decoder, double std);

std::unique_ptr<torch::optim::AdamW> make_adamw(Decoder& decoder, double lr, double weight_decay);

struct LearningRateSchedule {
  double peak = 3e-3;
  std::int64_t warmup = 30, steps = 450;
  double at(std::int64_t step) const;
};

inline constexpr std::int64_t kIgnoreTarget = -100;  // torch's cross_entropy default ignore_index

// One optimisation step at learning rate `lr`: inputs, targets [batch, tokens] int64. Returns the
// mean cross-entropy over the targets that are not kIgnoreTarget. Throws std::invalid_argument
// when the shapes differ or every target is ignored.
double train_step(Decoder& decoder, torch::optim::AdamW& optimizer, double lr, const torch::Tensor& inputs,
                  const torch::Tensor& targets);

}  // namespace symtorch::lm
