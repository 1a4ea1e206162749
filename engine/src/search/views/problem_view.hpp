// Problem views: the search problem the operator-subset islands are given in place of the
// user's, and how what they find is written back as an equation over the user's variables,
// judged on y. Equations such as log(x³ + x² + x + 1), Planck's u/(exp(u/v) − 1) or an
// oscillation under x³·e⁻ˣ are hard to grow from the root down, yet their parts are plain
// functions, found quickly on a transformed problem:
// - outer (outer_view.cpp):          fit f to g⁻¹(y), report g(f)
// - numerator (numerator_view.cpp):  fit f to x_k / y, report x_k / f
// - envelope (envelope_view.cpp):    fit f to y / h (weighted by h²), report h·f
// - merge (merge_view.cpp):          fit f over merged variables such as x_i·x_j, report f with
//                                    them written out
// A view kind (ViewKind) says which views of it apply to the data (and, for merges, to the
// hall of fame); the schedule (view_schedule.hpp) says which kind the islands search in each
// epoch. A view is data (ViewSpec: kind and parameters): checkpoints store it as such, so a new
// kind needs no change of the checkpoint format. A view applies only where its restore uses
// operators the user allowed.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/expression.hpp"
#include "symtorch/engine/operator_set.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

struct ViewSpec {
  std::string kind;
  nlohmann::json parameters;  // kind-specific; null where the kind has none
  bool operator==(const ViewSpec&) const = default;
};

// How the islands that search a view are run.
struct IslandPolicy {
  bool every_unary = false;          // every unary operator, not the epoch's subset
  std::optional<Op> without_unary;   // the epoch's subset less this operator
  bool linear_scaling = false;       // judge candidates as a·f + b (where * and + are allowed)
  bool operator==(const IslandPolicy&) const = default;
};

class ProblemView {
 public:
  virtual ~ProblemView() = default;
  virtual ViewSpec spec() const = 0;
  // For reports: "y = sqrt(f)", "y = h * omega / f", "merged h * omega, kb * T", where `names`
  // are the names of the variables of the data the view transforms.
  virtual std::string describe(const std::vector<std::string>& names) const = 0;
  // The names of the transformed data's variables, given those of the data.
  virtual std::vector<std::string> transformed_names(const std::vector<std::string>& names) const { return names; }
  // The number of variables of the transformed data, given that of the data.
  virtual std::size_t transformed_variables(std::size_t n) const { return n; }
  // The data the islands search: the same rows with the target, variables or weights changed.
  virtual Dataset transform(const Dataset& data) const = 0;
  // f, found on transform(data), as an equation over data's variables for y.
  virtual Expression restore(const Expression& f) const = 0;
  // The operators restore() adds to f.
  virtual std::vector<Op> added_operators() const = 0;
  virtual IslandPolicy policy() const { return {}; }
  // The complexity restore() adds at the root: room to leave for it under maxsize.
  int root_complexity() const;
};

using ViewPtr = std::shared_ptr<const ProblemView>;

// Views applied in turn: transform by the first, then the second, ...; restore in reverse.
// The islands follow every part's policy (a target view with merged variables).
class ChainView final : public ProblemView {
 public:
  explicit ChainView(std::vector<ViewPtr> parts);
  ViewSpec spec() const override;
  std::string describe(const std::vector<std::string>& names) const override;
  Dataset transform(const Dataset& data) const override;
  Expression restore(const Expression& f) const override;
  std::vector<Op> added_operators() const override;
  IslandPolicy policy() const override;
  const std::vector<ViewPtr>& parts() const { return parts_; }

 private:
  std::vector<ViewPtr> parts_;
};

// What a kind's applicability depends on.
struct ViewContext {
  const Dataset& data;              // the problem the view would transform
  const OperatorSet& allowed;       // the user's operators
  const SearchOptions& options;
  // For kinds read off found equations (merge): accurate hall-of-fame equations, best first.
  std::vector<Expression> accurate_equations{};
};

class ViewKind {
 public:
  enum class Role {
    Target,     // scheduled per epoch (view_schedule.hpp)
    Variables,  // found once from the hall of fame, then under every target view
  };
  virtual ~ViewKind() = default;
  virtual std::string name() const = 0;
  virtual Role role() const { return Role::Target; }
  // Whether a target view of this kind applies to the problem over merged variables (its
  // parameters name one of them) rather than to the user's variables. The chain is then
  // (merge, view), else (view, merge).
  virtual bool over_merged_variables() const { return false; }
  // The views of this kind that apply, in the order epochs take them (empty: none applies;
  // the epoch then searches the user's problem). Only views whose added operators are allowed.
  virtual std::vector<ViewPtr> applicable(const ViewContext& context) const = 0;
  // The view of spec.parameters over `data` (checkpoints). Throws std::runtime_error naming
  // what is malformed.
  virtual ViewPtr from_parameters(const nlohmann::json& parameters, const Dataset& data) const = 0;
};

// Every view kind, in one list: a new kind is a file that defines it and one line here
// (problem_view.cpp).
const std::vector<const ViewKind*>& view_kinds();
// The kind named `name`, or null.
const ViewKind* find_view_kind(const std::string& name);
// The view of a spec (a chain's parts in turn). Throws std::runtime_error for an unknown kind.
ViewPtr view_from_spec(const ViewSpec& spec, const Dataset& data);

// --- helpers shared by the views ---

// e on each row of `data` (reference evaluation in double).
std::vector<double> evaluate_on_rows(const Expression& e, const Dataset& data);
// Whether a transformed target z can be searched: the islands evaluate in float, so it must be
// finite there too, and it must not be constant.
bool searchable_target(const std::vector<double>& z);
// An expression from JSON (checkpoint.hpp's postfix tokens) over data's variables; throws
// std::runtime_error naming `what` where it is malformed.
Expression expression_of_json(const nlohmann::json& j, const Dataset& data, const std::string& what);

}  // namespace symtorch::search_detail
