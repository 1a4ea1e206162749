#include "symtorch/jit/lowering.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "symtorch/engine/derivative.hpp"
#include "symtorch/engine/parser.hpp"

namespace symtorch::jit {

std::string_view c_type_name(ScalarType t) { return t == ScalarType::Float32 ? "float" : "double"; }

ScalarType parse_scalar_type(std::string_view text) {
  if (text == "float" || text == "float32" || text == "f32") return ScalarType::Float32;
  if (text == "double" || text == "float64" || text == "f64") return ScalarType::Float64;
  throw std::invalid_argument("unknown scalar type '" + std::string(text) + "' (expected float or double)");
}

std::size_t scalar_size(ScalarType t) { return t == ScalarType::Float32 ? 4 : 8; }

EquationSet parse_equations(const std::vector<std::string>& texts, const std::vector<std::string>& variables) {
  EquationSet set;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      set.outputs.push_back(parse_expression(texts[i], variables));
    } catch (const ParseError& e) {
      throw ParseError("equation " + std::to_string(i + 1) + " '" + texts[i] + "': " + e.what(), e.column(),
                       e.token());
    }
  }
  if (!variables.empty()) {
    set.num_inputs = static_cast<std::uint32_t>(variables.size());
    set.input_names = variables;
  } else {
    for (const Expression& e : set.outputs) set.num_inputs = std::max(set.num_inputs, e.max_feature());
    for (std::uint32_t k = 0; k < set.num_inputs; ++k) set.input_names.push_back("x" + std::to_string(k));
  }
  return set;
}

std::size_t KernelSpec::num_outputs() const {
  std::size_t m = equations.outputs.size();
  return derivatives ? m * (1 + equations.num_inputs) : m;
}

namespace {

bool is_c_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
  return true;
}

// Functions the generated code may call (scalar tails of vectorised math, and what LLVM turns
// loops into). A kernel with one of these names would be called instead of the library function,
// by itself in the JIT and by everyone in a process that loads an exported library.
bool shadows_library_function(const std::string& name) {
  static const char* const names[] = {"sin",  "cos",  "tan",  "tanh",  "exp",    "exp2",   "log",    "pow",
                                      "sqrt", "fabs", "sinf", "cosf",  "tanf",   "tanhf",  "expf",   "exp2f",
                                      "logf", "powf", "sqrtf", "fabsf", "memset", "memcpy", "memmove"};
  for (const char* n : names)
    if (name == n) return true;
  return name.rfind("_ZGV", 0) == 0;
}

std::string input_name(const EquationSet& set, std::uint32_t k) {
  return k < set.input_names.size() ? set.input_names[k] : "x" + std::to_string(k);
}

}  // namespace

void validate(const KernelSpec& spec) {
  const EquationSet& set = spec.equations;
  if (!is_c_identifier(spec.name))
    throw std::invalid_argument("kernel name '" + spec.name + "' is not a C identifier");
  if (shadows_library_function(spec.name))
    throw std::invalid_argument("kernel name '" + spec.name +
                                "' is a C library function the generated code calls; choose another name");
  if (set.outputs.empty()) throw std::invalid_argument("kernel '" + spec.name + "' has no equations");
  if (!set.input_names.empty() && set.input_names.size() != set.num_inputs)
    throw std::invalid_argument("kernel '" + spec.name + "' has " + std::to_string(set.num_inputs) + " inputs but " +
                                std::to_string(set.input_names.size()) + " input names");
  for (std::size_t i = 0; i < set.outputs.size(); ++i) {
    const Expression& e = set.outputs[i];
    const std::string where = "equation " + std::to_string(i + 1) + " of kernel '" + spec.name + "'";
    if (e.empty()) throw std::invalid_argument(where + " is empty");
    try {
      Expression copy = e;
      copy.update_lengths();
      if (copy.nodes().back().length != copy.size()) throw std::invalid_argument("leftover operands");
    } catch (const std::invalid_argument& err) {
      throw std::invalid_argument(where + " is not a valid postfix tree: " + err.what());
    }
    for (const Node& n : e.nodes()) {
      if (n.op == Op::Var && n.feature >= set.num_inputs)
        throw std::invalid_argument(where + " uses input " + input_name(set, n.feature) + " (index " +
                                    std::to_string(n.feature) + ") but the kernel has " +
                                    std::to_string(set.num_inputs) + " inputs");
      if (is_user_op(n.op))
        throw std::invalid_argument(where + " uses the user operator '" + op_info(n.op).name +
                                    "', which the JIT cannot compile (only built-in operators)");
    }
  }
}

std::vector<Expression> kernel_outputs(const KernelSpec& spec) {
  std::vector<Expression> out = spec.equations.outputs;
  if (spec.derivatives) {
    for (const Expression& f : spec.equations.outputs)
      for (std::uint32_t k = 0; k < spec.equations.num_inputs; ++k) out.push_back(derivative(f, k));
  }
  return out;
}

ExpressionDag build_dag(const KernelSpec& spec) {
  validate(spec);
  auto outputs = kernel_outputs(spec);
  return ExpressionDag(outputs, spec.equations.num_inputs);
}

}  // namespace symtorch::jit
