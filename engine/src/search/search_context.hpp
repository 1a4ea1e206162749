// What every island reads during the parallel phase of an iteration. It is written only
// between iterations (at the barrier), so islands share it without locks.
#pragma once

#include <time.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <stop_token>
#include <vector>

#include "symtorch/engine/constraints.hpp"
#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/fitness.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

using Clock = std::chrono::steady_clock;

// CPU time of the whole process (all threads), in seconds.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <typename T>
struct SearchContext {
  SearchContext(const SearchOptions& opts, const Dataset& d, double baseline_loss)
      : options(opts),
        data(d),
        full(d),
        batching(opts.use_batching(d.rows())),
        baseline(baseline_loss),
        constraints(opts),
        curmaxsize(opts.maxsize) {}

  const SearchOptions& options;
  const Dataset& data;
  EvalData<T> full;  // the whole data set in the search precision
  bool batching;
  double baseline;   // loss of the best constant (weighted variance of y): normalises costs
  ConstraintChecker constraints;

  // Set at each barrier.
  std::vector<double> frequencies;  // normalised complexity frequencies, index = complexity
  std::vector<double> tournament_factors;  // exp(adaptive_parsimony_scaling * frequency)
  int curmaxsize;
  std::stop_token stop;
  std::optional<Clock::time_point> deadline;
  std::optional<double> cpu_deadline;  // in process_cpu_seconds()

  void set_frequencies(std::vector<double> normalized) {
    frequencies = std::move(normalized);
    tournament_factors.resize(frequencies.size());
    for (std::size_t c = 0; c < frequencies.size(); ++c)
      tournament_factors[c] = std::exp(options.adaptive_parsimony_scaling * frequencies[c]);
  }
  double cost(double loss, int complexity) const { return loss / baseline + options.parsimony * complexity; }
  double frequency(int complexity) const {
    return complexity > 0 && complexity <= options.maxsize ? frequencies[static_cast<std::size_t>(complexity)] : 1e-6;
  }
  bool out_of_time() const {
    return (deadline && Clock::now() >= *deadline) || (cpu_deadline && process_cpu_seconds() >= *cpu_deadline);
  }
  bool should_stop() const { return stop.stop_requested() || out_of_time(); }
};

}  // namespace symtorch::search_detail
