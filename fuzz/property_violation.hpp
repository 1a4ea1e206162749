// What a fuzz property throws when an input breaks it. The fuzz targets let it escape (libFuzzer
// reports the uncaught exception as a crash and saves the input); the regression tests
// (tests/engine/test_fuzz_regressions.cpp) replay saved inputs through the same properties and
// fail with its message.
#pragma once

#include <stdexcept>
#include <string>

namespace symtorch::fuzz {

class PropertyViolation : public std::logic_error {
 public:
  explicit PropertyViolation(const std::string& what) : std::logic_error(what) {}
};

}  // namespace symtorch::fuzz
