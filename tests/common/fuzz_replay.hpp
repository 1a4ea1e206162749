// Replays the inputs that fuzzing found (fuzz/regressions/<target>/) and the seed corpora
// (fuzz/corpus/<target>/) through the fuzz targets' own properties, so that every build, not
// only the fuzz preset, checks them; under the asan preset the sanitizers see them as well.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace symtorch::test {

// Every file of fuzz/<kind>/<target> (kind: corpus or regressions) through `check`, which must
// not throw; returns how many files there were.
inline int replay_fuzz_inputs(const std::string& kind, const std::string& target,
                              const std::function<void(std::string_view)>& check) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(SYMTORCH_SOURCE_DIR) / "fuzz" / kind / target;
  int n = 0;
  if (!fs::exists(dir)) return n;
  for (const auto& entry : fs::directory_iterator(dir)) {
    INFO(entry.path().string());
    std::ifstream f(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << f.rdbuf();
    CHECK_NOTHROW(check(bytes.str()));
    ++n;
  }
  return n;
}

}  // namespace symtorch::test
