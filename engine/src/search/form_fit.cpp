#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "polish.hpp"
#include "symtorch/engine/constant_optimizer.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/search.hpp"

namespace symtorch {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Identifiers of `form` that are neither variables, calls, nor the literals inf/nan, in order of
// first appearance. Numeric literals (1e-3, 0x1p4) are skipped whole so their letters are not
// taken for names.
std::vector<std::string> free_parameters(const std::string& form, const std::vector<std::string>& variables) {
  std::vector<std::string> params;
  std::size_t i = 0;
  while (i < form.size()) {
    const char c = form[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < form.size() && std::isdigit(static_cast<unsigned char>(form[i + 1])))) {
      const bool hex = c == '0' && i + 1 < form.size() && (form[i + 1] == 'x' || form[i + 1] == 'X');
      i += hex ? 2 : 0;
      auto digit = [hex](char d) {
        return d == '.' || (hex ? std::isxdigit(static_cast<unsigned char>(d)) : std::isdigit(static_cast<unsigned char>(d)));
      };
      while (i < form.size() && digit(form[i])) ++i;
      if (i < form.size() && (hex ? (form[i] == 'p' || form[i] == 'P') : (form[i] == 'e' || form[i] == 'E'))) {
        ++i;
        if (i < form.size() && (form[i] == '+' || form[i] == '-')) ++i;
        while (i < form.size() && std::isdigit(static_cast<unsigned char>(form[i]))) ++i;
      }
      continue;
    }
    if (!ident_start(c)) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < form.size() && ident_char(form[i])) ++i;
    const std::string name = form.substr(start, i - start);
    std::size_t next = i;
    while (next < form.size() && std::isspace(static_cast<unsigned char>(form[next]))) ++next;
    const bool call = next < form.size() && form[next] == '(';
    if (call || name == "inf" || name == "nan") continue;
    if (std::find(variables.begin(), variables.end(), name) != variables.end()) continue;
    if (std::find(params.begin(), params.end(), name) == params.end()) params.push_back(name);
  }
  return params;
}

}  // namespace

SearchResult fit_form(const Dataset& data, const std::string& form, const SearchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.validate();
  validate_dataset(data);
  std::vector<std::string> names = data.feature_names;
  if (names.empty())
    for (std::size_t k = 0; k < data.num_features(); ++k) names.push_back(std::string("x").append(std::to_string(k)));
  const auto params = free_parameters(form, names);
  std::vector<std::string> all = names;
  all.insert(all.end(), params.begin(), params.end());
  Expression e;
  try {
    e = parse_expression(form, all);
  } catch (const std::exception& ex) {
    throw std::invalid_argument("form '" + form + "': " + ex.what());
  }
  // Parameters become constants tied by name; literals stay fixed.
  std::vector<int> map;
  const auto nf = static_cast<std::uint32_t>(names.size());
  for (auto& n : e.mutable_nodes()) {
    if (n.op == Op::Var && n.feature >= nf) {
      map.push_back(static_cast<int>(n.feature - nf));
      n = Node::constant(1.0);
    } else if (n.op == Op::Const) {
      map.push_back(-1);
    }
  }
  e.update_lengths();
  std::vector<const double*> pointers;
  const DataView<double> view = search_detail::dataset_view(data, pointers);
  ConstantOptimizer<double> optimizer;
  LossEvaluator<double> evaluator(false);
  SearchRng rng(options.seed);
  ConstantFitSettings settings;
  settings.iterations = std::max(options.polish_iterations, 1);
  settings.restarts = options.optimizer_nrestarts;
  Expression best = e;
  double best_loss = evaluator.loss(e, view).loss;
  std::uint64_t passes = 1;
  // Starts: all parameters 1, then random magnitudes e^N(0,1) with random signs.
  constexpr int kStarts = 16;
  for (int s = 0; s < kStarts && !params.empty(); ++s) {
    Expression trial = e;
    std::vector<double> values = trial.constants();
    std::vector<double> param_values(params.size(), 1.0);
    if (s > 0)
      for (auto& v : param_values) v = std::exp(rng.normal()) * (rng.coin() ? 1.0 : -1.0);
    for (std::size_t k = 0; k < values.size(); ++k)
      if (map[k] >= 0) values[k] = param_values[static_cast<std::size_t>(map[k])];
    trial.set_constants(values);
    const ConstantFitResult r = optimizer.optimize(trial, view, rng, settings, map);
    passes += r.passes;
    const double loss = evaluator.loss(trial, view).loss;
    if (loss < best_loss || !std::isfinite(best_loss)) {
      best_loss = loss;
      best = trial;
    }
  }
  if (!std::isfinite(best_loss))
    throw std::runtime_error("form '" + form + "' gives non-finite predictions for every start tried");
  FrontMember m;
  m.expression = best;
  m.complexity = best.complexity();
  m.loss = best_loss;
  SearchResult result;
  result.front = ParetoFront::from_candidates({m}, search_detail::exact_fit_floor(search_detail::weighted_mean_square(data)),
                                              search_detail::effective_rows(data));
  result.chosen = 0;
  result.variable_names = names;
  result.target_name = data.target_name;
  result.stats.evaluations = passes;
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace symtorch
