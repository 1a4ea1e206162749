// The safetensors fuzz target's seeds and regressions replayed through its property
// (fuzz/safetensors_property.hpp). The well-formed seeds must be accepted, so that fuzzing
// starts past the format checks, and the seed of an index that leaves out a shard's tensor
// must be refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../fuzz/safetensors_property.hpp"
#include "../common/fuzz_replay.hpp"

namespace {

bool accepted(const std::string& seed) {
  std::ifstream f(std::filesystem::path(SYMTORCH_SOURCE_DIR) / "fuzz/corpus/safetensors" / seed, std::ios::binary);
  REQUIRE(f);
  std::ostringstream bytes;
  bytes << f.rdbuf();
  return symtorch::fuzz::check_safetensors_input(bytes.str());
}

}  // namespace

TEST_CASE("fuzz regressions and seeds: safetensors reader") {
  using symtorch::test::replay_fuzz_inputs;
  auto check = [](std::string_view bytes) { (void)symtorch::fuzz::check_safetensors_input(bytes); };
  replay_fuzz_inputs("regressions", "safetensors", check);
  CHECK(replay_fuzz_inputs("corpus", "safetensors", check) >= 4);
  CHECK(accepted("single_f32.bin"));
  CHECK(accepted("mixed_dtypes.bin"));
  CHECK(accepted("index_two_shards.bin"));
  CHECK_FALSE(accepted("index_missing_tensor.bin"));
}
