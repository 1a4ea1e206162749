// Replays fuzz/regressions/model_file/ and the seeds fuzz/corpus/model_file/ through the
// fuzz target's property (fuzz/model_file_property.hpp); the seeds must also be accepted, so
// that fuzzing starts past the format checks.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../../fuzz/model_file_property.hpp"

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::filesystem::path fuzz_dir(const std::string& kind) {
  return std::filesystem::path(SYMTORCH_SOURCE_DIR) / "fuzz" / kind / "model_file";
}

}  // namespace

TEST_CASE("fuzz seeds of the model file reader are accepted and keep the property") {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fuzz_dir("corpus"))) {
    INFO(entry.path().string());
    const std::string bytes = file_bytes(entry.path());
    CHECK_NOTHROW(symtorch::model_file_from_json(nlohmann::json::parse(bytes), entry.path().string()));
    CHECK_NOTHROW(symtorch::fuzz::check_model_file_input(bytes));
    ++n;
  }
  CHECK(n > 0);
}

TEST_CASE("fuzz regressions of the model file reader keep the property") {
  if (!std::filesystem::exists(fuzz_dir("regressions"))) return;
  for (const auto& entry : std::filesystem::directory_iterator(fuzz_dir("regressions"))) {
    INFO(entry.path().string());
    CHECK_NOTHROW(symtorch::fuzz::check_model_file_input(file_bytes(entry.path())));
  }
}
