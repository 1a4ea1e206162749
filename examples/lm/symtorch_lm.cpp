// symtorch_lm: the transformer substrate for the LLM case studies. A model of Qwen2's
// architecture trained here on English text a Debian package ships, and the SymTorch study's
// measurements on it or on any Qwen2 / Llama checkpoint (see README, "Language models").
//
//   symtorch_lm prepare  --out DATA               tokenizer + train/validation token ids
//   symtorch_lm train    --data DATA --out MODEL  config.json + model.safetensors
//   symtorch_lm measure  --model MODEL --tokens DATA/validation.npy --json RESULT.json [--python]
//   symtorch_lm generate --model MODEL --tokenizer DATA/tokenizer.json --prompt "..."
// Exit status: 0 on success, 1 on an error (its message on stderr).
#include <torch/torch.h>

#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"symtorch_lm: train, measure and sample Qwen2/Llama decoders"};
  app.require_subcommand(1);
  namespace c = symtorch::examples::lm_commands;
  c::add_prepare(app);
  c::add_train(app);
  c::add_measure(app);
  c::add_generate(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "symtorch_lm: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
