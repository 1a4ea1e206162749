// Merged variables: where the hall of fame's accurate equations depend on two variables only
// through x_i·x_j, x_i/x_j, x_i + x_j or x_i − x_j (AI Feynman's symmetry tests, symmetry.hpp,
// with a found equation in place of a neural network), the subset islands search over the
// merged variable from then on, under every target view, and their finds are written out over
// the original variables. Merges only go further: a later, more symmetric equation can merge
// more (the driver keeps the merge with the fewest variables).
#include "../checkpoint.hpp"
#include "../symmetry.hpp"
#include "symtorch/engine/detail/parallel_for.hpp"
#include "symtorch/engine/printer.hpp"
#include "view_kinds.hpp"

namespace symtorch::search_detail {

Expression substitute_variables(const Expression& e, const std::vector<Expression>& definitions) {
  std::vector<Node> nodes;
  nodes.reserve(e.size());
  for (const Node& n : e.nodes()) {
    if (n.op != Op::Var) {
      nodes.push_back(n);
      continue;
    }
    const auto& d = definitions.at(n.feature).nodes();
    nodes.insert(nodes.end(), d.begin(), d.end());
  }
  return Expression(std::move(nodes));
}

namespace {

class MergeView final : public ProblemView {
 public:
  explicit MergeView(std::vector<Expression> variables) : variables_(std::move(variables)) {}
  ViewSpec spec() const override {
    nlohmann::json vars = nlohmann::json::array();
    for (const auto& v : variables_) vars.push_back(expression_to_json(v));
    return {"merge", {{"variables", vars}}};
  }
  std::string describe(const std::vector<std::string>& names) const override {
    std::string out;
    for (const auto& name : transformed_names(names)) out += (out.empty() ? "" : ", ") + name;
    return "merged variables (" + out + ")";
  }
  std::vector<std::string> transformed_names(const std::vector<std::string>& names) const override {
    std::vector<std::string> out;
    for (const auto& v : variables_) out.push_back(to_string(v, names));
    return out;
  }
  Dataset transform(const Dataset& data) const override {
    Dataset out;
    out.target_name = data.target_name;
    out.target = data.target;
    out.weights = data.weights;
    for (const auto& v : variables_) out.features.push_back(evaluate_on_rows(v, data));
    for (std::size_t k = 0; k < variables_.size(); ++k) out.feature_names.push_back("v" + std::to_string(k));
    return out;
  }
  Expression restore(const Expression& f) const override { return substitute_variables(f, variables_); }
  std::vector<Op> added_operators() const override {
    std::vector<Op> ops;
    for (const auto& v : variables_)
      for (const Node& n : v.nodes())
        if (!is_leaf(n.op) && std::find(ops.begin(), ops.end(), n.op) == ops.end()) ops.push_back(n.op);
    return ops;
  }
  std::size_t transformed_variables(std::size_t) const override { return variables_.size(); }

 private:
  std::vector<Expression> variables_;
};

class MergeKind final : public ViewKind {
 public:
  std::string name() const override { return "merge"; }
  Role role() const override { return Role::Variables; }
  // One merge per accurate equation that shows a symmetry, in the order given.
  std::vector<ViewPtr> applicable(const ViewContext& c) const override {
    const auto& equations = c.accurate_equations;
    std::vector<std::vector<Expression>> found(equations.size());
    parallel_for(std::size_t{0}, equations.size(),
                 [&](std::size_t i) { found[i] = merged_variables(equations[i], c.data, c.allowed); });
    std::vector<ViewPtr> out;
    for (auto& f : found)
      if (!f.empty()) out.push_back(std::make_shared<MergeView>(std::move(f)));
    return out;
  }
  ViewPtr from_parameters(const nlohmann::json& p, const Dataset& data) const override {
    if (!p.is_object() || !p.contains("variables") || !p.at("variables").is_array() || p.at("variables").empty())
      throw std::runtime_error("a merge view needs a list of variables");
    std::vector<Expression> vars;
    for (const auto& v : p.at("variables")) vars.push_back(expression_of_json(v, data, "a merged variable"));
    return std::make_shared<MergeView>(std::move(vars));
  }
};

}  // namespace

const ViewKind& merge_view_kind() {
  static const MergeKind kind;
  return kind;
}

}  // namespace symtorch::search_detail
