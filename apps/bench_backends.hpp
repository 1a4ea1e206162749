// Extra evaluators for `symtorch bench` (e.g. the same equations as torch tensor operations).
// A cmd_*.cpp registers one with a static BenchBackendRegistration; the bench command times it
// beside the interpreter and the native kernel and prints its ratio. Header-only, and free of
// engine/JIT types, so a backend builds without the JIT and the JIT without it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace symtorch::cli {

struct BenchProblem {
  std::vector<std::string> equations;  // infix text, as given on the command line
  std::vector<std::string> variables;  // input names in column order
  bool single_precision = false;       // float columns if true, else double
  std::size_t rows = 0;
  int threads = 1;
  std::vector<const void*> inputs;  // one column per variable (float* or double*), `rows` values each
};

struct BenchBackend {
  std::string name;  // column label, e.g. "torch"
  // Prepares an evaluator and returns a function that evaluates every equation on every row
  // once (the bench times calls of it). Throw std::exception to report "unavailable: <what>".
  std::function<std::function<void()>(const BenchProblem&)> prepare;
};

inline std::vector<BenchBackend>& bench_backends() {
  static std::vector<BenchBackend> list;
  return list;
}

struct BenchBackendRegistration {
  explicit BenchBackendRegistration(BenchBackend backend) { bench_backends().push_back(std::move(backend)); }
};

}  // namespace symtorch::cli
