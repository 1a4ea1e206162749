// The models that do arithmetic imperfectly: symtorch::lm's decoder (Qwen2 architecture) trained
// from scratch on the sequences of arithmetic_task.hpp, one model per operation, and the trained
// models as a function (operation, a, b) -> parsed answer.
//
// One model per operation because, trained on both at once, the model of the default shape
// learnt neither in the same time: with a quarter of each batch multiplications it was at 9% on
// addition after 1000 steps, where on addition alone it reached 85-97% within 1500 steps
// (measurements in BENCHMARKS.md).
//
// Training: every step is a batch of random pairs, each sequence "a op b = answer <end>"; the loss
// is the cross-entropy of the answer tokens and the end token only (the operands are random:
// predicting them teaches nothing). Every eval_every steps the model answers held-out
// validation pairs greedily; training stops as soon as the validation accuracy reaches
// stop_accuracy, so the model is good but not perfect, and its errors are what the study is
// about, or after max_steps. Validation pairs are never trained on.
//
// Deterministic for a seed and a thread count (torch's seeded initialisation, a seeded
// std::mt19937_64 for the pairs).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <vector>

#include "arithmetic_task.hpp"
#include "error_analysis.hpp"
#include "symtorch/lm/decoder.hpp"
#include "symtorch/lm/training.hpp"

namespace symtorch::examples::arithmetic {

struct TrainingOptions {
  lm::ModelShape shape{.hidden = 64, .intermediate = 256, .layers = 2, .heads = 4, .kv_heads = 2,
                       .max_positions = 32, .rope_theta = 10000};
  std::int64_t batch = 128;  // sequences per step
  std::int64_t max_steps = 1500, warmup = 100, eval_every = 50;
  double lr = 3e-3, weight_decay = 0.1, init_std = 0.02;
  int validation_pairs = 500;
  double stop_accuracy = 0.95;
  std::uint64_t seed = 1;
};

struct TrainingResult {
  lm::Decoder model{nullptr};
  std::int64_t steps = 0;
  bool reached_stop_accuracy = false;
  Operation op = Operation::Add;
  double validation_accuracy = 0;  // when training stopped
  double seconds = 0;
  std::int64_t parameters = 0;
  nlohmann::json log;  // per evaluation: step, loss, accuracies
};

// Trains a model of `op`. Throws std::invalid_argument naming a bad option. Progress lines go to
// `progress`.
TrainingResult train_model(Operation op, const TrainingOptions& options, std::ostream& progress);

// Uniform random pairs over [0, 999]^2 from a seeded generator.
std::vector<Pair> random_pairs(std::size_t count, std::uint64_t seed);

// The models as a function: prompts in batches, greedy answers parsed. models[0] answers
// additions, models[1] multiplications (kOperations' order); one model may serve both.
class Calculator {
 public:
  explicit Calculator(std::array<lm::Decoder, 2> models, std::int64_t batch = 4096);
  std::vector<Outcome> answer(Operation op, std::span<const Pair> pairs);
  std::int64_t calls() const { return calls_; }  // pairs answered so far

 private:
  std::array<lm::Decoder, 2> models_;
  std::int64_t batch_;
  std::int64_t calls_ = 0;
};

}  // namespace symtorch::examples::arithmetic
