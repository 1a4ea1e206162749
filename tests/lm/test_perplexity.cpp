// Perplexity: a uniform model scores the vocabulary size; chunking follows stride = context.
#include <torch/torch.h>

#include <cmath>

#include "../torchbridge/doctest_after_torch.hpp"
#include "lm_test_support.hpp"
#include "symtorch/lm/perplexity.hpp"

TEST_SUITE("lm") {
  TEST_CASE("a model whose logits are all equal has perplexity = vocabulary size") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_llama_config_json(), 21);
    {
      torch::NoGradGuard no_grad;
      d->lm_head->weight.zero_();
    }
    const auto ids = symtorch::test::random_ids(101, 1, 203, 3)[0];
    const auto r = symtorch::lm::perplexity(d, ids, 32, 2);
    CHECK(r.perplexity == doctest::Approx(101.0).epsilon(1e-9));
    CHECK(r.chunks == 7);                          // 6 full chunks of 32 and one of 11
    CHECK(r.predicted_tokens == 6 * 31 + 10);
  }

  TEST_CASE("perplexity is the token-weighted mean over non-overlapping chunks, whatever the batch") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 22);
    const auto ids = symtorch::test::random_ids(97, 1, 70, 4)[0];
    torch::InferenceMode guard;
    double nll = 0;
    std::int64_t predicted = 0;
    for (std::int64_t start = 0; start + 1 < 70; start += 16) {
      const auto chunk = ids.narrow(0, start, std::min<std::int64_t>(16, 70 - start)).unsqueeze(0);
      const auto logp = torch::log_softmax(d->forward(chunk).to(torch::kFloat64), -1)[0];
      for (std::int64_t t = 0; t + 1 < chunk.size(1); ++t, ++predicted)
        nll -= logp[t][chunk[0][t + 1].item<std::int64_t>()].item<double>();
    }
    const auto one = symtorch::lm::perplexity(d, ids, 16, 1);
    const auto three = symtorch::lm::perplexity(d, ids, 16, 3);
    CHECK(one.predicted_tokens == predicted);
    CHECK(one.mean_nll == doctest::Approx(nll / static_cast<double>(predicted)).epsilon(1e-6));
    CHECK(three.mean_nll == doctest::Approx(one.mean_nll).epsilon(1e-6));
    CHECK(one.perplexity == doctest::Approx(std::exp(one.mean_nll)).epsilon(1e-12));
  }

  TEST_CASE("perplexity refuses a context below 2 and a sequence of one token") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 23);
    CHECK_THROWS_AS(symtorch::lm::perplexity(d, torch::zeros({10}, torch::kInt64), 1), std::invalid_argument);
    CHECK_THROWS_AS(symtorch::lm::perplexity(d, torch::zeros({1}, torch::kInt64), 8), std::invalid_argument);
  }
}
