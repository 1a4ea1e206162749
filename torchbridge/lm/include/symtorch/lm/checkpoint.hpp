// Loading and saving decoders in Hugging Face's layout: a directory with config.json and
// model.safetensors (or model.safetensors.index.json and its shards).
//
// Loading is all or nothing: every tensor the config implies must be present with its exact
// shape and no tensor may be left over, checked from the headers before any data is read; then
// all data is read and converted, and only then copied into the modules. Two kinds of extra
// tensor are accepted because real checkpoints carry them: lm_head.weight in a tied model when it
// equals model.embed_tokens.weight, and ...self_attn.rotary_emb.inv_freq (older Llama
// checkpoints; the decoder derives it from the config). Refusals are std::invalid_argument or
// SafetensorsError naming the file and the tensor.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>

#include "symtorch/lm/decoder.hpp"
#include "symtorch/lm/safetensors.hpp"

namespace symtorch::lm {

// Reads DIR/config.json, builds the decoder in `dtype` and loads DIR's safetensors weights.
Decoder load_decoder(const std::filesystem::path& directory, torch::ScalarType dtype = torch::kFloat32);

// Loads a checkpoint into an existing decoder; on any refusal the decoder is unchanged.
void load_weights(Decoder& decoder, const SafetensorsCheckpoint& checkpoint);

// Writes DIR/config.json and DIR/model.safetensors (each via a temporary file). Creates DIR.
void save_decoder(const Decoder& decoder, const std::filesystem::path& directory,
                  const std::map<std::string, std::string>& metadata = {}, StoredDtype dtype = StoredDtype::F32);

}  // namespace symtorch::lm
