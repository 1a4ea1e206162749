// The manifest lines that make a PTX file self-describing (kernel names, element type, columns).
#include <doctest/doctest.h>

#include "symtorch/cuda/kernel.hpp"

using namespace symtorch::cuda;

TEST_CASE("manifest lines round-trip") {
  const KernelSignature a{"f", ElementType::Float32, 3, 12}, b{"g_2", ElementType::Float64, 0, 1};
  const std::string ptx = manifest_line(a) + "\n.version 7.0\n" + manifest_line(b) + "\r\n";
  CHECK(manifest_line(a) == "// symtorch-kernel v1 name=f type=float32 inputs=3 outputs=12");
  const auto parsed = parse_ptx_manifest(ptx);
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0] == a);
  CHECK(parsed[1] == b);
  CHECK(parse_ptx_manifest(".version 7.0\n").empty());
}

TEST_CASE("malformed manifest lines are refused with the line and field named") {
  CHECK_THROWS_WITH_AS(parse_ptx_manifest("\n// symtorch-kernel v2 name=f type=float32 inputs=1 outputs=1"),
                       doctest::Contains("line 2 has an ABI version other than v1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ptx_manifest("// symtorch-kernel v1 name=f type=half inputs=1 outputs=1"),
                       "PTX manifest line 1: type='half' is neither float32 nor float64", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ptx_manifest("// symtorch-kernel v1 name=f type=float32 inputs=x1 outputs=1"),
                       "PTX manifest line 1: inputs='x1' is not a count", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ptx_manifest("// symtorch-kernel v1 name=f type=float32 outputs=1"),
                       doctest::Contains("line 1 lacks 'inputs='"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ptx_manifest("// symtorch-kernel v1 name=f type=float32 inputs=1 outputs=0"),
                       doctest::Contains("kernel 'f' has no outputs"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_ptx_manifest("// symtorch-kernel v1 name=f type=float32 inputs=1 outputs=1\n"
                                          "// symtorch-kernel v1 name=f type=float64 inputs=1 outputs=1"),
                       doctest::Contains("line 2 lists kernel 'f' a second time"), std::invalid_argument);
}
