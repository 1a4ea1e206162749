// A module that runs another and adds its wall-clock time to a counter: put in a layer's MLP slot,
// it measures the MLP's share of a forward pass. CPU tensor ops are synchronous, so the time
// between entry and exit is the MLP's own work.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <chrono>

namespace symtorch::examples {

class TimedModuleImpl : public torch::nn::Module {
 public:
  TimedModuleImpl(torch::nn::AnyModule inner, double* seconds) : inner_(std::move(inner)), seconds_(seconds) {
    register_module("module", inner_.ptr());
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto start = std::chrono::steady_clock::now();
    auto y = inner_.forward(x);
    *seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return y;
  }

 private:
  torch::nn::AnyModule inner_;
  double* seconds_;
};
TORCH_MODULE(TimedModule);

}  // namespace symtorch::examples
