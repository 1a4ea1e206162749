#include "symtorch/lm/checkpoint.hpp"

#include <torch/torch.h>

#include <fstream>
#include <set>
#include <stdexcept>

namespace symtorch::lm {
namespace {

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void load_weights(Decoder& decoder, const SafetensorsCheckpoint& checkpoint) {
  const std::string& source = checkpoint.description();
  const auto targets = decoder->checkpoint_tensors();
  std::set<std::string> expected;
  for (const auto& [name, parameter] : targets) {
    expected.insert(name);
    if (!checkpoint.contains(name)) throw std::invalid_argument(source + ": missing tensor '" + name + "'");
    const auto& stored = checkpoint.info(name).shape;
    if (c10::IntArrayRef(stored) != parameter.sizes())
      throw std::invalid_argument(checkpoint.file_of(name).path().string() + ": tensor '" + name + "' has shape " +
                                  shape_text(stored) + ", the config needs " + shape_text(parameter.sizes()));
  }
  bool tied_head_present = false;
  for (const auto& name : checkpoint.tensor_names()) {
    if (expected.count(name) || ends_with(name, ".self_attn.rotary_emb.inv_freq")) continue;
    if (name == "lm_head.weight" && decoder->config().tie_word_embeddings) {
      tied_head_present = true;
      continue;
    }
    throw std::invalid_argument(checkpoint.file_of(name).path().string() + ": unexpected tensor '" + name +
                                "' (not part of a " + to_string(decoder->config().architecture) +
                                " decoder with this config)");
  }

  const auto dtype = decoder->model->norm->weight.scalar_type();
  std::vector<torch::Tensor> values;
  values.reserve(targets.size());
  for (const auto& [name, _] : targets) values.push_back(checkpoint.read(name, dtype));
  if (tied_head_present) {
    const auto head = checkpoint.read("lm_head.weight", dtype);
    if (!head.sizes().equals(values[0].sizes()) || !torch::equal(head, values[0]))
      throw std::invalid_argument(checkpoint.file_of("lm_head.weight").path().string() +
                                  ": tensor 'lm_head.weight' differs from 'model.embed_tokens.weight', but the "
                                  "config ties them (tie_word_embeddings)");
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < targets.size(); ++i) targets[i].second.copy_(values[i]);
}

Decoder load_decoder(const std::filesystem::path& directory, torch::ScalarType dtype) {
  const DecoderConfig config = read_config(directory / "config.json");
  const SafetensorsCheckpoint checkpoint(directory);
  Decoder decoder(config);
  decoder->to(dtype);
  load_weights(decoder, checkpoint);
  decoder->eval();
  return decoder;
}

void save_decoder(const Decoder& decoder, const std::filesystem::path& directory,
                  const std::map<std::string, std::string>& metadata, StoredDtype dtype) {
  std::filesystem::create_directories(directory);
  write_safetensors(directory / "model.safetensors", decoder->checkpoint_tensors(), dtype, metadata);
  const auto path = directory / "config.json";
  const auto temporary = directory / "config.json.tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << to_json(decoder->config()).dump(2) << '\n';
    out.flush();
    if (!out) throw std::runtime_error(temporary.string() + ": write failed");
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace symtorch::lm
