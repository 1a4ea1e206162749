// y = g(f): the islands fit f to g⁻¹(y). log(x³ + x² + x + 1) and
// sqrt(x1² + x2² − 2·x1·x2·cos(θ1 − θ2)) are hard to grow from the root down, but their insides
// are polynomials, found quickly on exp(y) and y². g is any unary operator the user allows that
// has a one-to-one inverse (OperatorInfo::inverse: sqrt, log, exp, cube, inv, tanh), applicable
// where g⁻¹(y) is finite (in float as well) and not constant. The islands leave g out of their
// subset: g(f) with g inside f again is rarely the law, and without it the subset has one fewer
// operator to wander through.
#include <cmath>

#include "view_kinds.hpp"

namespace symtorch::search_detail {
namespace {

class OuterView final : public ProblemView {
 public:
  explicit OuterView(Op g) : g_(g) {}
  ViewSpec spec() const override { return {"outer", {{"operator", op_info(g_).name}}}; }
  std::string describe(const std::vector<std::string>&) const override { return "y = " + op_info(g_).name + "(f)"; }
  Dataset transform(const Dataset& data) const override {
    Dataset out = data;
    for (double& v : out.target) v = op_info(g_).inverse(v);
    return out;
  }
  Expression restore(const Expression& f) const override { return Expression::unary(g_, f); }
  std::vector<Op> added_operators() const override { return {g_}; }
  IslandPolicy policy() const override { IslandPolicy p;
    p.without_unary = g_;
    return p; }

 private:
  Op g_;
};

class OuterKind final : public ViewKind {
 public:
  std::string name() const override { return "outer"; }
  std::vector<ViewPtr> applicable(const ViewContext& c) const override {
    // In the order the user lists the unary operators.
    std::vector<ViewPtr> out;
    for (const Op g : c.options.unary_operators) {
      if (!op_info(g).inverse || !c.allowed.allows(g)) continue;
      auto view = std::make_shared<OuterView>(g);
      if (searchable_target(view->transform(c.data).target)) out.push_back(std::move(view));
    }
    return out;
  }
  ViewPtr from_parameters(const nlohmann::json& p, const Dataset&) const override {
    if (!p.is_object() || !p.contains("operator") || !p.at("operator").is_string())
      throw std::runtime_error("an outer view needs an operator name");
    const auto g = OperatorRegistry::instance().find(p.at("operator").get<std::string>());
    if (!g || op_info(*g).arity != 1 || !op_info(*g).inverse)
      throw std::runtime_error("'" + p.at("operator").get<std::string>() + "' is not an invertible unary operator");
    return std::make_shared<OuterView>(*g);
  }
};

}  // namespace

const ViewKind& outer_view_kind() {
  static const OuterKind kind;
  return kind;
}

}  // namespace symtorch::search_detail
