// symtorch_run_ptx, the tool that runs carried PTX on a GPU machine, driven against the stand-in
// driver (which executes nothing, leaving outputs at zero, and times one "ms" per launch): file
// handling, manifest lookup, comparisons, exit codes and the benchmark arithmetic.
#include <doctest/doctest.h>

#include <fstream>

#include "cuda_test_support.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/jit/ptx_module.hpp"

using namespace symtorch;

namespace {

std::string run_tool(const std::string& arguments, bool fake = true) {
  return std::string(fake ? "SYMTORCH_LIBCUDA=" SYMTORCH_FAKE_LIBCUDA " " : "") + SYMTORCH_RUN_PTX " " + arguments;
}

void write_doubles(const std::filesystem::path& path, const std::vector<double>& v) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
}

// A real kernel (2 inputs, 1 output, double) in dir/k.ptx.
void write_kernel(const std::filesystem::path& dir) {
  jit::KernelSpec spec;
  spec.equations = jit::parse_equations({"x * y"}, {"x", "y"});
  spec.name = "product";
  jit::PtxOptions options;
  options.use_cache = false;
  jit::PtxModule::compile(spec, options).write(dir / "k.ptx");
}

}  // namespace

TEST_CASE("check compares the outputs with the reference and fails on differences") {
  test::ScratchDir dir("run-ptx");
  write_kernel(dir.path());
  write_doubles(dir.path() / "in.bin", {1, 2, 3, 4, 5, 6});  // x = 1 2 3, y = 4 5 6
  write_doubles(dir.path() / "zeros.bin", {0, 0, 0});       // what the stand-in leaves
  write_doubles(dir.path() / "product.bin", {4, 10, 18});
  const std::string base = "check " + (dir.path() / "k.ptx").string() + " product 3 " + (dir.path() / "in.bin").string() + " ";

  auto ok = test::run_command(run_tool(base + (dir.path() / "zeros.bin").string() + " 0 0"));
  CHECK(ok.status == 0);
  CHECK(ok.output.find("product rows=3 outputs=1: ok (0 of 3 values differ)") != std::string::npos);

  auto bad = test::run_command(run_tool(base + (dir.path() / "product.bin").string() + " 1e-12 0"));
  CHECK(bad.status == 1);
  CHECK(bad.output.find("mismatch output 0 row 0: gpu 0 reference 4") != std::string::npos);
  CHECK(bad.output.find("FAIL (3 of 3 values differ)") != std::string::npos);
  // Allowed fraction: 3 of 3 is within 100%.
  CHECK(test::run_command(run_tool(base + (dir.path() / "product.bin").string() + " 1e-12 0 1")).status == 0);

  auto short_file = test::run_command(run_tool("check " + (dir.path() / "k.ptx").string() + " product 4 " +
                                               (dir.path() / "in.bin").string() + " " +
                                               (dir.path() / "zeros.bin").string() + " 0 0"));
  CHECK(short_file.status == 1);
  CHECK(short_file.output.find("in.bin has 48 bytes, expected 64") != std::string::npos);

  auto unknown = test::run_command(run_tool("check " + (dir.path() / "k.ptx").string() + " nope 3 a b 0 0"));
  CHECK(unknown.status == 1);
  CHECK(unknown.output.find("lists no kernel 'nope' (it lists: product)") != std::string::npos);
}

TEST_CASE("bench reports throughput from the driver's clock and the bandwidth bound") {
  test::ScratchDir dir("run-ptx-bench");
  write_kernel(dir.path());
  auto r = test::run_command(run_tool("bench " + (dir.path() / "k.ptx").string() + " product 1e3 4"));
  CHECK(r.status == 0);
  // The stand-in's clock advances 1 ms per launch: 1000 rows in 1 ms; 3 columns of doubles.
  CHECK(r.output.find("rows=1000 type=float64 inputs=2 outputs=1 ms=1.0000 rows_per_s=1e+06 elements_per_s=1e+06 "
                      "bytes_per_s=2.4e+07 peak_bandwidth=6.4e+10 fraction_of_peak=0.000") != std::string::npos);
}

TEST_CASE("cases files run every line, resolve paths beside the file and report bad lines") {
  test::ScratchDir dir("run-ptx-cases");
  write_kernel(dir.path());
  write_doubles(dir.path() / "in.bin", {1, 2, 3, 4, 5, 6});
  write_doubles(dir.path() / "zeros.bin", {0, 0, 0});
  {
    std::ofstream cases(dir.path() / "cases.txt");
    cases << "# comment\n\ncheck k.ptx product 3 in.bin zeros.bin 0 0  # trailing comment\nfrobnicate\n";
  }
  auto r = test::run_command(run_tool("cases " + (dir.path() / "cases.txt").string()));
  CHECK(r.status == 1);
  CHECK(r.output.find("ok (0 of 3 values differ)") != std::string::npos);
  CHECK(r.output.find("cases.txt:4: error: unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("without a usable GPU the tool says why and exits with 2") {
  auto r = test::run_command(run_tool("probe", /*fake=*/false));
  if (cuda::cuda_available()) {
    CHECK(r.status == 0);
  } else {
    CHECK(r.status == 2);
    CHECK(r.output.find("no usable GPU, nothing was run: ") != std::string::npos);
  }
  auto fake = test::run_command(run_tool("probe"));
  CHECK(fake.status == 0);
  CHECK(fake.output.find("device 0: symtorch fake device sm_80, 4 SMs, 1.0 GiB, peak 64 GB/s") != std::string::npos);
}
