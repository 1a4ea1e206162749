// options_from_json: SearchOptions from the JSON object options_to_json writes (the keys are the
// C++ member names), for front ends that pass options as data (the Python package). Strict: an
// unknown key, a value of the wrong type or an unknown operator is refused with the key named,
// and an unknown key's message lists the keys read, so a misspelt option never passes unnoticed.
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "symtorch/engine/search_json.hpp"

namespace symtorch {
namespace {

using nlohmann::json;
using Setter = std::function<void(SearchOptions&, const json&)>;

[[noreturn]] void bad_type(const std::string& key, const char* expected, const json& v) {
  throw std::invalid_argument("option '" + key + "': expected " + expected + ", got " + v.dump());
}

double number(const std::string& key, const json& v) {
  if (!v.is_number()) bad_type(key, "a number", v);
  return v.get<double>();
}

long long integer(const std::string& key, const json& v) {
  if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == static_cast<double>(v.get<long long>())))
    bad_type(key, "an integer", v);
  return v.get<long long>();
}

int small_integer(const std::string& key, const json& v) {
  const long long n = integer(key, v);
  if (n < -2147483647LL || n > 2147483647LL) bad_type(key, "an integer of at most 10 digits", v);
  return static_cast<int>(n);
}

bool boolean(const std::string& key, const json& v) {
  if (!v.is_boolean()) bad_type(key, "true or false", v);
  return v.get<bool>();
}

std::string text(const std::string& key, const json& v) {
  if (!v.is_string()) bad_type(key, "a string", v);
  return v.get<std::string>();
}

std::vector<std::string> texts(const std::string& key, const json& v) {
  if (!v.is_array()) bad_type(key, "a list of strings", v);
  std::vector<std::string> out;
  for (const auto& item : v) out.push_back(text(key, item));
  return out;
}

Op operator_named(const std::string& key, const std::string& name) {
  const auto op = OperatorRegistry::instance().find(name);
  if (!op || is_leaf(*op) || op_info(*op).derivative_of)
    throw std::invalid_argument("option '" + key + "': unknown operator '" + name + "'");
  return *op;
}

std::vector<Op> operators(const std::string& key, const json& v, int arity) {
  std::vector<Op> out;
  for (const auto& name : texts(key, v)) {
    const Op op = operator_named(key, name);
    if (op_info(op).arity != arity)
      throw std::invalid_argument("option '" + key + "': '" + name + "' has arity " +
                                  std::to_string(op_info(op).arity) + ", not " + std::to_string(arity));
    out.push_back(op);
  }
  return out;
}

