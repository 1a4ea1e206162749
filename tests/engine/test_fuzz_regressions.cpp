// Replays the inputs that fuzzing found (fuzz/regressions/<target>/) and the seed corpora
// (fuzz/corpus/<target>/) through the fuzz targets' own properties, so that every build, not
// only the fuzz preset, checks them; under the asan preset the sanitizers see them as well.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "../../fuzz/csv_property.hpp"
#include "../../fuzz/npy_property.hpp"
#include "../../fuzz/parser_property.hpp"

namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every file of fuzz/<kind>/<target>; returns how many there were.
int replay(const std::string& kind, const std::string& target, const std::function<void(std::string_view)>& check) {
  const fs::path dir = fs::path(SYMTORCH_SOURCE_DIR) / "fuzz" / kind / target;
  int n = 0;
  if (!fs::exists(dir)) return n;
  for (const auto& entry : fs::directory_iterator(dir)) {
    INFO(entry.path().string());
    CHECK_NOTHROW(check(file_bytes(entry.path())));
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz regressions and seeds: parser") {
  CHECK(replay("regressions", "parser", symtorch::fuzz::check_parser_input) >= 2);
  CHECK(replay("corpus", "parser", symtorch::fuzz::check_parser_input) > 0);
}

TEST_CASE("fuzz regressions and seeds: CSV reader") {
  replay("regressions", "csv", symtorch::fuzz::check_csv_input);
  CHECK(replay("corpus", "csv", symtorch::fuzz::check_csv_input) > 0);
}

TEST_CASE("fuzz regressions and seeds: .npy reader") {
  replay("regressions", "npy", symtorch::fuzz::check_npy_input);
  CHECK(replay("corpus", "npy", symtorch::fuzz::check_npy_input) > 0);
}

TEST_CASE("fuzz properties fail on what they guard against") {
  // A property that cannot fail would make the replays above meaningless.
  CHECK_THROWS_AS(symtorch::fuzz::check_table_shape(symtorch::Table{}, "test"), symtorch::fuzz::PropertyViolation);
  symtorch::Table ragged;
  ragged.names = {"a", "b"};
  ragged.columns = {{1.0, 2.0}, {3.0}};
  CHECK_THROWS_AS(symtorch::fuzz::check_table_shape(ragged, "test"), symtorch::fuzz::PropertyViolation);
}
