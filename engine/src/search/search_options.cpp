#include "symtorch/engine/search_options.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "symtorch/engine/random.hpp"
#include "../text_fields.hpp"
#include "view_schedule.hpp"
#include "views/problem_view.hpp"

namespace symtorch {
namespace {

using detail::trim;

std::vector<std::string> split(std::string_view s, char sep) { return detail::split_fields(s, sep); }

Op find_operator(const std::string& name) {
  const auto op = OperatorRegistry::instance().find(name);
  if (!op) throw std::invalid_argument("unknown operator '" + name + "'");
  if (op_info(*op).derivative_of)
    throw std::invalid_argument("operator '" + name + "' is an internal derivative operator, not a building block");
  return *op;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

bool contains(const std::vector<Op>& v, Op op) { return std::find(v.begin(), v.end(), op) != v.end(); }
bool contains_name(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

void SearchOptions::validate() const {
  require(!binary_operators.empty() || !unary_operators.empty(), "no operators given");
  for (Op op : binary_operators)
    require(!is_leaf(op) && op_info(op).arity == 2,
            "'" + op_info(op).name + "' is listed as a binary operator but has arity " +
                std::to_string(op_info(op).arity));
  for (Op op : unary_operators)
    require(!is_leaf(op) && op_info(op).arity == 1,
            "'" + op_info(op).name + "' is listed as a unary operator but has arity " +
                std::to_string(op_info(op).arity));
  require(maxsize >= 1, "maxsize must be >= 1 (got " + std::to_string(maxsize) + ")");
  require(maxsize <= 1000, "maxsize must be <= 1000 (got " + std::to_string(maxsize) + ")");
  require(maxdepth >= 0, "maxdepth must be >= 0 (0 = no limit; got " + std::to_string(maxdepth) + ")");
  require(populations >= 1, "populations must be >= 1 (got " + std::to_string(populations) + ")");
  require(population_size >= 2, "population_size must be >= 2 (got " + std::to_string(population_size) + ")");
  require(tournament_selection_n >= 1 && tournament_selection_n <= population_size,
          "tournament_selection_n (" + std::to_string(tournament_selection_n) + ") must be in 1..population_size (" +
              std::to_string(population_size) + ")");
  require(tournament_selection_p > 0 && tournament_selection_p <= 1,
          "tournament_selection_p must be in (0, 1] (got " + std::to_string(tournament_selection_p) + ")");
  require(ncycles_per_iteration >= 1, "ncycles_per_iteration must be >= 1");
  require(niterations >= 0, "niterations must be >= 0 (got " + std::to_string(niterations) + ")");
  require(std::isfinite(time_limit_seconds) && time_limit_seconds >= 0,
          "time limit must be a finite number of seconds >= 0 (0 = none)");
  require(std::isfinite(cpu_time_limit_seconds) && cpu_time_limit_seconds >= 0,
          "CPU time limit must be a finite number of seconds >= 0 (0 = none)");
  require(local_search_iterations >= 0, "local_search_iterations must be >= 0");
  require(!target_loss || (std::isfinite(*target_loss) && *target_loss >= 0), "target loss must be finite and >= 0");
  require(subset_redraw_iterations >= 0,
          "subset_redraw_iterations must be >= 0 (got " + std::to_string(subset_redraw_iterations) + ")");
  for (const auto& kind : views) {
    if (!search_detail::find_view_kind(kind)) {
      std::string known;
      for (const auto* k : search_detail::view_kinds()) known += (known.empty() ? "" : ", ") + k->name();
      throw std::invalid_argument("unknown problem view '" + kind + "' (known: " + known + ")");
    }
  }
  if (!schedule.empty()) search_detail::ViewSchedule::parse(schedule);  // throws naming the bad epoch
  require(operator_subsets >= 0 && operator_subsets <= 1,
          "operator_subsets is the fraction of islands that use it: 0..1 (got " + std::to_string(operator_subsets) + ")");
  require(linear_scaling >= 0 && linear_scaling <= 1,
          "linear_scaling is the fraction of islands that use it: 0..1 (got " + std::to_string(linear_scaling) + ")");
  require(linear_scaling == 0 || (contains(binary_operators, Op::Mul) && contains(binary_operators, Op::Add)),
          "linear_scaling writes a*f + b into the equations: it needs * and + among the binary operators");
  require(std::isfinite(parsimony) && parsimony >= 0, "parsimony must be >= 0");
  require(std::isfinite(adaptive_parsimony_scaling) && adaptive_parsimony_scaling >= 0,
          "adaptive_parsimony_scaling must be >= 0");
  require(crossover_probability >= 0 && crossover_probability <= 1, "crossover_probability must be in [0, 1]");
  require(alpha > 0 && std::isfinite(alpha), "alpha (annealing temperature scale) must be > 0");
  require(perturbation_factor >= 0 && std::isfinite(perturbation_factor), "perturbation_factor must be >= 0");
  require(probability_negate_constant >= 0 && probability_negate_constant <= 1,
          "probability_negate_constant must be in [0, 1]");
  require(fraction_replaced >= 0 && fraction_replaced <= 1, "fraction_replaced must be in [0, 1]");
  require(fraction_replaced_hof >= 0 && fraction_replaced_hof <= 1, "fraction_replaced_hof must be in [0, 1]");
  require(topn >= 1, "topn must be >= 1");
  require(optimizer_probability >= 0 && optimizer_probability <= 1, "optimizer_probability must be in [0, 1]");
  require(optimizer_iterations >= 0, "optimizer_iterations must be >= 0");
  require(optimizer_nrestarts >= 0, "optimizer_nrestarts must be >= 0");
  require(polish_iterations >= 0, "polish_iterations must be >= 0");
  require(batching >= -1 && batching <= 1, "batching must be -1 (off), 0 (auto) or 1 (on)");
  require(batch_size >= 1, "batch_size must be >= 1");
  require(threads >= 0, "threads must be >= 0 (0 = all; got " + std::to_string(threads) + ")");
  require(warmup_maxsize_iterations >= 0, "warmup_maxsize_iterations must be >= 0");
  const MutationWeights& w = mutation_weights;
  for (double v : {w.mutate_constant, w.mutate_operator, w.mutate_feature, w.swap_operands, w.rotate_tree, w.add_node,
                   w.insert_node, w.delete_node, w.simplify, w.randomize, w.do_nothing, w.optimize})
    require(v >= 0 && std::isfinite(v), "mutation weights must be finite and >= 0");
  for (const auto& c : nested_constraints) {
    require(!is_leaf(c.outer) && !is_leaf(c.inner), "nested constraints must name operators");
    require(contains(binary_operators, c.outer) || contains(unary_operators, c.outer),
            "nested constraint on '" + op_info(c.outer).name + "', which is not in the operator set");
    require(contains(binary_operators, c.inner) || contains(unary_operators, c.inner),
            "nested constraint names '" + op_info(c.inner).name + "', which is not in the operator set");
    require(c.max_count >= 0, "nested constraint counts must be >= 0");
  }
  for (const auto& s : size_constraints) {
    require(!is_leaf(s.op), "size constraints must name operators");
    require(contains(binary_operators, s.op) || contains(unary_operators, s.op),
            "size constraint on '" + op_info(s.op).name + "', which is not in the operator set");
  }
}

namespace {
bool spread_pick(int island, double fraction) {
  // Island i is picked when floor((i + 1) f) > floor(i f): an even spread over the islands.
  return std::floor((island + 1) * fraction) > std::floor(island * fraction);
}
}  // namespace

bool SearchOptions::scaled_island(int island) const { return spread_pick(island, linear_scaling); }

// Counted from the last island, so that with equal fractions the subset islands are not
// exactly the linearly scaled ones.
bool SearchOptions::subset_island(int island) const {
  return spread_pick(populations - 1 - island, operator_subsets);
}

bool SearchOptions::redrawn_subset_island(int island) const {
  return subset_redraw_iterations > 0 && subset_island(island);
}

bool SearchOptions::view_enabled(const std::string& kind) const { return contains_name(views, kind); }

OperatorSet SearchOptions::operator_set() const { return OperatorSet(binary_operators, unary_operators); }

bool SearchOptions::use_batching(std::size_t rows) const {
  if (batching == 0) return rows > 10000 && rows > batch_size;
  return batching > 0 && rows > batch_size;
}

void parse_operator_list(const std::string& list, std::vector<Op>& binary, std::vector<Op>& unary) {
  binary.clear();
  unary.clear();
  for (const auto& name : split(list, ',')) {
    if (name.empty()) throw std::invalid_argument("empty operator name in list '" + list + "'");
    const Op op = find_operator(name);
    auto& set = op_info(op).arity == 2 ? binary : unary;
    if (!contains(set, op)) set.push_back(op);
  }
}

std::vector<NestedConstraint> parse_nested_constraints(const std::string& text) {
  std::vector<NestedConstraint> out;
  for (const auto& group : split(text, ';')) {
    if (group.empty()) continue;
    const auto colon = group.find(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("nested constraint '" + group + "' must look like 'sin:sin=0,cos=0'");
    const Op outer = find_operator(trim(std::string_view(group).substr(0, colon)));
    for (const auto& item : split(std::string_view(group).substr(colon + 1), ',')) {
      const auto eq = item.find('=');
      if (eq == std::string::npos)
        throw std::invalid_argument("nested constraint item '" + item + "' must look like 'cos=0'");
      const Op inner = find_operator(trim(std::string_view(item).substr(0, eq)));
      const std::string count = trim(std::string_view(item).substr(eq + 1));
      std::size_t used = 0;
      int n = -1;
      try {
        n = std::stoi(count, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != count.size() || count.empty() || n < 0)
        throw std::invalid_argument("nested constraint count '" + count + "' is not an integer >= 0");
      out.push_back({outer, inner, n});
    }
  }
  return out;
}

}  // namespace symtorch
