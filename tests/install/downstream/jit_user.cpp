// Uses symtorch::jit from an installed package: a native kernel against the interpreter's value.
#include <symtorch/jit/native_kernel.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  symtorch::jit::KernelSpec spec;
  spec.equations = symtorch::jit::parse_equations({"x * sin(y) + 1"}, {"x", "y"});
  symtorch::jit::CompileOptions options;
  options.use_cache = false;
  const auto kernel = symtorch::jit::NativeKernel::compile(spec, options);
  const std::vector<double> x{2.0, 3.0}, y{0.5, -1.0};
  std::vector<double> out(2);
  const double* inputs[] = {x.data(), y.data()};
  double* outputs[] = {out.data()};
  kernel.run(inputs, outputs, 2);
  std::printf("jit: %g %g\n", out[0], out[1]);
  return std::abs(out[0] - (2.0 * std::sin(0.5) + 1)) < 1e-12 && std::abs(out[1] - (3.0 * std::sin(-1.0) + 1)) < 1e-12 ? 0 : 1;
}
