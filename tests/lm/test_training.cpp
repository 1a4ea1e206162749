// The shared training recipe and generation of symtorch::lm: the schedule's shape, a step's loss
// over the targets that are not ignored, GPT-2 initialisation, and generation that equals argmax
// decoding by full forward passes, with rows that stop padded by the stop token.
#include <torch/torch.h>

#include "../torchbridge/doctest_after_torch.hpp"
#include "lm_test_support.hpp"
#include "symtorch/lm/generation.hpp"
#include "symtorch/lm/training.hpp"

namespace lm = symtorch::lm;

TEST_SUITE("lm") {
  TEST_CASE("learning rate: linear warm-up, cosine decay to a tenth") {
    const lm::LearningRateSchedule s{.peak = 1e-2, .warmup = 10, .steps = 110};
    CHECK(s.at(0) == doctest::Approx(1e-3));
    CHECK(s.at(9) == doctest::Approx(1e-2));
    CHECK(s.at(60) == doctest::Approx(1e-2 * (0.1 + 0.9 * 0.5)));
    CHECK(s.at(110) == doctest::Approx(1e-3));
    CHECK(s.at(500) == doctest::Approx(1e-3));  // past the end: stays at the floor
  }

  TEST_CASE("qwen2_config and GPT-2 initialisation") {
    const auto c = lm::qwen2_config({.hidden = 32, .intermediate = 64, .layers = 2, .heads = 4, .kv_heads = 2,
                                     .max_positions = 16, .rope_theta = 10000},
                                    20, 19);
    CHECK(c.head_dim == 8);
    CHECK(c.tie_word_embeddings);
    CHECK(c.eos_token_id == 19);
    CHECK_THROWS_AS(lm::qwen2_config({.hidden = 30, .heads = 4}, 20, std::nullopt), std::invalid_argument);
    torch::manual_seed(3);
    lm::Decoder d(c);
    lm::initialise_gpt2(d, 0.02);
    for (const auto& [name, p] : d->checkpoint_tensors()) {
      if (name.ends_with("norm.weight")) CHECK(p.eq(1).all().item<bool>());
      if (name.ends_with(".bias")) CHECK(p.eq(0).all().item<bool>());
    }
    const auto down = d->layer(0)->mlp()->down_proj->weight;
    CHECK(down.std().item<double>() == doctest::Approx(0.02 / 2).epsilon(0.1));  // 1/sqrt(2 * 2 layers)
  }

  TEST_CASE("a training step's loss is the cross-entropy of the targets that are not ignored") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 21);
    const auto inputs = symtorch::test::random_ids(d->config().vocab_size, 2, 6, 22);
    auto targets = symtorch::test::random_ids(d->config().vocab_size, 2, 6, 23);
    targets.narrow(1, 0, 3).fill_(lm::kIgnoreTarget);
    double expected = 0;
    {
      torch::NoGradGuard no_grad;
      const auto logp = torch::log_softmax(d->forward(inputs), -1);
      for (std::int64_t b = 0; b < 2; ++b)
        for (std::int64_t t = 3; t < 6; ++t) expected -= logp[b][t][targets[b][t].item<std::int64_t>()].item<double>();
      expected /= 6;
    }
    auto optimizer = lm::make_adamw(d, 1e-3, 0.1);
    const auto before = d->model->embed_tokens->weight.clone();
    CHECK(lm::train_step(d, *optimizer, 1e-3, inputs, targets) == doctest::Approx(expected).epsilon(1e-5));
    CHECK_FALSE(torch::equal(before, d->model->embed_tokens->weight));
    CHECK_THROWS_AS(lm::train_step(d, *optimizer, 1e-3, inputs, torch::full_like(targets, lm::kIgnoreTarget)),
                    std::invalid_argument);
    CHECK_THROWS_AS(lm::train_step(d, *optimizer, 1e-3, inputs, targets.narrow(1, 0, 5)), std::invalid_argument);
  }

  TEST_CASE("greedy generation equals argmax decoding by full forward passes; stopped rows keep the stop token") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_llama_config_json(), 31);
    const auto prompts = symtorch::test::random_ids(d->config().vocab_size, 3, 5, 32);
    const lm::GenerationOptions greedy{.max_new_tokens = 6};
    const auto generated = lm::generate(d, prompts, greedy);
    REQUIRE(generated.sizes() == torch::IntArrayRef{3, 6});
    torch::NoGradGuard no_grad;
    auto ids = prompts.clone();
    for (std::int64_t t = 0; t < 6; ++t) {
      const auto next = d->forward(ids).select(1, -1).argmax(1);
      CHECK(torch::equal(next, generated.select(1, t)));
      ids = torch::cat({ids, next.unsqueeze(1)}, 1);
    }
    // With row 0's second token as the stop token: row 0 stops there and is padded with it.
    const auto stop = generated[0][1].item<std::int64_t>();
    const auto stopped = lm::generate(d, prompts, {.max_new_tokens = 6, .stop_token = stop});
    CHECK(stopped[0][1].item<std::int64_t>() == stop);
    for (std::int64_t t = 2; t < stopped.size(1); ++t) CHECK(stopped[0][t].item<std::int64_t>() == stop);
    CHECK_THROWS_AS(lm::generate(d, prompts, {.temperature = 1.0}), std::invalid_argument);  // no generator
    CHECK_THROWS_AS(lm::generate(d, prompts, {.vocab_limit = 1000}), std::invalid_argument);
    const auto limited = lm::generate(d, prompts, {.max_new_tokens = 4, .vocab_limit = 7});
    CHECK(limited.lt(7).all().item<bool>());
    const auto sampled = lm::generate(d, prompts, {.max_new_tokens = 4, .temperature = 0.8, .top_k = 5},
                                      at::detail::createCPUGenerator(4));
    const auto again = lm::generate(d, prompts, {.max_new_tokens = 4, .temperature = 0.8, .top_k = 5},
                                    at::detail::createCPUGenerator(4));
    CHECK(torch::equal(sampled, again));
  }
}
