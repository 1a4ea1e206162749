#include "symtorch/lm/config.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace symtorch::lm {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::invalid_argument(source + ": " + what);
}

std::int64_t integer_field(const json& d, const std::string& source, const char* key, std::optional<std::int64_t> fallback) {
  if (!d.contains(key) || d.at(key).is_null()) {
    if (fallback) return *fallback;
    fail(source, std::string("missing key '") + key + "'");
  }
  const json& v = d.at(key);
  if (!v.is_number_integer()) fail(source, std::string("'") + key + "' must be an integer, got " + v.dump());
  return v.get<std::int64_t>();
}

double number_field(const json& d, const std::string& source, const char* key, double fallback) {
  if (!d.contains(key) || d.at(key).is_null()) return fallback;
  const json& v = d.at(key);
  if (!v.is_number()) fail(source, std::string("'") + key + "' must be a number, got " + v.dump());
  return v.get<double>();
}

bool bool_field(const json& d, const std::string& source, const char* key, bool fallback) {
  if (!d.contains(key) || d.at(key).is_null()) return fallback;
  const json& v = d.at(key);
  if (!v.is_boolean()) fail(source, std::string("'") + key + "' must be true or false, got " + v.dump());
  return v.get<bool>();
}

// bos/eos may be an integer or (Llama 3 instruct) a list; only a single id is kept.
std::optional<std::int64_t> token_id_field(const json& d, const char* key) {
  if (!d.contains(key) || !d.at(key).is_number_integer()) return std::nullopt;
  return d.at(key).get<std::int64_t>();
}

Architecture architecture_of(const json& d, const std::string& source) {
  if (!d.contains("model_type") || !d.at("model_type").is_string())
    fail(source, "missing key 'model_type' (expected \"qwen2\" or \"llama\")");
  const std::string type = d.at("model_type").get<std::string>();
  if (type == "qwen2") return Architecture::Qwen2;
  if (type == "llama") return Architecture::Llama;
  fail(source, "model_type '" + type + "' is not supported (only \"qwen2\" and \"llama\")");
}

std::optional<Llama3RopeScaling> rope_scaling_of(const json& d, const std::string& source) {
  if (!d.contains("rope_scaling") || d.at("rope_scaling").is_null()) return std::nullopt;
  const json& s = d.at("rope_scaling");
  if (!s.is_object()) fail(source, "'rope_scaling' must be an object or null");
  std::string type;
  if (s.contains("rope_type") && s.at("rope_type").is_string()) type = s.at("rope_type").get<std::string>();
  else if (s.contains("type") && s.at("type").is_string()) type = s.at("type").get<std::string>();
  if (type == "default") return std::nullopt;
  if (type != "llama3")
    fail(source, "rope_scaling type '" + type + "' is not supported (only \"llama3\" and \"default\")");
  Llama3RopeScaling r;
  const std::string where = source + " rope_scaling";
  r.factor = number_field(s, where, "factor", r.factor);
  r.low_freq_factor = number_field(s, where, "low_freq_factor", r.low_freq_factor);
  r.high_freq_factor = number_field(s, where, "high_freq_factor", r.high_freq_factor);
  r.original_max_position_embeddings =
      integer_field(s, where, "original_max_position_embeddings", r.original_max_position_embeddings);
  if (!(r.factor > 0) || !(r.high_freq_factor > r.low_freq_factor) || r.low_freq_factor <= 0 ||
      r.original_max_position_embeddings <= 0)
    fail(where, "needs factor > 0, high_freq_factor > low_freq_factor > 0 and original_max_position_embeddings > 0");
  return r;
}

}  // namespace

const char* to_string(Architecture a) { return a == Architecture::Qwen2 ? "qwen2" : "llama"; }

