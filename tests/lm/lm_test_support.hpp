// Tiny decoders for the lm tests: a Qwen2-named one (q/k/v biases, tied head) and a Llama-named
// one (untied head, explicit head_dim, Llama 3 rope_scaling), with every parameter random so that
// each weight, bias and norm matters to the logits.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "symtorch/lm/config.hpp"
#include "symtorch/lm/decoder.hpp"

namespace symtorch::test {

inline nlohmann::json tiny_qwen2_config_json() {
  return {{"architectures", {"Qwen2ForCausalLM"}}, {"model_type", "qwen2"}, {"hidden_act", "silu"},
          {"vocab_size", 97}, {"hidden_size", 32}, {"intermediate_size", 88}, {"num_hidden_layers", 2},
          {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64},
          {"rms_norm_eps", 1e-6}, {"rope_theta", 1000000.0}, {"tie_word_embeddings", true},
          {"use_sliding_window", false}, {"sliding_window", 4096}};
}

inline nlohmann::json tiny_llama_config_json() {
  return {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_act", "silu"},
          {"vocab_size", 101}, {"hidden_size", 48}, {"intermediate_size", 96}, {"num_hidden_layers", 3},
          {"num_attention_heads", 4}, {"num_key_value_heads", 1}, {"head_dim", 16},
          {"max_position_embeddings", 64}, {"rms_norm_eps", 1e-5}, {"rope_theta", 500000.0},
          {"rope_scaling", {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                            {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 16}}},
          {"tie_word_embeddings", false}, {"attention_bias", false}, {"mlp_bias", false}};
}

inline lm::Decoder random_decoder(const nlohmann::json& config, std::uint64_t seed) {
  lm::Decoder d(lm::parse_config(config, "test config"));
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& item : d->named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    if (name.find("norm") != std::string::npos) p.copy_(1 + 0.2 * torch::randn_like(p));
    else p.normal_(0, 0.2);
  }
  d->eval();
  return d;
}

inline torch::Tensor random_ids(std::int64_t vocab, std::int64_t batch, std::int64_t tokens, std::uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  return torch::randint(vocab, {batch, tokens}, generator, torch::kInt64);
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace symtorch::test
