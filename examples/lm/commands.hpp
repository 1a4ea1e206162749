// The subcommands of symtorch_lm. Each registers its options on the app and runs when chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>

namespace symtorch::examples::lm_commands {

void add_prepare(CLI::App& app);   // corpus -> tokenizer.json, train.npy, validation.npy, split.json
void add_train(CLI::App& app);     // train.npy -> config.json + model.safetensors (+ training.json)
void add_measure(CLI::App& app);   // model + token ids -> perplexity, throughput, MLP share (JSON)
void add_generate(CLI::App& app);  // model + tokenizer + prompt -> text

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace symtorch::examples::lm_commands
