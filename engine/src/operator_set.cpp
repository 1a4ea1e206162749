#include "symtorch/engine/operator_set.hpp"

#include <stdexcept>

namespace symtorch {

OperatorSet OperatorSet::all() {
  OperatorSet s;
  s.everything_ = true;
  return s;
}

OperatorSet::OperatorSet(std::span<const Op> binary, std::span<const Op> unary)
    : binary_(binary.begin(), binary.end()), unary_(unary.begin(), unary.end()) {
  for (const Op op : binary) allowed_.set(static_cast<std::size_t>(op));
  for (const Op op : unary) allowed_.set(static_cast<std::size_t>(op));
}

bool OperatorSet::allows_all(std::span<const Op> ops) const {
  for (const Op op : ops)
    if (!allows(op)) return false;
  return true;
}

std::optional<Op> OperatorSet::first_outside(const Expression& e) const {
  if (everything_) return std::nullopt;
  for (const Node& n : e.nodes())
    if (!allows(n.op)) return n.op;
  return std::nullopt;
}

OperatorSet OperatorSet::with_unary(std::span<const Op> unary) const {
  if (everything_) return *this;
  return OperatorSet(binary_, unary);
}

std::string OperatorSet::describe() const {
  if (everything_) return "every operator";
  std::string out;
  for (const auto* list : {&binary_, &unary_})
    for (const Op op : *list) out += (out.empty() ? "" : ", ") + op_info(op).name;
  return out.empty() ? "none" : out;
}

void require_allowed(const Expression& e, const OperatorSet& allowed, const std::string& what) {
  if (const auto op = allowed.first_outside(e))
    throw std::invalid_argument(what + " uses the operator '" + op_info(*op).name +
                                "', which is not among the allowed operators (" + allowed.describe() + ")");
}

}  // namespace symtorch