template <typename T>
Setter member(T SearchOptions::*field) {
  return [field](SearchOptions& o, const json& v) {
    // The key is filled in by the caller's error wrapper.
    if constexpr (std::is_same_v<T, bool>) o.*field = boolean("", v);
    else if constexpr (std::is_same_v<T, int>) o.*field = small_integer("", v);
    else if constexpr (std::is_same_v<T, double>) o.*field = number("", v);
    else if constexpr (std::is_same_v<T, std::string>) o.*field = text("", v);
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) o.*field = texts("", v);
    else if constexpr (std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::size_t>) {
      const long long n = integer("", v);
      if (n < 0) bad_type("", "an integer >= 0", v);
      o.*field = static_cast<T>(n);
    } else static_assert(sizeof(T) == 0, "no reader for this option type");
  };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = [] {
    std::map<std::string, Setter> t;
    t["binary_operators"] = [](SearchOptions& o, const json& v) { o.binary_operators = operators("", v, 2); };
    t["unary_operators"] = [](SearchOptions& o, const json& v) { o.unary_operators = operators("", v, 1); };
    t["maxsize"] = member(&SearchOptions::maxsize);
    t["maxdepth"] = member(&SearchOptions::maxdepth);
    t["nested_constraints"] = [](SearchOptions& o, const json& v) {
      if (!v.is_array()) bad_type("", "a list of {outer, inner, max}", v);
      o.nested_constraints.clear();
      for (const auto& c : v) {
        if (!c.is_object() || !c.contains("outer") || !c.contains("inner") || !c.contains("max") || c.size() != 3)
          bad_type("", "a list of {\"outer\": op, \"inner\": op, \"max\": count}", c);
        o.nested_constraints.push_back({operator_named("nested_constraints", text("", c["outer"])),
                                        operator_named("nested_constraints", text("", c["inner"])),
                                        small_integer("", c["max"])});
      }
    };
    t["size_constraints"] = [](SearchOptions& o, const json& v) {
      if (!v.is_array()) bad_type("", "a list of {op, left, right}", v);
      o.size_constraints.clear();
      for (const auto& c : v) {
        if (!c.is_object() || !c.contains("op") || c.size() > 3) bad_type("", "a list of {\"op\": op, \"left\": n, \"right\": n}", c);
        SizeConstraint s;
        s.op = operator_named("size_constraints", text("", c["op"]));
        s.left = c.contains("left") ? small_integer("", c["left"]) : -1;
        s.right = c.contains("right") ? small_integer("", c["right"]) : -1;
        o.size_constraints.push_back(s);
      }
    };
    t["populations"] = member(&SearchOptions::populations);
    t["population_size"] = member(&SearchOptions::population_size);
    t["ncycles_per_iteration"] = member(&SearchOptions::ncycles_per_iteration);
    t["niterations"] = member(&SearchOptions::niterations);
    t["time_limit_seconds"] = member(&SearchOptions::time_limit_seconds);
    t["cpu_time_limit_seconds"] = member(&SearchOptions::cpu_time_limit_seconds);
    t["target_loss"] = [](SearchOptions& o, const json& v) {
      if (v.is_null()) o.target_loss.reset();
      else o.target_loss = number("", v);
    };
    t["stop_on_exact_fit"] = member(&SearchOptions::stop_on_exact_fit);
    t["parsimony"] = member(&SearchOptions::parsimony);
    t["adaptive_parsimony_scaling"] = member(&SearchOptions::adaptive_parsimony_scaling);
    t["use_frequency"] = member(&SearchOptions::use_frequency);
    t["use_frequency_in_tournament"] = member(&SearchOptions::use_frequency_in_tournament);
    t["linear_scaling"] = member(&SearchOptions::linear_scaling);
    t["operator_subsets"] = member(&SearchOptions::operator_subsets);
    t["subset_redraw_iterations"] = member(&SearchOptions::subset_redraw_iterations);
    t["schedule"] = member(&SearchOptions::schedule);
    t["views"] = member(&SearchOptions::views);
    t["scale_numerator_views"] = member(&SearchOptions::scale_numerator_views);
    t["warmup_maxsize_iterations"] = member(&SearchOptions::warmup_maxsize_iterations);
    t["mutation_weights"] = [](SearchOptions& o, const json& v) {
      static const std::map<std::string, double MutationWeights::*> fields{
          {"mutate_constant", &MutationWeights::mutate_constant}, {"mutate_operator", &MutationWeights::mutate_operator},
          {"mutate_feature", &MutationWeights::mutate_feature},   {"swap_operands", &MutationWeights::swap_operands},
          {"rotate_tree", &MutationWeights::rotate_tree},         {"add_node", &MutationWeights::add_node},
          {"insert_node", &MutationWeights::insert_node},         {"delete_node", &MutationWeights::delete_node},
          {"simplify", &MutationWeights::simplify},               {"randomize", &MutationWeights::randomize},
          {"do_nothing", &MutationWeights::do_nothing},           {"optimize", &MutationWeights::optimize}};
      if (!v.is_object()) bad_type("", "an object of mutation weights", v);
      for (const auto& [name, weight] : v.items()) {
        const auto f = fields.find(name);
        if (f == fields.end()) {
          std::string known;
          for (const auto& [k, _] : fields) known += (known.empty() ? "" : ", ") + k;
          throw std::invalid_argument("unknown mutation weight '" + name + "' (known: " + known + ")");
        }
        o.mutation_weights.*(f->second) = number(name, weight);
      }
    };
    t["crossover_probability"] = member(&SearchOptions::crossover_probability);
    t["annealing"] = member(&SearchOptions::annealing);
    t["alpha"] = member(&SearchOptions::alpha);
    t["perturbation_factor"] = member(&SearchOptions::perturbation_factor);
    t["probability_negate_constant"] = member(&SearchOptions::probability_negate_constant);
    t["tournament_selection_n"] = member(&SearchOptions::tournament_selection_n);
    t["tournament_selection_p"] = member(&SearchOptions::tournament_selection_p);
    t["skip_mutation_failures"] = member(&SearchOptions::skip_mutation_failures);
    t["should_simplify"] = member(&SearchOptions::should_simplify);
    t["migration"] = member(&SearchOptions::migration);
    t["hof_migration"] = member(&SearchOptions::hof_migration);
    t["fraction_replaced"] = member(&SearchOptions::fraction_replaced);
    t["fraction_replaced_hof"] = member(&SearchOptions::fraction_replaced_hof);
    t["topn"] = member(&SearchOptions::topn);
    t["optimize_constants"] = member(&SearchOptions::optimize_constants);
    t["optimizer_probability"] = member(&SearchOptions::optimizer_probability);
    t["optimizer_iterations"] = member(&SearchOptions::optimizer_iterations);
    t["optimizer_nrestarts"] = member(&SearchOptions::optimizer_nrestarts);
    t["local_search_iterations"] = member(&SearchOptions::local_search_iterations);
    t["polish_iterations"] = member(&SearchOptions::polish_iterations);
    t["snap_constants"] = member(&SearchOptions::snap_constants);
    t["polish_rules"] = [](SearchOptions& o, const json& v) {
      using Rules = SearchOptions::PolishRules;
      static const std::map<std::string, bool Rules::*> fields{
          {"snap_phases", &Rules::snap_phases},         {"snap_pi", &Rules::snap_pi},
          {"expand_polynomials", &Rules::expand_polynomials}, {"drop_root_pairs", &Rules::drop_root_pairs},
          {"rewrite_forms", &Rules::rewrite_forms}};
      if (!v.is_object()) bad_type("", "an object of polishing rules", v);
      for (const auto& [name, on] : v.items()) {
        const auto f = fields.find(name);
        if (f == fields.end()) {
          std::string known;
          for (const auto& [k, _] : fields) known += (known.empty() ? "" : ", ") + k;
          throw std::invalid_argument("unknown polishing rule '" + name + "' (known: " + known + ")");
        }
        o.polish_rules.*(f->second) = boolean(name, on);
      }
    };
    t["precision"] = [](SearchOptions& o, const json& v) {
      const std::string p = text("", v);
      if (p != "float" && p != "double") bad_type("", "\"float\" or \"double\"", v);
      o.precision = p == "float" ? Precision::Float : Precision::Double;
    };
    t["batching"] = member(&SearchOptions::batching);
    t["batch_size"] = member(&SearchOptions::batch_size);
    t["fitness_cache"] = member(&SearchOptions::fitness_cache);
    t["seed"] = member(&SearchOptions::seed);
    t["threads"] = member(&SearchOptions::threads);
    t["warm_start"] = member(&SearchOptions::warm_start);
    return t;
  }();
  return table;
}

}  // namespace

std::vector<std::string> option_json_keys() {
  std::vector<std::string> keys;
  for (const auto& [k, _] : setters()) keys.push_back(k);
  return keys;
}

SearchOptions options_from_json(const nlohmann::json& j, SearchOptions base) {
  if (!j.is_object()) throw std::invalid_argument("search options: expected a JSON object, got " + j.dump());
  const auto& table = setters();
  for (const auto& [key, value] : j.items()) {
    const auto s = table.find(key);
    if (s == table.end()) {
      std::string known;
      for (const auto& [k, _] : table) known += (known.empty() ? "" : ", ") + k;
      throw std::invalid_argument("unknown search option '" + key + "' (known: " + known + ")");
    }
    try {
      s->second(base, value);
    } catch (const std::invalid_argument& e) {
      std::string message = e.what();
      // The member readers do not know their key; name it here.
      if (message.starts_with("option '': ")) message = "option '" + key + "': " + message.substr(11);
      throw std::invalid_argument(message);
    }
  }
  return base;
}

}  // namespace symtorch
