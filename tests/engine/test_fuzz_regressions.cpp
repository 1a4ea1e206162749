// The parser, CSV and .npy fuzz targets' inputs replayed through their properties
// (tests/common/fuzz_replay.hpp).
#include <doctest/doctest.h>

#include "../../fuzz/csv_property.hpp"
#include "../../fuzz/npy_property.hpp"
#include "../../fuzz/parser_property.hpp"
#include "../common/fuzz_replay.hpp"

using symtorch::test::replay_fuzz_inputs;

TEST_CASE("fuzz regressions and seeds: parser") {
  CHECK(replay_fuzz_inputs("regressions", "parser", symtorch::fuzz::check_parser_input) >= 2);
  CHECK(replay_fuzz_inputs("corpus", "parser", symtorch::fuzz::check_parser_input) > 0);
}

TEST_CASE("fuzz regressions and seeds: CSV reader") {
  replay_fuzz_inputs("regressions", "csv", symtorch::fuzz::check_csv_input);
  CHECK(replay_fuzz_inputs("corpus", "csv", symtorch::fuzz::check_csv_input) > 0);
}

TEST_CASE("fuzz regressions and seeds: .npy reader") {
  replay_fuzz_inputs("regressions", "npy", symtorch::fuzz::check_npy_input);
  CHECK(replay_fuzz_inputs("corpus", "npy", symtorch::fuzz::check_npy_input) > 0);
}

TEST_CASE("fuzz properties fail on what they guard against") {
  // A property that cannot fail would make the replays above meaningless.
  CHECK_THROWS_AS(symtorch::fuzz::check_table_shape(symtorch::Table{}, "test"), symtorch::fuzz::PropertyViolation);
  symtorch::Table ragged;
  ragged.names = {"a", "b"};
  ragged.columns = {{1.0, 2.0}, {3.0}};
  CHECK_THROWS_AS(symtorch::fuzz::check_table_shape(ragged, "test"), symtorch::fuzz::PropertyViolation);
}
