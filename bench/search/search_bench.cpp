// Search throughput and time to solution.
//   usage: bench_search [iterations=10] [shared-bench-dir]
// (b) Evaluations per second of the same deterministic search (fixed iterations, no early stop)
//     with 1 and 2 threads, and with float against double evaluation: the 1-thread float run is
//     the baseline of the ratios. Both thread counts do exactly the same evaluations (the search
//     is deterministic), so the speed-up is a pure wall-time ratio.
// (c) Wall time until an exact fit (the search stops itself) on three public problems, with
//     the default options on 2 threads, if the shared bench directory is given.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search.hpp"

using namespace symtorch;

namespace {

Dataset demo_data(std::size_t rows) {
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, std::vector<double>(rows));
  SearchRng rng(2024);
  for (std::size_t r = 0; r < rows; ++r) {
    const double a = -3 + 6 * rng.uniform(), b = -3 + 6 * rng.uniform();
    d.features[0][r] = a;
    d.features[1][r] = b;
    d.target.push_back(2.5 * a * std::cos(b) + a * a);
  }
  return d;
}

struct Run {
  double seconds, cpu_seconds, evals_per_second;
  SearchStats stats;
};

Run timed(const Dataset& d, const SearchOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const SearchResult r = run_search(d, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {s, r.stats.cpu_seconds, static_cast<double>(r.stats.evaluations) / s, r.stats};
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 10;
  const std::string shared = argc > 2 ? argv[2] : "";
  const Dataset d = demo_data(500);
  SearchOptions o;
  o.unary_operators = {Op::Sin, Op::Cos, Op::Exp};
  o.niterations = iterations;
  o.stop_on_exact_fit = false;
  o.seed = 1;

  std::printf("(b) search throughput: 500 rows, ops + - * / sin cos exp, %d iterations x %d islands\n", iterations,
              o.populations);
  std::printf("%-24s %12s %10s %10s %14s %8s\n", "configuration", "evaluations", "wall s", "cpu s", "evals/s", "ratio");
  o.threads = 1;
  const Run base = timed(d, o);
  auto row = [&](const char* label, const Run& r) {
    std::printf("%-24s %12llu %10.3f %10.3f %14.4g %8.3f\n", label, static_cast<unsigned long long>(r.stats.evaluations),
                r.seconds, r.cpu_seconds, r.evals_per_second, r.evals_per_second / base.evals_per_second);
  };
  row("float, 1 thread", base);
  o.threads = 2;
  const Run two = timed(d, o);
  row("float, 2 threads", two);
  o.threads = 1;
  o.precision = Precision::Double;
  row("double, 1 thread", timed(d, o));
  std::printf("fitness cache: %.1f%% of %llu lookups hit\n",
              base.stats.cache_lookups ? 100.0 * static_cast<double>(base.stats.cache_hits) /
                                             static_cast<double>(base.stats.cache_lookups)
                                       : 0.0,
              static_cast<unsigned long long>(base.stats.cache_lookups));
  std::printf("2-thread speed-up: %.2fx (same %s evaluations)\n", base.seconds / two.seconds,
              base.stats.evaluations == two.stats.evaluations ? "deterministic" : "NON-DETERMINISTIC");

  if (shared.empty()) return 0;
  std::printf("\n(c) time to the exact solution, default options, 2 threads, 60 s limit\n");
  std::printf("%-16s %-34s %10s %11s %s\n", "problem", "truth", "wall s", "iterations", "stopped by");
  const char* problems[][2] = {{"nguyen_6", "sin(x1) + sin(x1 + x1^2)"},
                               {"nguyen_9", "sin(x1) + sin(x2^2)"},
                               {"keijzer_11", "x1*x2 + sin((x1 - 1)*(x2 - 1))"}};
  SearchOptions p;
  p.unary_operators = {Op::Sin, Op::Cos, Op::Exp, Op::Log, Op::Sqrt, Op::Square};
  p.threads = 2;
  p.seed = 1;
  p.time_limit_seconds = 60;
  p.niterations = 1000000;
  for (const auto& prob : problems) {
    const std::string path = shared + "/data/noise_0/" + prob[0] + "_train.csv";
    try {
      const Dataset pd = to_dataset(read_csv(path));
      const Run r = timed(pd, p);
      std::printf("%-16s %-34s %10.2f %11d %s\n", prob[0], prob[1], r.seconds, r.stats.iterations,
                  to_string(r.stats.stop_reason));
    } catch (const std::exception& e) {
      std::printf("%-16s skipped: %s\n", prob[0], e.what());
    }
  }
  return 0;
}
