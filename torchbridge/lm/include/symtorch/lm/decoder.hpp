// A decoder-only transformer with the Qwen2 / Llama block as published (Hugging Face
// transformers' Qwen2ForCausalLM and LlamaForCausalLM):
//
//   h = embed_tokens(ids)
//   per layer:  h = h + self_attn(input_layernorm(h))            RMSNorm, RoPE, grouped-query, causal
//               h = h + mlp(post_attention_layernorm(h))         SwiGLU: down(silu(gate(x)) * up(x))
//   logits = lm_head(norm(h))                                     lm_head = embed_tokens when tied
//
// Submodules carry Hugging Face's names (model.layers.N.self_attn.q_proj, ...), so a checkpoint's
// parameter names are the modules' names (checkpoint.hpp maps and checks them).
//
// The MLP hook point: every layer keeps its own SwiGLU (mlp()), and the forward pass calls
// whatever module is in the layer's MLP slot, by default that SwiGLU. replace_mlp() puts another
// module there (one tensor in, one tensor out, [batch, tokens, hidden] -> same), for example a
// symtorch::SymbolicModel wrapping mlp(), which then records the MLP's inputs and outputs during
// any pass of the decoder, or runs its equations instead.
//
// Computation is in the parameters' dtype (float32 as loaded); inputs are int64 token ids of
// shape [batch, tokens].
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "symtorch/lm/config.hpp"

namespace symtorch::lm {

// Keys and values of every layer (after RoPE) for the tokens seen so far. A cache belongs to one
// sequence batch; forward() appends to it.
struct KVCache {
  std::vector<torch::Tensor> keys, values;  // per layer: [batch, kv_heads, tokens, head_dim]
  std::int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
  void clear() { keys.clear(), values.clear(); }
};

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(std::int64_t size, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

// Inverse frequencies of the rotary embedding (rope_theta, and Llama 3's rope_scaling when set).
torch::Tensor rope_inverse_frequencies(const DecoderConfig& config);

class SwiGLUImpl : public torch::nn::Module {
 public:
  explicit SwiGLUImpl(const DecoderConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(SwiGLU);

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const DecoderConfig& config);
  // x [batch, tokens, hidden]; cos/sin [tokens, head_dim]; mask [tokens, past + tokens] or
  // undefined (no masking needed: one query token). `keys`/`values` hold the layer's cache
  // (undefined when empty) and are extended; pass nullptr for no cache.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, torch::Tensor* keys, torch::Tensor* values);
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  std::int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(Attention);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const DecoderConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, torch::Tensor* keys, torch::Tensor* values);

  // The layer's own SwiGLU MLP (its parameters are the checkpoint's), whatever is in the slot.
  SwiGLU mlp() const { return mlp_; }
  // Puts `module` in the MLP slot (registered as the child "mlp" in place of the SwiGLU).
  void replace_mlp(torch::nn::AnyModule module);
  // Puts the layer's own SwiGLU back.
  void restore_mlp();
  bool mlp_replaced() const { return replaced_; }

  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Attention self_attn{nullptr};

 private:
  SwiGLU mlp_{nullptr};
  torch::nn::AnyModule slot_;
  bool replaced_ = false;
};
TORCH_MODULE(DecoderLayer);

// Hugging Face's inner "model": embeddings, layers, final norm.
class DecoderModelImpl : public torch::nn::Module {
 public:
  explicit DecoderModelImpl(const DecoderConfig& config);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
};
TORCH_MODULE(DecoderModel);

class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(DecoderConfig config);

  // ids [batch, tokens] int64 -> logits [batch, tokens, vocab]. With a cache, the tokens follow
  // the cached ones (positions continue from cache->length()) and the cache is extended.
  // Throws std::invalid_argument naming the position of an id outside [0, vocab_size).
  torch::Tensor forward(const torch::Tensor& ids, KVCache* cache = nullptr);
  // The final-norm hidden states [batch, tokens, hidden], and the head applied to them.
  torch::Tensor hidden_states(const torch::Tensor& ids, KVCache* cache = nullptr);
  torch::Tensor logits(const torch::Tensor& hidden);

  const DecoderConfig& config() const { return config_; }
  std::int64_t num_layers() const { return config_.num_hidden_layers; }
  DecoderLayer layer(std::int64_t index) const;

  // Hugging Face names and the parameters they load into, in checkpoint order (the layers' own
  // SwiGLUs even where their slot holds another module; no lm_head.weight when tied).
  std::vector<std::pair<std::string, torch::Tensor>> checkpoint_tensors() const;

  DecoderModel model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when tie_word_embeddings

 private:
  DecoderConfig config_;
  torch::Tensor inv_freq_;
};
TORCH_MODULE(Decoder);

}  // namespace symtorch::lm
