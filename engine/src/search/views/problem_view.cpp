#include "problem_view.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "../checkpoint.hpp"
#include "view_kinds.hpp"

namespace symtorch::search_detail {

int ProblemView::root_complexity() const {
  const Expression leaf = Expression::constant(1);  // restore() leaves a constant as it is
  return restore(leaf).complexity() - leaf.complexity();
}

ChainView::ChainView(std::vector<ViewPtr> parts) : parts_(std::move(parts)) {
  if (parts_.empty()) throw std::invalid_argument("a chain of views needs at least one view");
}

ViewSpec ChainView::spec() const {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : parts_) {
    const ViewSpec s = p->spec();
    parts.push_back({{"kind", s.kind}, {"parameters", s.parameters}});
  }
  return {"chain", parts};
}

std::string ChainView::describe(const std::vector<std::string>& names) const {
  std::string out;
  std::vector<std::string> over = names;
  for (const auto& p : parts_) {
    out += (out.empty() ? "" : " with ") + p->describe(over);
    over = p->transformed_names(over);
  }
  return out;
}

Dataset ChainView::transform(const Dataset& data) const {
  Dataset out = parts_.front()->transform(data);
  for (std::size_t i = 1; i < parts_.size(); ++i) out = parts_[i]->transform(out);
  return out;
}

Expression ChainView::restore(const Expression& f) const {
  Expression out = f;
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) out = (*it)->restore(out);
  return out;
}

IslandPolicy ChainView::policy() const {
  IslandPolicy out;
  for (const auto& p : parts_) {
    const IslandPolicy q = p->policy();
    out.every_unary |= q.every_unary;
    out.linear_scaling |= q.linear_scaling;
    if (q.without_unary) out.without_unary = q.without_unary;
  }
  return out;
}

std::vector<Op> ChainView::added_operators() const {
  std::vector<Op> out;
  for (const auto& p : parts_)
    for (const Op op : p->added_operators())
      if (std::find(out.begin(), out.end(), op) == out.end()) out.push_back(op);
  return out;
}

const std::vector<const ViewKind*>& view_kinds() {
  // The order is the order of reports; the schedule names kinds, it does not depend on it.
  static const std::vector<const ViewKind*> kinds{&outer_view_kind(), &numerator_view_kind(), &envelope_view_kind(),
                                                  &merge_view_kind()};
  return kinds;
}

const ViewKind* find_view_kind(const std::string& name) {
  for (const ViewKind* k : view_kinds())
    if (k->name() == name) return k;
  return nullptr;
}

ViewPtr view_from_spec(const ViewSpec& spec, const Dataset& data) {
  if (spec.kind == "chain") {
    if (!spec.parameters.is_array() || spec.parameters.empty())
      throw std::runtime_error("a chain view needs a non-empty list of parts");
    std::vector<ViewPtr> parts;
    Dataset over = data;
    for (const auto& part : spec.parameters) {
      if (!part.is_object() || !part.contains("kind") || !part.at("kind").is_string())
        throw std::runtime_error("a part of a chain view needs a kind");
      parts.push_back(view_from_spec({part.at("kind").get<std::string>(), part.value("parameters", nlohmann::json())}, over));
      over = parts.back()->transform(over);
    }
    return std::make_shared<ChainView>(std::move(parts));
  }
  const ViewKind* kind = find_view_kind(spec.kind);
  if (!kind) throw std::runtime_error("unknown problem view '" + spec.kind + "'");
  return kind->from_parameters(spec.parameters, data);
}

std::vector<double> evaluate_on_rows(const Expression& e, const Dataset& data) {
  std::vector<double> out(data.rows()), row(data.num_features());
  for (std::size_t i = 0; i < data.rows(); ++i) {
    for (std::size_t k = 0; k < row.size(); ++k) row[k] = data.features[k][i];
    out[i] = evaluate_reference(e, row);
  }
  return out;
}

bool searchable_target(const std::vector<double>& z) {
  constexpr double kFloatMax = static_cast<double>(std::numeric_limits<float>::max());
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : z) {
    if (!std::isfinite(v) || std::abs(v) > kFloatMax) return false;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi > lo;
}

Expression expression_of_json(const nlohmann::json& j, const Dataset& data, const std::string& what) {
  Expression e;
  try {
    e = expression_from_json(j);
  } catch (const std::exception& error) {
    throw std::runtime_error(what + ": " + error.what());
  }
  if (e.empty()) throw std::runtime_error(what + " is empty");
  for (const Node& n : e.nodes())
    if (n.op == Op::Var && n.feature >= data.num_features())
      throw std::runtime_error(what + " uses variable " + std::to_string(n.feature) + " of " +
                               std::to_string(data.num_features()));
  return e;
}

}  // namespace symtorch::search_detail
