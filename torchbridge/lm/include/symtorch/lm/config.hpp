// Decoder configuration read from a Hugging Face config.json (Qwen2 and Llama architectures).
//
// The fields are those the two architectures' modelling code reads. Qwen2 puts biases on the
// q, k and v projections (never on o_proj) and has no config key for it; Llama's attention_bias
// puts them on q, k, v and o, and mlp_bias on the three MLP projections. Anything the decoder does
// not implement (another hidden_act, a sliding window in use, a rope_scaling type other than
// Llama 3's) is refused naming the key, rather than silently computing something else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace symtorch::lm {

enum class Architecture { Qwen2, Llama };
const char* to_string(Architecture a);

// Llama 3's rope_scaling {"rope_type": "llama3", ...}: long wavelengths divided by factor, short
// ones kept, those in between interpolated.
struct Llama3RopeScaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  std::int64_t original_max_position_embeddings = 8192;
};

struct DecoderConfig {
  Architecture architecture = Architecture::Llama;
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;  // config.json default: num_attention_heads
  std::int64_t head_dim = 0;             // config.json default: hidden_size / num_attention_heads
  std::int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<Llama3RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;       // Qwen2: always; Llama: attention_bias
  bool o_proj_bias = false;    // Llama: attention_bias
  bool mlp_bias = false;       // Llama: mlp_bias
  std::optional<std::int64_t> bos_token_id, eos_token_id;

  // Throws std::invalid_argument naming the field when a value is impossible (non-positive
  // sizes, heads not dividing, ...).
  void validate(const std::string& source) const;
};

// Parses config.json text. `source` names the file in error messages. Throws
// std::invalid_argument naming the source and the key.
DecoderConfig parse_config(const nlohmann::json& document, const std::string& source);
DecoderConfig read_config(const std::filesystem::path& config_json);
// The config.json this project writes for its models: loadable by parse_config and, for the
// fields both know, by Hugging Face transformers.
nlohmann::json to_json(const DecoderConfig& config);

}  // namespace symtorch::lm
