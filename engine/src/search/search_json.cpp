#include "symtorch/engine/search_json.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "checkpoint.hpp"

namespace symtorch {
namespace {

using nlohmann::json;

json names_of(const std::vector<Op>& ops) {
  json out = json::array();
  for (Op op : ops) out.push_back(op_info(op).name);
  return out;
}

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

json options_to_json(const SearchOptions& o) {
  json nested = json::array();
  for (const auto& c : o.nested_constraints)
    nested.push_back({{"outer", op_info(c.outer).name}, {"inner", op_info(c.inner).name}, {"max", c.max_count}});
  return {{"binary_operators", names_of(o.binary_operators)},
          {"unary_operators", names_of(o.unary_operators)},
          {"maxsize", o.maxsize},
          {"maxdepth", o.maxdepth},
          {"nested_constraints", nested},
          {"populations", o.populations},
          {"population_size", o.population_size},
          {"ncycles_per_iteration", o.ncycles_per_iteration},
          {"niterations", o.niterations},
          {"time_limit_seconds", o.time_limit_seconds},
          {"cpu_time_limit_seconds", o.cpu_time_limit_seconds},
          {"local_search_iterations", o.local_search_iterations},
          {"snap_constants", o.snap_constants},
          {"polish_rules",
           {{"snap_phases", o.polish_rules.snap_phases},
            {"snap_pi", o.polish_rules.snap_pi},
            {"expand_polynomials", o.polish_rules.expand_polynomials},
            {"drop_root_pairs", o.polish_rules.drop_root_pairs},
            {"rewrite_forms", o.polish_rules.rewrite_forms}}},
          {"target_loss", o.target_loss ? json(*o.target_loss) : json(nullptr)},
          {"stop_on_exact_fit", o.stop_on_exact_fit},
          {"parsimony", o.parsimony},
          {"adaptive_parsimony_scaling", o.adaptive_parsimony_scaling},
          {"linear_scaling", o.linear_scaling},
          {"operator_subsets", o.operator_subsets},
          {"subset_redraw_iterations", o.subset_redraw_iterations},
          {"views", o.views},
          {"schedule", o.schedule},
          {"scale_numerator_views", o.scale_numerator_views},
          {"crossover_probability", o.crossover_probability},
          {"annealing", o.annealing},
          {"alpha", o.alpha},
          {"tournament_selection_n", o.tournament_selection_n},
          {"tournament_selection_p", o.tournament_selection_p},
          {"fraction_replaced", o.fraction_replaced},
          {"fraction_replaced_hof", o.fraction_replaced_hof},
          {"optimize_constants", o.optimize_constants},
          {"optimizer_probability", o.optimizer_probability},
          {"optimizer_iterations", o.optimizer_iterations},
          {"optimizer_nrestarts", o.optimizer_nrestarts},
          {"precision", o.precision == Precision::Float ? "float" : "double"},
          {"batching", o.batching},
          {"batch_size", o.batch_size},
          {"seed", o.seed},
          {"threads", o.threads}};
}

json result_to_json(const SearchResult& r, const SearchOptions& options) {
  json front = json::array();
  for (std::size_t i = 0; i < r.front.size(); ++i) {
    const auto& m = r.front[i];
    front.push_back({{"complexity", m.complexity},
                     {"loss", finite_or_null(m.loss)},
                     {"score", finite_or_null(m.score)},
                     {"equation", r.equation(i)},
                     {"latex", r.equation(i, Format::Latex)},
                     {"sympy", r.equation(i, Format::SymPy)},
                     {"c", r.equation(i, Format::C)},
                     {"postfix", search_detail::expression_to_json(m.expression)}});
  }
  const std::string rule =
      r.selection.rule == SelectionRule::Complexity ? std::string("complexity") : selection_text(r.selection);
  return {{"equation", r.chosen_equation()},
          {"chosen", r.chosen},
          {"selection", {{"rule", rule}, {"tolerance", finite_or_null(r.selection.tolerance)}, {"complexity", r.selection.complexity}}},
          {"variables", r.variable_names},
          {"target", r.target_name},
          {"front", front},
          {"stats",
           {{"iterations", r.stats.iterations},
            {"evaluations", r.stats.evaluations},
            {"cache_lookups", r.stats.cache_lookups},
            {"cache_hits", r.stats.cache_hits},
            {"seconds", r.stats.seconds},
            {"cpu_seconds", r.stats.cpu_seconds},
            {"stop_reason", to_string(r.stats.stop_reason)},
            {"merged_variables", r.stats.merged_variables},
            {"views_searched", r.stats.views_searched}}},
          {"options", options_to_json(options)}};
}

void write_result_json(const std::string& path, const SearchResult& result, const SearchOptions& options) {
  search_detail::write_file_atomically(path, result_to_json(result, options).dump(1) + "\n");
}

std::vector<std::string> read_front_equations(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open '" + path + "'");
  std::stringstream buffer;
  buffer << f.rdbuf();
  std::vector<std::string> out;
  try {
    const json j = json::parse(buffer.str());
    for (const auto& m : j.at("front")) out.push_back(m.at("equation").get<std::string>());
  } catch (const json::exception& e) {
    throw std::runtime_error("'" + path + "' is not a symtorch front (JSON with front[].equation): " + e.what());
  }
  if (out.empty()) throw std::runtime_error("'" + path + "' holds an empty front");
  return out;
}

}  // namespace symtorch
