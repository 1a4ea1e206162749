#include "symtorch/lm/training.hpp"

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/torch.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace symtorch::lm {

DecoderConfig qwen2_config(const ModelShape& shape, std::int64_t vocab_size, std::optional<std::int64_t> eos_token_id) {
  if (shape.heads <= 0 || shape.hidden % shape.heads != 0)
    throw std::invalid_argument("model shape: hidden (" + std::to_string(shape.hidden) +
                                ") must be a positive multiple of heads (" + std::to_string(shape.heads) + ")");
  DecoderConfig c;
  c.architecture = Architecture::Qwen2;
  c.vocab_size = vocab_size;
  c.hidden_size = shape.hidden;
  c.intermediate_size = shape.intermediate;
  c.num_hidden_layers = shape.layers;
  c.num_attention_heads = shape.heads;
  c.num_key_value_heads = shape.kv_heads;
  c.head_dim = shape.hidden / shape.heads;
  c.max_position_embeddings = shape.max_positions;
  c.rms_norm_eps = 1e-6;
  c.rope_theta = shape.rope_theta;
  c.tie_word_embeddings = true;
  c.qkv_bias = true;
  c.eos_token_id = eos_token_id;
  c.validate("model shape");
  return c;
}

void initialise_gpt2(Decoder& decoder, double std) {
  torch::NoGradGuard no_grad;
  const double residual = std / std::sqrt(2.0 * static_cast<double>(decoder->num_layers()));
  for (auto& [name, p] : decoder->checkpoint_tensors()) {
    if (name.ends_with("norm.weight")) p.fill_(1);
    else if (name.ends_with(".bias")) p.zero_();
    else if (name.ends_with("o_proj.weight") || name.ends_with("down_proj.weight")) p.normal_(0, residual);
    else p.normal_(0, std);
  }
}

std::unique_ptr<torch::optim::AdamW> make_adamw(Decoder& decoder, double lr, double weight_decay) {
  // Decay on matrices (and the embedding) only: decaying norms' gains and biases towards 0 only
  // fights the normalisation.
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& [name, p] : decoder->checkpoint_tensors()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(lr).betas({0.9, 0.95}).weight_decay(weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(lr).betas({0.9, 0.95}).weight_decay(0)));
  return std::make_unique<torch::optim::AdamW>(std::move(groups));
}

double LearningRateSchedule::at(std::int64_t step) const {
  if (step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const double progress =
      static_cast<double>(step - warmup) / static_cast<double>(std::max<std::int64_t>(1, steps - warmup));
  return peak * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * std::min(1.0, progress))));
}

double train_step(Decoder& decoder, torch::optim::AdamW& optimizer, double lr, const torch::Tensor& inputs,
                  const torch::Tensor& targets) {
  if (inputs.sizes() != targets.sizes())
    throw std::invalid_argument("train_step: inputs " + c10::str(inputs.sizes()) + " and targets " +
                                c10::str(targets.sizes()) + " differ in shape");
  if ((targets != kIgnoreTarget).sum().item<std::int64_t>() == 0)
    throw std::invalid_argument("train_step: every target is ignored");
  for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
  optimizer.zero_grad();
  const auto logits = decoder->forward(inputs);
  const auto loss = torch::nn::functional::cross_entropy(
      logits.reshape({-1, decoder->config().vocab_size}), targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreTarget));
  loss.backward();
  torch::nn::utils::clip_grad_norm_(decoder->parameters(), 1.0);
  optimizer.step();
  return loss.item<double>();
}

}  // namespace symtorch::lm
