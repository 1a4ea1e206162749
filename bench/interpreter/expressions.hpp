// Benchmark expressions (infix text for the interpreter); hand_written.cpp has the same
// formulas as loops. Keep the two in sync: the benchmark checks they agree numerically.
#pragma once

namespace symtorch::bench {

inline constexpr const char* kArith20 =
    "((x0 * x1 + x2) * (x3 - x4) + x0 / (x1 + 1.5)) * (x2 - 0.25 * x3)";
inline constexpr const char* kMixed20 =
    "sin(x0 * x1) + exp(0.5 * x2) * (x3 - x4) + log(abs(x0) + 1.0) * x1";
inline constexpr const char* kArith50 =
    "((x0 * x1 + x2) * (x3 - x4) + x0 / (x1 + 1.5)) * (x2 - 0.25 * x3)"
    " + (x4 * x4 - x0 * x3) / (x2 * x2 + 2.0) - (x1 - x3) * (x0 + x4 * 0.75)"
    " + x2 * (x0 - x1 * (x3 + 0.5))";
inline constexpr const char* kMixed50 =
    "sin(x0 * x1) + exp(0.5 * x2) * (x3 - x4) + log(abs(x0) + 1.0) * x1"
    " + cos(x3 - x4 * 0.3) * sqrt(abs(x2)) - tanh(x0 * x2) * (x1 + 2.0)"
    " + x4 * x4 / (x1 * x1 + 1.0) + sin(x2 + x3) * x0 - exp(-(x4 * x4))";

}  // namespace symtorch::bench
