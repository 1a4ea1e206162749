// SearchJob: one symbolic-regression fit of every column of a target matrix (distill_rows, the
// targets in parallel) run on a thread of its own, so that the caller keeps control while it
// runs: the Python package polls wait() with short timeouts, so Ctrl-C reaches the
// interpreter, and answers it with request_stop(), which ends the searches with the fronts
// found so far. The torch custom class torch.classes.symtorch.Regressor
// (regressor_class.cpp) is this class behind tensors; it holds no torch type itself.
//
// Options arrive as one JSON object (front ends pass data, not C++ structs):
//   {"search": {...},                    // options_from_json keys (engine/search_json.hpp)
//    "selection": "best" | "accuracy" | "bic" | "score" | <complexity>,
//    "operator_complexity": {"sin": 3},  // per-operator complexity during this fit
//    "max_rows": 0}                      // at most this many rows (random subset); 0 = all
// "score" is PySR's model_selection="score": the highest score, whatever the loss.
// Every key is optional; an unknown one is refused with the known ones listed.
//
// The result is JSON too: {"variables": [...], "outputs": [{"name", "chosen", "stop_reason",
// "iterations", "seconds", "front": [{"complexity", "loss", "score", "equation", "latex",
// "sympy"}, ...]}, ...]}; non-finite numbers are null.
#pragma once

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "symtorch/torch/distill.hpp"

namespace symtorch {

class SearchJob {
 public:
  // Throws std::invalid_argument for malformed JSON, unknown keys or invalid options.
  explicit SearchJob(const std::string& options_json);
  ~SearchJob();  // requests a stop and waits for the thread
  SearchJob(const SearchJob&) = delete;
  SearchJob& operator=(const SearchJob&) = delete;

  // Starts the fit on a new thread. x: rows x cols, y: rows x outputs, both row-major;
  // weights empty or one per row; names of the columns (empty: x0..) and outputs (empty: y0..).
  // Throws std::logic_error while a fit runs, std::invalid_argument for bad names or shapes.
  void start(std::vector<double> x, std::vector<double> y, std::size_t rows, std::size_t cols, std::size_t outputs,
             std::vector<double> weights, std::vector<std::string> names, std::vector<std::string> output_names);
  // Waits up to `seconds` (>= 0) for the fit to end; true once it has ended (or none started).
  bool wait(double seconds);
  bool running() const;
  void request_stop();
  // The result of the ended fit as JSON. Rethrows the fit's exception if it failed; throws
  // std::logic_error if no fit has ended.
  std::string result_json();

  const DistillOptions& options() const { return options_; }

 private:
  void join();

  DistillOptions options_;
  std::map<Op, int> operator_complexity_;
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  bool running_ = false;
  std::thread thread_;
  std::stop_source stop_;
  std::optional<Distillation> result_;
  std::exception_ptr error_;
};

}  // namespace symtorch
