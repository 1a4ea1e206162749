#include "arithmetic_model.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <unordered_set>

#include "symtorch/lm/generation.hpp"

namespace symtorch::examples::arithmetic {

namespace {

using Clock = std::chrono::steady_clock;

// Validation pairs come from their own stream of the seed, so they do not depend on the batch size.
constexpr std::uint64_t kValidationStream = 0x9e3779b97f4a7c15ull;
constexpr std::int64_t kSequenceTokens = kPromptTokens + 7;  // the longest answer: 6 digits + end

int key(const Pair& p) { return p.a * (kMaxOperand + 1) + p.b; }

double accuracy(Calculator& calculator, Operation op, std::span<const Pair> pairs) {
  std::int64_t correct = 0;
  for (const auto& o : calculator.answer(op, pairs)) correct += o.wrong() ? 0 : 1;
  return static_cast<double>(correct) / static_cast<double>(pairs.size());
}

}  // namespace

std::vector<Pair> random_pairs(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> operand(0, kMaxOperand);
  std::vector<Pair> pairs(count);
  for (auto& p : pairs) {
    p.a = operand(rng);
    p.b = operand(rng);
  }
  return pairs;
}

Calculator::Calculator(std::array<lm::Decoder, 2> models, std::int64_t batch) : models_(std::move(models)), batch_(batch) {
  if (batch_ < 1) throw std::invalid_argument("Calculator: batch must be positive");
  for (int k = 0; k < 2; ++k) {
    if (!models_[k]) throw std::invalid_argument(std::string("Calculator: no model for ") + name(kOperations[k]));
    if (models_[k]->config().vocab_size < kVocabularySize)
      throw std::invalid_argument(std::string("Calculator: the ") + name(kOperations[k]) + " model's vocabulary (" +
                                  std::to_string(models_[k]->config().vocab_size) + ") is smaller than the task's (" +
                                  std::to_string(kVocabularySize) + ")");
  }
}

std::vector<Outcome> Calculator::answer(Operation op, std::span<const Pair> pairs) {
  std::vector<Outcome> out;
  out.reserve(pairs.size());
  auto& model = models_[op == Operation::Add ? 0 : 1];
  const bool was_training = model->is_training();
  model->eval();
  // Two tokens of slack beyond the answer's width: an answer that runs on is seen as such
  // (malformed), not cut to look well formed.
  const lm::GenerationOptions generation{.max_new_tokens = answer_tokens(op) + 1, .temperature = 0, .top_k = 1,
                                         .vocab_limit = kVocabularySize, .stop_token = kEnd};
  for (std::size_t start = 0; start < pairs.size(); start += static_cast<std::size_t>(batch_)) {
    const std::size_t n = std::min(pairs.size() - start, static_cast<std::size_t>(batch_));
    auto prompts = torch::empty({static_cast<std::int64_t>(n), kPromptTokens}, torch::kInt64);
    auto* p = prompts.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < n; ++i) {
      const auto t = prompt_tokens(op, pairs[start + i].a, pairs[start + i].b);
      std::copy(t.begin(), t.end(), p + i * kPromptTokens);
    }
    const auto generated = lm::generate(model, prompts, generation).contiguous();
    const auto* g = generated.data_ptr<std::int64_t>();
    const auto width = static_cast<std::size_t>(generated.size(1));
    for (std::size_t i = 0; i < n; ++i) {
      const auto parsed = parse_answer(std::span<const std::int64_t>(g + i * width, width));
      const Pair& pair = pairs[start + i];
      out.push_back({pair, exact(op, pair.a, pair.b), parsed.value, parsed.text});
    }
  }
  if (was_training) model->train();
  calls_ += static_cast<std::int64_t>(pairs.size());
  return out;
}

