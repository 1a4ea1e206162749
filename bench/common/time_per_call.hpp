// The timing rule shared by the benchmarks that compare two ways of computing the same thing:
// best of 5 trials of the mean time per call, each trial repeating the call for budget/5 seconds.
// The best trial is the one least disturbed by other jobs on a shared machine.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

namespace symtorch::bench {

inline double time_per_call(const std::function<void()>& f, double budget_seconds) {
  using Clock = std::chrono::steady_clock;
  f();  // warm-up: page in buffers, size scratch space
  double best = 1e300;
  for (int trial = 0; trial < 5; ++trial) {
    int reps = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      f();
      ++reps;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < budget_seconds / 5);
    best = std::min(best, elapsed / reps);
  }
  return best;
}

}  // namespace symtorch::bench
