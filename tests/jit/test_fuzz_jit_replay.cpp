// The JIT fuzz target's seeds and regressions replayed through its property
// (fuzz/jit_property.hpp: native float and double kernels and the interpreter against the
// bounded reference).
#include <doctest/doctest.h>

#include "../../fuzz/jit_property.hpp"
#include "../common/fuzz_replay.hpp"

#include <cmath>
#include <vector>

TEST_CASE("fuzz regressions and seeds: native JIT against the interpreter and the reference") {
  using symtorch::test::replay_fuzz_inputs;
  replay_fuzz_inputs("regressions", "jit", symtorch::fuzz::check_jit_input);
  CHECK(replay_fuzz_inputs("corpus", "jit", symtorch::fuzz::check_jit_input) >= 4);
}

TEST_CASE("the JIT fuzz property fails on values that differ from the reference") {
  // A property that cannot fail would make the replays meaningless: the values of x0 + 2 are
  // not those of x0 + 1, and a last-ulp change stays within the bound.
  using namespace symtorch;
  const Expression e = parse_expression("x0 + 1");
  const auto columns = fuzz::jit_detail::make_columns<double>("\x20\x40\x60");
  std::vector<double> exact, off_by_one, last_ulp;
  for (const double x : columns[0]) {
    exact.push_back(x + 1);
    off_by_one.push_back(x + 2);
    last_ulp.push_back(std::nextafter(x + 1, 1e300));
  }
  CHECK_NOTHROW(fuzz::jit_detail::check_against_reference(e, columns, exact, "exact"));
  CHECK_NOTHROW(fuzz::jit_detail::check_against_reference(e, columns, last_ulp, "last ulp"));
  CHECK_THROWS_AS(fuzz::jit_detail::check_against_reference(e, columns, off_by_one, "off by one"), fuzz::PropertyViolation);
}
