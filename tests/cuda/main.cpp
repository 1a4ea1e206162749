// The cuda area's test runner: doctest, plus `--require=WHAT[,WHAT...]` for the CTest tests
// whose cases need something a machine may lack (WHAT: libdevice, ptxas, gpu). When a
// requirement is unmet the runner prints "skipped: <reason>" and exits with 77, which CTest
// reports as skipped (SKIP_RETURN_CODE), instead of a pass that checked nothing. When every
// requirement is met the cases run as usual, and their failures fail the test.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cuda_test_support.hpp"
#include "symtorch/cuda/device.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/jit/ptx_module.hpp"

namespace {

constexpr int kSkipped = 77;

// Why `what` is unavailable, or nothing when it is available.
std::optional<std::string> unmet(std::string_view what) {
  using symtorch::jit::find_libdevice;
  if (what == "libdevice") {
    try {
      find_libdevice();
      return std::nullopt;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }
  if (what == "ptxas") {
    if (symtorch::test::find_ptxas()) return std::nullopt;
    return "ptxas (NVIDIA's PTX assembler, part of the CUDA toolkit) was not found in " +
           symtorch::jit::cuda_toolkit_root().path.string() + "/bin (" + symtorch::jit::cuda_toolkit_root().source +
           ")" + (symtorch::test::toolkit_variable_set() ? "" : " or on PATH");
  }
  if (what == "gpu") {
    std::string reason;
    if (!symtorch::cuda::cuda_available(&reason)) return "no usable GPU: " + reason;
    const symtorch::cuda::Device device(0);
    if (device.info().sm() < 70)
      return device.info().name + " is sm_" + std::to_string(device.info().sm()) + ", older than sm_70";
    return std::nullopt;
  }
  return "unknown requirement '" + std::string(what) + "' (known: libdevice, ptxas, gpu)";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  std::vector<std::string> required;
  const std::string_view flag = "--require=";
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i > 0 && arg.starts_with(flag)) {
      std::string_view list = arg.substr(flag.size());
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        required.emplace_back(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
      continue;
    }
    args.push_back(argv[i]);
  }
  for (const std::string& what : required) {
    if (const auto why = unmet(what)) {
      std::cout << "skipped: needs " << what << ": " << *why << "\n";
      return kSkipped;
    }
  }
  doctest::Context context(static_cast<int>(args.size()), args.data());
  return context.run();
}
