// PtxModule: PTX text, kernel ABI and manifest, numerics settings, options and errors, cache.
// Cases in suite "libdevice" need the CUDA toolkit's libdevice (math functions); the CTest
// test cuda_libdevice runs them and is skipped where the toolkit is absent. Every other case
// uses arithmetic only and runs everywhere.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "cuda_test_support.hpp"
#include "symtorch/cuda/kernel.hpp"
#include "symtorch/jit/ptx_module.hpp"

using namespace symtorch;
using namespace symtorch::jit;

namespace {

KernelSpec spec_of(const std::vector<std::string>& equations, const std::vector<std::string>& inputs, ScalarType type,
                   const std::string& name = "k", bool derivatives = false) {
  KernelSpec s;
  s.equations = parse_equations(equations, inputs);
  s.type = type;
  s.name = name;
  s.derivatives = derivatives;
  return s;
}

PtxOptions uncached(int sm = 80) {
  PtxOptions o;
  o.sm = sm;
  o.use_cache = false;
  return o;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// The parameter list of `.entry name(...)`.
std::string entry_params(const std::string& ptx, const std::string& name) {
  const std::size_t at = ptx.find(".visible .entry " + name + "(");
  REQUIRE(at != std::string::npos);
  return ptx.substr(at, ptx.find(')', at) - at);
}

}  // namespace

TEST_CASE("a kernel becomes a PTX entry with one .u64 parameter per column and the row count") {
  const KernelSpec spec = spec_of({"x * y + 2.5", "x / y"}, {"x", "y"}, ScalarType::Float64, "two_outputs");
  const PtxModule m = PtxModule::compile(spec, uncached());
  const std::string& ptx = m.ptx();
  CHECK(ptx.find(".target sm_80") != std::string::npos);
  CHECK(ptx.find(".address_size 64") != std::string::npos);
  const std::string params = entry_params(ptx, "two_outputs");
  CHECK(count(params, ".param .u64") == 2 + 2 + 1);
  // Columns are read with ld.global.nc (read-only cache) and written with st.global.
  CHECK(ptx.find("ld.global.nc.f64") != std::string::npos);
  CHECK(count(ptx, "st.global.f64") == 2);
  CHECK(ptx.find("div.rn.f64") != std::string::npos);  // IEEE division
  // Grid-stride loop: the row advances by gridDim.x * blockDim.x.
  CHECK(ptx.find("%nctaid.x") != std::string::npos);
  CHECK(ptx.find("%ntid.x") != std::string::npos);

  REQUIRE(m.kernels().size() == 1);
  CHECK(m.kernels()[0].num_inputs == 2);
  CHECK(m.kernels()[0].num_outputs == 2);
  CHECK(m.sm() == 80);
  CHECK_FALSE(m.from_cache());
  CHECK(m.cache_key().size() == 64);
  // The equations are listed as comments.
  CHECK(ptx.find("//   out_0 = x * y + 2.5") != std::string::npos);
  CHECK(ptx.find("//   inputs: x, y") != std::string::npos);
}

TEST_CASE("the PTX manifest describes every kernel as the loader reads it") {
  std::vector<KernelSpec> specs = {spec_of({"a * a * b"}, {"a", "b"}, ScalarType::Float32, "f32_kernel", true),
                                   spec_of({"a / (1 + a)", "a * a - 2.5"}, {"a"}, ScalarType::Float64, "f64_kernel")};
  const PtxModule m = PtxModule::compile(specs, uncached());
  const auto manifest = cuda::parse_ptx_manifest(m.ptx());
  REQUIRE(manifest.size() == 2);
  CHECK(manifest[0] == cuda::KernelSignature{"f32_kernel", cuda::ElementType::Float32, 2, 3});  // f, df/da, df/db
  CHECK(manifest[1] == cuda::KernelSignature{"f64_kernel", cuda::ElementType::Float64, 1, 2});
  CHECK(count(entry_params(m.ptx(), "f32_kernel"), ".param .u64") == 2 + 3 + 1);
  CHECK(count(entry_params(m.ptx(), "f64_kernel"), ".param .u64") == 1 + 2 + 1);
  CHECK(m.ptx().find("//   out_1 + j * 2 + k = d out_j / d input_k") != std::string::npos);
}

TEST_CASE("math goes through libdevice, linked in, with denormals kept" * doctest::test_suite("libdevice")) {
  for (ScalarType type : {ScalarType::Float32, ScalarType::Float64}) {
    CAPTURE(c_type_name(type));
    const KernelSpec spec = spec_of({"sin(x) + cos(x) * tan(x) - tanh(x) + exp(x) * log(x) + x ^ 1.5 + sqrt(abs(x))"},
                                    {"x"}, type, "math");
    const std::string ptx = PtxModule::compile(spec, uncached()).ptx();
    // libdevice is linked in and internal: no external function remains, no __nv_* symbol (all
    // inlined; libdevice's own slow-path helpers such as the trig argument reduction may stay
    // as internal .func), and no __nvvm_reflect (NVVMReflect answered it).
    CHECK(ptx.find(".extern") == std::string::npos);
    CHECK(ptx.find("__nv") == std::string::npos);
    CHECK(ptx.find(".visible .func") == std::string::npos);
    // __CUDA_FTZ=0: no flush-to-zero IEEE arithmetic. libdevice's algorithms do use .approx
    // instructions that exist only in an .ftz form (ex2.approx.ftz.f32, rcp.approx.ftz.f64),
    // on arguments it has scaled away from the denormal range.
    for (std::size_t p = ptx.find(".ftz"); p != std::string::npos; p = ptx.find(".ftz", p + 1)) {
      const std::size_t start = ptx.find_last_of(" \t\n", p) + 1;
      const std::string opcode = ptx.substr(start, ptx.find_first_of(" \t", p) - start);
      CAPTURE(opcode);
      CHECK(opcode.find(".approx.ftz") != std::string::npos);
    }
    CHECK(ptx.find(type == ScalarType::Float32 ? "sqrt.rn.f32" : "sqrt.rn.f64") != std::string::npos);
  }
}

TEST_CASE("fma contraction only when asked for") {
  const KernelSpec spec = spec_of({"x * y + z"}, {"x", "y", "z"}, ScalarType::Float64, "muladd");
  PtxOptions options = uncached();
  CHECK(PtxModule::compile(spec, options).ptx().find("fma.rn") == std::string::npos);
  options.fma = true;
  CHECK(PtxModule::compile(spec, options).ptx().find("fma.rn.f64") != std::string::npos);
}

TEST_CASE("every supported SM gives PTX for that target; others are refused") {
  const KernelSpec spec = spec_of({"x * x * 2 - x"}, {"x"}, ScalarType::Float32);
  for (int sm : supported_sm_versions()) {
    CAPTURE(sm);
    CHECK(PtxModule::compile(spec, uncached(sm)).ptx().find(".target sm_" + std::to_string(sm)) != std::string::npos);
  }
  CHECK(parse_sm("sm_86") == 86);
  CHECK(parse_sm("90") == 90);
  CHECK_THROWS_WITH_AS(parse_sm("sm_60"), doctest::Contains("unsupported GPU architecture 'sm_60' (supported: sm_70"),
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_sm("sm_100"), std::invalid_argument);
  CHECK_THROWS_AS(parse_sm("sm_8x"), std::invalid_argument);
  CHECK_THROWS_AS(parse_sm(""), std::invalid_argument);
  CHECK_THROWS_WITH_AS(PtxModule::compile(spec, uncached(61)), doctest::Contains("'sm_61'"), std::invalid_argument);
  PtxOptions bad_level = uncached();
  bad_level.opt_level = 4;
  CHECK_THROWS_WITH_AS(PtxModule::compile(spec, bad_level), "optimisation level 4 is not 0..3", std::invalid_argument);
  bad_level.opt_level = 0;  // O0 still reflects and inlines nothing it must not
  CHECK(PtxModule::compile(spec, bad_level).ptx().find(".visible .entry k(") != std::string::npos);
}

TEST_CASE("libdevice: a missing one is named, arithmetic needs none") {
  const KernelSpec math = spec_of({"log(x)"}, {"x"}, ScalarType::Float64);
  const KernelSpec arithmetic = spec_of({"x * x - 1 / x"}, {"x"}, ScalarType::Float64);
  PtxOptions missing = uncached();
  missing.libdevice = "/nonexistent/cuda/nvvm/libdevice/libdevice.10.bc";
  CHECK_THROWS_WITH_AS(PtxModule::compile(math, missing),
                       doctest::Contains("cannot read libdevice /nonexistent/cuda/nvvm/libdevice/libdevice.10.bc"),
                       std::runtime_error);
  CHECK(PtxModule::compile(arithmetic, missing).ptx().find(".entry k(") != std::string::npos);

  // Without a toolkit (CUDA_HOME names an empty folder) a math kernel is refused, naming the
  // path looked at; an arithmetic one compiles.
  test::ScratchDir empty("cuda-empty");
  test::ScopedEnv home("CUDA_HOME", empty.path().c_str());
  const std::string expected = (empty.path() / "nvvm" / "libdevice" / "libdevice.10.bc").string() + " ($CUDA_HOME)";
  CHECK_THROWS_WITH_AS(PtxModule::compile(math, uncached()), doctest::Contains(expected.c_str()), std::runtime_error);
  CHECK_THROWS_WITH_AS(PtxModule::compile(math, uncached()),
                       doctest::Contains("libdevice (the CUDA toolkit's math library, needed for exp/log/sin/cos/tan/"
                                         "tanh/pow on the GPU) was not found at"),
                       std::runtime_error);
  CHECK(PtxModule::compile(arithmetic, uncached()).ptx().find(".entry k(") != std::string::npos);
}

TEST_CASE("the CUDA toolkit is $CUDA_HOME, else $CUDA_PATH, else /usr/local/cuda; a variable that is set is the only place looked at") {
  // find_libdevice only locates the file, so stand-in toolkits with an empty libdevice.10.bc
  // check the rule on any machine.
  const auto fake_toolkit = [](const std::filesystem::path& root) {
    std::filesystem::create_directories(root / "nvvm" / "libdevice");
    std::ofstream(root / "nvvm" / "libdevice" / "libdevice.10.bc").put('\0');
    return root / "nvvm" / "libdevice" / "libdevice.10.bc";
  };
  test::ScratchDir dir("cuda-roots");
  const auto home_file = fake_toolkit(dir.path() / "home");
  const auto path_file = fake_toolkit(dir.path() / "path");
  {
    test::ScopedEnv home("CUDA_HOME", (dir.path() / "home").c_str());
    test::ScopedEnv path("CUDA_PATH", (dir.path() / "path").c_str());
    CHECK(find_libdevice() == home_file);
    CHECK(cuda_toolkit_root().source == "$CUDA_HOME");
  }
  {
    test::ScopedEnv home("CUDA_HOME", "");  // empty = unset
    test::ScopedEnv path("CUDA_PATH", (dir.path() / "path").c_str());
    CHECK(find_libdevice() == path_file);
    CHECK(cuda_toolkit_root().source == "$CUDA_PATH");
  }
  {
    // A set variable without libdevice is an error even where the default prefix has one.
    test::ScopedEnv home("CUDA_HOME", (dir.path() / "missing").c_str());
    test::ScopedEnv path("CUDA_PATH", (dir.path() / "path").c_str());
    const std::string missing = (dir.path() / "missing").string();
    CHECK_THROWS_WITH_AS(find_libdevice(), doctest::Contains(missing.c_str()), std::runtime_error);
  }
  {
    test::ScopedEnv home("CUDA_HOME", nullptr);
    test::ScopedEnv path("CUDA_PATH", nullptr);
    CHECK(cuda_toolkit_root().path == "/usr/local/cuda");
    try {
      CHECK(find_libdevice() == "/usr/local/cuda/nvvm/libdevice/libdevice.10.bc");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc (the default CUDA toolkit "
                                       "prefix; set CUDA_HOME to use another)") != std::string::npos);
    }
  }
}