void DecoderConfig::validate(const std::string& source) const {
  auto positive = [&](std::int64_t v, const char* key) {
    if (v <= 0) fail(source, std::string("'") + key + "' must be positive, got " + std::to_string(v));
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(head_dim, "head_dim");
  positive(max_position_embeddings, "max_position_embeddings");
  if (num_attention_heads % num_key_value_heads != 0)
    fail(source, "num_attention_heads (" + std::to_string(num_attention_heads) +
                     ") is not a multiple of num_key_value_heads (" + std::to_string(num_key_value_heads) + ")");
  if (head_dim % 2 != 0) fail(source, "head_dim must be even for rotary embeddings, got " + std::to_string(head_dim));
  if (!(rms_norm_eps > 0)) fail(source, "'rms_norm_eps' must be positive");
  if (!(rope_theta > 0)) fail(source, "'rope_theta' must be positive");
}

DecoderConfig parse_config(const json& d, const std::string& source) {
  if (!d.is_object()) fail(source, "not a JSON object");
  DecoderConfig c;
  c.architecture = architecture_of(d, source);
  if (d.contains("hidden_act") && d.at("hidden_act") != "silu")
    fail(source, "hidden_act " + d.at("hidden_act").dump() + " is not supported (only \"silu\")");
  if (bool_field(d, source, "use_sliding_window", false))
    fail(source, "use_sliding_window is true: sliding-window attention is not implemented");
  c.vocab_size = integer_field(d, source, "vocab_size", std::nullopt);
  c.hidden_size = integer_field(d, source, "hidden_size", std::nullopt);
  c.intermediate_size = integer_field(d, source, "intermediate_size", std::nullopt);
  c.num_hidden_layers = integer_field(d, source, "num_hidden_layers", std::nullopt);
  c.num_attention_heads = integer_field(d, source, "num_attention_heads", std::nullopt);
  c.num_key_value_heads = integer_field(d, source, "num_key_value_heads", c.num_attention_heads);
  if (c.num_attention_heads > 0)
    c.head_dim = integer_field(d, source, "head_dim", c.hidden_size / c.num_attention_heads);
  c.max_position_embeddings = integer_field(d, source, "max_position_embeddings", c.max_position_embeddings);
  c.rms_norm_eps = number_field(d, source, "rms_norm_eps", c.rms_norm_eps);
  c.rope_theta = number_field(d, source, "rope_theta", c.rope_theta);
  c.rope_scaling = rope_scaling_of(d, source);
  c.tie_word_embeddings = bool_field(d, source, "tie_word_embeddings", false);
  if (c.architecture == Architecture::Qwen2) {
    c.qkv_bias = true;
  } else {
    c.qkv_bias = c.o_proj_bias = bool_field(d, source, "attention_bias", false);
    c.mlp_bias = bool_field(d, source, "mlp_bias", false);
  }
  c.bos_token_id = token_id_field(d, "bos_token_id");
  c.eos_token_id = token_id_field(d, "eos_token_id");
  c.validate(source);
  return c;
}

DecoderConfig read_config(const std::filesystem::path& config_json) {
  std::ifstream in(config_json);
  if (!in) throw std::invalid_argument(config_json.string() + ": cannot open");
  json d;
  try {
    d = json::parse(in);
  } catch (const json::exception& e) {
    fail(config_json.string(), std::string("not valid JSON: ") + e.what());
  }
  return parse_config(d, config_json.string());
}

json to_json(const DecoderConfig& c) {
  json d;
  const bool qwen = c.architecture == Architecture::Qwen2;
  d["architectures"] = json::array({qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM"});
  d["model_type"] = to_string(c.architecture);
  d["hidden_act"] = "silu";
  d["vocab_size"] = c.vocab_size;
  d["hidden_size"] = c.hidden_size;
  d["intermediate_size"] = c.intermediate_size;
  d["num_hidden_layers"] = c.num_hidden_layers;
  d["num_attention_heads"] = c.num_attention_heads;
  d["num_key_value_heads"] = c.num_key_value_heads;
  d["head_dim"] = c.head_dim;
  d["max_position_embeddings"] = c.max_position_embeddings;
  d["rms_norm_eps"] = c.rms_norm_eps;
  d["rope_theta"] = c.rope_theta;
  if (c.rope_scaling) {
    d["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", c.rope_scaling->factor},
                         {"low_freq_factor", c.rope_scaling->low_freq_factor},
                         {"high_freq_factor", c.rope_scaling->high_freq_factor},
                         {"original_max_position_embeddings", c.rope_scaling->original_max_position_embeddings}};
  } else {
    d["rope_scaling"] = nullptr;
  }
  d["tie_word_embeddings"] = c.tie_word_embeddings;
  if (qwen) {
    d["use_sliding_window"] = false;
  } else {
    d["attention_bias"] = c.qkv_bias;
    d["mlp_bias"] = c.mlp_bias;
  }
  if (c.bos_token_id) d["bos_token_id"] = *c.bos_token_id;
  if (c.eos_token_id) d["eos_token_id"] = *c.eos_token_id;
  d["torch_dtype"] = "float32";
  return d;
}

}  // namespace symtorch::lm
