// The C++ decoder against tests/lm/reference_decoder.py (an independent Python torch
// implementation), both reading the same checkpoint file: logits within 1e-4.
#include <torch/torch.h>

#include "../torchbridge/doctest_after_torch.hpp"
#include "../torchbridge/test_support.hpp"
#include "lm_test_support.hpp"
#include "symtorch/lm/checkpoint.hpp"
#include "symtorch/lm/safetensors.hpp"
#include "symtorch/lm/token_ids.hpp"

namespace {

using symtorch::test::shell_quote;

// Saves `decoder` in `dtype`, loads it back through the checkpoint path, and compares the loaded
// decoder's logits on `tokens` ids with the reference's on the same file.
double max_difference_from_reference(symtorch::lm::Decoder decoder, symtorch::lm::StoredDtype dtype,
                                     std::int64_t tokens, const std::string& tag) {
  symtorch::test::TempDir dir(tag);
  symtorch::lm::save_decoder(decoder, dir.path(), {{"format", "pt"}}, dtype);
  auto loaded = symtorch::lm::load_decoder(dir.path());
  const auto ids = symtorch::test::random_ids(loaded->config().vocab_size, 1, tokens, 7);
  symtorch::lm::write_token_ids(dir.path() / "ids.npy", ids[0]);
  const auto out = dir.path() / "reference_logits.safetensors";
  const auto r = symtorch::test::run_command(std::string(SYMTORCH_TORCH_PYTHON) + " " +
                                             shell_quote(SYMTORCH_REFERENCE_DECODER) + " logits " +
                                             shell_quote(dir.path().string()) + " " +
                                             shell_quote((dir.path() / "ids.npy").string()) + " " + shell_quote(out.string()));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto reference = symtorch::lm::SafetensorsFile(out).read("logits");
  torch::InferenceMode guard;
  const auto logits = loaded->forward(ids);
  REQUIRE(logits.sizes() == reference.sizes());
  // Random weights give logits of order 1..10: the bound is absolute.
  CHECK(logits.abs().max().item<double>() > 0.5);
  return (logits - reference).abs().max().item<double>();
}

}  // namespace

TEST_SUITE("lm") {
  TEST_CASE("Qwen2-named checkpoint with biases and a tied head: logits equal the Python reference") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 1);
    REQUIRE(d->config().qkv_bias);
    REQUIRE(d->config().tie_word_embeddings);
    CHECK(max_difference_from_reference(d, symtorch::lm::StoredDtype::F32, 40, "lm-qwen2") < 1e-4);
  }

  TEST_CASE("Llama-named checkpoint (GQA, head_dim, llama3 rope_scaling, untied): logits equal the Python reference") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_llama_config_json(), 2);
    REQUIRE(!d->config().qkv_bias);
    REQUIRE(d->config().rope_scaling.has_value());
    CHECK(max_difference_from_reference(d, symtorch::lm::StoredDtype::F32, 48, "lm-llama") < 1e-4);
  }

  TEST_CASE("BF16 and F16 checkpoints: both sides read the same rounded values") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_llama_config_json(), 3);
    CHECK(max_difference_from_reference(d, symtorch::lm::StoredDtype::BF16, 24, "lm-bf16") < 1e-4);
    auto q = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 4);
    CHECK(max_difference_from_reference(q, symtorch::lm::StoredDtype::F16, 24, "lm-f16") < 1e-4);
  }
}
