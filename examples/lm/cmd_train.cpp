// symtorch_lm train: a Qwen2-architecture decoder (q/k/v biases, tied embeddings, as
// Qwen2.5-1.5B) trained from scratch on train.npy by next-token prediction.
//
// Deterministic for a seed and a thread count: initialisation from torch's seeded generator,
// batches of random windows drawn by a seeded std::mt19937_64. The recipe (GPT-2 initialisation,
// AdamW, warm-up and cosine decay, clipping) is symtorch::lm's (training.hpp).
// At the end: the loss on validation.npy (perplexity with stride = context), which training never
// sees, and the model saved as config.json + model.safetensors, loadable like a real checkpoint.
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <numbers>
#include <random>

#include "commands.hpp"
#include "result_file.hpp"
#include "symtorch/lm/checkpoint.hpp"
#include "symtorch/lm/perplexity.hpp"
#include "symtorch/lm/token_ids.hpp"
#include "symtorch/lm/training.hpp"

namespace symtorch::examples::lm_commands {
namespace {

namespace lm = symtorch::lm;

struct TrainOptions {
  std::string data, out;
  // intermediate / hidden = 5.81, as Qwen2.5-1.5B's 8960 / 1536 = 5.83; 4 query heads share 2
  // key/value heads.
  std::int64_t hidden = 128, intermediate = 744, layers = 6, heads = 4, kv_heads = 2;
  std::int64_t context = 256, max_positions = 1024, batch = 8, steps = 450, warmup = 30, log_every = 10;
  double lr = 3e-3, weight_decay = 0.1, init_std = 0.02, rope_theta = 10000;
  std::uint64_t seed = 1;
  // One thread: on a machine whose cores are shared, OpenMP's spinning barriers make two threads
  // several times slower than one (measured 4x on the 2-core development machine under load).
  int threads = 1;
};

lm::ModelShape shape_of(const TrainOptions& o) {
  return {.hidden = o.hidden, .intermediate = o.intermediate, .layers = o.layers, .heads = o.heads,
          .kv_heads = o.kv_heads, .max_positions = o.max_positions, .rope_theta = o.rope_theta};
}

void run(const TrainOptions& o) {
  torch::set_num_threads(o.threads);
  const std::filesystem::path data(o.data);
  const auto train = lm::read_token_ids(data / "train.npy");
  const auto validation = lm::read_token_ids(data / "validation.npy");
  const std::int64_t vocab = train.max().item<std::int64_t>() + 1;
  const auto tokenizer_vocab = [&]() -> std::int64_t {
    std::ifstream in(data / "tokenizer.json");
    if (!in) return vocab;
    return nlohmann::json::parse(in).value("vocab_size", vocab);
  }();
  if (train.numel() <= o.context + 1) throw std::invalid_argument("train.npy is shorter than one context window");
  // <|endoftext|> (256) of the project's tokenizer ends documents.
  const auto config = lm::qwen2_config(shape_of(o), std::max(vocab, tokenizer_vocab), 256);

  torch::manual_seed(o.seed);
  lm::Decoder model(config);
  lm::initialise_gpt2(model, o.init_std);
  model->train();
  std::int64_t parameters = 0, embedding = config.vocab_size * config.hidden_size, mlp = 0;
  for (const auto& [name, p] : model->checkpoint_tensors()) {
    parameters += p.numel();
    if (name.find(".mlp.") != std::string::npos) mlp += p.numel();
  }
  std::cout << "model: qwen2, " << config.num_hidden_layers << " layers, hidden " << config.hidden_size
            << ", intermediate " << config.intermediate_size << " (x"
            << static_cast<double>(config.intermediate_size) / static_cast<double>(config.hidden_size) << "), heads "
            << config.num_attention_heads << "/" << config.num_key_value_heads << ", vocab " << config.vocab_size
            << "; " << parameters << " parameters (" << embedding << " embedding, " << mlp << " MLP)\n"
            << "data: " << train.numel() << " training tokens, " << validation.numel() << " validation tokens; "
            << o.steps << " steps of " << o.batch << " x " << o.context << " tokens, " << o.threads << " threads\n";

  auto optimizer = lm::make_adamw(model, o.lr, o.weight_decay);
  const lm::LearningRateSchedule schedule{.peak = o.lr, .warmup = o.warmup, .steps = o.steps};

  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::int64_t> window_start(0, train.numel() - o.context - 2);
  const auto* tokens = train.data_ptr<std::int64_t>();
  nlohmann::json log = nlohmann::json::array();
  const auto start = Clock::now();
  auto interval_start = start;
  double interval_loss = 0;
  std::int64_t interval_steps = 0;
  double last_loss = 0;
  for (std::int64_t step = 0; step < o.steps; ++step) {
    auto batch = torch::empty({o.batch, o.context + 1}, torch::kInt64);
    for (std::int64_t b = 0; b < o.batch; ++b) {
      const auto s = window_start(rng);
      std::copy(tokens + s, tokens + s + o.context + 1, batch.data_ptr<std::int64_t>() + b * (o.context + 1));
    }
    const auto inputs = batch.narrow(1, 0, o.context), targets = batch.narrow(1, 1, o.context);
    const double lr = schedule.at(step);
    interval_loss += lm::train_step(model, *optimizer, lr, inputs, targets);
    ++interval_steps;
    if ((step + 1) % o.log_every == 0 || step + 1 == o.steps) {
      const double dt = seconds_since(interval_start);
      const double tokens_per_s = static_cast<double>(interval_steps * o.batch * o.context) / dt;
      last_loss = interval_loss / static_cast<double>(interval_steps);
      char line[160];
      std::snprintf(line, sizeof line, "step %5lld/%lld  loss %.4f  lr %.2e  %.0f tokens/s  %.1f s",
                    static_cast<long long>(step + 1), static_cast<long long>(o.steps), last_loss, lr, tokens_per_s,
                    seconds_since(start));
      std::cout << line << std::endl;
      log.push_back({{"step", step + 1}, {"loss", last_loss}, {"lr", lr}, {"tokens_per_s", tokens_per_s},
                     {"elapsed_s", seconds_since(start)}});
      interval_loss = 0;
      interval_steps = 0;
      interval_start = Clock::now();
    }
  }
  const double training_s = seconds_since(start);
  model->eval();
  const auto val_start = Clock::now();
  const auto ppl = lm::perplexity(model, validation, o.context, 8);
  std::cout << "validation: loss " << ppl.mean_nll << " nats/token, perplexity " << ppl.perplexity << " over "
            << ppl.predicted_tokens << " predicted tokens (context " << o.context << ", " << seconds_since(val_start)
            << " s)\n";
  const std::filesystem::path out(o.out);
  lm::save_decoder(model, out, {{"format", "pt"}, {"trained_by", "symtorch_lm train"}});
  const nlohmann::json summary = {
      {"parameters", parameters}, {"embedding_parameters", embedding}, {"mlp_parameters", mlp},
      {"config", lm::to_json(config)},
      {"options", {{"context", o.context}, {"batch", o.batch}, {"steps", o.steps}, {"warmup", o.warmup},
                   {"lr", o.lr}, {"weight_decay", o.weight_decay}, {"init_std", o.init_std}, {"seed", o.seed},
                   {"threads", o.threads}, {"data", o.data}}},
      {"training_s", training_s}, {"training_tokens", o.steps * o.batch * o.context},
      {"final_train_loss", last_loss},
      {"validation", {{"mean_nll", ppl.mean_nll}, {"perplexity", ppl.perplexity},
                      {"predicted_tokens", ppl.predicted_tokens}, {"context", o.context}}},
      {"log", log}};
  write_json_atomically((out / "training.json").string(), summary);
  std::cout << "saved " << (out / "model.safetensors").string() << " and config.json; training took " << training_s
            << " s\n";
}

}  // namespace

void add_train(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto* c = app.add_subcommand("train", "train a Qwen2-architecture decoder on DATA/train.npy");
  c->add_option("--data", o->data, "directory written by 'prepare'")->required();
  c->add_option("--out", o->out, "model directory to write")->required();
  c->add_option("--hidden", o->hidden)->capture_default_str();
  c->add_option("--intermediate", o->intermediate)->capture_default_str();
  c->add_option("--layers", o->layers)->capture_default_str();
  c->add_option("--heads", o->heads)->capture_default_str();
  c->add_option("--kv-heads", o->kv_heads)->capture_default_str();
  c->add_option("--context", o->context, "training window in tokens")->capture_default_str();
  c->add_option("--max-positions", o->max_positions, "max_position_embeddings written to config.json")->capture_default_str();
  c->add_option("--batch", o->batch)->capture_default_str();
  c->add_option("--steps", o->steps)->capture_default_str();
  c->add_option("--warmup", o->warmup)->capture_default_str();
  c->add_option("--lr", o->lr)->capture_default_str();
  c->add_option("--weight-decay", o->weight_decay)->capture_default_str();
  c->add_option("--seed", o->seed)->capture_default_str();
  c->add_option("--threads", o->threads)->capture_default_str();
  c->add_option("--log-every", o->log_every)->capture_default_str();
  c->callback([o] { run(*o); });
}

}  // namespace symtorch::examples::lm_commands
