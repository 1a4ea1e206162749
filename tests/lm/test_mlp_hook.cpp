// A layer's MLP slot holds a SymbolicModel wrapping the layer's own SwiGLU: it records the MLP's
// inputs and outputs during ordinary decoder passes and leaves the logits unchanged.
#include <torch/torch.h>

#include "../torchbridge/doctest_after_torch.hpp"
#include "lm_test_support.hpp"
#include "symtorch/lm/checkpoint.hpp"
#include "symtorch/torch/symbolic_model.hpp"

TEST_SUITE("lm") {
  TEST_CASE("SymbolicModel in a layer's MLP slot records that MLP's inputs and outputs") {
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 31);
    const auto ids = symtorch::test::random_ids(97, 2, 15, 8);
    torch::NoGradGuard no_grad;
    const auto before = d->forward(ids);
    auto layer = d->layer(1);
    symtorch::SymbolicModel wrapper(layer->mlp(), symtorch::RecordingOptions{1000, 1});
    layer->replace_mlp(torch::nn::AnyModule(wrapper));
    CHECK(layer->mlp_replaced());
    wrapper->start_recording();
    const auto during = d->forward(ids);
    wrapper->stop_recording();
    CHECK(torch::allclose(during, before));
    CHECK(wrapper->seen_rows() == 2 * 15);
    auto [inputs, outputs] = wrapper->recording();
    REQUIRE(inputs.size(0) == 30);
    CHECK(inputs.size(1) == 32);
    CHECK(outputs.size(1) == 32);
    CHECK(torch::allclose(layer->mlp()->forward(inputs), outputs, 1e-5, 1e-6));
    // The checkpoint names stay Hugging Face's while the slot holds the wrapper.
    bool found = false;
    for (const auto& [name, _] : d->checkpoint_tensors()) found |= name == "model.layers.1.mlp.gate_proj.weight";
    CHECK(found);
    layer->restore_mlp();
    CHECK(!layer->mlp_replaced());
    CHECK(torch::allclose(d->forward(ids), before));
  }
}
