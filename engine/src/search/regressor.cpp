#include "symtorch/engine/regressor.hpp"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "symtorch/engine/interpreter.hpp"

namespace symtorch {
namespace {

std::vector<std::string> default_names(std::size_t n, const char* prefix) {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < n; ++k) names.push_back(std::string(prefix).append(std::to_string(k)));
  return names;
}

Dataset make_dataset(const Eigen::Ref<const Eigen::MatrixXd>& X, const std::vector<std::string>& names) {
  if (!names.empty() && names.size() != static_cast<std::size_t>(X.cols()))
    throw std::invalid_argument("X has " + std::to_string(X.cols()) + " columns but " + std::to_string(names.size()) +
                                " names were given");
  Dataset d;
  d.feature_names = names.empty() ? default_names(static_cast<std::size_t>(X.cols()), "x") : names;
  d.features.resize(static_cast<std::size_t>(X.cols()));
  for (Eigen::Index c = 0; c < X.cols(); ++c) {
    auto& col = d.features[static_cast<std::size_t>(c)];
    col.resize(static_cast<std::size_t>(X.rows()));
    for (Eigen::Index r = 0; r < X.rows(); ++r) col[static_cast<std::size_t>(r)] = X(r, c);
  }
  return d;
}

}  // namespace

Regressor::Regressor(SearchOptions options, Selection selection)
    : options_(std::move(options)), selection_(selection) {}

SearchResult Regressor::run(const Dataset& data) {
  std::stop_token token;
  {
    std::lock_guard lock(stop_mutex_);
    stop_ = std::stop_source();
    token = stop_.get_token();
  }
  ProgressCallback progress = progress_;
  if (!progress && options_.progress && ::isatty(STDERR_FILENO) != 0) {
    progress = [](const SearchProgress& p) {
      std::fprintf(stderr, "\r[%d/%d] %.1fs  best loss %.4g  front %d   ", p.iteration, p.niterations, p.seconds,
                   p.best_loss, p.front_size);
      if (p.iteration == p.niterations) std::fputc('\n', stderr);
      std::fflush(stderr);
    };
  }
  return run_search(data, options_, selection_, token, progress);
}

void Regressor::request_stop() {
  std::lock_guard lock(stop_mutex_);
  stop_.request_stop();
}

const SearchResult& Regressor::fit(const Dataset& data) {
  results_.clear();
  results_.push_back(run(data));
  return results_.front();
}

const SearchResult& Regressor::fit(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                                   const std::vector<std::string>& names, std::span<const double> weights) {
  if (y.size() != X.rows())
    throw std::invalid_argument("X has " + std::to_string(X.rows()) + " rows but y has " + std::to_string(y.size()));
  if (!weights.empty() && weights.size() != static_cast<std::size_t>(X.rows()))
    throw std::invalid_argument("X has " + std::to_string(X.rows()) + " rows but " + std::to_string(weights.size()) +
                                " weights were given");
  Dataset d = make_dataset(X, names);
  d.target.assign(y.data(), y.data() + y.size());
  d.weights.assign(weights.begin(), weights.end());
  return fit(d);
}

const std::vector<SearchResult>& Regressor::fit_outputs(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                                        const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                                        const std::vector<std::string>& names,
                                                        const std::vector<std::string>& output_names) {
  if (Y.rows() != X.rows())
    throw std::invalid_argument("X has " + std::to_string(X.rows()) + " rows but Y has " + std::to_string(Y.rows()));
  if (Y.cols() < 1) throw std::invalid_argument("Y has no output columns");
  if (!output_names.empty() && output_names.size() != static_cast<std::size_t>(Y.cols()))
    throw std::invalid_argument("Y has " + std::to_string(Y.cols()) + " columns but " +
                                std::to_string(output_names.size()) + " output names were given");
  const auto outs = output_names.empty() ? default_names(static_cast<std::size_t>(Y.cols()), "y") : output_names;
  Dataset d = make_dataset(X, names);
  results_.clear();
  for (Eigen::Index k = 0; k < Y.cols(); ++k) {
    d.target_name = outs[static_cast<std::size_t>(k)];
    d.target.resize(static_cast<std::size_t>(Y.rows()));
    for (Eigen::Index r = 0; r < Y.rows(); ++r) d.target[static_cast<std::size_t>(r)] = Y(r, k);
    try {
      results_.push_back(run(d));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("output '" + d.target_name + "': " + e.what());
    }
  }
  return results_;
}

const std::vector<SearchResult>& Regressor::fit(const double* X, std::size_t rows, std::size_t cols, const double* y,
                                                std::size_t outputs, const std::vector<std::string>& names,
                                                Layout layout) {
  if (X == nullptr || y == nullptr) throw std::invalid_argument("null data pointer");
  if (rows == 0 || cols == 0 || outputs == 0)
    throw std::invalid_argument("empty shape: " + std::to_string(rows) + " rows, " + std::to_string(cols) +
                                " columns, " + std::to_string(outputs) + " outputs");
  using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto r = static_cast<Eigen::Index>(rows);
  Eigen::MatrixXd xm, ym;
  if (layout == Layout::RowMajor) {
    xm = Eigen::Map<const RowMajorMatrix>(X, r, static_cast<Eigen::Index>(cols));
    ym = Eigen::Map<const RowMajorMatrix>(y, r, static_cast<Eigen::Index>(outputs));
  } else {
    xm = Eigen::Map<const Eigen::MatrixXd>(X, r, static_cast<Eigen::Index>(cols));
    ym = Eigen::Map<const Eigen::MatrixXd>(y, r, static_cast<Eigen::Index>(outputs));
  }
  return fit_outputs(xm, ym, names);
}

const SearchResult& Regressor::result(std::size_t output) const {
  if (output >= results_.size())
    throw std::out_of_range("no result for output " + std::to_string(output) + " (" + std::to_string(results_.size()) +
                            " fitted)");
  return results_[output];
}

std::string Regressor::equation(std::size_t output, Format format) const {
  return result(output).chosen_equation(format);
}

Eigen::VectorXd Regressor::predict(const Eigen::Ref<const Eigen::MatrixXd>& X, std::size_t output) const {
  const SearchResult& res = result(output);
  if (static_cast<std::size_t>(X.cols()) != res.variable_names.size())
    throw std::invalid_argument("X has " + std::to_string(X.cols()) + " columns, the model was fitted on " +
                                std::to_string(res.variable_names.size()));
  const Eigen::MatrixXd columns = X;  // column-major copy: each feature contiguous
  std::vector<const double*> pointers(static_cast<std::size_t>(X.cols()));
  for (Eigen::Index c = 0; c < X.cols(); ++c) pointers[static_cast<std::size_t>(c)] = columns.col(c).data();
  Eigen::VectorXd out(X.rows());
  Interpreter<double> interpreter;
  interpreter.evaluate(res.best().expression, pointers, static_cast<std::size_t>(X.rows()),
                       std::span<double>(out.data(), static_cast<std::size_t>(out.size())));
  return out;
}

}  // namespace symtorch
