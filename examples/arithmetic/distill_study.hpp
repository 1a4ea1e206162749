// Model-agnostic distillation of the arithmetic model: the callable (a, b) -> parsed answer, and
// the callable (a, b) -> answer - exact, each wrapped in a SymbolicModel in function mode,
// recorded on random pairs and distilled; then, for every member of each front, where the
// equation departs from the exact law (a + b or a * b; 0 for the error) over the (a, b) square.
//
// Only pairs with a well-formed answer are recorded (a fit needs a number); how many were left
// out is reported. An error target that is the same on every pair (no error, or one constant
// offset) has nothing to fit and is reported as such instead of distilled.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "arithmetic_model.hpp"

namespace symtorch::examples::arithmetic {

struct DistillSettings {
  std::string operators = "+,-,*,/,inv,sin,exp";
  int maxsize = 20;
  int niterations = 40, populations = 15, population_size = 27;
  std::uint64_t seed = 1;
  int threads = 2;
  int grid = 101;  // departure grid points per axis over [0, 999]
  int blocks = 4;  // the departure's region: blocks x blocks squares of the (a, b) square
};

enum class Target { Answer, Error };

// Distils `target` of `op` from `pairs`; `analysis_outcomes` (the model's answers on many pairs)
// give each departure region the model's own error rate there. Prints the front to `out` and
// returns its JSON: operation, target, pairs, rows, malformed_left_out, seconds, members
// (complexity, loss, score, equation, departure), chosen, exact_law_member (or null), or
// skipped with the reason.
nlohmann::json distill(Calculator& calculator, Operation op, Target target, std::span<const Pair> pairs,
                       std::span<const Outcome> analysis_outcomes, const DistillSettings& settings, std::ostream& out);

}  // namespace symtorch::examples::arithmetic
