// `symtorch compile --target ptx`, run as a user would: without the CUDA toolkit a kernel with
// math functions is refused (exit code 1, libdevice named, no file written) while an arithmetic
// one is written; with the toolkit (suite "libdevice") the math kernel is written too.
#include <doctest/doctest.h>

#ifdef SYMTORCH_CLI

#include <filesystem>
#include <string>

#include "cuda_test_support.hpp"

using namespace symtorch;

namespace {

test::CommandResult compile_ptx(const std::string& expression, const std::filesystem::path& out,
                                const std::string& env = "") {
  return test::run_command(env + " " SYMTORCH_CLI " compile '" + expression + "' --vars x,y --target ptx --sm 90 -o " +
                           out.string());
}

}  // namespace

TEST_CASE("symtorch compile --target ptx without the CUDA toolkit: math is refused and writes nothing, arithmetic works") {
  test::ScratchDir dir("cli-ptx");
  test::ScratchDir empty("cuda-empty");
  const std::string no_toolkit = "CUDA_HOME=" + empty.path().string();

  const auto math = compile_ptx("sin(x) * y", dir.path() / "math.ptx", no_toolkit);
  INFO(math.output);
  CHECK(math.status != 0);
  CHECK(math.output.find("libdevice (the CUDA toolkit's math library") != std::string::npos);
  CHECK(math.output.find((empty.path() / "nvvm" / "libdevice" / "libdevice.10.bc").string() + " ($CUDA_HOME)") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "math.ptx"));
  CHECK(std::filesystem::is_empty(dir.path()));

  const auto arithmetic = compile_ptx("x * y - x / (y + 1)", dir.path() / "arith.ptx", no_toolkit);
  INFO(arithmetic.output);
  CHECK(arithmetic.status == 0);
  CHECK(arithmetic.output.find("kernel symtorch_kernel(2 inputs, 1 outputs, double)") != std::string::npos);
  CHECK(std::filesystem::file_size(dir.path() / "arith.ptx") > 0);
}

TEST_CASE("symtorch compile --target ptx with the CUDA toolkit writes a math kernel" * doctest::test_suite("libdevice")) {
  test::ScratchDir dir("cli-ptx-math");
  const auto r = compile_ptx("sin(x) * y", dir.path() / "math.ptx");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("kernel symtorch_kernel(2 inputs, 1 outputs, double)") != std::string::npos);
  CHECK(std::filesystem::file_size(dir.path() / "math.ptx") > 0);
}

#endif  // SYMTORCH_CLI
