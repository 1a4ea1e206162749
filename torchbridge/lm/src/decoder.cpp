#include "symtorch/lm/decoder.hpp"

#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace symtorch::lm {
namespace {

namespace F = torch::nn::functional;

torch::nn::Linear linear(std::int64_t in, std::int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const std::int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return x * cos + rotate_half(x) * sin;
}

}  // namespace

RMSNormImpl::RMSNormImpl(std::int64_t size, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({size}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * weight;
}

torch::Tensor rope_inverse_frequencies(const DecoderConfig& c) {
  const std::int64_t half = c.head_dim / 2;
  std::vector<float> f(static_cast<std::size_t>(half));
  for (std::int64_t i = 0; i < half; ++i) {
    // Computed in double and rounded once, as the Python reference rounds theta^(2i/d).
    double freq = 1.0 / std::pow(c.rope_theta, static_cast<double>(2 * i) / static_cast<double>(c.head_dim));
    if (c.rope_scaling) {
      const auto& s = *c.rope_scaling;
      const double old_context = static_cast<double>(s.original_max_position_embeddings);
      const double low_freq_wavelen = old_context / s.low_freq_factor;
      const double high_freq_wavelen = old_context / s.high_freq_factor;
      const double wavelen = 2 * std::numbers::pi / freq;
      if (wavelen > low_freq_wavelen) {
        freq /= s.factor;
      } else if (wavelen >= high_freq_wavelen) {
        const double smooth = (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        freq = (1 - smooth) * freq / s.factor + smooth * freq;
      }
    }
    f[static_cast<std::size_t>(i)] = static_cast<float>(freq);
  }
  return torch::tensor(f);
}

SwiGLUImpl::SwiGLUImpl(const DecoderConfig& c) {
  gate_proj = register_module("gate_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
  up_proj = register_module("up_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
  down_proj = register_module("down_proj", linear(c.intermediate_size, c.hidden_size, c.mlp_bias));
}

torch::Tensor SwiGLUImpl::forward(const torch::Tensor& x) {
  return down_proj(F::silu(gate_proj(x)) * up_proj(x));
}

AttentionImpl::AttentionImpl(const DecoderConfig& c)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_dim) {
  q_proj = register_module("q_proj", linear(c.hidden_size, heads_ * head_dim_, c.qkv_bias));
  k_proj = register_module("k_proj", linear(c.hidden_size, kv_heads_ * head_dim_, c.qkv_bias));
  v_proj = register_module("v_proj", linear(c.hidden_size, kv_heads_ * head_dim_, c.qkv_bias));
  o_proj = register_module("o_proj", linear(heads_ * head_dim_, c.hidden_size, c.o_proj_bias));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                     const torch::Tensor& mask, torch::Tensor* keys, torch::Tensor* values) {
  const std::int64_t batch = x.size(0), tokens = x.size(1);
  auto q = apply_rope(q_proj(x).view({batch, tokens, heads_, head_dim_}).transpose(1, 2), cos, sin);
  auto k = apply_rope(k_proj(x).view({batch, tokens, kv_heads_, head_dim_}).transpose(1, 2), cos, sin);
  auto v = v_proj(x).view({batch, tokens, kv_heads_, head_dim_}).transpose(1, 2);
  if (keys) {
    if (keys->defined()) {
      k = torch::cat({*keys, k}, 2);
      v = torch::cat({*values, v}, 2);
    }
    *keys = k;
    *values = v;
  }
  const std::int64_t seen = k.size(2), group = heads_ / kv_heads_;
  // Grouped-query attention without copying keys and values per query head: the `group` query
  // heads that share a kv head are stacked along the token axis of one matrix product.
  auto scores = torch::matmul(q.reshape({batch, kv_heads_, group * tokens, head_dim_}), k.transpose(-1, -2));
  scores = scores.mul_(1.0 / std::sqrt(static_cast<double>(head_dim_)));
  if (mask.defined()) scores = (scores.view({batch, kv_heads_, group, tokens, seen}) + mask).view_as(scores);
  auto out = torch::matmul(torch::softmax(scores, -1), v);  // [batch, kv_heads, group * tokens, head_dim]
  out = out.view({batch, heads_, tokens, head_dim_}).transpose(1, 2).reshape({batch, tokens, heads_ * head_dim_});
  return o_proj(out);
}

DecoderLayerImpl::DecoderLayerImpl(const DecoderConfig& c) {
  self_attn = register_module("self_attn", Attention(c));
  mlp_ = register_module("mlp", SwiGLU(c));
  slot_ = torch::nn::AnyModule(mlp_);
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

void DecoderLayerImpl::replace_mlp(torch::nn::AnyModule module) {
  if (module.is_empty()) throw std::invalid_argument("DecoderLayer::replace_mlp: empty module");
  replace_module("mlp", module.ptr());
  slot_ = std::move(module);
  replaced_ = true;
}

void DecoderLayerImpl::restore_mlp() {
  replace_module("mlp", mlp_.ptr());
  slot_ = torch::nn::AnyModule(mlp_);
  replaced_ = false;
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                        const torch::Tensor& mask, torch::Tensor* keys, torch::Tensor* values) {
  auto h = x + self_attn(input_layernorm(x), cos, sin, mask, keys, values);
  return h + slot_.forward(post_attention_layernorm(h));
}

DecoderModelImpl::DecoderModelImpl(const DecoderConfig& c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c));
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

DecoderImpl::DecoderImpl(DecoderConfig config) : config_(std::move(config)) {
  config_.validate("decoder config");
  model = register_module("model", DecoderModel(config_));
  if (!config_.tie_word_embeddings)
    lm_head = register_module("lm_head", linear(config_.hidden_size, config_.vocab_size, false));
  inv_freq_ = rope_inverse_frequencies(config_);  // float32 on the CPU; angles are moved to the parameters' device
}

DecoderLayer DecoderImpl::layer(std::int64_t index) const {
  if (index < 0 || index >= num_layers())
    throw std::out_of_range("Decoder::layer: no layer " + std::to_string(index) + " (the model has " +
                            std::to_string(num_layers()) + ")");
  return model->layers->ptr<DecoderLayerImpl>(static_cast<std::size_t>(index));
}

torch::Tensor DecoderImpl::hidden_states(const torch::Tensor& ids, KVCache* cache) {
  if (ids.dim() != 2 || ids.scalar_type() != torch::kInt64)
    throw std::invalid_argument("Decoder: token ids must be an int64 tensor [batch, tokens], got " +
                                std::string(toString(ids.scalar_type())) + " of " + std::to_string(ids.dim()) +
                                " dimensions");
  if (ids.size(1) == 0) throw std::invalid_argument("Decoder: no tokens");
  const auto bad = (ids < 0).logical_or(ids >= config_.vocab_size).nonzero();
  if (bad.size(0) > 0) {
    const auto b = bad[0][0].item<std::int64_t>(), t = bad[0][1].item<std::int64_t>();
    throw std::invalid_argument("Decoder: token id " + std::to_string(ids[b][t].item<std::int64_t>()) + " at [" +
                                std::to_string(b) + ", " + std::to_string(t) + "] is outside the vocabulary [0, " +
                                std::to_string(config_.vocab_size) + ")");
  }
  const std::int64_t tokens = ids.size(1), past = cache ? cache->length() : 0;
  if (cache) {
    if (cache->keys.empty()) {
      cache->keys.resize(static_cast<std::size_t>(num_layers()));
      cache->values.resize(static_cast<std::size_t>(num_layers()));
    } else if (cache->keys[0].defined() && cache->keys[0].size(0) != ids.size(0)) {
      throw std::invalid_argument("Decoder: the cache holds a batch of " + std::to_string(cache->keys[0].size(0)) +
                                  ", the ids a batch of " + std::to_string(ids.size(0)));
    }
  }
  // Angles in float32, as Hugging Face computes them, whatever the parameters' dtype.
  const auto positions = torch::arange(past, past + tokens, inv_freq_.options());
  const auto freqs = torch::outer(positions, inv_freq_);
  const auto angles = torch::cat({freqs, freqs}, -1);
  const auto options = model->norm->weight.options();
  const auto cos = angles.cos().to(options), sin = angles.sin().to(options);
  torch::Tensor mask;
  if (tokens > 1)
    mask = torch::full({tokens, past + tokens}, -std::numeric_limits<float>::infinity(), options).triu(past + 1);
  auto h = model->embed_tokens(ids);
  for (std::int64_t i = 0; i < num_layers(); ++i) {
    const auto n = static_cast<std::size_t>(i);
    h = layer(i)->forward(h, cos, sin, mask, cache ? &cache->keys[n] : nullptr, cache ? &cache->values[n] : nullptr);
  }
  return model->norm(h);
}

torch::Tensor DecoderImpl::logits(const torch::Tensor& hidden) {
  return lm_head ? lm_head(hidden) : torch::matmul(hidden, model->embed_tokens->weight.t());
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& ids, KVCache* cache) {
  return logits(hidden_states(ids, cache));
}

std::vector<std::pair<std::string, torch::Tensor>> DecoderImpl::checkpoint_tensors() const {
  std::vector<std::pair<std::string, torch::Tensor>> t;
  auto linear_of = [&](const std::string& prefix, const torch::nn::Linear& l) {
    t.emplace_back(prefix + ".weight", l->weight);
    if (l->bias.defined()) t.emplace_back(prefix + ".bias", l->bias);
  };
  t.emplace_back("model.embed_tokens.weight", model->embed_tokens->weight);
  for (std::int64_t i = 0; i < num_layers(); ++i) {
    const auto l = layer(i);
    const std::string p = "model.layers." + std::to_string(i) + ".";
    t.emplace_back(p + "input_layernorm.weight", l->input_layernorm->weight);
    linear_of(p + "self_attn.q_proj", l->self_attn->q_proj);
    linear_of(p + "self_attn.k_proj", l->self_attn->k_proj);
    linear_of(p + "self_attn.v_proj", l->self_attn->v_proj);
    linear_of(p + "self_attn.o_proj", l->self_attn->o_proj);
    t.emplace_back(p + "post_attention_layernorm.weight", l->post_attention_layernorm->weight);
    linear_of(p + "mlp.gate_proj", l->mlp()->gate_proj);
    linear_of(p + "mlp.up_proj", l->mlp()->up_proj);
    linear_of(p + "mlp.down_proj", l->mlp()->down_proj);
  }
  t.emplace_back("model.norm.weight", model->norm->weight);
  if (lm_head) t.emplace_back("lm_head.weight", lm_head->weight);
  return t;
}

}  // namespace symtorch::lm
