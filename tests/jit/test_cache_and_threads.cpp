// Disk object cache (hit, corruption, unwritable directory, environment variable) and
// concurrent compilation.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "symtorch/jit/native_kernel.hpp"
#include "symtorch/jit/object_cache.hpp"
#include "../torchbridge/test_support.hpp"

using namespace symtorch;
using namespace symtorch::jit;
namespace fs = std::filesystem;

namespace {

KernelSpec spec_of(const std::string& text, ScalarType type = ScalarType::Float64) {
  KernelSpec spec;
  spec.equations = parse_equations({text}, {"x", "y"});
  spec.type = type;
  return spec;
}

double run1(const NativeKernel& k, double x, double y) {
  const double xs[1] = {x}, ys[1] = {y};
  double out[1] = {0};
  const double* in[] = {xs, ys};
  double* o[] = {out};
  k.run(in, o, 1);
  return out[0];
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::exists(dir))
    for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("the second compile of the same spec loads the cached object") {
  symtorch::test::TempDir dir("jit-cache-test");
  CompileOptions options;
  options.cache_dir = dir.path().string();
  auto spec = spec_of("exp(x) * y - 3");
  NativeKernel first = NativeKernel::compile(spec, options);
  CHECK_FALSE(first.from_cache());
  auto entries = files_in(dir.path());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].filename().string() == first.cache_key() + ".symobj");
  NativeKernel second = NativeKernel::compile(spec, options);
  CHECK(second.from_cache());
  CHECK(second.cache_key() == first.cache_key());
  CHECK(run1(second, 1.5, 2.0) == run1(first, 1.5, 2.0));
  CHECK(run1(second, 1.5, 2.0) == doctest::Approx(std::exp(1.5) * 2 - 3).epsilon(1e-15));

  SUBCASE("a different type, derivative flag or name is a different entry") {
    auto f = spec_of("exp(x) * y - 3", ScalarType::Float32);
    CHECK_FALSE(NativeKernel::compile(f, options).from_cache());
    auto d = spec;
    d.derivatives = true;
    CHECK_FALSE(NativeKernel::compile(d, options).from_cache());
    auto n = spec;
    n.name = "other_name";
    CHECK_FALSE(NativeKernel::compile(n, options).from_cache());
    CHECK(files_in(dir.path()).size() == 4);
  }
  SUBCASE("a corrupted entry is ignored, recompiled and replaced") {
    {
      std::fstream f(entries[0], std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(entries[0]) / 2));
      f.put('\x5a');
      f.put('\xa5');
    }
    NativeKernel again = NativeKernel::compile(spec, options);
    CHECK_FALSE(again.from_cache());
    CHECK(run1(again, 1.5, 2.0) == run1(first, 1.5, 2.0));
    CHECK(NativeKernel::compile(spec, options).from_cache());
  }
  SUBCASE("a truncated entry is ignored") {
    fs::resize_file(entries[0], 40);
    CHECK_FALSE(NativeKernel::compile(spec, options).from_cache());
    CHECK(NativeKernel::compile(spec, options).from_cache());
  }
  SUBCASE("use_cache = false neither reads nor writes") {
    options.use_cache = false;
    CHECK_FALSE(NativeKernel::compile(spec, options).from_cache());
    CHECK_FALSE(NativeKernel::compile(spec_of("x - y"), options).from_cache());
    CHECK(files_in(dir.path()).size() == 1);
  }
}

TEST_CASE("an unwritable cache directory costs a compile, not an error") {
  symtorch::test::TempDir dir("jit-cache-test");
  const fs::path blocker = dir.path() / "not-a-directory";
  std::ofstream(blocker) << "x";
  CompileOptions options;
  options.cache_dir = (blocker / "cache").string();
  auto spec = spec_of("x * y");
  NativeKernel k = NativeKernel::compile(spec, options);
  CHECK_FALSE(k.from_cache());
  CHECK(run1(k, 3, 4) == 12);
  CHECK_FALSE(NativeKernel::compile(spec, options).from_cache());
}

TEST_CASE("cache directory: SYMTORCH_CACHE_DIR, then XDG_CACHE_HOME, then HOME") {
  auto saved = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto restore = [](const char* name, const std::optional<std::string>& v) {
    if (v) ::setenv(name, v->c_str(), 1);
    else ::unsetenv(name);
  };
  const auto cache = saved("SYMTORCH_CACHE_DIR"), xdg = saved("XDG_CACHE_HOME"), home = saved("HOME");
  ::setenv("SYMTORCH_CACHE_DIR", "/tmp/a", 1);
  ::setenv("XDG_CACHE_HOME", "/tmp/b", 1);
  ::setenv("HOME", "/tmp/c", 1);
  CHECK(default_cache_dir() == fs::path("/tmp/a"));
  ::unsetenv("SYMTORCH_CACHE_DIR");
  CHECK(default_cache_dir() == fs::path("/tmp/b/symtorch"));
  ::unsetenv("XDG_CACHE_HOME");
  CHECK(default_cache_dir() == fs::path("/tmp/c/.cache/symtorch"));
  restore("SYMTORCH_CACHE_DIR", cache);
  restore("XDG_CACHE_HOME", xdg);
  restore("HOME", home);
}

TEST_CASE("ObjectCache stores atomically and refuses foreign keys") {
  symtorch::test::TempDir dir("jit-cache-test");
  ObjectCache cache(dir.path() / "sub");
  std::vector<char> object = {'a', 'b', 'c', '\0', 'd'};
  CHECK_FALSE(cache.load("key").has_value());
  REQUIRE(cache.store("key", object));
  auto back = cache.load("key");
  REQUIRE(back.has_value());
  CHECK(*back == object);
  CHECK_FALSE(cache.load("other key").has_value());
  CHECK(files_in(dir.path() / "sub").size() == 1);  // no temporary left behind
  // An entry renamed to another key's file name is refused (the key text is stored inside).
  fs::rename(cache.entry_path("key"), cache.entry_path("other key"));
  CHECK_FALSE(cache.load("other key").has_value());
}

TEST_CASE("threads compile and run kernels at the same time") {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ok] {
      CompileOptions options;
      options.use_cache = false;
      int good = 0;
      for (int i = 0; i < 3; ++i) {
        const double c = t * 10 + i;
        auto spec = spec_of("sin(x) * y + " + std::to_string(c));
        NativeKernel k = NativeKernel::compile(spec, options);
        good += run1(k, 0.5, 2.0) == doctest::Approx(std::sin(0.5) * 2 + c).epsilon(1e-15);
      }
      ok[t] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(ok[t] == 3);
}