TEST_CASE("bad module contents are refused before any code generation") {
  const KernelSpec a = spec_of({"x"}, {"x"}, ScalarType::Float32, "same");
  std::vector<KernelSpec> twice = {a, a};
  CHECK_THROWS_WITH_AS(PtxModule::compile(twice, uncached()), "two kernels of one PTX module are named 'same'",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(PtxModule::compile(std::span<const KernelSpec>(), uncached()),
                       "a PTX module needs at least one kernel", std::invalid_argument);
  KernelSpec bad_name = a;
  bad_name.name = "not a name";
  CHECK_THROWS_WITH_AS(PtxModule::compile(bad_name, uncached()), doctest::Contains("is not a C identifier"),
                       std::invalid_argument);
  // 250 equations with their derivatives by 1 input: 1 + 500 columns, over the parameter space.
  std::vector<std::string> many(250, "x * 2");
  const KernelSpec wide = spec_of(many, {"x"}, ScalarType::Float32, "wide", true);
  CHECK_THROWS_WITH_AS(PtxModule::compile(wide, uncached()),
                       "kernel 'wide' has 501 columns (inputs + outputs); a GPU kernel takes at most 500 (4 KiB of "
                       "launch parameters)",
                       std::invalid_argument);
}

TEST_CASE("the PTX cache returns what was compiled and keys on the target") {
  test::ScratchDir dir("ptx-cache");
  const KernelSpec spec = spec_of({"x * y + 1"}, {"x", "y"}, ScalarType::Float32, "cached");
  PtxOptions options;
  options.cache_dir = dir.path().string();
  const PtxModule first = PtxModule::compile(spec, options);
  CHECK_FALSE(first.from_cache());
  CHECK(std::filesystem::exists(dir.path() / "ptx"));
  const PtxModule second = PtxModule::compile(spec, options);
  CHECK(second.from_cache());
  CHECK(second.ptx() == first.ptx());
  CHECK(second.cache_key() == first.cache_key());
  options.sm = 90;
  const PtxModule other = PtxModule::compile(spec, options);
  CHECK_FALSE(other.from_cache());
  CHECK(other.cache_key() != first.cache_key());
  KernelSpec renamed = spec;
  renamed.name = "renamed";
  CHECK(PtxModule::compile(renamed, options).cache_key() != other.cache_key());
}

TEST_CASE("write() stores the PTX text") {
  test::ScratchDir dir("ptx-write");
  const PtxModule m = PtxModule::compile(spec_of({"x + 1"}, {"x"}, ScalarType::Float64), uncached());
  m.write(dir.path() / "k.ptx");
  std::ifstream in(dir.path() / "k.ptx");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == m.ptx());
  CHECK_THROWS_AS(m.write(dir.path() / "missing-dir" / "k.ptx"), std::runtime_error);
}

TEST_CASE("concurrent compiles give the same PTX as serial ones" * doctest::test_suite("libdevice")) {
  // Each thread has its own LLVMContext and TargetMachine; libdevice's bytes are shared.
  std::vector<KernelSpec> specs;
  const char* texts[] = {"sin(x) * y", "exp(x) / (1 + y)", "x ^ y - tanh(x)", "log(abs(x) + 1) * cos(y)"};
  for (int i = 0; i < 4; ++i)
    specs.push_back(spec_of({texts[i]}, {"x", "y"}, i % 2 ? ScalarType::Float32 : ScalarType::Float64,
                            "concurrent_" + std::to_string(i)));
  std::vector<std::string> serial, parallel(specs.size());
  for (const KernelSpec& s : specs) serial.push_back(PtxModule::compile(s, uncached()).ptx());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < specs.size(); ++i)
    threads.emplace_back([&, i] { parallel[i] = PtxModule::compile(specs[i], uncached()).ptx(); });
  for (std::thread& t : threads) t.join();
  CHECK(parallel == serial);
}
