// The problem views of a search (views/problem_view.hpp) and their schedule
// (view_schedule.hpp): which view the subset islands search in the current epoch, its data
// and search context, the views found from the hall of fame (merged variables), and the
// restoring of the islands' finds as equations over the user's variables, judged on y.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "full_data_judge.hpp"
#include "search_context.hpp"
#include "search_state.hpp"
#include "view_schedule.hpp"
#include "views/problem_view.hpp"

namespace symtorch::search_detail {

template <typename T>
class ViewManager {
 public:
  ViewManager(const Dataset& data, const SearchOptions& options, FullDataJudge<T>& judge);

  // Whether this search uses views at all: epochs are on (subset_redraw_iterations > 0) and
  // there is no mini-batching (each restored find would need a full-data evaluation).
  bool active() const { return active_; }
  int epoch_of(int iteration) const;
  // The current epoch (its operator subset and view kind).
  const Epoch& epoch() const { return epoch_; }

  // Takes epoch `epoch`: its subset, and the view of its kind over the found views. Returns
  // whether the view changed.
  bool set_epoch(int epoch);
  // Continues a checkpointed search: the epoch's subset, with its view and the found views
  // rebuilt from their specs.
  void resume(int epoch, const std::optional<ViewSpec>& epoch_view, const std::vector<ViewSpec>& found);
  // Tests the hall of fame's accurate equations for views read off them (merges), each
  // equation once, and keeps one that goes further than the current one.
  void find_views(const HallOfFame& hof, double baseline_loss);

  // The view of this epoch; null when the subset islands search the user's problem.
  const ProblemView* view() const { return view_.get(); }
  // The search context of the view's data (valid while view() is not null).
  SearchContext<T>& context() { return *context_; }
  std::optional<ViewSpec> epoch_spec() const;
  std::vector<ViewSpec> found_specs() const;

  // Members of islands that search the view as equations over the user's variables (the
  // scaled form a·f + b written out where `scaled`, restored), with losses on y. Forms over
  // maxsize or against a constraint get an infinite loss (kept out of the hall of fame); each
  // distinct form is evaluated once per view.
  void restore(std::vector<Member>& members, bool scaled);

  // Records that an iteration searches the current view.
  void note_searched();
  // Descriptions of the views searched so far, in the order first searched ("y = sqrt(f)", ...).
  const std::vector<std::string>& searched() const { return searched_; }
  // Descriptions of the found views (merged variables), over the user's variable names.
  std::vector<std::string> found_descriptions(const std::vector<std::string>& names) const;

 private:
  const std::vector<ViewPtr>& applicable(const ViewKind& kind);
  void install(ViewPtr view);

  const Dataset& data_;
  const SearchOptions& options_;
  FullDataJudge<T>& judge_;
  OperatorSet allowed_;
  ViewSchedule schedule_;
  bool active_ = false;
  Epoch epoch_;
  ViewPtr view_;
  std::unique_ptr<Dataset> view_data_;
  std::unique_ptr<SearchContext<T>> context_;
  LossCache restored_;  // loss on y, by hash of the restored equation, for this view
  ViewPtr merge_;       // the found variables view, if any
  std::unique_ptr<Dataset> merged_data_;
  // Applicable views per target kind, computed when first needed (again after a new merge for
  // kinds applied over the merged variables).
  std::vector<std::pair<const ViewKind*, std::vector<ViewPtr>>> applicable_;
  std::unordered_set<std::uint64_t> tested_;  // hall-of-fame equations tested for merges
  std::vector<std::string> searched_;
  bool described_ = false;  // the current view is in searched_
  std::vector<std::string> names_;
};

extern template class ViewManager<float>;
extern template class ViewManager<double>;

}  // namespace symtorch::search_detail
