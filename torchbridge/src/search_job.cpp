#include "symtorch/torch/search_job.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "symtorch/engine/operators.hpp"
#include "symtorch/engine/search_json.hpp"

namespace symtorch {
namespace {

using nlohmann::json;

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

Selection selection_from_json(const json& v) {
  if (v.is_number_integer()) return parse_selection(std::to_string(v.get<long long>()));
  if (!v.is_string())
    throw std::invalid_argument("selection: expected \"best\", \"accuracy\", \"bic\", \"score\" or a complexity, got " +
                                v.dump());
  const std::string s = v.get<std::string>();
  if (s == "score") return Selection{SelectionRule::Best, INFINITY, 0};
  return parse_selection(s);
}

// Per-operator complexities are process-wide (the operator registry): set for the fit and put
// back after it, so that one fit's choice does not leak into the next.
class ComplexityOverride {
 public:
  explicit ComplexityOverride(const std::map<Op, int>& complexities) {
    auto& registry = OperatorRegistry::instance();
    for (const auto& [op, c] : complexities) {
      previous_[op] = op_info(op).complexity;
      registry.set_complexity(op, c);
    }
  }
  ~ComplexityOverride() {
    for (const auto& [op, c] : previous_) OperatorRegistry::instance().set_complexity(op, c);
  }
  ComplexityOverride(const ComplexityOverride&) = delete;
  ComplexityOverride& operator=(const ComplexityOverride&) = delete;

 private:
  std::map<Op, int> previous_;
};

json result_to_json(const Distillation& d) {
  json outputs = json::array();
  for (const auto& t : d.targets) {
    json front = json::array();
    for (std::size_t i = 0; i < t.front.size(); ++i) {
      const auto& m = t.front[i];
      front.push_back({{"complexity", m.complexity},
                       {"loss", finite_or_null(m.loss)},
                       {"score", finite_or_null(m.score)},
                       {"equation", t.front.equation(i, d.variable_names)},
                       {"latex", t.front.equation(i, d.variable_names, Format::Latex)},
                       {"sympy", t.front.equation(i, d.variable_names, Format::SymPy)}});
    }
    outputs.push_back({{"name", t.name},
                       {"chosen", t.chosen},
                       {"stop_reason", to_string(t.stats.stop_reason)},
                       {"iterations", t.stats.iterations},
                       {"seconds", t.stats.seconds},
                       {"front", front}});
  }
  return {{"variables", d.variable_names}, {"outputs", outputs}};
}

}  // namespace

SearchJob::SearchJob(const std::string& options_json) {
  json j;
  try {
    j = json::parse(options_json);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("Regressor options: not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw std::invalid_argument("Regressor options: expected a JSON object, got " + j.dump());
  for (const auto& [key, value] : j.items()) {
    if (key == "search") {
      options_.search = options_from_json(value);
    } else if (key == "selection") {
      options_.selection = selection_from_json(value);
    } else if (key == "max_rows") {
      if (!value.is_number_integer() || value.get<long long>() < 0)
        throw std::invalid_argument("max_rows: expected an integer >= 0, got " + value.dump());
      options_.max_rows = value.get<std::size_t>();
    } else if (key == "operator_complexity") {
      if (!value.is_object())
        throw std::invalid_argument("operator_complexity: expected an object such as {\"sin\": 3}, got " + value.dump());
      for (const auto& [name, c] : value.items()) {
        const auto op = OperatorRegistry::instance().find_complexity_target(name);
        if (!op || op_info(*op).derivative_of)
          throw std::invalid_argument("operator_complexity: unknown operator '" + name + "' (operators by name, and "
                                      "\"constant\", \"variable\" for the leaves)");
        if (!c.is_number_integer() || c.get<long long>() < 1 || c.get<long long>() > 1000)
          throw std::invalid_argument("operator_complexity: '" + name + "' must be an integer in 1..1000, got " + c.dump());
        operator_complexity_[*op] = c.get<int>();
      }
    } else {
      throw std::invalid_argument("Regressor options: unknown key '" + key +
                                  "' (known: search, selection, operator_complexity, max_rows)");
    }
  }
  options_.search.validate();
}

SearchJob::~SearchJob() {
  request_stop();
  join();
}

void SearchJob::join() {
  if (thread_.joinable()) thread_.join();
}

void SearchJob::start(std::vector<double> x, std::vector<double> y, std::size_t rows, std::size_t cols,
                      std::size_t outputs, std::vector<double> weights, std::vector<std::string> names,
                      std::vector<std::string> output_names) {
  {
    std::lock_guard lock(mutex_);
    if (running_) throw std::logic_error("Regressor: a fit is running; wait for it or stop it first");
  }
  join();
  if (x.size() != rows * cols || y.size() != rows * outputs)
    throw std::invalid_argument("Regressor: data sizes do not match the shape given");
  if (cols == 0) throw std::invalid_argument("Regressor: X has no columns");
  if (outputs == 0) throw std::invalid_argument("Regressor: y has no columns");
  DistillOptions options = options_;
  options.input_names = std::move(names);
  options.output_names = std::move(output_names);
  // Name errors now, not from the thread.
  resolve_input_names(options, cols);
  resolve_output_names(options, outputs);
  {
    std::lock_guard lock(mutex_);
    running_ = true;
    result_.reset();
    error_ = nullptr;
    stop_ = std::stop_source();
  }
  thread_ = std::thread([this, options = std::move(options), x = std::move(x), y = std::move(y),
                         weights = std::move(weights), rows, cols, outputs, stop = stop_.get_token()] {
    std::optional<Distillation> result;
    std::exception_ptr error;
    try {
      ComplexityOverride complexities(operator_complexity_);
      result = distill_rows(x.data(), y.data(), rows, cols, outputs, options, weights, stop);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    result_ = std::move(result);
    error_ = error;
    running_ = false;
    done_cv_.notify_all();
  });
}

bool SearchJob::wait(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds))
    throw std::invalid_argument("Regressor.wait: expected a finite number of seconds >= 0");
  std::unique_lock lock(mutex_);
  return done_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return !running_; });
}

bool SearchJob::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void SearchJob::request_stop() {
  std::lock_guard lock(mutex_);
  stop_.request_stop();
}

std::string SearchJob::result_json() {
  std::unique_lock lock(mutex_);
  if (running_) throw std::logic_error("Regressor: the fit is still running");
  if (error_) std::rethrow_exception(error_);
  if (!result_) throw std::logic_error("Regressor: no fit has been run");
  return result_to_json(*result_).dump();
}

}  // namespace symtorch
