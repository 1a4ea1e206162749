// symtorch_lm generate: continues a prompt with a model and the project's tokenizer, sampling
// with temperature and top-k (temperature 0: greedy), through the KV cache (symtorch::lm::generate).
#include <torch/torch.h>

#include <iostream>

#include "bpe_tokenizer.hpp"
#include "commands.hpp"
#include "symtorch/lm/checkpoint.hpp"
#include "symtorch/lm/generation.hpp"

namespace symtorch::examples::lm_commands {
namespace {

struct GenerateOptions {
  std::string model, tokenizer, prompt;
  std::int64_t tokens = 100, top_k = 40;
  double temperature = 0.8;
  std::uint64_t seed = 1;
  int threads = 2;
};

void run(const GenerateOptions& o) {
  torch::set_num_threads(o.threads);
  torch::InferenceMode inference;
  auto model = symtorch::lm::load_decoder(o.model);
  const auto tokenizer = BpeTokenizer::load(o.tokenizer);
  if (tokenizer.vocab_size() > model->config().vocab_size)
    throw std::invalid_argument(o.tokenizer + ": " + std::to_string(tokenizer.vocab_size()) +
                                " tokens, more than the model's vocabulary (" +
                                std::to_string(model->config().vocab_size) + ")");
  auto ids = tokenizer.encode(o.prompt);
  if (ids.empty()) ids.push_back(BpeTokenizer::kEndOfText);
  const auto prompt = torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);
  symtorch::lm::GenerationOptions options{.max_new_tokens = o.tokens, .temperature = o.temperature, .top_k = o.top_k,
                                          .vocab_limit = tokenizer.vocab_size(),
                                          .stop_token = BpeTokenizer::kEndOfText};
  const auto generated = symtorch::lm::generate(model, prompt, options, at::detail::createCPUGenerator(o.seed));
  std::vector<std::int32_t> out;
  for (std::int64_t t = 0; t < generated.size(1); ++t) {
    const auto next = generated[0][t].item<std::int64_t>();
    if (next == BpeTokenizer::kEndOfText) break;
    out.push_back(static_cast<std::int32_t>(next));
  }
  std::cout << o.prompt << tokenizer.decode(out) << "\n";
}

}  // namespace

void add_generate(CLI::App& app) {
  auto o = std::make_shared<GenerateOptions>();
  auto* c = app.add_subcommand("generate", "continue a prompt");
  c->add_option("--model", o->model)->required();
  c->add_option("--tokenizer", o->tokenizer, "tokenizer.json written by 'prepare'")->required();
  c->add_option("--prompt", o->prompt)->capture_default_str();
  c->add_option("--tokens", o->tokens)->capture_default_str();
  c->add_option("--temperature", o->temperature, "0: greedy")->capture_default_str();
  c->add_option("--top-k", o->top_k)->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--seed", o->seed)->capture_default_str();
  c->add_option("--threads", o->threads)->capture_default_str();
  c->callback([o] { run(*o); });
}

}  // namespace symtorch::examples::lm_commands
