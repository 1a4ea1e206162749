// Uses symtorch::torchbridge (libsymtorch_ops.so) from an installed package: the Equation op on
// a tensor.
#include <symtorch/torch/equation.hpp>

#include <ATen/ATen.h>  // lighter than torch/torch.h: this test compiles it

#include <cmath>
#include <cstdio>

int main() {
  auto eq = c10::make_intrusive<symtorch::ops::Equation>(std::vector<std::string>{"a * b + 1"},
                                                         std::vector<std::string>{"a", "b"}, "float64");
  const at::Tensor x = at::tensor({2.0, 3.0, 0.5, -4.0}, at::kDouble).reshape({2, 2});
  const auto y = eq->forward(x);
  std::printf("torchbridge: %g %g\n", y[0][0].item<double>(), y[1][0].item<double>());
  return y[0][0].item<double>() == 7.0 && y[1][0].item<double>() == -1.0 ? 0 : 1;
}
