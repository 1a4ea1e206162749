// Export: a C program built with the system C compiler against the exported .so and .o (and
// the exported .h) computes the equations; failures leave no file behind.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "symtorch/jit/export.hpp"
#include "../torchbridge/test_support.hpp"

using namespace symtorch;
using namespace symtorch::jit;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

// Runs a shell command; returns its stdout, or nothing if it failed.
std::optional<std::string> capture(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = ::pclose(p);
  if (status != 0) {
    MESSAGE("command failed: " << command << "\n" << out);
    return std::nullopt;
  }
  return out;
}

constexpr int kRows = 11;  // two AVX2 vectors of doubles plus a scalar tail

const char* kProgram = R"(#include <stdio.h>
#include "kern.h"
int main(void) {
  double x[11], y[11], o0[11], o1[11];
  for (int i = 0; i < 11; ++i) { x[i] = 0.25 * i - 1.0; y[i] = 0.5 + 0.125 * i; }
  const double* in[KERN_NUM_INPUTS] = {x, y};
  double* out[KERN_NUM_OUTPUTS] = {o0, o1};
  kern(in, out, 11);
  for (int i = 0; i < 11; ++i) printf("%.17g %.17g\n", o0[i], o1[i]);
  return 0;
}
)";

KernelSpec test_spec() {
  KernelSpec spec;
  spec.equations = parse_equations({"sin(x) * exp(y) + x / y", "sqrt(x*x + y*y)"}, {"x", "y"});
  spec.name = "kern";
  return spec;
}

void check_program_output(const std::string& output) {
  std::istringstream in(output);
  for (int i = 0; i < kRows; ++i) {
    const double x = 0.25 * i - 1.0, y = 0.5 + 0.125 * i;
    double o0 = NAN, o1 = NAN;
    REQUIRE(static_cast<bool>(in >> o0 >> o1));
    // libmvec sin/exp are within 4 ulp; 1e-14 relative is ~45 ulp of slack for the sum.
    CHECK(o0 == doctest::Approx(std::sin(x) * std::exp(y) + x / y).epsilon(1e-14));
    CHECK(o1 == doctest::Approx(std::sqrt(x * x + y * y)).epsilon(1e-15));
  }
}

}  // namespace

TEST_CASE("the exported header declares the C ABI and documents the outputs") {
  KernelSpec spec = test_spec();
  spec.derivatives = true;
  std::string h = c_header(spec);
  CHECK(h.find("void kern(const double* const* inputs, double* const* outputs, int64_t n);") != std::string::npos);
  CHECK(h.find("#define KERN_NUM_INPUTS 2") != std::string::npos);
  CHECK(h.find("#define KERN_NUM_OUTPUTS 6") != std::string::npos);
  CHECK(h.find("outputs[5] = d outputs[1] / d y") != std::string::npos);
  CHECK(h.find("extern \"C\"") != std::string::npos);
}

TEST_CASE("LLVM IR export contains the vectorised kernel") {
  std::string ir = emit_llvm_ir(test_spec());
  CHECK(ir.find("define void @kern(") != std::string::npos);
  CHECK(ir.find("x double>") != std::string::npos);  // vector arithmetic
}

TEST_CASE("a C program links against the exported .so and the exported .o") {
  auto cc = find_linker();
  if (!cc) {
    MESSAGE("skipped: no C compiler (cc/gcc/clang) on PATH to build the test program");
    return;
  }
  symtorch::test::TempDir dir("export-test");
  KernelSpec spec = test_spec();
  export_kernel(spec, dir.path() / "kern.h", ExportFormat::Header);
  export_kernel(spec, dir.path() / "kern.so", ExportFormat::SharedLibrary);
  export_kernel(spec, dir.path() / "kern.o", ExportFormat::Object);
  export_kernel(spec, dir.path() / "kern.ll", ExportFormat::LlvmIr);
  CHECK(files_in(dir.path()).size() == 4);  // no temporaries left
  std::ofstream(dir.path() / "main.c") << kProgram;
  const std::string d = dir.path().string();

  auto built_so = capture(*cc + " -std=c99 -I" + d + " " + d + "/main.c " + d + "/kern.so -Wl,-rpath," + d + " -o " + d +
                          "/with_so");
  REQUIRE(built_so.has_value());
  auto out_so = capture(d + "/with_so");
  REQUIRE(out_so.has_value());
  check_program_output(*out_so);

  auto built_o = capture(*cc + " -std=c99 -I" + d + " " + d + "/main.c " + d + "/kern.o -lmvec -lm -o " + d + "/with_o");
  REQUIRE(built_o.has_value());
  auto out_o = capture(d + "/with_o");
  REQUIRE(out_o.has_value());
  CHECK(*out_o == *out_so);
}

TEST_CASE("export failures leave no file behind") {
  symtorch::test::TempDir dir("export-test");
  KernelSpec spec = test_spec();
  SUBCASE("directory does not exist") {
    const fs::path target = dir.path() / "missing" / "kern.o";
    CHECK_THROWS_WITH_AS(export_kernel(spec, target, ExportFormat::Object), doctest::Contains(target.string().c_str()),
                         std::runtime_error);
    CHECK_THROWS_AS(export_kernel(spec, dir.path() / "missing" / "kern.h", ExportFormat::Header), std::runtime_error);
  }
  SUBCASE("the linker fails") {
    const char* old = std::getenv("CC");
    std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    ::setenv("CC", "/bin/false", 1);
    CHECK_THROWS_WITH_AS(export_kernel(spec, dir.path() / "kern.so", ExportFormat::SharedLibrary),
                         doctest::Contains("linking failed"), std::runtime_error);
    if (saved) ::setenv("CC", saved->c_str(), 1);
    else ::unsetenv("CC");
  }
  SUBCASE("a bad spec is refused before anything is written") {
    spec.name = "not valid";
    CHECK_THROWS_AS(export_kernel(spec, dir.path() / "kern.h", ExportFormat::Header), std::invalid_argument);
    CHECK_THROWS_AS(export_kernel(spec, dir.path() / "kern.so", ExportFormat::SharedLibrary), std::invalid_argument);
  }
  CHECK(files_in(dir.path()).empty());
  CHECK(export_format_from_path("a.txt") == std::nullopt);
  CHECK(export_format_from_path("a.so") == ExportFormat::SharedLibrary);
}