TrainingResult train_model(Operation op, const TrainingOptions& o, std::ostream& progress) {
  if (o.batch < 2) throw std::invalid_argument("--batch must be at least 2 (one sequence per operation)");
  if (o.max_steps < 1) throw std::invalid_argument("--steps must be positive");
  if (o.eval_every < 1) throw std::invalid_argument("--eval-every must be positive");
  if (o.validation_pairs < 1) throw std::invalid_argument("--validation-pairs must be positive");
  if (!(o.stop_accuracy > 0 && o.stop_accuracy <= 1)) throw std::invalid_argument("--stop-accuracy must be in (0, 1]");
  if (o.shape.max_positions < kSequenceTokens)
    throw std::invalid_argument("max positions must be at least " + std::to_string(kSequenceTokens));
  const auto config = lm::qwen2_config(o.shape, kVocabularySize, kEnd);

  torch::manual_seed(o.seed);
  TrainingResult r;
  r.model = lm::Decoder(config);
  lm::initialise_gpt2(r.model, o.init_std);
  r.model->train();
  for (const auto& [name, t] : r.model->checkpoint_tensors()) r.parameters += t.numel();
  auto optimizer = lm::make_adamw(r.model, o.lr, o.weight_decay);
  const lm::LearningRateSchedule schedule{.peak = o.lr, .warmup = o.warmup, .steps = o.max_steps};

  r.op = op;
  const int stream = op == Operation::Add ? 0 : 1;
  const auto validation =
      random_pairs(static_cast<std::size_t>(o.validation_pairs), o.seed ^ (kValidationStream + stream));
  std::unordered_set<int> held_out;
  for (const auto& p : validation) held_out.insert(key(p));

  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<int> operand(0, kMaxOperand);
  Calculator calculator({r.model, r.model}, 2048);
  r.log = nlohmann::json::array();
  const auto start = Clock::now();
  double loss_sum = 0;
  std::int64_t loss_steps = 0;
  progress << name(op) << " model: qwen2, " << config.num_hidden_layers << " layers, hidden " << config.hidden_size
           << ", intermediate " << config.intermediate_size << ", heads " << config.num_attention_heads << "/"
           << config.num_key_value_heads << ", vocabulary " << config.vocab_size << "; " << r.parameters
           << " parameters; batches of " << o.batch << " sequences, at most " << o.max_steps
           << " steps, stop at validation accuracy " << o.stop_accuracy << "\n";
  // Input tokens of a sequence: the prompt and the answer but its last token (the end).
  const std::int64_t tokens = kPromptTokens + answer_tokens(op) - 1;
  for (std::int64_t step = 0; step < o.max_steps; ++step) {
    auto sequences = torch::full({o.batch, tokens + 1}, kEnd, torch::kInt64);
    auto targets_mask = torch::zeros({o.batch, tokens}, torch::kBool);
    auto* s = sequences.data_ptr<std::int64_t>();
    auto* m = targets_mask.data_ptr<bool>();
    for (std::int64_t b = 0; b < o.batch; ++b) {
      Pair p;
      do {
        p.a = operand(rng);
        p.b = operand(rng);
      } while (held_out.contains(key(p)));
      auto row = prompt_tokens(op, p.a, p.b);
      const auto answer = answer_token_ids(op, p.a, p.b);
      row.insert(row.end(), answer.begin(), answer.end());
      std::copy(row.begin(), row.end(), s + b * (tokens + 1));
      // Input position t predicts token t + 1: the answer's tokens are predicted from the '='
      // (position kPromptTokens - 1) to the last answer digit.
      for (std::size_t t = kPromptTokens - 1; t + 1 < row.size(); ++t) m[b * tokens + static_cast<std::int64_t>(t)] = true;
    }
    const auto inputs = sequences.narrow(1, 0, tokens);
    const auto targets = torch::where(targets_mask, sequences.narrow(1, 1, tokens),
                                      torch::full({}, lm::kIgnoreTarget, torch::kInt64));
    loss_sum += lm::train_step(r.model, *optimizer, schedule.at(step), inputs, targets);
    ++loss_steps;
    r.steps = step + 1;
    if ((step + 1) % o.eval_every == 0 || step + 1 == o.max_steps) {
      r.validation_accuracy = accuracy(calculator, op, validation);
      const double loss = loss_sum / static_cast<double>(loss_steps);
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      char line[200];
      std::snprintf(line, sizeof line,
                    "step %5lld  loss %.4f  lr %.2e  validation accuracy %.2f%%  %.1f s\n",
                    static_cast<long long>(step + 1), loss, schedule.at(step), 100 * r.validation_accuracy, elapsed);
      progress << line << std::flush;
      r.log.push_back({{"step", step + 1}, {"loss", loss}, {"lr", schedule.at(step)},
                       {"validation_accuracy", r.validation_accuracy}, {"elapsed_s", elapsed}});
      loss_sum = 0;
      loss_steps = 0;
      if (r.validation_accuracy >= o.stop_accuracy) {
        r.reached_stop_accuracy = true;
        break;
      }
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.model->eval();
  return r;
}

}  // namespace symtorch::examples::arithmetic
