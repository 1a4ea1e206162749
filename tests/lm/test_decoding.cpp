// KV-cache decoding equals the full forward; batches are independent rows; bad ids are refused.
#include <torch/torch.h>

#include "../torchbridge/doctest_after_torch.hpp"
#include "lm_test_support.hpp"

TEST_SUITE("lm") {
  TEST_CASE("prefill then token-by-token decoding with the KV cache equals the full forward") {
    for (const auto& config : {symtorch::test::tiny_qwen2_config_json(), symtorch::test::tiny_llama_config_json()}) {
      auto d = symtorch::test::random_decoder(config, 11);
      torch::InferenceMode guard;
      const auto ids = symtorch::test::random_ids(d->config().vocab_size, 2, 20, 5);
      const auto full = d->forward(ids);
      symtorch::lm::KVCache cache;
      std::vector<torch::Tensor> pieces{d->forward(ids.narrow(1, 0, 7), &cache)};
      CHECK(cache.length() == 7);
      for (std::int64_t t = 7; t < 17; ++t) pieces.push_back(d->forward(ids.narrow(1, t, 1), &cache));
      pieces.push_back(d->forward(ids.narrow(1, 17, 3), &cache));  // several tokens after a cache
      CHECK(cache.length() == 20);
      const auto stepped = torch::cat(pieces, 1);
      CHECK((stepped - full).abs().max().item<double>() < 1e-5);
    }
  }

  TEST_CASE("rows of a batch do not see each other") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_llama_config_json(), 12);
    torch::InferenceMode guard;
    const auto ids = symtorch::test::random_ids(d->config().vocab_size, 3, 9, 6);
    const auto batched = d->forward(ids);
    for (std::int64_t b = 0; b < 3; ++b)
      CHECK((d->forward(ids.narrow(0, b, 1)) - batched.narrow(0, b, 1)).abs().max().item<double>() < 1e-5);
  }

  TEST_CASE("a token id outside the vocabulary is refused naming its position") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 13);
    auto ids = torch::zeros({1, 5}, torch::kInt64);
    ids[0][3] = 97;
    CHECK_THROWS_WITH_AS(d->forward(ids), doctest::Contains("token id 97 at [0, 3] is outside the vocabulary [0, 97)"),
                         std::invalid_argument);
    CHECK_THROWS_AS(d->forward(torch::zeros({5}, torch::kInt64)), std::invalid_argument);
  }
}
