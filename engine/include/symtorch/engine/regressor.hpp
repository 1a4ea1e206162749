// Regressor: the C++ entry point of the search, for data held in Eigen matrices or raw arrays.
//
//   symtorch::Regressor r;                       // PySR-like defaults
//   r.options().unary_operators = {symtorch::Op::Sin, symtorch::Op::Cos};
//   r.options().niterations = 40;
//   const auto& result = r.fit(X, y, {"x", "t"});  // X: rows x features, y: rows
//   std::cout << result.front.table(result.variable_names, result.chosen)
//             << r.equation() << "\n";           // also Format::Latex / C / SymPy / Torch
//
// Multiple outputs run one search each (same options and seed) with fit_outputs. request_stop()
// from another thread (or a signal watcher) ends the running search cleanly: it still polishes
// and returns the front found so far.
#pragma once

#include <Eigen/Core>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "symtorch/engine/search.hpp"

namespace symtorch {

enum class Layout { RowMajor, ColumnMajor };

class Regressor {
 public:
  explicit Regressor(SearchOptions options = {}, Selection selection = {});

  SearchOptions& options() { return options_; }
  const SearchOptions& options() const { return options_; }
  void set_selection(const Selection& selection) { selection_ = selection; }
  void set_progress_callback(ProgressCallback callback) { progress_ = std::move(callback); }

  // One output. `names` name the columns of X (empty: x0, x1, ...); `weights` (optional) one
  // per row. Throws std::invalid_argument for bad shapes, data or options.
  const SearchResult& fit(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                          const std::vector<std::string>& names = {}, std::span<const double> weights = {});
  // One search per column of Y; output k is named output_names[k] (default y0, y1, ...).
  const std::vector<SearchResult>& fit_outputs(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                               const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                               const std::vector<std::string>& names = {},
                                               const std::vector<std::string>& output_names = {});
  // Raw arrays: X is rows x cols, y is rows x outputs, both in `layout` order.
  const std::vector<SearchResult>& fit(const double* X, std::size_t rows, std::size_t cols, const double* y,
                                       std::size_t outputs = 1, const std::vector<std::string>& names = {},
                                       Layout layout = Layout::RowMajor);
  const SearchResult& fit(const Dataset& data);

  // Ends the running fit (thread-safe); it returns the front found so far.
  void request_stop();

  const std::vector<SearchResult>& results() const { return results_; }
  const SearchResult& result(std::size_t output = 0) const;
  std::string equation(std::size_t output = 0, Format format = Format::Infix) const;
  // Predictions of the chosen equation of `output` on X (rows x features).
  Eigen::VectorXd predict(const Eigen::Ref<const Eigen::MatrixXd>& X, std::size_t output = 0) const;

 private:
  SearchResult run(const Dataset& data);

  SearchOptions options_;
  Selection selection_;
  ProgressCallback progress_;
  std::vector<SearchResult> results_;
  std::mutex stop_mutex_;
  std::stop_source stop_;
};

}  // namespace symtorch
