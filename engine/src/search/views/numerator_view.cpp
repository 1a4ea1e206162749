// y = v_k / f: the islands fit f to v_k / y, for each variable v_k of the problem in turn
// (merged ones included). A quotient whose denominator holds the numerator's variable, as
// Planck's u/(exp(u/v) − 1), is hard to grow; u/y = exp(u/v) − 1 is not. With linear scaling
// (SearchOptions::scale_numerator_views, where * and + are allowed), since v_k / y comes with
// a free scale and offset (u/y = 2π·exp(u/(2π·v)) − 2π for Planck's law).
#include "view_kinds.hpp"

namespace symtorch::search_detail {
namespace {

class NumeratorView final : public ProblemView {
 public:
  NumeratorView(std::uint32_t k, bool scaled) : k_(k), scaled_(scaled) {}
  ViewSpec spec() const override { return {"numerator", {{"variable", k_}, {"scaled", scaled_}}}; }
  std::string describe(const std::vector<std::string>& names) const override {
    return "y = " + names.at(k_) + " / f";
  }
  Dataset transform(const Dataset& data) const override {
    Dataset out = data;
    const auto& v = data.features.at(k_);
    for (std::size_t i = 0; i < out.target.size(); ++i) out.target[i] = v[i] / data.target[i];
    return out;
  }
  Expression restore(const Expression& f) const override {
    return Expression::binary(Op::Div, Expression::variable(k_), f);
  }
  std::vector<Op> added_operators() const override { return {Op::Div}; }
  IslandPolicy policy() const override { IslandPolicy p;
    p.linear_scaling = scaled_;
    return p; }

 private:
  std::uint32_t k_;
  bool scaled_;
};

class NumeratorKind final : public ViewKind {
 public:
  std::string name() const override { return "numerator"; }
  bool over_merged_variables() const override { return true; }
  std::vector<ViewPtr> applicable(const ViewContext& c) const override {
    std::vector<ViewPtr> out;
    if (!c.allowed.allows(Op::Div)) return out;
    const bool scaled = c.options.scale_numerator_views && c.allowed.allows(Op::Mul) && c.allowed.allows(Op::Add);
    for (std::uint32_t k = 0; k < c.data.num_features(); ++k) {
      auto view = std::make_shared<NumeratorView>(k, scaled);
      if (searchable_target(view->transform(c.data).target)) out.push_back(std::move(view));
    }
    return out;
  }
  ViewPtr from_parameters(const nlohmann::json& p, const Dataset& data) const override {
    if (!p.is_object() || !p.contains("variable") || !p.at("variable").is_number_integer() || p.at("variable").get<long long>() < 0 || !p.contains("scaled") ||
        !p.at("scaled").is_boolean())
      throw std::runtime_error("a numerator view needs a variable index and a scaled flag");
    const auto k = p.at("variable").get<std::uint32_t>();
    if (k >= data.num_features())
      throw std::runtime_error("numerator view of variable " + std::to_string(k) + " of " +
                               std::to_string(data.num_features()));
    return std::make_shared<NumeratorView>(k, p.at("scaled").get<bool>());
  }
};

}  // namespace

const ViewKind& numerator_view_kind() {
  static const NumeratorKind kind;
  return kind;
}

}  // namespace symtorch::search_detail
