// Interpreter throughput (node·rows per second, one core) against the same expressions written
// by hand and compiled with -O3 -march=native, measured in the same run.
//   usage: bench_interpreter [rows=100000] [seconds-per-measurement=0.5]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "expressions.hpp"
#include "hand_written.hpp"
#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/parser.hpp"
#include "time_per_call.hpp"

namespace {

using symtorch::bench::time_per_call;

template <typename T>
void run(const char* label, const char* text, void (*hand)(const T* const*, T*, std::size_t), std::size_t rows,
         double budget) {
  const auto expr = symtorch::parse_expression(text);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<std::vector<T>> data(5, std::vector<T>(rows));
  for (auto& col : data)
    for (auto& v : col) v = static_cast<T>(u(rng));
  std::vector<const T*> cols;
  for (auto& c : data) cols.push_back(c.data());
  std::vector<T> out_interp(rows), out_hand(rows);

  symtorch::Interpreter<T> interp;
  const double t_interp = time_per_call([&] { interp.evaluate(expr, cols, rows, out_interp); }, budget);
  const double t_hand = time_per_call([&] { hand(cols.data(), out_hand.data(), rows); }, budget);

  // The two must compute the same function (guards against the formulas drifting apart).
  double worst = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double a = out_interp[r], b = out_hand[r];
    worst = std::max(worst, std::fabs(a - b) / (1.0 + std::fabs(b)));
  }
  const double tol = sizeof(T) == 4 ? 1e-4 : 1e-10;
  const double nodes_rows = static_cast<double>(expr.size()) * static_cast<double>(rows);
  std::printf("%-9s %-6s %5zu %12.2f %12.2f %8.2fx %10.2e%s\n", label, sizeof(T) == 4 ? "float" : "double",
              expr.size(), nodes_rows / t_interp * 1e-9, nodes_rows / t_hand * 1e-9, t_interp / t_hand, worst,
              worst > tol ? "  MISMATCH" : "");
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const double budget = argc > 2 ? std::atof(argv[2]) : 0.5;
  using namespace symtorch::bench;
  std::printf("interpreter vs hand-written C++ (-O3 -march=native), %zu rows, 1 thread, batch %zu rows\n", rows,
              symtorch::kBatchRows);
  std::printf("%-9s %-6s %5s %12s %12s %9s %10s\n", "expr", "type", "nodes", "interp G/s", "hand G/s",
              "slowdown", "max rel");
  std::printf("(G/s = 1e9 node-rows per second; slowdown = interpreter time / hand-written time)\n");
  run<float>("arith20", kArith20, hand_arith20<float>, rows, budget);
  run<float>("mixed20", kMixed20, hand_mixed20<float>, rows, budget);
  run<float>("arith50", kArith50, hand_arith50<float>, rows, budget);
  run<float>("mixed50", kMixed50, hand_mixed50<float>, rows, budget);
  run<double>("arith20", kArith20, hand_arith20<double>, rows, budget);
  run<double>("mixed20", kMixed20, hand_mixed20<double>, rows, budget);
  run<double>("arith50", kArith50, hand_arith50<double>, rows, budget);
  run<double>("mixed50", kMixed50, hand_mixed50<double>, rows, budget);
  return 0;
}
